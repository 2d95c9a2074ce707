"""motifrep: reproduce Koo & Eddy 2019 and Koo & Ploenzke 2021 as a Snakemake workflow.

The package holds all logic; the Snakemake scripts in ``workflow/scripts`` only unpack
``snakemake.input/output/params`` and call functions from here.
"""

__version__ = "0.1.0"

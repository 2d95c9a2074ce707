"""Export a JASPAR collection from pyjaspar (offline) to MEME format."""

from motifrep.motifs.jaspar import export_jaspar
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: export_jaspar(sm.output[0], sm.params.release, sm.params.collection, sm.params.tax_group),
)

"""Export the JASPAR collection filters are compared with (config tomtom.database) as MEME."""

from motifrep.motifs.database import export_database
from motifrep.runner import run_script

run_script(snakemake, lambda sm: export_database(sm.params.database, sm.output[0]))

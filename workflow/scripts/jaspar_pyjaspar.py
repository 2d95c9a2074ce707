"""Export a JASPAR collection from pyjaspar (offline) to MEME format."""

from motifrep.steps import export_jaspar, run_script

run_script(
    snakemake,
    lambda sm: export_jaspar(sm.output[0], sm.params.release, sm.params.collection, sm.params.tax_group),
)

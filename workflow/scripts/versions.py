"""Record the library versions used for the results."""

from motifrep.steps import run_script, write_versions

run_script(snakemake, lambda sm: write_versions(sm.output[0]))

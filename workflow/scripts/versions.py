"""Record the library versions used for the results."""

from motifrep.runner import run_script
from motifrep.versions import write_versions

run_script(snakemake, lambda sm: write_versions(sm.output[0], sm.config["training"].get("backend")))

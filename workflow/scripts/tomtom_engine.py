"""Check the Tomtom engine once (and compile memelite into the numba cache)."""

from motifrep.runner import run_script
from motifrep.motifs.tomtom import prepare_tomtom

run_script(
    snakemake,
    lambda sm: prepare_tomtom(sm.params.engine, sm.config["tomtom"]["numba_cache"], sm.output[0]),
)

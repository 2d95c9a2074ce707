"""Check the Tomtom engine once (and compile memelite into the numba cache)."""

from motifrep.steps import prepare_tomtom, run_script

run_script(
    snakemake,
    lambda sm: prepare_tomtom(sm.params.engine, sm.config["tomtom"]["numba_cache"], sm.output[0]),
)

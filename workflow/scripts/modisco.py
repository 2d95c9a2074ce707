"""TF-MoDISco on one attribution map, its patterns matched to JASPAR and scored (methods §6.5)."""

from pathlib import Path

from motifrep.interpret.discovery import discover_motifs
from motifrep.runner import run_script


def main(sm):
    discover_motifs(
        maps_path=sm.input.maps,
        data_path=sm.input.data,
        jaspar=sm.input.jaspar,
        out_dir=Path(sm.output.score).parent,
        settings=sm.params.settings,
        tomtom=sm.params.tomtom,
        tf_table=sm.input.tf_table,
        allow_empty=True,  # a run without patterns is a result (0 TFs recovered), not a failure
        threads=sm.threads,
        numba_cache=sm.config["tomtom"]["numba_cache"],  # changes no result: not a param
    )


run_script(snakemake, main)

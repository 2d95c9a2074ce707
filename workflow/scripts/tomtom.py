"""Compare filters with JASPAR (Tomtom; memelite or the MEME binary)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import compare_filters, run_script  # noqa: E402


def main(sm):
    t = sm.params.tomtom
    compare_filters(
        filters_meme=sm.input.filters,
        jaspar_meme=sm.input.jaspar,
        out_tsv=sm.output[0],
        engine=t["engine"],
        thresh=t["thresh"],
        pseudocount=t["pseudocount"],
        numba_cache=t["numba_cache"],
        threads=sm.threads,
    )


run_script(snakemake, main)

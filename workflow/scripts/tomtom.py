"""Compare filters with JASPAR (Tomtom; memelite or the MEME binary)."""

from motifrep.runner import run_script
from motifrep.motifs.tomtom import compare_filters


def main(sm):
    t = sm.params.tomtom
    compare_filters(
        filters_meme=sm.input.filters,
        jaspar_meme=sm.input.jaspar,
        out_tsv=sm.output[0],
        engine=t["engine"],
        thresh=t["thresh"],
        pseudocount=t["pseudocount"],
        min_overlap=t["min_overlap"],
        numba_cache=sm.config["tomtom"]["numba_cache"],  # changes no result: not a param
        threads=sm.threads,
    )


run_script(snakemake, main)

"""Simulate a binary "regulatory code" data set (methods §1.5, P2 task 3)."""

from motifrep.datasets.regulatory import build_regulatory_set
from motifrep.runner import run_script


def main(sm):
    spec = sm.params.spec
    build_regulatory_set(
        jaspar_meme=sm.input.jaspar,
        core_table=sm.input.core_table,
        pool_table=sm.input.pool,
        out=sm.output[0],
        n_positive=spec["n_positive"],
        n_negative=spec["n_negative"],
        length=spec["length"],
        motif_count_probs=spec["motif_count_probs"],
        min_motifs=spec["min_motifs"],
        split=spec["split"],
        seed=spec["seed"],
        config=dict(spec),
    )


run_script(snakemake, main)

"""Simulate the synthetic multitask data set (SPEC 1.2)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import run_script, simulate_synthetic  # noqa: E402


def main(sm):
    sim = sm.params.simulation
    simulate_synthetic(
        jaspar_meme=sm.input.jaspar,
        tf_table=sm.input.tf_table,
        out=sm.output[0],
        n_sequences=sim["n_sequences"],
        length=sim["length"],
        motif_count_probs=sim["motif_count_probs"],
        split=sim["split"],
        seed=sim["seed"],
        config=dict(sim),
    )


run_script(snakemake, main)

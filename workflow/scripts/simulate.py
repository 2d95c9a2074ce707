"""Simulate a synthetic multitask data set (methods §1.4)."""

from motifrep.runner import run_script
from motifrep.datasets.simulate import simulate_synthetic


def main(sm):
    spec = sm.params.spec
    simulate_synthetic(
        jaspar_meme=sm.input.jaspar,
        tf_table=sm.input.tf_table,
        out=sm.output[0],
        n_sequences=spec["n_sequences"],
        length=spec["length"],
        motif_count_probs=spec["motif_count_probs"],
        split=spec["split"],
        seed=spec["seed"],
        config=dict(spec),
    )


run_script(snakemake, main)

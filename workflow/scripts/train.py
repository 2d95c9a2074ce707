"""Train one (model, trial) and evaluate it on the test set."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import run_script  # noqa: E402
from motifrep.train import train  # noqa: E402


def main(sm):
    t = sm.params.training
    train(
        data_path=sm.input.data,
        model_name=sm.wildcards.model,
        blocks=sm.params.blocks,
        out_model=sm.output.model,
        out_history=sm.output.history,
        out_metrics=sm.output.metrics,
        trial=int(sm.wildcards.trial),
        seed=sm.params.seed,
        epochs=t["epochs"],
        patience=t["patience"],
        batch_size=t["batch_size"],
        learning_rate=t["learning_rate"],
        l2=t["l2"],
        init=t["init"],
        threads=sm.threads,
        in_memory_max_gb=t["in_memory_max_gb"],
        deterministic=t["deterministic"],
    )


run_script(snakemake, main)

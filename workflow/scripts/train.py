"""Train one (data set, model, first-layer activation, trial) and evaluate it on the test set."""

from motifrep.runner import run_script
from motifrep.nn.train import train


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
        activation=sm.wildcards.activation,
        dataset=sm.wildcards.dataset,
        epochs=t["epochs"],
        patience=t["patience"],
        monitor=t["monitor"],
        lr_plateau=t["lr_plateau"],
        batch_size=t["batch_size"],
        learning_rate=t["learning_rate"],
        l2=t["l2"],
        init=t["init"],
        min_positives=t["min_positives"],
        require_gpu=sm.config["training"]["require_gpu"],  # an execution policy, not a result: not a param
        threads=sm.threads,
        in_memory_max_gb=sm.config["training"]["in_memory_max_gb"],  # same batches either way: not a param
        deterministic=t["deterministic"],
        mixed_precision=t["mixed_precision"],
        backend=t["backend"],
    )


run_script(snakemake, main)

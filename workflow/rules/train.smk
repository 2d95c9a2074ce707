rule train:
    input:
        data=DATA,
    output:
        model=f"{RUN}/model.keras",
        history=f"{RUN}/history.tsv",
        metrics=f"{RUN}/metrics.json",
    log:
        "logs/train/{dataset}/{model}/{activation}/trial_{trial}.log",
    conda:
        GPU_ENV
    threads: config["training"]["threads"]
    resources:
        gpu=1,
        mem_mb=config["training"]["mem_mb"],
        runtime=config["training"]["runtime"],
    params:
        blocks=lambda wildcards: ZOO[wildcards.model],
        seed=lambda wildcards: run_of(wildcards)["training"]["seed"]
        + int(wildcards.trial),
        training=lambda wildcards: run_of(wildcards)["training"],
    script:
        "../scripts/train.py"

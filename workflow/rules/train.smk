rule train:
    input:
        data=SYNTHETIC,
    output:
        model=f"{RUN}/model.keras",
        history=f"{RUN}/history.tsv",
        metrics=f"{RUN}/metrics.json",
    log:
        "logs/train/{model}/trial_{trial}.log",
    conda:
        ENV
    threads: config["training"]["threads"]
    resources:
        gpu=1,
        mem_mb=config["training"]["mem_mb"],
        runtime=config["training"]["runtime"],
    params:
        blocks=lambda wildcards: ZOO[wildcards.model],
        seed=lambda wildcards: config["training"]["seed"] + int(wildcards.trial),
        training=config["training"],
    script:
        "../scripts/train.py"

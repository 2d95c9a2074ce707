rule filter_pwms:
    input:
        model=f"{RUN}/model.keras",
        data=SYNTHETIC,
    output:
        clipped=FILTERS,
        full=f"{RUN}/filters/layer{{layer}}_unclipped.meme",
    log:
        "logs/filters/{model}/trial_{trial}_layer{layer}.log",
    conda:
        ENV
    threads: config["filters"]["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        filters=config["filters"],
    script:
        "../scripts/filter_pwms.py"


rule tomtom_engine:
    output:
        "results/tomtom_engine.tsv",
    log:
        "logs/tomtom/engine.log",
    conda:
        TOMTOM_ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        tomtom=config["tomtom"],
    script:
        "../scripts/tomtom_engine.py"


rule tomtom:
    input:
        filters=FILTERS,
        jaspar=JASPAR_MEME,
        engine="results/tomtom_engine.tsv",
    output:
        TOMTOM,
    log:
        "logs/tomtom/{model}/trial_{trial}_layer{layer}.log",
    conda:
        TOMTOM_ENV
    threads: config["tomtom"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        tomtom=config["tomtom"],
    script:
        "../scripts/tomtom.py"

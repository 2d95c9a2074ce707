rule filter_pwms:
    input:
        model=f"{RUN}/model.keras",
        data=DATA,
    output:
        clipped=FILTERS,
        full=f"{RUN}/filters/layer{{layer}}_unclipped.meme",
        sites=f"{RUN}/filters/layer{{layer}}_sites.tsv",
    log:
        "logs/filters/{dataset}/{model}/{activation}/trial_{trial}_layer{layer}.log",
    conda:
        ENV
    threads: config["filters"]["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        filters=lambda wildcards: run_of(wildcards)["filters"],
    script:
        "../scripts/filter_pwms.py"


rule tomtom_engine:
    output:
        "results/tomtom_engine.tsv",
    log:
        "logs/tomtom/engine.log",
    conda:
        TOMTOM_ENV
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        engine=config["tomtom"]["engine"],
    script:
        "../scripts/tomtom_engine.py"


rule tomtom:
    input:
        filters=FILTERS,
        jaspar=COMPARISON_DB,
        engine="results/tomtom_engine.tsv",
    output:
        TOMTOM,
    log:
        "logs/tomtom/{dataset}/{model}/{activation}/trial_{trial}_layer{layer}.log",
    conda:
        TOMTOM_ENV
    threads: config["tomtom"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        tomtom={
            k: config["tomtom"][k]
            for k in ("engine", "thresh", "pseudocount", "min_overlap")
        },
    script:
        "../scripts/tomtom.py"


rule filter_report:
    input:
        unclipped=f"{RUN}/filters/layer{{layer}}_unclipped.meme",
        clipped=FILTERS,
        sites=f"{RUN}/filters/layer{{layer}}_sites.tsv",
        tomtom=TOMTOM,
        jaspar=COMPARISON_DB,
        tf_table=dataset_tf_table,
    output:
        filters=FILTER_REPORT,
        tfs=f"{RUN}/filters/layer{{layer}}_tfs.tsv",
    log:
        "logs/filters/{dataset}/{model}/{activation}/trial_{trial}_layer{layer}_report.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/filter_report.py"

rule simulate_multitask:
    input:
        jaspar=JASPAR_MEME,
        tf_table=lambda wildcards: dataset_file(wildcards.dataset, "tf_table"),
    output:
        DATA,
    log:
        "logs/simulate/{dataset}.log",
    wildcard_constraints:
        dataset=_alternatives(datasets_of("multitask")),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        spec=lambda wildcards: DATASETS[wildcards.dataset],
    script:
        "../scripts/simulate.py"


rule simulate_regulatory:
    input:
        jaspar=JASPAR_MEME,
        core_table=lambda wildcards: dataset_file(wildcards.dataset, "core_table"),
        pool=lambda wildcards: dataset_file(wildcards.dataset, "pool"),
    output:
        DATA,
    log:
        "logs/simulate/{dataset}.log",
    wildcard_constraints:
        dataset=_alternatives(datasets_of("regulatory")),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        spec=lambda wildcards: DATASETS[wildcards.dataset],
    script:
        "../scripts/simulate_regulatory.py"

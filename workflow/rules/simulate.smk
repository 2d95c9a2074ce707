rule simulate_multitask:
    input:
        jaspar=JASPAR_MEME,
        tf_table=dataset_input("tf_table"),
    output:
        DATA,
    log:
        "logs/simulate/{dataset}.log",
    wildcard_constraints:
        dataset=_alternatives(datasets_of("multitask")),
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        spec=dataset_spec,
    script:
        "../scripts/simulate.py"


rule simulate_regulatory:
    input:
        jaspar=JASPAR_MEME,
        core_table=dataset_input("core_table"),
        pool=dataset_input("pool"),
    output:
        DATA,
    log:
        "logs/simulate/{dataset}.log",
    wildcard_constraints:
        dataset=_alternatives(datasets_of("regulatory")),
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        spec=dataset_spec,
    script:
        "../scripts/simulate_regulatory.py"

rule classification_table:
    input:
        expand(f"{RUN}/metrics.json", model=MODELS, trial=TRIALS),
    output:
        table=report(
            "results/tables/classification.tsv",
            caption="../report/classification.rst",
            category="Classification",
        ),
        summary=report(
            "results/tables/classification_summary.tsv",
            caption="../report/classification_summary.rst",
            category="Classification",
        ),
    log:
        "logs/tables/classification.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=MODELS,
    script:
        "../scripts/classification_table.py"


rule versions:
    output:
        report(
            "results/versions.tsv",
            caption="../report/versions.rst",
            category="Provenance",
        ),
    log:
        "logs/versions.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/versions.py"

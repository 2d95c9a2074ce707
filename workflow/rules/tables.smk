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


rule match_statistics:
    input:
        filters=[
            FILTERS.format(model=m, trial=t, layer=l) for m, t, l in analysed_runs()
        ],
        tomtom=[TOMTOM.format(model=m, trial=t, layer=l) for m, t, l in analysed_runs()],
        tf_table=resolve_path(config["simulation"]["tf_table"]),
    output:
        table=report(
            "results/tables/match_statistics.tsv",
            caption="../report/match_statistics.rst",
            category="Filter matches",
        ),
        summary=report(
            "results/tables/match_summary.tsv",
            caption="../report/match_statistics.rst",
            category="Filter matches",
        ),
    log:
        "logs/tables/match_statistics.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=[
            dict(
                model=m,
                trial=t,
                layer=l,
                filters=FILTERS.format(model=m, trial=t, layer=l),
                tomtom=TOMTOM.format(model=m, trial=t, layer=l),
            )
            for m, t, l in analysed_runs()
        ],
        order=MODELS,
    script:
        "../scripts/match_statistics.py"


rule table1:
    input:
        classification="results/tables/classification.tsv",
        matches="results/tables/match_statistics.tsv",
        published=resolve_path(config["published"]),
    output:
        tsv=report(
            "results/tables/table1.tsv",
            caption="../report/table1.rst",
            category="Table 1",
        ),
        md="results/tables/table1.md",
    log:
        "logs/tables/table1.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=MODELS,
    script:
        "../scripts/table1.py"

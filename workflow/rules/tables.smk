rule classification_table:
    input:
        experiment_metrics,
    output:
        table=report(
            f"{EXP}/classification.tsv",
            caption="../report/classification.rst",
            category="{experiment}",
            subcategory="Classification",
        ),
        summary=report(
            f"{EXP}/classification_summary.tsv",
            caption="../report/classification_summary.rst",
            category="{experiment}",
            subcategory="Classification",
        ),
    log:
        "logs/tables/{experiment}/classification.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=model_order,
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
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/versions.py"


rule match_statistics:
    input:
        filters=analysed_filters,
        tomtom=analysed_tomtom,
        tf_table=experiment_tf_table,
        database=COMPARISON_DB,
    output:
        table=report(
            f"{EXP}/match_statistics.tsv",
            caption="../report/match_statistics.rst",
            category="{experiment}",
            subcategory="Filter matches",
        ),
        summary=report(
            f"{EXP}/match_summary.tsv",
            caption="../report/match_statistics.rst",
            category="{experiment}",
            subcategory="Filter matches",
        ),
    log:
        "logs/tables/{experiment}/match_statistics.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=of_experiment(analysed_runs),
        order=model_order,
    script:
        "../scripts/match_statistics.py"


rule summary:
    input:
        classification=f"{EXP}/classification.tsv",
        matches=f"{EXP}/match_statistics.tsv",
    output:
        tsv=report(
            f"{EXP}/summary.tsv",
            caption="../report/summary.rst",
            category="{experiment}",
            subcategory="Summary",
        ),
        md=f"{EXP}/summary.md",
    log:
        "logs/tables/{experiment}/summary.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=model_order,
    script:
        "../scripts/summary.py"


rule published_table:
    input:
        classification=f"{EXP}/classification.tsv",
        matches=f"{EXP}/match_statistics.tsv",
        published=experiment_input("published"),
    output:
        tsv=report(
            f"{EXP}/{{table}}.tsv",
            caption="../report/table1.rst",
            category="{experiment}",
            subcategory="Published values",
        ),
        md=f"{EXP}/{{table}}.md",
    log:
        "logs/tables/{experiment}/{table}.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=model_order,
    script:
        "../scripts/table1.py"


rule claims:
    input:
        unpack(claims_inputs),
        summary=f"{EXP}/summary.tsv",
        claims=experiment_input("claims"),
    output:
        tsv=report(
            f"{EXP}/claims.tsv",
            caption="../report/claims.rst",
            category="{experiment}",
            subcategory="Claims",
        ),
        md=f"{EXP}/claims.md",
    log:
        "logs/tables/{experiment}/claims.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/claims.py"


rule scorecard:
    input:
        scorecard_inputs,
    output:
        tsv=report(
            "results/scorecard.tsv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        md="results/scorecard.md",
    log:
        "logs/tables/scorecard.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        sources=lambda wildcards: scorecard_sources(),
    script:
        "../scripts/scorecard.py"


rule render_table:
    input:
        f"{EXP}/{{rendered}}.tsv",
    output:
        report(
            f"{EXP}/{{rendered}}.html",
            caption="../report/rendered_table.rst",
            category="{experiment}",
            subcategory="Tables",
            labels={"table": "{rendered}"},
        ),
    log:
        "logs/tables/{experiment}/{rendered}_html.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        title=lambda wildcards: f"{wildcards.experiment}: {RENDERED[wildcards.rendered]}",
    script:
        "../scripts/render_table.py"


rule render_scorecard:
    input:
        "results/scorecard.tsv",
    output:
        report(
            "results/scorecard.html",
            caption="../report/rendered_table.rst",
            category="Scorecard",
            labels={"table": "scorecard"},
        ),
    log:
        "logs/tables/scorecard_html.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        title="Scorecard: every published number and claim this run checks",
    script:
        "../scripts/render_table.py"

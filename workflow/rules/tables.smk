rule classification_table:
    input:
        lambda wildcards: run_paths(wildcards.experiment, f"{RUN}/metrics.json"),
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
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=lambda wildcards: EXPERIMENTS[wildcards.experiment]["models"],
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
        filters=lambda wildcards: [
            r["filters"] for r in analysed_runs(wildcards.experiment)
        ],
        tomtom=lambda wildcards: [
            r["tomtom"] for r in analysed_runs(wildcards.experiment)
        ],
        tf_table=lambda wildcards: truth_table(
            EXPERIMENTS[wildcards.experiment]["dataset"]
        ),
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
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=lambda wildcards: analysed_runs(wildcards.experiment),
        order=lambda wildcards: EXPERIMENTS[wildcards.experiment]["models"],
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
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=lambda wildcards: EXPERIMENTS[wildcards.experiment]["models"],
    script:
        "../scripts/summary.py"


rule published_table:
    input:
        classification=f"{EXP}/classification.tsv",
        matches=f"{EXP}/match_statistics.tsv",
        published=lambda wildcards: resolve_path(
            EXPERIMENTS[wildcards.experiment]["published"]
        ),
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
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        order=lambda wildcards: EXPERIMENTS[wildcards.experiment]["models"],
    script:
        "../scripts/table1.py"


rule claims:
    input:
        unpack(claims_inputs),
        summary=f"{EXP}/summary.tsv",
        claims=lambda wildcards: resolve_path(
            EXPERIMENTS[wildcards.experiment]["claims"]
        ),
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
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/claims.py"


rule scorecard:
    input:
        lambda wildcards: [s["path"] for s in scorecard_sources()],
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
    threads: 1
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
    threads: 1
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
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        title="Scorecard: every published number and claim this run checks",
    script:
        "../scripts/render_table.py"

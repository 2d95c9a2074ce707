rule logo_figure:
    input:
        filters=lambda wildcards: [
            p["filters"] for p in figure_panels(wildcards.figure)
        ],
        tomtom=lambda wildcards: [p["tomtom"] for p in figure_panels(wildcards.figure)],
        jaspar=JASPAR_MEME,
        tf_table=resolve_path(config["simulation"]["tf_table"]),
    output:
        png=report(
            "results/figures/{figure}.png",
            caption="../report/logo_figure.rst",
            category="Figures",
        ),
        pdf="results/figures/{figure}.pdf",
    log:
        "logs/figures/{figure}.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        panels=lambda wildcards: figure_panels(wildcards.figure),
        title=lambda wildcards: FIGURES[wildcards.figure].get("title"),
        ground_truth=lambda wildcards: FIGURES[wildcards.figure]["ground_truth"],
    script:
        "../scripts/logo_figure.py"


rule match_plot:
    input:
        "results/tables/match_summary.tsv",
    output:
        png=report(
            "results/figures/match_vs_pool.png",
            caption="../report/match_plot.rst",
            category="Figures",
        ),
        pdf="results/figures/match_vs_pool.pdf",
    log:
        "logs/figures/match_vs_pool.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        pools=match_plot_pools(),
    script:
        "../scripts/match_plot.py"

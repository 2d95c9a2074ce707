rule logo_figure:
    input:
        filters=figure_filters,
        tomtom=figure_tomtom,
        jaspar=JASPAR_MEME,
        database=COMPARISON_DB,
        tf_table=figure_tf_table,
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
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        panels=of_figure(report_safe_panels),
        title=figure_title,
        ground_truth=lambda wildcards: FIGURES[wildcards.figure]["ground_truth"],
    script:
        "../scripts/logo_figure.py"


rule match_plot:
    input:
        f"{EXP}/match_summary.tsv",
    output:
        png=report(
            f"{EXP}/match_vs_pool.png",
            caption="../report/match_plot.rst",
            category="{experiment}",
            subcategory="Figures",
        ),
        pdf=f"{EXP}/match_vs_pool.pdf",
    log:
        "logs/figures/{experiment}/match_vs_pool.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        pools=of_experiment(match_plot_pools),
    script:
        "../scripts/match_plot.py"


rule activation_plot:
    input:
        f"{EXP}/summary.tsv",
    output:
        png=report(
            f"{EXP}/activations.png",
            caption="../report/activation_plot.rst",
            category="{experiment}",
            subcategory="Figures",
        ),
        pdf=f"{EXP}/activations.pdf",
    log:
        "logs/figures/{experiment}/activations.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        title=experiment_title,
    script:
        "../scripts/activation_plot.py"

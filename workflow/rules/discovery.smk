rule modisco:
    input:
        maps=ATTRIBUTION,
        data=DATA,
        jaspar=JASPAR_MEME,
        tf_table=dataset_tf_table,
        engine="results/tomtom_engine.tsv",
    output:
        h5=f"{MODISCO}/patterns.h5",
        meme=f"{MODISCO}/patterns.meme",
        tomtom=f"{MODISCO}/tomtom.tsv",
        patterns=f"{MODISCO}/patterns.tsv",
        seqlets=f"{MODISCO}/seqlets.tsv",
        score=f"{MODISCO}/score.tsv",
    log:
        "logs/modisco/{dataset}/{model}/{activation}/trial_{trial}_{method}.log",
    conda:
        ENV
    threads: config["modisco"]["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        settings={k: v for k, v in config["modisco"].items() if k != "threads"},
        tomtom={
            k: config["tomtom"][k]
            for k in ("engine", "thresh", "pseudocount", "min_overlap")
        },
    script:
        "../scripts/modisco.py"


rule modisco_table:
    input:
        modisco_scores,
    output:
        table=report(
            f"{EXP}/modisco.tsv",
            caption="../report/modisco.rst",
            category="{experiment}",
            subcategory="Motif discovery",
        ),
        summary=report(
            f"{EXP}/modisco_summary.tsv",
            caption="../report/modisco.rst",
            category="{experiment}",
            subcategory="Motif discovery",
        ),
        md=f"{EXP}/modisco_summary.md",
    log:
        "logs/tables/{experiment}/modisco.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        runs=of_experiment(modisco_runs),
    script:
        "../scripts/modisco_table.py"


rule modisco_plots:
    input:
        unpack(modisco_plot_inputs),
        summary=f"{EXP}/modisco_summary.tsv",
        jaspar=JASPAR_MEME,
    output:
        png=report(
            f"{EXP}/modisco.png",
            caption="../report/modisco_plot.rst",
            category="{experiment}",
            subcategory="Figures",
        ),
        pdf=f"{EXP}/modisco.pdf",
        logos_png=report(
            f"{EXP}/modisco_logos.png",
            caption="../report/modisco_logos.rst",
            category="{experiment}",
            subcategory="Figures",
        ),
        logos_pdf=f"{EXP}/modisco_logos.pdf",
    log:
        "logs/figures/{experiment}/modisco.log",
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        runs=of_experiment(modisco_runs),
    script:
        "../scripts/modisco_plots.py"

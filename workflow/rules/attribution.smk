rule attribute:
    input:
        model=f"{RUN}/model.keras",
        data=DATA,
    output:
        ATTRIBUTION,
    log:
        "logs/attribution/{dataset}/{model}/{activation}/trial_{trial}_{method}.log",
    conda:
        GPU_ENV
    threads: config["attribution"]["threads"]
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=60,
    params:
        settings=lambda wildcards: method_settings(wildcards.method),
        n_sequences=config["attribution"]["n_sequences"],
    script:
        "../scripts/attribute.py"


rule interpretability:
    input:
        attributions=attribution_maps,
        data=experiment_data,
    output:
        table=report(
            f"{EXP}/interpretability.tsv",
            caption="../report/interpretability.rst",
            category="{experiment}",
            subcategory="Attribution",
        ),
        summary=report(
            f"{EXP}/interpretability_summary.tsv",
            caption="../report/interpretability.rst",
            category="{experiment}",
            subcategory="Attribution",
        ),
        md=f"{EXP}/interpretability_summary.md",
    log:
        "logs/tables/{experiment}/interpretability.log",
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        runs=of_experiment(attribution_runs),
    script:
        "../scripts/interpretability.py"


rule interpretability_plot:
    input:
        interpretability=f"{EXP}/interpretability_summary.tsv",
        classification=f"{EXP}/classification_summary.tsv",
    output:
        png=report(
            f"{EXP}/interpretability_vs_auroc.png",
            caption="../report/interpretability_plot.rst",
            category="{experiment}",
            subcategory="Figures",
        ),
        pdf=f"{EXP}/interpretability_vs_auroc.pdf",
    log:
        "logs/figures/{experiment}/interpretability_vs_auroc.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/interpretability_plot.py"


rule attribution_logos:
    input:
        attributions=logo_maps,
        data=experiment_data,
    output:
        png=report(
            f"{EXP}/attribution_logos.png",
            caption="../report/attribution_logos.rst",
            category="{experiment}",
            subcategory="Figures",
        ),
        pdf=f"{EXP}/attribution_logos.pdf",
    log:
        "logs/figures/{experiment}/attribution_logos.log",
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        panels=of_experiment(logo_panels),
        n_sequences=config["attribution"]["figure_sequences"],
    script:
        "../scripts/attribution_logos.py"


rule localization:
    input:
        models=experiment_models,
        data=experiment_data,
        published=resolve_path(config["localization"]["published"]),
    output:
        table=report(
            f"{EXP}/localization.tsv",
            caption="../report/localization.rst",
            category="{experiment}",
            subcategory="Localization",
        ),
        summary=report(
            f"{EXP}/localization_summary.tsv",
            caption="../report/localization.rst",
            category="{experiment}",
            subcategory="Localization",
        ),
        md=f"{EXP}/localization_summary.md",
        png=report(
            f"{EXP}/localization.png",
            caption="../report/localization_plot.rst",
            category="{experiment}",
            subcategory="Figures",
        ),
        pdf=f"{EXP}/localization.pdf",
    log:
        "logs/tables/{experiment}/localization.log",
    conda:
        ENV
    threads: config["attribution"]["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        runs=of_experiment(localization_runs),
        settings={
            k: config["localization"][k]
            for k in ("n_sequences", "buffer", "pseudocount", "segments")
        },
    script:
        "../scripts/localization.py"

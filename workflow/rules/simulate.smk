rule simulate_synthetic:
    input:
        jaspar=JASPAR_MEME,
        tf_table=resolve_path(config["simulation"]["tf_table"]),
    output:
        SYNTHETIC,
    log:
        "logs/simulate/synthetic.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        simulation=config["simulation"],
    script:
        "../scripts/simulate.py"

if config["jaspar"]["source"] == "pyjaspar":

    rule jaspar_pyjaspar:
        output:
            JASPAR_MEME,
        log:
            "logs/jaspar/jaspar.log",
        conda:
            ENV
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            release=config["jaspar"]["release"],
            collection=config["jaspar"]["collection"],
            tax_group=config["jaspar"]["tax_group"],
        script:
            "../scripts/jaspar_pyjaspar.py"

else:

    rule jaspar_download:
        output:
            JASPAR_MEME,
        log:
            "logs/jaspar/jaspar.log",
        conda:
            ENV
        resources:
            mem_mb=1000,
            runtime=30,
        params:
            url=config["jaspar"]["url"],
            sha256=config["jaspar"]["sha256"],
        script:
            "../scripts/jaspar_download.py"


if COMPARISON_DB.startswith("results/motifdb/"):

    rule motif_database:
        output:
            COMPARISON_DB,
        log:
            "logs/jaspar/motif_database.log",
        conda:
            ENV
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            database=config["tomtom"]["database"],
        script:
            "../scripts/motif_database.py"

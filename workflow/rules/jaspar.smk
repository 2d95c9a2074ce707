if config["jaspar"]["source"] == "pyjaspar":

    rule jaspar_pyjaspar:
        output:
            JASPAR_MEME,
        log:
            "logs/jaspar/jaspar.log",
        params:
            release=config["jaspar"]["release"],
            collection=config["jaspar"]["collection"],
            tax_group=config["jaspar"]["tax_group"],
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        conda:
            ENV
        script:
            "../scripts/jaspar_pyjaspar.py"

else:

    rule jaspar_download:
        output:
            JASPAR_MEME,
        log:
            "logs/jaspar/jaspar.log",
        params:
            url=config["jaspar"]["url"],
            sha256=config["jaspar"]["sha256"],
        threads: 1
        resources:
            mem_mb=1000,
            runtime=30,
        conda:
            ENV
        script:
            "../scripts/jaspar_download.py"

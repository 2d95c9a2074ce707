# In vivo data sets (methods §1.6): downloads with checksums, then either ENCODE peaks on a genome
# (kind: encode, pyfaidx + pybedtools) or the DeepSEA bundle (kind: deepsea), both written to the
# common HDF5 layout in chunks. The default synthetic run plans none of these rules.


rule download:
    output:
        "results/downloads/{download}",
    log:
        "logs/downloads/{download}.log",
    wildcard_constraints:
        download=_alternatives(DOWNLOADS),
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=240,
    params:
        url=download_url,
        sha256=download_sha256,
    script:
        "../scripts/download.py"


rule unpack_genome:
    input:
        "results/downloads/genomes/{genome}.gz",
    output:
        fasta="results/genomes/{genome}",
        fai="results/genomes/{genome}.fai",
    log:
        "logs/genomes/{genome}.log",
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=120,
    script:
        "../scripts/unpack_genome.py"


rule build_encode:
    input:
        unpack(encode_inputs),
    output:
        DATA,
    log:
        "logs/datasets/{dataset}.log",
    wildcard_constraints:
        dataset=_alternatives(datasets_of("encode")),
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=240,
    params:
        spec=dataset_spec,
        experiments=lambda wildcards: list(
            invivo_experiments(wildcards.dataset).experiment
        ),
        tasks=invivo_tasks,
    script:
        "../scripts/build_encode.py"


rule deepsea_extract:
    input:
        bundle_archive,
    output:
        train="results/downloads/deepsea/{bundle}/train.mat",
        valid="results/downloads/deepsea/{bundle}/valid.mat",
        test="results/downloads/deepsea/{bundle}/test.mat",
    log:
        "logs/downloads/deepsea_{bundle}_extract.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=120,
    script:
        "../scripts/deepsea_extract.py"


rule build_deepsea:
    input:
        unpack(deepsea_inputs),
    output:
        DATA,
    log:
        "logs/datasets/{dataset}.log",
    wildcard_constraints:
        dataset=_alternatives(datasets_of("deepsea")),
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=240,
    params:
        columns=lambda wildcards: [
            int(c) for c in invivo_experiments(wildcards.dataset).deepsea_column
        ],
        tasks=invivo_tasks,
        keep_reverse_complements=lambda wildcards: DATASETS[wildcards.dataset][
            "keep_reverse_complements"
        ],
    script:
        "../scripts/build_deepsea.py"

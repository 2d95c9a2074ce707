"""Download a JASPAR MEME file and verify its checksum."""

from motifrep.steps import download_jaspar, run_script

run_script(snakemake, lambda sm: download_jaspar(sm.output[0], sm.params.url, sm.params.sha256))

"""Download a JASPAR MEME file and verify its checksum."""

from motifrep.motifs.jaspar import download_jaspar
from motifrep.runner import run_script

run_script(snakemake, lambda sm: download_jaspar(sm.output[0], sm.params.url, sm.params.sha256))

"""Download a file (http, https, ftp or file URL) and verify its size, SHA-256 and, for .gz, its compression."""

from motifrep.download import fetch_file
from motifrep.runner import run_script

run_script(snakemake, lambda sm: fetch_file(sm.output[0], sm.params.url, sm.params.sha256))

"""Gunzip a downloaded genome FASTA (alphabet checked) and index it with pyfaidx."""

from motifrep.datasets.genome import unpack_genome
from motifrep.runner import run_script

run_script(snakemake, lambda sm: unpack_genome(sm.input[0], sm.output.fasta, sm.output.fai))

"""Scorecard: every published number and claim the run checks."""

from motifrep.runner import run_script
from motifrep.results.scorecard import make_scorecard

run_script(snakemake, lambda sm: make_scorecard(sm.params.sources, sm.output.tsv, sm.output.md))

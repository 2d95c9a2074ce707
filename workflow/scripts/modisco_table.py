"""TF-MoDISco scores of every run and method of an experiment, mean and sd over trials (methods §6.5)."""

from motifrep.interpret.discovery_score import make_modisco_table
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_modisco_table(sm.params.runs, sm.output.table, sm.output.summary, sm.output.md),
)

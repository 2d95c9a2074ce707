"""Interpretability AUROC / AUPR of every attribution map of an experiment (methods §6.4)."""

from motifrep.interpret.interpretability import make_interpretability_table
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_interpretability_table(
        sm.params.runs, sm.input.data, sm.output.table, sm.output.summary, sm.output.md
    ),
)

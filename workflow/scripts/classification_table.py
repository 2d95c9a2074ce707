"""Collect the test metrics of every run of an experiment into tables."""

from motifrep.runner import run_script
from motifrep.results.tables import aggregate_classification

run_script(
    snakemake,
    lambda sm: aggregate_classification(sm.input, sm.output.table, sm.output.summary, sm.params.order),
)

"""Fractions of filters matching any JASPAR motif and the ground truth."""

from motifrep.filters.matching import match_table
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: match_table(
        sm.params.runs,
        sm.input.tf_table,
        sm.output.table,
        sm.output.summary,
        sm.params.order,
        database=sm.input.database,
    ),
)

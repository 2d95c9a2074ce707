"""Per model x activation: classification and filter matches, mean and std over trials."""

from motifrep.runner import run_script
from motifrep.results.tables import make_summary

run_script(
    snakemake,
    lambda sm: make_summary(sm.input.classification, sm.input.matches, sm.output.tsv, sm.output.md, sm.params.order),
)

"""Per-filter table (sites, information, best JASPAR match, ground truth) and recovered TFs of one run and layer."""

from motifrep.filters.report import make_filter_report
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_filter_report(
        sm.input.unclipped,
        sm.input.clipped,
        sm.input.tomtom,
        sm.input.jaspar,
        sm.input.tf_table,
        sm.output.filters,
        sm.output.tfs,
        sm.input.sites,
    ),
)

"""Table 1 (or Table 2, in vivo): ours beside the published values."""

from motifrep.runner import run_script
from motifrep.results.tables import make_table1

run_script(
    snakemake,
    lambda sm: make_table1(
        sm.input.classification, sm.input.matches, sm.input.published, sm.output.tsv, sm.output.md, sm.params.order,
        sm.wildcards.table,
    ),
)

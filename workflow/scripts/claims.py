"""Published claims checked against this run's summary tables."""

from motifrep.results.claims import make_claims_table
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_claims_table(
        sm.input.claims,
        sm.input.summary,
        sm.output.tsv,
        sm.output.md,
        sm.input.get("interpretability"),
        sm.input.get("localization"),
        sm.input.get("modisco"),
    ),
)

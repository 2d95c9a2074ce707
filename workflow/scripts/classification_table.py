"""Collect test metrics of every (model, trial) into tables."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import aggregate_classification, run_script  # noqa: E402

run_script(
    snakemake,
    lambda sm: aggregate_classification(sm.input, sm.output.table, sm.output.summary, sm.params.order),
)

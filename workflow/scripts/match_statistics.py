"""Fractions of filters matching any JASPAR motif and the ground truth."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import match_table, run_script  # noqa: E402

run_script(
    snakemake,
    lambda sm: match_table(sm.params.runs, sm.input.tf_table, sm.output.table, sm.output.summary, sm.params.order),
)

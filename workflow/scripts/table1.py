"""Table 1: ours beside the published values."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import make_table1, run_script  # noqa: E402

run_script(
    snakemake,
    lambda sm: make_table1(
        sm.input.classification, sm.input.matches, sm.input.published, sm.output.tsv, sm.output.md, sm.params.order
    ),
)

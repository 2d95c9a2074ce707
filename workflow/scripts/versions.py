"""Record the library versions used for the results."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import run_script, write_versions  # noqa: E402

run_script(snakemake, lambda sm: write_versions(sm.output[0]))

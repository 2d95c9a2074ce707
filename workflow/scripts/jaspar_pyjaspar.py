"""Export a JASPAR collection from pyjaspar (offline) to MEME format."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import export_jaspar, run_script  # noqa: E402

run_script(
    snakemake,
    lambda sm: export_jaspar(sm.output[0], sm.params.release, sm.params.collection, sm.params.tax_group),
)

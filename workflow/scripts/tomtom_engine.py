"""Check the Tomtom engine once (and compile memelite into the numba cache)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import prepare_tomtom, run_script  # noqa: E402

run_script(
    snakemake,
    lambda sm: prepare_tomtom(sm.params.tomtom["engine"], sm.params.tomtom["numba_cache"], sm.output[0]),
)

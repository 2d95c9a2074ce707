"""Bar plot: fraction of first-layer filters matching JASPAR vs pool size."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import make_match_plot, run_script  # noqa: E402

run_script(snakemake, lambda sm: make_match_plot(sm.input[0], sm.params.pools, [sm.output.png, sm.output.pdf]))

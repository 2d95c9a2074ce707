"""Download a JASPAR MEME file and verify its checksum."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import download_jaspar, run_script  # noqa: E402

run_script(snakemake, lambda sm: download_jaspar(sm.output[0], sm.params.url, sm.params.sha256))

"""First-layer (or deeper) filters -> PPMs by activation alignment over the test set."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from motifrep.steps import extract_filters, run_script  # noqa: E402


def main(sm):
    f = sm.params.filters
    extract_filters(
        model_path=sm.input.model,
        data_path=sm.input.data,
        out_clipped=sm.output.clipped,
        out_full=sm.output.full,
        layer=int(sm.wildcards.layer),
        threshold=f["threshold"],
        weighting=f["weighting"],
        window_edges=f["window_edges"],
        ic_threshold=f["ic_threshold"],
        flank=f["flank"],
        batch_size=f["batch_size"],
        threads=sm.threads,
    )


run_script(snakemake, main)

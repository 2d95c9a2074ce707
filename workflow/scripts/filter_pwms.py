"""First-layer (or deeper) filters -> PPMs by activation alignment over the test set."""

from motifrep.filters.scan import extract_filters
from motifrep.runner import run_script


def main(sm):
    f = sm.params.filters
    extract_filters(
        model_path=sm.input.model,
        data_path=sm.input.data,
        out_clipped=sm.output.clipped,
        out_full=sm.output.full,
        out_sites=sm.output.sites,
        layer=int(sm.wildcards.layer),
        threshold=f["threshold"],
        weighting=f["weighting"],
        window_edges=f["window_edges"],
        window=f["window"],
        ic_threshold=f["ic_threshold"],
        flank=f["flank"],
        batch_size=sm.config["filters"]["batch_size"],  # changes no result: not a param
        threads=sm.threads,
    )


run_script(snakemake, main)

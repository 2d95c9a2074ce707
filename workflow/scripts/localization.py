"""Motif localization by first-layer scans and true-PWM / PPM scans (methods §7.1)."""

from motifrep.interpret.localization import make_localization
from motifrep.runner import run_script


def main(sm):
    make_localization(
        runs=sm.params.runs,
        data_path=sm.input.data,
        published_tsv=sm.input.published,
        out_table=sm.output.table,
        out_summary=sm.output.summary,
        out_md=sm.output.md,
        out_plots=[sm.output.png, sm.output.pdf],
        threads=sm.threads,
        **sm.params.settings,
    )


run_script(snakemake, main)

"""P2 Fig 2d: attribution logos of a few sequences, embedded motifs marked, by activation."""

from motifrep.results.plots import make_attribution_logos
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_attribution_logos(
        sm.params.panels, sm.input.data, [sm.output.png, sm.output.pdf], sm.params.n_sequences
    ),
)

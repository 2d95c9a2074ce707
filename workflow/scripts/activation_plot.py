"""P2 Fig 1: filter match fractions and AUPR by model and first-layer activation."""

from motifrep.results.plots import make_activation_plot
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_activation_plot(sm.input[0], [sm.output.png, sm.output.pdf], sm.params.title),
)

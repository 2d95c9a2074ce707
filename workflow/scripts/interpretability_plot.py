"""P2 Fig 2b/c: interpretability AUROC against classification AUROC, by activation."""

from motifrep.results.plots import make_interpretability_plot
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_interpretability_plot(
        sm.input.interpretability, sm.input.classification, [sm.output.png, sm.output.pdf]
    ),
)

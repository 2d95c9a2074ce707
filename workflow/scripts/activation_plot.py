"""P2 Fig 1: filter match fractions and AUPR by model and first-layer activation."""

from motifrep.results.html import from_param_text
from motifrep.results.plots import make_activation_plot
from motifrep.runner import run_script

# The title comes as param_text (the report shows job parameters): read it back.
run_script(
    snakemake,
    lambda sm: make_activation_plot(
        sm.input[0], [sm.output.png, sm.output.pdf], from_param_text(sm.params.title)
    ),
)

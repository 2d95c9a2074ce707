"""Filter logo figure (Fig 2, Fig 3, S1 Fig)."""

from motifrep.results.plots import make_logo_figure
from motifrep.runner import run_script

run_script(
    snakemake,
    lambda sm: make_logo_figure(
        sm.params.panels,
        sm.input.jaspar,
        sm.input.tf_table,
        sm.params.ground_truth,
        [sm.output.png, sm.output.pdf],
        sm.params.title,
    ),
)

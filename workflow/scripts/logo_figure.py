"""Filter logo figure (Fig 2, Fig 3, S1 Fig)."""

from motifrep.results.html import from_param_text
from motifrep.results.plots import make_logo_figure
from motifrep.runner import run_script

# Title and labels come as param_text (the report shows job parameters): read them back.
run_script(
    snakemake,
    lambda sm: make_logo_figure(
        [{**p, "label": from_param_text(p["label"])} for p in sm.params.panels],
        sm.input.jaspar,
        sm.input.tf_table,
        sm.params.ground_truth,
        [sm.output.png, sm.output.pdf],
        from_param_text(sm.params.title),
        database_meme=sm.input.database,
    ),
)

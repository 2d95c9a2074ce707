import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from motifrep.config import check_models, validate as validate_config  # noqa: E402
from motifrep.errors import MotifrepError  # noqa: E402


def config_error(exc):
    """Report an expected configuration error as one line and stop."""
    print(f"motifrep: error: {exc}", file=sys.stderr)
    sys.exit(1)


try:
    validate_config(config, Path(workflow.basedir) / "config" / "schema.yaml")
except MotifrepError as exc:
    config_error(exc)


def resolve_path(path):
    """A relative path from config: the working directory first, then the workflow's."""
    if Path(path).is_absolute() or Path(path).exists():
        return str(path)
    return str(Path(workflow.basedir) / path)


try:
    ZOO = check_models(config, resolve_path(config["zoo"]))
except MotifrepError as exc:
    config_error(exc)

MODELS = config["models"]
TRIALS = list(range(config["training"]["trials"]))
FIGURES = config["figures"]
ENV = "../../envs/motifrep.yaml"
TOMTOM_ENV = "../../envs/meme.yaml" if config["tomtom"]["engine"] == "meme" else ENV
JASPAR_MEME = "results/jaspar/motifs.meme"
SYNTHETIC = "results/synthetic/data.h5"
RUN = "results/synthetic/models/{model}/trial_{trial}"
FILTERS = f"{RUN}/filters/layer{{layer}}.meme"
TOMTOM = f"{RUN}/tomtom/layer{{layer}}.tsv"


wildcard_constraints:
    model="|".join(re.escape(name) for name in ZOO),
    trial=r"\d+",
    layer=r"\d+",
    figure="|".join(re.escape(name) for name in FIGURES) or "no-figures",


def layers_of(model):
    """Conv layers analysed for a model: the first, plus config filters.deep_layers."""
    return [1] + list(config["filters"]["deep_layers"].get(model, []))


def analysed_runs():
    """(model, trial, layer) of every filter set that enters the match statistics."""
    return [(m, t, l) for m in MODELS for t in TRIALS for l in layers_of(m)]


def figure_panels(name):
    """Panels of a logo figure with the paths of their filters and Tomtom hits."""
    figure = FIGURES[name]
    panels = []
    for panel in figure["panels"]:
        model, layer = panel["model"], panel["layer"]
        paths = dict(model=model, trial=figure["trial"], layer=layer)
        label = panel.get("label", model if layer == 1 else f"{model} layer {layer}")
        panels.append(
            dict(
                label=label,
                filters=FILTERS.format(**paths),
                tomtom=TOMTOM.format(**paths),
            )
        )
    return panels


def ready_figures():
    """Figures whose models are all trained by this config."""
    return [
        name
        for name, figure in FIGURES.items()
        if all(panel["model"] in MODELS for panel in figure["panels"])
    ]


def match_plot_pools():
    """First-layer pool size of each trained model in the match-fraction plot."""
    return {
        m: ZOO[m][0]["conv"].get("pool", 1)
        for m in config["match_plot"]["models"]
        if m in MODELS
    }


def final_outputs():
    outputs = [
        "results/tables/classification.tsv",
        "results/tables/classification_summary.tsv",
        "results/tables/match_statistics.tsv",
        "results/tables/table1.tsv",
        "results/tables/table1.md",
        "results/versions.tsv",
    ]
    outputs += expand(
        "results/figures/{figure}.{ext}", figure=ready_figures(), ext=["png", "pdf"]
    )
    if len(match_plot_pools()) >= 2:
        outputs += expand("results/figures/match_vs_pool.{ext}", ext=["png", "pdf"])
    return outputs

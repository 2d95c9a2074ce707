import os
import re
import sys
from pathlib import Path

# Jobs import the motifrep package of this checkout (workflow/../src), not whatever a shared
# venv's editable install points at: PYTHONPATH reaches every job this process starts
# (locally and, exported by sbatch, on a cluster); the Snakefile process itself validates
# the config with the same code.
SRC = str(Path(workflow.basedir) / "src")
_inherited = os.getenv("PYTHONPATH", "").split(os.pathsep)
os.environ.update(
    PYTHONPATH=os.pathsep.join([SRC] + [p for p in _inherited if p and p != SRC])
)
if sys.path[0] != SRC:
    sys.path.insert(0, SRC)

from motifrep.config import (  # noqa: E402
    check_files,
    check_models,
    experiment_runs,
    run_settings,
    validate as validate_config,
)
from motifrep.datasets.encode import check_experiment_table, read_experiment_table  # noqa: E402
from motifrep.errors import MotifrepError  # noqa: E402
from motifrep.nn.zoo import first_activation_of  # noqa: E402


def config_error(exc):
    """Report an expected configuration error as one line and stop."""
    print(f"motifrep: error: {exc}", file=sys.stderr)
    sys.exit(1)


def resolve_path(path):
    """A relative path from config: the working directory first, then the workflow's."""
    if Path(path).is_absolute() or Path(path).exists():
        return str(path)
    return str(Path(workflow.basedir) / path)


try:
    validate_config(config, Path(workflow.basedir) / "config" / "schema.yaml")
    check_files(config, resolve_path)
    ZOO = check_models(config, resolve_path(config["zoo"]))
    RUNS = run_settings(config, ZOO)
except MotifrepError as exc:
    config_error(exc)

DATASETS = config["datasets"]
EXPERIMENTS = config["experiments"]
FIGURES = config["figures"]
ENV = "../../envs/motifrep.yaml"
# GPU rules (training, attribution) with --use-conda: the CUDA build where a GPU is required.
GPU_ENV = "../../envs/motifrep-cuda.yaml" if config["training"]["require_gpu"] else ENV
TOMTOM_ENV = "../../envs/meme.yaml" if config["tomtom"]["engine"] == "meme" else ENV
JASPAR_MEME = "results/jaspar/motifs.meme"
DATA = "results/{dataset}/data.h5"
RUN = "results/{dataset}/models/{model}/{activation}/trial_{trial}"
FILTERS = f"{RUN}/filters/layer{{layer}}.meme"
TOMTOM = f"{RUN}/tomtom/layer{{layer}}.tsv"
FILTER_REPORT = f"{RUN}/filters/layer{{layer}}_report.tsv"
EXP = "results/experiments/{experiment}"
ATTRIBUTION = f"{RUN}/attribution/{{method}}.h5"
METHODS = ("saliency", "ism", "integrated_gradients", "smoothgrad", "deepshap")
# Experiment tables also rendered as HTML in the report (name -> title).
RENDERED = {
    "table1": "Table 1: ours beside the published values",
    "table2": "Table 2 (in vivo): ours beside the published values",
    "summary": "Summary: model x activation x layer, mean and sd over trials",
    "classification_summary": "Classification (test AUROC / AUPR), mean and sd over trials",
    "match_summary": "Filter matches to JASPAR, mean and sd over trials",
    "claims": "Published claims: holds / does not hold / not run",
    "interpretability_summary": "Interpretability of attribution maps (AUROC / AUPR)",
    "localization_summary": "Motif localization (AUROC / AUPR) beside the published values",
}


def _alternatives(names):
    return "|".join(re.escape(name) for name in names) or "no-such-name"


wildcard_constraints:
    dataset=_alternatives(DATASETS),
    experiment=_alternatives(EXPERIMENTS),
    model=_alternatives(ZOO),
    activation=r"[A-Za-z0-9_]+",
    trial=r"\d+",
    layer=r"\d+",
    figure=_alternatives(FIGURES),
    method=_alternatives(METHODS),
    table="table1|table2",
    rendered=_alternatives(RENDERED),


def datasets_of(kind):
    return [name for name, spec in DATASETS.items() if spec["kind"] == kind]


def dataset_file(dataset, key):
    """A file named in a data set's config (TF table, pool), resolved."""
    return resolve_path(DATASETS[dataset][key])


def truth_table(dataset):
    """TF table whose accepted IDs are the data set's ground truth (in vivo: the relevant TFs)."""
    spec = DATASETS[dataset]
    key = {"multitask": "tf_table", "regulatory": "core_table"}.get(
        spec["kind"], "experiments"
    )
    return resolve_path(spec[key])


_EXPERIMENT_TABLES = {}


def invivo_experiments(dataset):
    """The experiment table of an in vivo data set (tf, accepted_ids, experiment, url, ...), task order."""
    spec = DATASETS[dataset]
    path = resolve_path(spec["experiments"])
    if (path, spec["kind"]) not in _EXPERIMENT_TABLES:
        table = read_experiment_table(path)
        check_experiment_table(table, spec["kind"], f"config datasets.{dataset}")
        _EXPERIMENT_TABLES[path, spec["kind"]] = table
    return _EXPERIMENT_TABLES[path, spec["kind"]]


def _basename(url):
    return Path(url.split("://", 1)[-1]).name


def _is_url(text):
    return "://" in str(text)


def in_vivo_downloads():
    """results/downloads/<key> -> {url, sha256} of every genome, peak file and bundle to download."""
    downloads = {}

    def add(key, url, sha256, where):
        seen = downloads.setdefault(key, dict(url=url, sha256=sha256))
        if seen["url"] != url:
            raise MotifrepError(
                f"config {where}: {url} and {seen['url']} would both be saved as results/downloads/{key}"
            )

    for name, spec in DATASETS.items():
        if spec["kind"] == "encode":
            if spec["genome"]["url"]:
                url = spec["genome"]["url"]
                add(f"genomes/{_basename(url)}", url, spec["genome"]["sha256"], name)
            for row in invivo_experiments(name).itertuples():
                if _is_url(row.url):
                    key = f"peaks/{name}/{row.experiment}.narrowPeak.gz"
                    add(key, row.url, row.sha256, name)
        elif spec["kind"] == "deepsea":
            url = spec["bundle"]["url"] or spec["bundle"]["path"]
            if not url.endswith(".tar.gz"):
                raise MotifrepError(
                    f"config datasets.{name}.bundle: expected a .tar.gz, got {url}"
                )
            if spec["bundle"]["url"]:
                add(f"deepsea/{_basename(url)}", url, spec["bundle"]["sha256"], name)
    return downloads


def genome_fasta(dataset):
    """The plain FASTA an encode data set reads: a local path, or the (unpacked) download."""
    genome = DATASETS[dataset]["genome"]
    if genome["path"]:
        return resolve_path(genome["path"])
    name = _basename(genome["url"])
    if name.endswith(".gz"):
        return f"results/genomes/{name[:-3]}"
    return f"results/downloads/genomes/{name}"


def encode_inputs(wildcards):
    """Genome, its index when the workflow makes it, peak files (task order) and the table."""
    table = invivo_experiments(wildcards.dataset)
    peaks = [
        (
            f"results/downloads/peaks/{wildcards.dataset}/{row.experiment}.narrowPeak.gz"
            if _is_url(row.url)
            else resolve_path(row.url)
        )
        for row in table.itertuples()
    ]
    fasta = genome_fasta(wildcards.dataset)
    inputs = dict(genome=fasta, peaks=peaks, table=truth_table(wildcards.dataset))
    if fasta.startswith("results/genomes/"):
        inputs["fai"] = f"{fasta}.fai"
    return inputs


def deepsea_inputs(wildcards):
    """The three .mat files of a DeepSEA data set's bundle (extracted from the .tar.gz)."""
    bundle = DATASETS[wildcards.dataset]["bundle"]
    name = _basename(bundle["url"] or bundle["path"])
    folder = f"results/downloads/deepsea/{name[: -len('.tar.gz')]}"
    return {split: f"{folder}/{split}.mat" for split in ("train", "valid", "test")}


def bundle_archive(wildcards):
    """The bundle tarball: the download, or the local path a data set names."""
    for spec in DATASETS.values():
        if spec["kind"] == "deepsea" and spec["bundle"]["path"]:
            if _basename(spec["bundle"]["path"]) == f"{wildcards.bundle}.tar.gz":
                return resolve_path(spec["bundle"]["path"])
    return f"results/downloads/deepsea/{wildcards.bundle}.tar.gz"


try:
    DOWNLOADS = in_vivo_downloads()
except MotifrepError as exc:
    config_error(exc)


def run_of(wildcards):
    """Settings of the run a job belongs to; a path no experiment or figure asks for is an error."""
    key = (
        wildcards.dataset,
        wildcards.model,
        wildcards.activation,
        int(wildcards.trial),
    )
    if key not in RUNS:
        raise ValueError(
            f"motifrep: {'/'.join(map(str, key))} is not a run of any experiment or figure in the config"
        )
    return RUNS[key]


def layers_of(model):
    """Conv layers analysed for a model: the first, plus config filters.deep_layers."""
    return [1] + list(config["filters"]["deep_layers"].get(model, []))


def run_paths(experiment, pattern, **extra):
    """``pattern`` formatted for every run (and analysed layer) of an experiment."""
    dataset = EXPERIMENTS[experiment]["dataset"]
    out = []
    for model, act, trial in experiment_runs(config, ZOO, experiment):
        for layer in layers_of(model) if "{layer}" in pattern else [None]:
            fields = dict(
                dataset=dataset, model=model, activation=act, trial=trial, layer=layer
            )
            out.append(pattern.format(**fields, **extra))
    return out


def analysed_runs(experiment):
    """Dicts (model, activation, trial, layer, filters, tomtom) of an experiment's filter sets."""
    dataset = EXPERIMENTS[experiment]["dataset"]
    runs = []
    for model, act, trial in experiment_runs(config, ZOO, experiment):
        for layer in layers_of(model):
            f = dict(
                dataset=dataset, model=model, activation=act, trial=trial, layer=layer
            )
            runs.append(
                dict(
                    model=model,
                    activation=act,
                    trial=trial,
                    layer=layer,
                    filters=FILTERS.format(**f),
                    tomtom=TOMTOM.format(**f),
                )
            )
    return runs


def figure_panels(name):
    """Panels of a logo figure with the paths of their filters and Tomtom hits."""
    figure = FIGURES[name]
    dataset = EXPERIMENTS[figure["experiment"]]["dataset"]
    panels = []
    for panel in figure["panels"]:
        model, layer = panel["model"], panel["layer"]
        act = panel.get("activation") or first_activation_of(ZOO[model])
        paths = dict(
            dataset=dataset,
            model=model,
            activation=act,
            trial=figure["trial"],
            layer=layer,
        )
        label = panel.get("label", model)
        if "activation" in panel:
            label = panel.get("label", f"{model} {act}")
        if layer != 1 and "label" not in panel:
            label = f"{label} layer {layer}"
        panels.append(
            dict(
                label=label,
                filters=FILTERS.format(**paths),
                tomtom=TOMTOM.format(**paths),
            )
        )
    return panels


def method_settings(method):
    """The settings of an attribution method that change its result (SPEC 3.5)."""
    return dict(config["attribution"].get(method) or {})


def attribution_runs(experiment):
    """Dicts (model, activation, trial, method, path) of an experiment's attribution maps."""
    dataset = EXPERIMENTS[experiment]["dataset"]
    return [
        dict(
            model=m,
            activation=a,
            trial=t,
            method=method,
            path=ATTRIBUTION.format(
                dataset=dataset, model=m, activation=a, trial=t, method=method
            ),
        )
        for m, a, t in experiment_runs(config, ZOO, experiment)
        for method in EXPERIMENTS[experiment]["attribution"]
    ]


def logo_panels(experiment):
    """Attribution logos (P2 Fig 2d): trial 0 of the first model, each activation, first method."""
    runs = attribution_runs(experiment)
    first = runs[0]
    return [
        r
        for r in runs
        if r["model"] == first["model"]
        and r["trial"] == 0
        and r["method"] == first["method"]
    ]


def localization_runs(experiment):
    """Dicts (model, activation, trial, path) of the models whose first layer is scanned."""
    return [
        dict(model=m, activation=a, trial=t, path=p)
        for (m, a, t), p in zip(
            experiment_runs(config, ZOO, experiment),
            run_paths(experiment, f"{RUN}/model.keras"),
        )
    ]


def claims_inputs(wildcards):
    """The interpretability and localization summaries a claims table also reads, when made."""
    exp, base = EXPERIMENTS[wildcards.experiment], EXP.format(
        experiment=wildcards.experiment
    )
    inputs = {}
    if exp["attribution"]:
        inputs["interpretability"] = f"{base}/interpretability_summary.tsv"
    if exp["localization"]:
        inputs["localization"] = f"{base}/localization_summary.tsv"
    return inputs


def trained_runs(experiment):
    return {(m, a) for m, a, _ in experiment_runs(config, ZOO, experiment)}


def ready_figures():
    """Figures whose panels are all runs of their experiment."""
    ready = []
    for name, figure in FIGURES.items():
        runs = trained_runs(figure["experiment"])
        wanted = [
            (p["model"], p.get("activation") or first_activation_of(ZOO[p["model"]]))
            for p in figure["panels"]
        ]
        if all(w in runs for w in wanted):
            ready.append(name)
    return ready


def match_plot_pools(experiment):
    """First-layer pool size of each trained model of the experiment's match-fraction plot."""
    models = EXPERIMENTS[experiment]["models"]
    return {
        m: ZOO[m][0]["conv"].get("pool", 1)
        for m in EXPERIMENTS[experiment]["match_plot"]
        if m in models
    }


def n_activations(experiment):
    return len({a for _, a, _ in experiment_runs(config, ZOO, experiment)})


def run_outputs(name):
    """Every per-run file of an experiment: targets too, so that a deleted data set, model,
    filter file or Tomtom table is rebuilt (and what was made from it redone), not hidden
    by the tables made from it."""
    outputs = [DATA.format(dataset=EXPERIMENTS[name]["dataset"])]
    for pattern in (
        f"{RUN}/model.keras",
        f"{RUN}/metrics.json",
        FILTERS,
        TOMTOM,
        FILTER_REPORT,
    ):
        outputs += run_paths(name, pattern)
    return outputs + [r["path"] for r in attribution_runs(name)]


def experiment_outputs(name):
    exp = EXPERIMENTS[name]
    base = EXP.format(experiment=name)
    outputs = [
        f"{base}/{stem}.tsv"
        for stem in (
            "classification",
            "classification_summary",
            "match_statistics",
            "summary",
        )
    ]
    outputs.append(f"{base}/summary.md")
    if exp["published"]:
        outputs += [f"{base}/{exp['table']}.{ext}" for ext in ("tsv", "md")]
    if exp["claims"]:
        outputs += [f"{base}/claims.tsv", f"{base}/claims.md"]
    if n_activations(name) >= 2:
        outputs += [f"{base}/activations.{ext}" for ext in ("png", "pdf")]
    if len(match_plot_pools(name)) >= 2:
        outputs += [f"{base}/match_vs_pool.{ext}" for ext in ("png", "pdf")]
    if exp["attribution"]:
        outputs += [
            f"{base}/interpretability{s}"
            for s in (".tsv", "_summary.tsv", "_summary.md")
        ]
        outputs += [
            f"{base}/{stem}.{ext}"
            for stem in ("interpretability_vs_auroc", "attribution_logos")
            for ext in ("png", "pdf")
        ]
    if exp["localization"]:
        outputs += [
            f"{base}/localization{s}"
            for s in (".tsv", "_summary.tsv", "_summary.md", ".png", ".pdf")
        ]
    rendered = [
        f"{base}/{name}.html" for name in RENDERED if f"{base}/{name}.tsv" in outputs
    ]
    return outputs + rendered


def scorecard_sources():
    """Table 1, localization and claims tables of the experiments built by default."""
    sources = []
    for name in config["run"] or list(EXPERIMENTS):
        exp, base = EXPERIMENTS[name], EXP.format(experiment=name)
        for key, kind, path in (
            ("published", exp["table"], f"{base}/{exp['table']}.tsv"),
            ("localization", "localization", f"{base}/localization_summary.tsv"),
            ("claims", "claims", f"{base}/claims.tsv"),
        ):
            if exp[key]:
                sources.append(dict(experiment=name, kind=kind, path=path))
    return sources


def final_outputs():
    """Outputs of the experiments in config ``run`` (default: all) and their figures."""
    selected = config["run"] or list(EXPERIMENTS)
    outputs = ["results/versions.tsv"]
    if scorecard_sources():
        outputs += [f"results/scorecard.{ext}" for ext in ("tsv", "md", "html")]
    for name in selected:
        outputs += experiment_outputs(name) + run_outputs(name)
    figures = [f for f in ready_figures() if FIGURES[f]["experiment"] in selected]
    outputs += expand(
        "results/figures/{figure}.{ext}", figure=figures, ext=["png", "pdf"]
    )
    return outputs

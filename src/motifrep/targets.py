"""Which files the workflow must build: per experiment, figure, in vivo route; pure functions of
the validated config, no Snakemake import. Each planner takes the config (after
:func:`motifrep.config.validate`) and the model zoo (:func:`motifrep.config.check_models`), plus
whatever else it needs as an argument (an in vivo data set's experiment table, a function that
resolves a config path), and returns paths relative to the working directory, in the order the
workflow lists them; ``workflow/rules/common.smk`` wraps them with its ``config`` for the rules.
"""

from __future__ import annotations

from pathlib import Path

from motifrep.config import experiment_runs
from motifrep.errors import ConfigError
from motifrep.motifs.database import parse_database
from motifrep.nn.zoo import first_activation_of

JASPAR_MEME = "results/jaspar/motifs.meme"
MOTIF_DB = "results/motifdb/{name}.meme"
DATA = "results/{dataset}/data.h5"
RUN = "results/{dataset}/models/{model}/{activation}/trial_{trial}"
MODEL = f"{RUN}/model.keras"
METRICS = f"{RUN}/metrics.json"
FILTERS = f"{RUN}/filters/layer{{layer}}.meme"
TOMTOM = f"{RUN}/tomtom/layer{{layer}}.tsv"
FILTER_REPORT = f"{RUN}/filters/layer{{layer}}_report.tsv"
ATTRIBUTION = f"{RUN}/attribution/{{method}}.h5"
MODISCO = f"{RUN}/modisco/{{method}}"
MODISCO_FILES = ("patterns.h5", "patterns.meme", "tomtom.tsv", "patterns.tsv", "seqlets.tsv", "score.tsv")
EXP = "results/experiments/{experiment}"
FIGURE = "results/figures/{figure}.{ext}"
DOWNLOADS = "results/downloads"
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
    "modisco_summary": "TF-MoDISco motifs from attribution maps against the embedded truth",
}
# The config key of the TF table whose accepted IDs are a data set's ground truth, by kind
# (the in vivo kinds: their ``experiments`` table, whose TFs are the relevant ones).
TF_TABLE_KEYS = {"multitask": "tf_table", "regulatory": "core_table"}
PLOTS = ("png", "pdf")


def _identity(path: str) -> str:
    return str(path)


def dataset_of(config: dict, experiment: str) -> str:
    """The data set an experiment trains on.

    Parameters
    ----------
    config : dict
        The validated config.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    str
        The experiment's ``dataset``.

    Raises
    ------
    KeyError
        If ``experiment`` is not in the config.
    """
    return config["experiments"][experiment]["dataset"]


def tf_table_of(config: dict, dataset: str, resolve=_identity) -> str:
    """The TF table whose accepted IDs are a data set's ground truth (in vivo: the relevant TFs).

    Parameters
    ----------
    config : dict
        The validated config.
    dataset : str
        A key of ``config["datasets"]``.
    resolve : callable, optional
        Maps a path written in the config to the one to read (default: unchanged).

    Returns
    -------
    str
        The resolved path of the data set's ``tf_table`` (multitask), ``core_table``
        (regulatory) or ``experiments`` table (encode, deepsea).

    Raises
    ------
    KeyError
        If ``dataset`` is not in the config.
    """
    spec = config["datasets"][dataset]
    return resolve(spec[TF_TABLE_KEYS.get(spec["kind"], "experiments")])


def comparison_database(config: dict, resolve=_identity) -> str:
    """The MEME file Tomtom compares filters with (config ``tomtom.database``).

    ``null`` (the default), or the JASPAR release, collection and tax group that ``jaspar:``
    exports from pyjaspar already: the simulation's own motifs, :data:`JASPAR_MEME`. Another
    ``JASPAR<year>[:COLLECTION[:TAX_GROUP]]``: its export, ``results/motifdb/<RELEASE>_<COLLECTION>_<TAX>.meme``
    (rule ``motif_database``). A MEME file: that file (through ``resolve``).

    Parameters
    ----------
    config : dict
        The validated config.
    resolve : callable, optional
        Maps a path written in the config to the one to read (default: unchanged).

    Returns
    -------
    str
        The path of the comparison database's MEME file.

    Raises
    ------
    ConfigError
        A bad ``tomtom.database`` (:func:`motifrep.motifs.database.parse_database`).
    """
    spec = (config.get("tomtom") or {}).get("database")
    if spec is None:
        return JASPAR_MEME
    database = parse_database(spec, "config tomtom.database:", resolve)
    if database.kind == "meme":
        return resolve(database.path)
    jaspar = config["jaspar"]
    if jaspar["source"] == "pyjaspar" and (jaspar["release"], jaspar["collection"], jaspar["tax_group"]) == (
            database.release, database.collection, database.tax_group):
        return JASPAR_MEME
    return MOTIF_DB.format(name=database.file_stem)


def datasets_of(config: dict, kind: str) -> list[str]:
    """The data sets of one kind, in config order.

    Parameters
    ----------
    config : dict
        The validated config.
    kind : str
        ``multitask``, ``regulatory``, ``encode`` or ``deepsea``.

    Returns
    -------
    list of str
        Names of the data sets of that kind (empty if none).
    """
    return [name for name, spec in config["datasets"].items() if spec["kind"] == kind]


def layers_of(config: dict, model: str) -> list[int]:
    """Conv layers analysed for a model: the first, plus config ``filters.deep_layers``.

    Parameters
    ----------
    config : dict
        The validated config.
    model : str
        A model of the zoo.

    Returns
    -------
    list of int
        1-based layer numbers, the first layer first.
    """
    return [1] + list(config["filters"]["deep_layers"].get(model, []))


def run_paths(config: dict, zoo: dict, experiment: str, pattern: str, **extra) -> list[str]:
    """``pattern`` formatted for every run (and, if it has ``{layer}``, analysed layer) of an experiment.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks, as :func:`motifrep.config.check_models` returns it.
    experiment : str
        A key of ``config["experiments"]``.
    pattern : str
        A path with fields among ``dataset``, ``model``, ``activation``, ``trial``, ``layer``.
    **extra
        Values of further fields of ``pattern``.

    Returns
    -------
    list of str
        One path per run (model, activation, trial in config order; layers innermost).

    Raises
    ------
    KeyError
        If ``pattern`` has a field neither a run nor ``extra`` gives.
    """
    dataset = dataset_of(config, experiment)
    out = []
    for model, act, trial in experiment_runs(config, zoo, experiment):
        for layer in layers_of(config, model) if "{layer}" in pattern else [None]:
            fields = dict(dataset=dataset, model=model, activation=act, trial=trial, layer=layer)
            out.append(pattern.format(**fields, **extra))
    return out


def analysed_runs(config: dict, zoo: dict, experiment: str) -> list[dict]:
    """The filter sets of an experiment: one per run and analysed layer.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    list of dict
        Keys ``model``, ``activation``, ``trial``, ``layer``, ``filters`` (the MEME file) and
        ``tomtom`` (its Tomtom table), in :func:`run_paths` order.
    """
    dataset = dataset_of(config, experiment)
    runs = []
    for model, act, trial in experiment_runs(config, zoo, experiment):
        for layer in layers_of(config, model):
            fields = dict(dataset=dataset, model=model, activation=act, trial=trial, layer=layer)
            runs.append(dict(model=model, activation=act, trial=trial, layer=layer,
                             filters=FILTERS.format(**fields), tomtom=TOMTOM.format(**fields)))
    return runs


def _panel_label(panel: dict, activation: str) -> str:
    label = panel.get("label", panel["model"])
    if "activation" in panel:
        label = panel.get("label", f"{panel['model']} {activation}")
    if panel["layer"] != 1 and "label" not in panel:
        label = f"{label} layer {panel['layer']}"
    return label


def figure_panels(config: dict, zoo: dict, figure: str) -> list[dict]:
    """The panels of a logo figure with the paths of their filters and Tomtom hits.

    Parameters
    ----------
    config : dict
        The validated config (panels have their default ``layer`` filled in).
    zoo : dict
        Model name -> blocks (a panel without ``activation`` shows its model's first one).
    figure : str
        A key of ``config["figures"]``.

    Returns
    -------
    list of dict
        Keys ``label``, ``filters`` and ``tomtom``, in panel order.

    Raises
    ------
    KeyError
        If ``figure`` is not in the config.
    """
    spec = config["figures"][figure]
    dataset = dataset_of(config, spec["experiment"])
    panels = []
    for panel in spec["panels"]:
        act = panel.get("activation") or first_activation_of(zoo[panel["model"]])
        fields = dict(dataset=dataset, model=panel["model"], activation=act, trial=spec["trial"],
                      layer=panel["layer"])
        panels.append(dict(label=_panel_label(panel, act), filters=FILTERS.format(**fields),
                           tomtom=TOMTOM.format(**fields)))
    return panels


def attribution_runs(config: dict, zoo: dict, experiment: str) -> list[dict]:
    """The attribution maps of an experiment: one per run and method.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    list of dict
        Keys ``model``, ``activation``, ``trial``, ``method`` and ``path`` (runs in config order,
        methods innermost); empty for an experiment without ``attribution``.
    """
    dataset = dataset_of(config, experiment)
    return [
        dict(model=m, activation=a, trial=t, method=method,
             path=ATTRIBUTION.format(dataset=dataset, model=m, activation=a, trial=t, method=method))
        for m, a, t in experiment_runs(config, zoo, experiment)
        for method in config["experiments"][experiment]["attribution"]
    ]


def modisco_runs(config: dict, zoo: dict, experiment: str) -> list[dict]:
    """The TF-MoDISco runs of an experiment: one per run and method of its ``modisco`` list.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    list of dict
        Keys ``model``, ``activation``, ``trial``, ``method``, ``maps`` (the attribution file),
        ``dir`` (the output folder) and ``score`` (its ``score.tsv``), runs in config order,
        methods innermost; empty for an experiment without ``modisco``.
    """
    dataset = dataset_of(config, experiment)
    out = []
    for m, a, t in experiment_runs(config, zoo, experiment):
        for method in config["experiments"][experiment].get("modisco") or []:
            fields = dict(dataset=dataset, model=m, activation=a, trial=t, method=method)
            folder = MODISCO.format(**fields)
            out.append(dict(model=m, activation=a, trial=t, method=method, maps=ATTRIBUTION.format(**fields),
                            dir=folder, score=f"{folder}/score.tsv"))
    return out


def logo_panels(config: dict, zoo: dict, experiment: str) -> list[dict]:
    """The attribution logos (P2 Fig 2d): trial 0 of the first model, each activation, first method.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        An experiment with ``attribution``.

    Returns
    -------
    list of dict
        The matching entries of :func:`attribution_runs`.

    Raises
    ------
    IndexError
        If the experiment has no attribution maps.
    """
    runs = attribution_runs(config, zoo, experiment)
    first = runs[0]
    return [r for r in runs
            if r["model"] == first["model"] and r["trial"] == 0 and r["method"] == first["method"]]


def localization_runs(config: dict, zoo: dict, experiment: str) -> list[dict]:
    """The models whose first layer the localization step scans: every run of the experiment.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    list of dict
        Keys ``model``, ``activation``, ``trial`` and ``path`` (the trained model), config order.
    """
    return [dict(model=m, activation=a, trial=t, path=p)
            for (m, a, t), p in zip(experiment_runs(config, zoo, experiment),
                                    run_paths(config, zoo, experiment, MODEL))]


def claims_inputs(config: dict, experiment: str) -> dict:
    """The interpretability and localization summaries a claims table also reads, when made.

    Parameters
    ----------
    config : dict
        The validated config.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    dict
        ``interpretability`` and/or ``localization`` -> summary path (empty if neither is made).
    """
    exp, base = config["experiments"][experiment], EXP.format(experiment=experiment)
    inputs = {}
    if exp["attribution"]:
        inputs["interpretability"] = f"{base}/interpretability_summary.tsv"
    if exp["localization"]:
        inputs["localization"] = f"{base}/localization_summary.tsv"
    if exp.get("modisco"):
        inputs["modisco"] = f"{base}/modisco_summary.tsv"
    return inputs


def trained_runs(config: dict, zoo: dict, experiment: str) -> set[tuple[str, str]]:
    """The (model, activation) pairs an experiment trains.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    set of tuple of str
    """
    return {(m, a) for m, a, _ in experiment_runs(config, zoo, experiment)}


def ready_figures(config: dict, zoo: dict) -> list[str]:
    """The figures whose panels are all runs of their experiment (the others are built on request).

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.

    Returns
    -------
    list of str
        Figure names, config order.
    """
    ready = []
    for name, figure in config["figures"].items():
        runs = trained_runs(config, zoo, figure["experiment"])
        wanted = [(p["model"], p.get("activation") or first_activation_of(zoo[p["model"]]))
                  for p in figure["panels"]]
        if all(w in runs for w in wanted):
            ready.append(name)
    return ready


def match_plot_pools(config: dict, zoo: dict, experiment: str) -> dict[str, int]:
    """The first-layer pool size of each trained model of an experiment's match-fraction plot.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    dict
        Model -> pool size (1 without pooling), ``match_plot`` order, trained models only.
    """
    exp = config["experiments"][experiment]
    return {m: zoo[m][0]["conv"].get("pool", 1) for m in exp["match_plot"] if m in exp["models"]}


def n_activations(config: dict, zoo: dict, experiment: str) -> int:
    """The number of distinct first-layer activations an experiment trains.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    int
    """
    return len({a for _, a, _ in experiment_runs(config, zoo, experiment)})


def run_outputs(config: dict, zoo: dict, experiment: str) -> list[str]:
    """Every per-run file of an experiment.

    Targets too, so that a deleted data set, model, filter file or Tomtom table is rebuilt (and
    what was made from it redone), not hidden by the tables made from it.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    list of str
        The data set, then models, metrics, filters, Tomtom tables, filter reports (each over
        all runs), attribution maps and the TF-MoDISco scores.
    """
    outputs = [DATA.format(dataset=dataset_of(config, experiment))]
    for pattern in (MODEL, METRICS, FILTERS, TOMTOM, FILTER_REPORT):
        outputs += run_paths(config, zoo, experiment, pattern)
    outputs += [r["path"] for r in attribution_runs(config, zoo, experiment)]
    return outputs + [r["score"] for r in modisco_runs(config, zoo, experiment)]


def _optional_outputs(config: dict, zoo: dict, experiment: str, base: str) -> list[str]:
    exp = config["experiments"][experiment]
    outputs = []
    if exp["published"]:
        outputs += [f"{base}/{exp['table']}.{ext}" for ext in ("tsv", "md")]
    if exp["claims"]:
        outputs += [f"{base}/claims.tsv", f"{base}/claims.md"]
    if n_activations(config, zoo, experiment) >= 2:
        outputs += [f"{base}/activations.{ext}" for ext in PLOTS]
    if len(match_plot_pools(config, zoo, experiment)) >= 2:
        outputs += [f"{base}/match_vs_pool.{ext}" for ext in PLOTS]
    if exp["attribution"]:
        outputs += [f"{base}/interpretability{s}" for s in (".tsv", "_summary.tsv", "_summary.md")]
        outputs += [f"{base}/{stem}.{ext}" for stem in ("interpretability_vs_auroc", "attribution_logos")
                    for ext in PLOTS]
    if exp["localization"]:
        outputs += [f"{base}/localization{s}" for s in (".tsv", "_summary.tsv", "_summary.md", ".png", ".pdf")]
    if exp.get("modisco"):
        outputs += [f"{base}/modisco{s}" for s in (".tsv", "_summary.tsv", "_summary.md")]
        outputs += [f"{base}/{stem}.{ext}" for stem in ("modisco", "modisco_logos") for ext in PLOTS]
    return outputs


def experiment_outputs(config: dict, zoo: dict, experiment: str) -> list[str]:
    """The tables and figures of an experiment (not its per-run files: :func:`run_outputs`).

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.
    experiment : str
        A key of ``config["experiments"]``.

    Returns
    -------
    list of str
        Classification, match and summary tables; then, as the experiment asks: the published
        table, claims, the activation and match-vs-pool plots (two or more activations / pool
        sizes), interpretability and localization; then the HTML of each rendered table made.
    """
    base = EXP.format(experiment=experiment)
    outputs = [f"{base}/{stem}.tsv"
               for stem in ("classification", "classification_summary", "match_statistics", "summary")]
    outputs.append(f"{base}/summary.md")
    outputs += _optional_outputs(config, zoo, experiment, base)
    return outputs + [f"{base}/{name}.html" for name in RENDERED if f"{base}/{name}.tsv" in outputs]


def selected_experiments(config: dict) -> list[str]:
    """The experiments built by default: config ``run``, or all of them.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    list of str
    """
    return list(config["run"] or config["experiments"])


def scorecard_sources(config: dict) -> list[dict]:
    """The published-value, localization and claims tables of the experiments built by default.

    Parameters
    ----------
    config : dict
        The validated config.

    Returns
    -------
    list of dict
        Keys ``experiment``, ``kind`` (``table1``/``table2``, ``localization``, ``claims``) and
        ``path``; experiment order, then that order of kinds.
    """
    sources = []
    for name in selected_experiments(config):
        exp, base = config["experiments"][name], EXP.format(experiment=name)
        for key, kind, path in (
            ("published", exp["table"], f"{base}/{exp['table']}.tsv"),
            ("localization", "localization", f"{base}/localization_summary.tsv"),
            ("claims", "claims", f"{base}/claims.tsv"),
        ):
            if exp[key]:
                sources.append(dict(experiment=name, kind=kind, path=path))
    return sources


def final_outputs(config: dict, zoo: dict) -> list[str]:
    """Everything a plain ``snakemake`` builds: the experiments in config ``run`` (default: all).

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.

    Returns
    -------
    list of str
        ``results/versions.tsv``, the scorecard (if any experiment feeds it), each selected
        experiment's outputs then run outputs, and the PNG and PDF of each ready figure of a
        selected experiment.
    """
    selected = selected_experiments(config)
    outputs = ["results/versions.tsv"]
    if scorecard_sources(config):
        outputs += [f"results/scorecard.{ext}" for ext in ("tsv", "md", "html")]
    for name in selected:
        outputs += experiment_outputs(config, zoo, name) + run_outputs(config, zoo, name)
    figures = [f for f in ready_figures(config, zoo) if config["figures"][f]["experiment"] in selected]
    return outputs + [FIGURE.format(figure=f, ext=ext) for f in figures for ext in PLOTS]


def basename(url: str) -> str:
    """The file name of a URL or path (``http://host/a/b.tar.gz`` -> ``b.tar.gz``).

    Parameters
    ----------
    url : str

    Returns
    -------
    str
    """
    return Path(str(url).split("://", 1)[-1]).name


def is_url(text) -> bool:
    """Whether an experiment table's ``url`` field is a URL (else a local path).

    Parameters
    ----------
    text : str or None

    Returns
    -------
    bool
    """
    return "://" in str(text)


def _deepsea_bundle(name: str, spec: dict) -> str:
    source = spec["bundle"]["url"] or spec["bundle"]["path"]
    if not source.endswith(".tar.gz"):
        raise ConfigError(f"config datasets.{name}.bundle: expected a .tar.gz, got {source}")
    return source


def in_vivo_downloads(config: dict, experiment_tables: dict) -> dict[str, dict]:
    """The genomes, peak files and bundles of the in vivo data sets, keyed by their download path.

    Parameters
    ----------
    config : dict
        The validated config.
    experiment_tables : dict
        Encode data set name -> its experiment table (a DataFrame with columns ``experiment``,
        ``url``, ``sha256``, as :func:`motifrep.datasets.encode.read_experiment_table` reads it).

    Returns
    -------
    dict
        Key under ``results/downloads/`` (``genomes/<file>``, ``peaks/<dataset>/<experiment>.narrowPeak.gz``,
        ``deepsea/<file>``) -> ``{"url": ..., "sha256": ...}``; local files are not listed.

    Raises
    ------
    ConfigError
        If a bundle is not a ``.tar.gz``, or two different URLs would be saved under one key.
    """
    downloads = {}

    def add(key, url, sha256, where):
        seen = downloads.setdefault(key, dict(url=url, sha256=sha256))
        if seen["url"] != url:
            raise ConfigError(f"config {where}: {url} and {seen['url']} would both be saved as "
                              f"{DOWNLOADS}/{key}")

    for name, spec in config["datasets"].items():
        if spec["kind"] == "encode":
            if spec["genome"]["url"]:
                url = spec["genome"]["url"]
                add(f"genomes/{basename(url)}", url, spec["genome"]["sha256"], name)
            for row in experiment_tables[name].itertuples():
                if is_url(row.url):
                    add(f"peaks/{name}/{row.experiment}.narrowPeak.gz", row.url, row.sha256, name)
        elif spec["kind"] == "deepsea":
            url = _deepsea_bundle(name, spec)
            if spec["bundle"]["url"]:
                add(f"deepsea/{basename(url)}", url, spec["bundle"]["sha256"], name)
    return downloads


def genome_fasta(config: dict, dataset: str, resolve=_identity) -> str:
    """The plain FASTA an encode data set reads: its local path, or the (unpacked) download.

    Parameters
    ----------
    config : dict
        The validated config.
    dataset : str
        An encode data set.
    resolve : callable, optional
        Maps a path written in the config to the one to read (default: unchanged).

    Returns
    -------
    str
        The resolved ``genome.path``; else ``results/genomes/<file>`` for a ``.gz`` download
        (unpacked by the workflow) or ``results/downloads/genomes/<file>``.
    """
    genome = config["datasets"][dataset]["genome"]
    if genome["path"]:
        return resolve(genome["path"])
    name = basename(genome["url"])
    if name.endswith(".gz"):
        return f"results/genomes/{name[:-3]}"
    return f"{DOWNLOADS}/genomes/{name}"


def encode_inputs(config: dict, dataset: str, table, resolve=_identity) -> dict:
    """The inputs of building an encode data set.

    Parameters
    ----------
    config : dict
        The validated config.
    dataset : str
        An encode data set.
    table : pandas.DataFrame
        Its experiment table (columns ``experiment``, ``url``), task order.
    resolve : callable, optional
        Maps a path written in the config to the one to read (default: unchanged).

    Returns
    -------
    dict
        ``genome`` (:func:`genome_fasta`), ``peaks`` (one per experiment, task order: the
        download, or the resolved local path), ``table`` (the experiment table) and, when the
        workflow unpacks the genome, ``fai`` (its index).
    """
    peaks = [f"{DOWNLOADS}/peaks/{dataset}/{row.experiment}.narrowPeak.gz" if is_url(row.url)
             else resolve(row.url) for row in table.itertuples()]
    fasta = genome_fasta(config, dataset, resolve)
    inputs = dict(genome=fasta, peaks=peaks, table=tf_table_of(config, dataset, resolve))
    if fasta.startswith("results/genomes/"):
        inputs["fai"] = f"{fasta}.fai"
    return inputs


def deepsea_inputs(config: dict, dataset: str) -> dict:
    """The three ``.mat`` files of a DeepSEA data set's bundle (extracted from the ``.tar.gz``).

    Parameters
    ----------
    config : dict
        The validated config.
    dataset : str
        A deepsea data set.

    Returns
    -------
    dict
        ``train``, ``valid``, ``test`` -> ``results/downloads/deepsea/<bundle>/<split>.mat``.

    Raises
    ------
    ConfigError
        If the bundle is not a ``.tar.gz``.
    """
    name = basename(_deepsea_bundle(dataset, config["datasets"][dataset]))
    folder = f"{DOWNLOADS}/deepsea/{name[: -len('.tar.gz')]}"
    return {split: f"{folder}/{split}.mat" for split in ("train", "valid", "test")}


def bundle_archive(config: dict, bundle: str, resolve=_identity) -> str:
    """The tarball of a DeepSEA bundle: the local path a data set names, else the download.

    Parameters
    ----------
    config : dict
        The validated config.
    bundle : str
        The bundle's name without ``.tar.gz``.
    resolve : callable, optional
        Maps a path written in the config to the one to read (default: unchanged).

    Returns
    -------
    str
    """
    for spec in config["datasets"].values():
        path = spec["bundle"]["path"] if spec["kind"] == "deepsea" else None
        if path and basename(path) == f"{bundle}.tar.gz":
            return resolve(path)
    return f"{DOWNLOADS}/deepsea/{bundle}.tar.gz"

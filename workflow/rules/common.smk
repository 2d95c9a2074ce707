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

from motifrep import targets  # noqa: E402
from motifrep.config import (  # noqa: E402
    check_config_files,
    check_files,
    check_models,
    check_name,
    check_output_paths,
    check_resources,
    machine_memory,
    run_settings,
    validate as validate_config,
)
from motifrep.datasets.encode import (  # noqa: E402
    check_experiment_table,
    read_experiment_table,
)
from motifrep.errors import MotifrepError  # noqa: E402
from motifrep.interpret.methods import METHOD_NAMES  # noqa: E402
from motifrep.results.html import param_text  # noqa: E402
from motifrep.targets import (  # noqa: E402
    ATTRIBUTION,
    DATA,
    EXP,
    FILTER_REPORT,
    FILTERS,
    JASPAR_MEME,
    MODISCO,
    RENDERED,
    RUN,
    TOMTOM,
)

# This file: config loading and validation, wildcard constraints, and thin lookups that call
# the planners of motifrep.targets (which files to build: tested in tests/test_targets.py)
# with this run's config, plus the named input and params functions the rules share.


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
    # The files Snakemake merged (the Snakefile's configfile and every --configfile): a key
    # given twice would have been merged silently. Values from --config that Snakemake left
    # as strings are read as YAML where the schema wants another type.
    check_config_files(workflow.configfiles)
    validate_config(
        config,
        Path(workflow.basedir) / "config" / "schema.yaml",
        command_line=workflow.config_settings.overwrite_config,
    )
    check_files(config, resolve_path)
    ZOO = check_models(config, resolve_path(config["zoo"]))
    RUNS = run_settings(config, ZOO)
    # Memory only where jobs run on this machine; the disk of results/ in any case.
    check_resources(
        config, "results", memory=machine_memory() if workflow.local_exec else None
    )
    # The motifs Tomtom compares filters with (tomtom.database; default the simulation's own).
    COMPARISON_DB = targets.comparison_database(config, resolve_path)
except MotifrepError as exc:
    config_error(exc)

DATASETS = config["datasets"]
EXPERIMENTS = config["experiments"]
FIGURES = config["figures"]
ENV = "../../envs/motifrep.yaml"
# GPU rules (training, attribution) with --use-conda: the CUDA build where a GPU is required.
GPU_ENV = "../../envs/motifrep-cuda.yaml" if config["training"]["require_gpu"] else ENV
TOMTOM_ENV = "../../envs/meme.yaml" if config["tomtom"]["engine"] == "meme" else ENV


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
    method=_alternatives(METHOD_NAMES),
    table="table1|table2",
    rendered=_alternatives(RENDERED),


# Thin lookups: motifrep.targets with this run's config (and zoo, and path resolution).


def datasets_of(kind):
    return targets.datasets_of(config, kind)


def dataset_file(dataset, key):
    """A file named in a data set's config (TF table, pool), resolved."""
    return resolve_path(DATASETS[dataset][key])


def tf_table_of(dataset):
    """TF table whose accepted IDs are the data set's ground truth (in vivo: the relevant TFs)."""
    return targets.tf_table_of(config, dataset, resolve_path)


_EXPERIMENT_TABLES = {}


def invivo_experiments(dataset):
    """The experiment table of an in vivo data set (tf, accepted_ids, experiment, url, ...), task order."""
    spec = DATASETS[dataset]
    path = resolve_path(spec["experiments"])
    if (path, spec["kind"]) not in _EXPERIMENT_TABLES:
        table = read_experiment_table(path)
        check_experiment_table(table, spec["kind"], f"config datasets.{dataset}")
        for name in table.experiment:  # download paths are named after them
            check_name(
                "in vivo experiment", name, f"datasets.{dataset}.experiments ({path})"
            )
        _EXPERIMENT_TABLES[path, spec["kind"]] = table
    return _EXPERIMENT_TABLES[path, spec["kind"]]


try:
    DOWNLOADS = targets.in_vivo_downloads(
        config, {name: invivo_experiments(name) for name in datasets_of("encode")}
    )
    for name in datasets_of("deepsea"):  # their task names: checked as the encode ones
        invivo_experiments(name)
    # The last resort, whatever the names: every planned file lies under results/ or
    # logs/ (the rules' own output patterns: check_rule_outputs(), end of the Snakefile).
    check_output_paths(
        targets.final_outputs(config, ZOO)
        + [f"{targets.DOWNLOADS}/{key}" for key in DOWNLOADS],
        Path.cwd(),
    )
except MotifrepError as exc:
    config_error(exc)


def check_rule_outputs():
    """Every rule's output and log patterns lie under results/ or logs/ (called once all
    rules are defined, at the end of the Snakefile); wildcards take checked names only.
    """
    try:
        check_output_paths(
            [str(f) for rule in workflow.rules for f in [*rule.output, *rule.log]],
            Path.cwd(),
        )
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


def method_settings(method):
    """The settings of an attribution method that change its result (methods §6.2)."""
    return dict(config["attribution"].get(method) or {})


def run_paths(experiment, pattern):
    return targets.run_paths(config, ZOO, experiment, pattern)


def analysed_runs(experiment):
    return targets.analysed_runs(config, ZOO, experiment)


def figure_panels(figure):
    return targets.figure_panels(config, ZOO, figure)


# Text from config passed to jobs as param_text: the report shows job parameters unescaped
# inside a <script> element (the scripts read the text back with from_param_text).


def report_safe_panels(figure):
    """The panels of a figure, labels as param_text."""
    return [{**p, "label": param_text(p["label"])} for p in figure_panels(figure)]


def figure_title(wildcards):
    """The title of the job's figure, as param_text."""
    return param_text(FIGURES[wildcards.figure].get("title"))


def experiment_title(wildcards):
    """The title of the job's experiment, as param_text."""
    return param_text(EXPERIMENTS[wildcards.experiment].get("title"))


def attribution_runs(experiment):
    return targets.attribution_runs(config, ZOO, experiment)


def modisco_runs(experiment):
    return targets.modisco_runs(config, ZOO, experiment)


def logo_panels(experiment):
    return targets.logo_panels(config, ZOO, experiment)


def localization_runs(experiment):
    return targets.localization_runs(config, ZOO, experiment)


def match_plot_pools(experiment):
    return targets.match_plot_pools(config, ZOO, experiment)


def scorecard_sources():
    return targets.scorecard_sources(config)


def final_outputs():
    return targets.final_outputs(config, ZOO)


# Input and params functions of the rules (Snakemake calls them with the job's wildcards).


def encode_inputs(wildcards):
    """Genome, its index when the workflow makes it, peak files (task order) and the table."""
    table = invivo_experiments(wildcards.dataset)
    return targets.encode_inputs(config, wildcards.dataset, table, resolve_path)


def deepsea_inputs(wildcards):
    """The three .mat files of a DeepSEA data set's bundle (extracted from the .tar.gz)."""
    return targets.deepsea_inputs(config, wildcards.dataset)


def bundle_archive(wildcards):
    """The bundle tarball: the download, or the local path a data set names."""
    return targets.bundle_archive(config, wildcards.bundle, resolve_path)


def claims_inputs(wildcards):
    """The interpretability and localization summaries a claims table also reads, when made."""
    return targets.claims_inputs(config, wildcards.experiment)


def dataset_spec(wildcards):
    """The config of the job's data set."""
    return DATASETS[wildcards.dataset]


def dataset_input(key):
    """An input function: the file a data set's config names under ``key``, resolved."""

    def the_file(wildcards):
        return dataset_file(wildcards.dataset, key)

    return the_file


def dataset_tf_table(wildcards):
    """The ground-truth TF table of the job's data set."""
    return tf_table_of(wildcards.dataset)


def experiment_data(wildcards):
    """The data set file of the job's experiment."""
    return DATA.format(dataset=EXPERIMENTS[wildcards.experiment]["dataset"])


def experiment_tf_table(wildcards):
    """The ground-truth TF table of the job's experiment's data set."""
    return tf_table_of(EXPERIMENTS[wildcards.experiment]["dataset"])


def figure_tf_table(wildcards):
    """The ground-truth TF table of the data set the job's figure shows."""
    return tf_table_of(EXPERIMENTS[FIGURES[wildcards.figure]["experiment"]]["dataset"])


def model_order(wildcards):
    """The models of the job's experiment, config order (the row order of its tables)."""
    return EXPERIMENTS[wildcards.experiment]["models"]


def invivo_tasks(wildcards):
    """The TF of each task of the job's in vivo data set, task order."""
    return list(invivo_experiments(wildcards.dataset).tf)


def download_url(wildcards):
    """Where the job's download comes from."""
    return DOWNLOADS[wildcards.download]["url"]


def download_sha256(wildcards):
    """The checksum the job's download must have (None: not pinned, logged instead)."""
    return DOWNLOADS[wildcards.download]["sha256"]


def of_experiment(planner):
    """A params function: ``planner`` (a lookup above) applied to the job's experiment."""

    def for_job(wildcards):
        return planner(wildcards.experiment)

    return for_job


def of_figure(planner):
    """A params function: ``planner`` applied to the job's figure."""

    def for_job(wildcards):
        return planner(wildcards.figure)

    return for_job


def experiment_input(key):
    """An input function: the file an experiment's config names under ``key``, resolved."""

    def the_file(wildcards):
        return resolve_path(EXPERIMENTS[wildcards.experiment][key])

    return the_file


def experiment_models(wildcards):
    """The trained model of each run of the job's experiment."""
    return run_paths(wildcards.experiment, targets.MODEL)


def experiment_metrics(wildcards):
    """The test metrics of each run of the job's experiment."""
    return run_paths(wildcards.experiment, targets.METRICS)


def analysed_filters(wildcards):
    """The filter MEME file of each run and analysed layer of the job's experiment."""
    return [r["filters"] for r in analysed_runs(wildcards.experiment)]


def analysed_tomtom(wildcards):
    """The Tomtom table of each run and analysed layer of the job's experiment."""
    return [r["tomtom"] for r in analysed_runs(wildcards.experiment)]


def attribution_maps(wildcards):
    """Every attribution map of the job's experiment."""
    return [r["path"] for r in attribution_runs(wildcards.experiment)]


def modisco_scores(wildcards):
    """The TF-MoDISco score of each run and method of the job's experiment."""
    return [r["score"] for r in modisco_runs(wildcards.experiment)]


def modisco_plot_inputs(wildcards):
    """The pattern tables and MEME files of the job's experiment's runs, and its TF table."""
    runs = modisco_runs(wildcards.experiment)
    return {
        "tomtom": [f"{r['dir']}/tomtom.tsv" for r in runs],
        "memes": [f"{r['dir']}/patterns.meme" for r in runs],
        "tf_table": tf_table_of(EXPERIMENTS[wildcards.experiment]["dataset"]),
    }


def logo_maps(wildcards):
    """The attribution maps the job's experiment's logo figure shows."""
    return [p["path"] for p in logo_panels(wildcards.experiment)]


def figure_filters(wildcards):
    """The filter MEME file of each panel of the job's figure."""
    return [p["filters"] for p in figure_panels(wildcards.figure)]


def figure_tomtom(wildcards):
    """The Tomtom table of each panel of the job's figure."""
    return [p["tomtom"] for p in figure_panels(wildcards.figure)]


def scorecard_inputs(wildcards):
    """The tables the scorecard gathers."""
    return [s["path"] for s in scorecard_sources()]

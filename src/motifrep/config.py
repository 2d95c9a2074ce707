"""Configuration: JSON-schema validation with one-line messages, and the checks that need
more than the schema (names that refer to each other, sums, sizes), run at parse time so
that ``snakemake -n`` fails too."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import numpy as np
import yaml

from motifrep.errors import ConfigError
from motifrep.nn.zoo import (
    ACTIVATION_NAMES,
    check_model_fits,
    first_activation_of,
    load_zoo,
    resolve,
)

# Folders under results/ that are not data sets.
RESERVED = {"jaspar", "experiments", "figures", "tables", "versions.tsv", "tomtom_engine.tsv", "downloads", "genomes"}
# Training and filter keys that change no result: never parameters of a rule.
RESOURCE_KEYS = {"threads", "mem_mb", "runtime", "require_gpu", "in_memory_max_gb"}


def _where(error) -> str:
    """The dotted config key of a schema error (``(top level)`` for the root)."""
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "(top level)"


def validate(config: dict, schema_path) -> dict:
    """Validate ``config`` in place against the schema (filling defaults); raise ConfigError.

    Unknown keys are errors (``additionalProperties: false`` in the schema), so a mistyped
    key is reported instead of silently ignored.

    Parameters
    ----------
    config : dict
        The Snakemake config; defaults of the schema are filled in place.
    schema_path : str or os.PathLike
        The JSON schema, as YAML (draft 2020-12).

    Returns
    -------
    dict
        ``config`` itself.

    Raises
    ------
    ConfigError
        An empty config, or the first schema violation (by key path) as one line; an unknown
        key is named with the keys allowed there.
    """
    if not isinstance(config, dict) or not config:
        raise ConfigError("config: empty; expected a mapping of config keys (see config/README.md)")
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator_cls = jsonschema.Draft202012Validator

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(key, sub["default"])
        yield from validator_cls.VALIDATORS["properties"](validator, properties, instance, schema)

    filling = jsonschema.validators.extend(validator_cls, {"properties": set_defaults})
    errors = sorted(filling(schema).iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        e = errors[0]
        if e.validator == "additionalProperties":
            allowed = sorted(e.schema.get("properties", {}))
            unknown = sorted(set(e.instance) - set(allowed))
            raise ConfigError(f"config: unknown key {', '.join(map(repr, unknown))} in {_where(e)} "
                              f"(allowed: {', '.join(allowed)})")
        raise ConfigError(f"config: {_where(e)}: {e.message}")
    return config


def _check_probs(where: str, probs) -> None:
    """ConfigError unless ``probs`` sums to 1."""
    if not np.isclose(sum(probs), 1.0, atol=1e-6):
        raise ConfigError(f"config {where}: {list(probs)} must sum to 1 (sums to {sum(probs):.4g})")


def dataset_size(spec: dict) -> int:
    """Sequences of a simulated data set: n_sequences (multitask) or n_positive + n_negative."""
    if spec["kind"] == "multitask":
        return spec["n_sequences"]
    return spec["n_positive"] + spec["n_negative"]


def _check_source(where: str, source: dict) -> None:
    """ConfigError unless exactly one of url and path is given."""
    if bool(source.get("url")) == bool(source.get("path")):
        raise ConfigError(f"config {where}: give either url (to download) or path (a local file), not "
                          f"{'both' if source.get('url') else 'neither'}")


def check_invivo_dataset(where: str, spec: dict) -> None:
    """A genome/peaks (encode) or DeepSEA-bundle (deepsea) data set: sources and chromosome splits."""
    _check_source(f"{where}.{'genome' if spec['kind'] == 'encode' else 'bundle'}",
                  spec["genome"] if spec["kind"] == "encode" else spec["bundle"])
    if spec["kind"] != "encode":
        return
    if spec["length"] < spec["bin_size"]:
        raise ConfigError(f"config {where}.length: {spec['length']} is shorter than bin_size {spec['bin_size']}")
    for key in ("valid_chroms", "test_chroms"):
        if not spec[key]:
            raise ConfigError(f"config {where}.{key}: empty: the split would have no sequences")
    both = set(spec["valid_chroms"]) & set(spec["test_chroms"])
    if both:
        raise ConfigError(f"config {where}: {', '.join(sorted(both))} in both valid_chroms and test_chroms")
    missing = set(spec["valid_chroms"] + spec["test_chroms"]) - set(spec["chroms"] or [])
    if spec["chroms"] and missing:
        raise ConfigError(f"config {where}.chroms: lacks {', '.join(sorted(missing))} of valid/test_chroms")


def check_dataset(name: str, spec: dict) -> None:
    """Sums, sizes and motif room of one data set (schema types are already checked)."""
    where = f"datasets.{name}"
    if name in RESERVED:
        raise ConfigError(f"config {where}: {name!r} is a reserved folder name under results/")
    if spec["kind"] in ("encode", "deepsea"):
        return check_invivo_dataset(where, spec)
    _check_probs(f"{where}.motif_count_probs", spec["motif_count_probs"])
    _check_probs(f"{where}.split", spec["split"])
    n = dataset_size(spec)
    n_train = int(round(spec["split"][0] * n))
    n_valid = int(round(spec["split"][1] * n))
    sizes = {"train": n_train, "valid": n_valid, "test": n - n_train - n_valid}
    empty = [part for part, size in sizes.items() if size < 1]
    if empty:
        raise ConfigError(f"config {where}.split: {spec['split']} of {n} sequences leaves {', '.join(empty)} empty")


def check_activation(name: str) -> None:
    """Known first-layer activation (checked without importing Keras: parse time stays fast)."""
    if name not in ACTIVATION_NAMES:
        raise ConfigError(f"unknown activation {name!r} (known: {', '.join(ACTIVATION_NAMES)})")


def _activations(config: dict, zoo: dict, experiment: dict, model: str) -> list[str]:
    """The experiment's activations (default: the model's first), each checked."""
    names = experiment.get("activations") or [first_activation_of(zoo[model])]
    for name in names:
        check_activation(name)
    return list(names)


def check_models(config: dict, zoo_path) -> dict:
    """Load the zoo plus config ``architectures``; check every name the config uses.

    Checks every data set (:func:`check_dataset`), each experiment's data set, models (known,
    fitting the sequence length), activations, localization and attribution requests, the
    ``run`` list, ``filters.deep_layers``, the figures, and that runs shared by experiments
    have the same settings (:func:`run_settings`).

    Parameters
    ----------
    config : dict
        The validated config (:func:`validate`).
    zoo_path : str or os.PathLike
        The model zoo YAML.

    Returns
    -------
    dict
        The zoo: model name -> blocks (:func:`motifrep.nn.zoo.load_zoo`).

    Raises
    ------
    ConfigError
        The first problem found, as one line naming the config key.
    """
    zoo = load_zoo(zoo_path, config.get("architectures") or {})
    datasets = config["datasets"]
    for name, spec in datasets.items():
        check_dataset(name, spec)
    for exp_name, exp in config["experiments"].items():
        where = f"experiments.{exp_name}"
        if exp["dataset"] not in datasets:
            raise ConfigError(f"config {where}.dataset: unknown data set {exp['dataset']!r} "
                              f"(known: {', '.join(sorted(datasets))})")
        length = datasets[exp["dataset"]]["length"]
        if exp.get("localization") and datasets[exp["dataset"]]["kind"] != "multitask":
            raise ConfigError(f"config {where}.localization: data set {exp['dataset']!r} has no embedded-motif ground "
                              f"truth (only multitask simulated sets do)")
        if exp.get("attribution") and datasets[exp["dataset"]]["kind"] != "regulatory":
            raise ConfigError(f"config {where}.attribution: data set {exp['dataset']!r} has no per-position ground "
                              f"truth (only regulatory data sets do): attribution maps could not be scored")
        for model in exp["models"] + exp.get("match_plot", []):
            try:
                resolve(zoo, model)
            except ConfigError as exc:
                raise ConfigError(f"config {where}.models: {exc}") from None
        for model in exp["models"]:
            try:
                check_model_fits(model, zoo[model], length)
                _activations(config, zoo, exp, model)
            except ConfigError as exc:
                raise ConfigError(f"config {where}: {exc}") from None
    for name in config.get("run") or []:
        if name not in config["experiments"]:
            known = ", ".join(sorted(config["experiments"]))
            raise ConfigError(f"config run: unknown experiment {name!r} (known: {known})")
    _check_deep_layers(config, zoo)
    _check_figures(config, zoo)
    run_settings(config, zoo)  # raises on conflicting settings for one run
    return zoo


def _n_conv(blocks) -> int:
    """Number of conv blocks of a model description."""
    return sum("conv" in block for block in blocks)


def _check_deep_layers(config: dict, zoo: dict) -> None:
    """``filters.deep_layers``: known models, layers they have."""
    for name, layers in config["filters"].get("deep_layers", {}).items():
        try:
            resolve(zoo, name)
        except ConfigError as exc:
            raise ConfigError(f"config filters.deep_layers: {exc}") from None
        for layer in layers:
            if layer > _n_conv(zoo[name]):
                raise ConfigError(f"config filters.deep_layers: {name} has {_n_conv(zoo[name])} conv layers, "
                                  f"not {layer}")


def _check_figures(config: dict, zoo: dict) -> None:
    """``figures``: known experiments, models, activations and layers of every panel."""
    experiments = config["experiments"]
    for fig, spec in (config.get("figures") or {}).items():
        where = f"figures.{fig}"
        if spec["experiment"] not in experiments:
            raise ConfigError(f"config {where}.experiment: unknown experiment {spec['experiment']!r} "
                              f"(known: {', '.join(sorted(experiments))})")
        for panel in spec["panels"]:
            try:
                blocks = resolve(zoo, panel["model"])
            except ConfigError as exc:
                raise ConfigError(f"config {where}: {exc}") from None
            if panel.get("activation"):
                try:
                    check_activation(panel["activation"])
                except ConfigError as exc:
                    raise ConfigError(f"config {where}: {exc}") from None
            if panel.get("layer", 1) > _n_conv(blocks):
                raise ConfigError(f"config {where}: {panel['model']} has {_n_conv(blocks)} conv layers, "
                                  f"no layer {panel['layer']}")


def training_settings(config: dict, experiment: dict) -> dict:
    """The training keys that change a result: defaults overridden by the experiment's."""
    merged = {**config["training"], **(experiment.get("training") or {})}
    return {k: v for k, v in merged.items() if k not in RESOURCE_KEYS}


def filter_settings(config: dict, experiment: dict) -> dict:
    """The filter -> PWM keys that change a result (not threads, batch size, deep layers)."""
    merged = {**config["filters"], **(experiment.get("filters") or {})}
    return {k: v for k, v in merged.items() if k not in {"threads", "batch_size", "deep_layers"}}


def run_settings(config: dict, zoo: dict) -> dict:
    """(dataset, model, activation, trial) -> {experiment, training, filters} of every run.

    Two experiments may share a run only with the same settings, else ConfigError. Runs that
    only a figure shows are added with the settings of the figure's experiment.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks.

    Returns
    -------
    dict
        Run key -> ``{"experiment": name of the first experiment with it, "training": dict,
        "filters": dict}`` (:func:`training_settings`, :func:`filter_settings`).

    Raises
    ------
    ConfigError
        Two experiments train one run with other settings, or an unknown activation.
    """
    runs: dict = {}
    for exp_name, exp in config["experiments"].items():
        settings = {"training": training_settings(config, exp), "filters": filter_settings(config, exp)}
        for model in exp["models"]:
            for act in _activations(config, zoo, exp, model):
                for trial in range(exp["trials"]):
                    key = (exp["dataset"], model, act, trial)
                    if key in runs and {k: runs[key][k] for k in settings} != settings:
                        raise ConfigError(
                            f"config experiments.{exp_name}: run {'/'.join(map(str, key))} is also trained by "
                            f"experiment {runs[key]['experiment']!r} with other training or filter settings")
                    runs.setdefault(key, {"experiment": exp_name, **settings})
    for fig in (config.get("figures") or {}).values():  # a figure may show runs its experiment lacks
        exp = config["experiments"][fig["experiment"]]
        settings = {"training": training_settings(config, exp), "filters": filter_settings(config, exp)}
        for panel in fig["panels"]:
            act = panel.get("activation") or first_activation_of(zoo[panel["model"]])
            key = (exp["dataset"], panel["model"], act, fig["trial"])
            runs.setdefault(key, {"experiment": fig["experiment"], **settings})
    return runs


def experiment_runs(config: dict, zoo: dict, exp_name: str) -> list[tuple[str, str, int]]:
    """(model, activation, trial) of one experiment, in config order.

    Parameters
    ----------
    config : dict
        The validated config.
    zoo : dict
        Model name -> blocks (for a model's default activation).
    exp_name : str
        A key of ``config["experiments"]``.

    Returns
    -------
    list of tuple of (str, str, int)
        Models, then activations (the experiment's, or the model's first), then trials.

    Raises
    ------
    ConfigError
        An unknown activation.
    """
    exp = config["experiments"][exp_name]
    return [(m, a, t) for m in exp["models"] for a in _activations(config, zoo, exp, m) for t in range(exp["trials"])]


def config_files(config: dict) -> list[tuple[str, str]]:
    """(config key, path) of every input file the config names."""
    files = [("zoo", config["zoo"])]
    for name, spec in config["datasets"].items():
        files += [(f"datasets.{name}.{key}", spec[key]) for key in ("tf_table", "core_table", "pool", "experiments")
                  if key in spec]
        files += [(f"datasets.{name}.{key}.path", spec[key]["path"]) for key in ("genome", "bundle")
                  if (spec.get(key) or {}).get("path")]
    for name, exp in config["experiments"].items():
        files += [(f"experiments.{name}.{key}", exp[key]) for key in ("published", "claims") if exp.get(key)]
    if any(exp.get("localization") for exp in config["experiments"].values()):
        files.append(("localization.published", config["localization"]["published"]))
    return files


def check_files(config: dict, resolve) -> None:
    """Every file the config names exists (``resolve`` maps a config path to the one used).

    A missing one is an error at parse time, never a silent 'Nothing to be done'.

    Parameters
    ----------
    config : dict
        The validated config (files listed by :func:`config_files`).
    resolve : callable
        Config path -> the path actually used (e.g. relative to the workflow).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        A named file does not exist, with its config key.
    """
    for key, path in config_files(config):
        if not Path(resolve(path)).is_file():
            raise ConfigError(f"config {key}: file {path} not found (relative paths: working directory, then "
                              f"the workflow's)")

"""Configuration: JSON-schema validation with one-line messages, and the checks that need
more than the schema (names that refer to each other, sums, sizes), run at parse time so
that ``snakemake -n`` fails too."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from motifrep.errors import ConfigError
from motifrep.motifs.database import parse_database
from motifrep.nn.zoo import (
    ACTIVATION_NAMES,
    check_model_fits,
    first_activation_of,
    load_zoo,
    resolve,
)

# Folders under results/ that are not data sets.
RESERVED = {"jaspar", "motifdb", "experiments", "figures", "tables", "versions.tsv", "tomtom_engine.tsv", "downloads", "genomes"}
# Training and filter keys that change no result: never parameters of a rule.
RESOURCE_KEYS = {"threads", "mem_mb", "runtime", "require_gpu", "in_memory_max_gb"}
# Every name that becomes part of a file path (data sets, experiments, figures, models, activations,
# in vivo experiments): a letter or digit, then letters, digits, '.', '_' or '-'. So no '/', no
# '..' component, no spaces, no '<' '>' (Snakemake's path variables), no leading '-' or '.'.
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_NAME = re.compile(NAME_PATTERN)
# The folders of the working directory the workflow writes to (check_output_paths).
OUTPUT_ROOTS = ("results", "logs")


def check_name(kind: str, name, where: str) -> None:
    """The one check of every name that becomes part of a file path.

    Parameters
    ----------
    kind : str
        What the name names, for the message (``"data set"``, ``"model"``, ...).
    name : object
        The name (a config key or value, or a field of an input table).
    where : str
        The config key it is found under (``"experiments.p1.models"``).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        ``name`` is not a string matching :data:`NAME_PATTERN`; one line naming the key and the rule.
    """
    if isinstance(name, str) and _NAME.fullmatch(name):
        return
    raise ConfigError(f"config {where}: {kind} name {name!r} is not allowed: names become parts of file paths and "
                      f"must match {NAME_PATTERN} (a letter or digit, then letters, digits, '.', '_' or '-')")


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _items(value) -> list:
    return value if isinstance(value, list) else []


def check_names(config: dict) -> None:
    """:func:`check_name` on every name in a config: data sets, experiments, figures and
    architectures (keys), and the models and activations experiments, figures and
    ``filters.deep_layers`` use. Run before the schema (parts of other types are skipped: the
    schema refuses them), so that a name is refused for what it is wherever it stands."""
    for key, kind in (("datasets", "data set"), ("experiments", "experiment"), ("figures", "figure"),
                      ("architectures", "model")):
        for name in _mapping(config.get(key)):
            check_name(kind, name, key)
    for exp_name, exp in _mapping(config.get("experiments")).items():
        exp = _mapping(exp)
        for key in ("models", "match_plot"):
            for model in _items(exp.get(key)):
                check_name("model", model, f"experiments.{exp_name}.{key}")
        for act in _items(exp.get("activations")):
            check_name("activation", act, f"experiments.{exp_name}.activations")
    for fig_name, fig in _mapping(config.get("figures")).items():
        for i, panel in enumerate(_items(_mapping(fig).get("panels"))):
            for key, kind in (("model", "model"), ("activation", "activation")):
                if key in _mapping(panel):
                    check_name(kind, panel[key], f"figures.{fig_name}.panels.{i}.{key}")
    for model in _mapping(_mapping(config.get("filters")).get("deep_layers")):
        check_name("model", model, "filters.deep_layers")


def check_output_paths(paths, workdir) -> None:
    """The rule of last resort: every path the workflow writes lies under ``results/`` or ``logs/``
    of the working directory.

    Paths are compared as written (relative ones joined to ``workdir``, ``..`` folded away), without
    following symbolic links, so a ``results`` folder that is a link to another disk is fine.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        Output and log paths (as planned, or a job's ``snakemake.output`` and ``snakemake.log``).
    workdir : str or os.PathLike
        The working directory the paths are relative to.

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        The first path that lies elsewhere, with where it would be written.
    """
    base = os.path.normpath(os.path.abspath(workdir))
    roots = [os.path.join(base, root) for root in OUTPUT_ROOTS]
    for path in paths:
        full = os.path.normpath(os.path.join(base, os.fspath(path)))
        if not any(full.startswith(root + os.sep) for root in roots):
            raise ConfigError(f"output {os.fspath(path)!r} would be written to {full}, outside "
                              f"{' and '.join(r + '/' for r in OUTPUT_ROOTS)} of the working directory {base}: "
                              f"refused (every output must lie under them)")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        first = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # '<<: *anchor' may override: that is its purpose
                continue
            key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line + 1
            try:
                if key in first:
                    raise ConfigError(f"{self.name}:{line}: key {key!r} is given twice in one mapping (first on "
                                      f"line {first[key]}); YAML would silently keep the last one: merge the two "
                                      f"or remove one")
                first[key] = line
            except TypeError:  # an unhashable key: PyYAML reports it itself
                continue
        return super().construct_mapping(node, deep=deep)


def _refuse_duplicate_json_keys(path):
    def pairs(items):
        keys = [key for key, _ in items]
        for key in keys:
            if keys.count(key) > 1:
                raise ConfigError(f"{path}: key {key!r} is given twice in one object; JSON readers silently keep "
                                  f"the last one: merge the two or remove one")
        return dict(items)

    return pairs


def check_config_files(paths) -> None:
    """Re-read the config files Snakemake loaded, refusing a key given twice in one mapping.

    Snakemake (PyYAML, ``json``) merges such keys silently, the last one winning. JSON files are
    read as JSON, others as YAML; a file either reader fails on is left to Snakemake, which read it.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        The config files (``workflow.configfiles``: the Snakefile's and every ``--configfile``).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        ``FILE:LINE: key 'k' is given twice ...`` (JSON: ``FILE: ...``, no line).
    """
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            json.loads(text, object_pairs_hook=_refuse_duplicate_json_keys(path))
            continue
        except ValueError:  # not JSON: YAML
            pass
        loader = _UniqueKeyLoader(text)
        loader.name = str(path)
        try:
            loader.get_single_data()
        except yaml.YAMLError:
            continue
        finally:
            loader.dispose()


def _where(error) -> str:
    """The dotted config key of a schema error (``(top level)`` for the root)."""
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "(top level)"


_JSON_TYPES = {"integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
               "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
               "boolean": lambda v: isinstance(v, bool), "null": lambda v: v is None,
               "array": lambda v: isinstance(v, list), "object": lambda v: isinstance(v, dict),
               "string": lambda v: isinstance(v, str)}


def _typed(text: str, validator: str, expected):
    """``text`` (a --config value) read as YAML, and whether that is what the schema's ``validator``
    (``type``, ``const`` or ``enum``) with ``expected`` wants."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None, False
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text
        try:
            value = float(text)
        except ValueError:
            return value, False
    if validator == "type":
        wanted = [expected] if isinstance(expected, str) else list(expected)
        if "integer" in wanted and "number" not in wanted and isinstance(value, float):
            return value, False
        return value, any(_JSON_TYPES.get(t, lambda v: False)(value) for t in wanted)
    allowed = [expected] if validator == "const" else list(expected)
    return value, any(type(value) is type(a) and value == a for a in allowed)


def _from_command_line(error, config: dict, command_line) -> bool:
    """Replace the value of a schema ``type``, ``const`` or ``enum`` error by the same text read as
    YAML, when the text came from ``--config`` (Snakemake passes nested ``--config`` values as
    strings) and YAML gives what the schema wants. Whether it did."""
    if error.validator not in ("type", "const", "enum") or not isinstance(error.instance, str) or not command_line:
        return False
    path, given = list(error.absolute_path), command_line
    for part in path:
        try:
            given = given[part]
        except (KeyError, IndexError, TypeError):
            return False
    if given != error.instance:  # a string from a config file: left as written (and refused)
        return False
    value, ok = _typed(error.instance, error.validator, error.validator_value)
    if not ok:
        return False
    parent = config
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return True


def validate(config: dict, schema_path, command_line: dict | None = None) -> dict:
    """Validate ``config`` in place against the schema (filling defaults); raise ConfigError.

    Unknown keys are errors (``additionalProperties: false`` in the schema), so a mistyped
    key is reported instead of silently ignored. Values from ``--config`` (``command_line``) that
    Snakemake left as strings (the values of nested mappings and lists: ``training={epochs: 3}``)
    are read as YAML where the schema wants another type. Every name that becomes part of a path
    is checked first (:func:`check_names`).

    Parameters
    ----------
    config : dict
        The Snakemake config; defaults of the schema are filled in place.
    schema_path : str or os.PathLike
        The JSON schema, as YAML (draft 2020-12).
    command_line : dict, optional
        The ``--config`` values (``workflow.config_settings.overwrite_config``).

    Returns
    -------
    dict
        ``config`` itself.

    Raises
    ------
    ConfigError
        An empty config, or the first schema violation (by key path) as one line; an unknown
        key is named with the keys allowed there; a name that is no file name (:func:`check_name`).
    """
    if not isinstance(config, dict) or not config:
        raise ConfigError("config: empty; expected a mapping of config keys (see config/README.md)")
    check_names(config)
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator_cls = jsonschema.Draft202012Validator

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(key, sub["default"])
        yield from validator_cls.VALIDATORS["properties"](validator, properties, instance, schema)

    filling = jsonschema.validators.extend(validator_cls, {"properties": set_defaults})(schema)
    while True:
        errors = sorted(filling.iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        # a value fixed changes no other error's path, but may expose others: validate again
        if not [e for e in errors if _from_command_line(e, config, command_line)]:
            break
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


def dataset_bytes(spec: dict) -> int:
    """The bytes of a simulated data set, at least: one-hot sequences (N x L x 4 uint8), motif masks
    (N x L uint8; regulatory sets two) and labels (one uint8 per sequence and task, at least one
    task). The simulation holds them in memory at once, and the HDF5 file (uncompressed) holds them."""
    n, length = dataset_size(spec), spec["length"]
    masks = 2 if spec["kind"] == "regulatory" else 1
    return n * length * (4 + masks) + n


def machine_memory() -> int | None:
    """This machine's physical memory in bytes (``os.sysconf``), None where it cannot say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def free_disk(path) -> int:
    """Free bytes on the filesystem that holds ``path`` (its nearest existing folder)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return ""  # not reached


def check_resources(config: dict, results_dir="results", memory: int | None = None, free: int | None = None) -> None:
    """Refuse a simulated data set that cannot fit this machine's memory or the free disk of ``results/``.

    Each set must fit ``memory`` (:func:`dataset_bytes`: it is simulated in memory); the sets not
    yet written must fit the free disk together (a set already there counts its growth only).

    Parameters
    ----------
    config : dict
        The validated config.
    results_dir : str or os.PathLike
        The results folder (need not exist yet).
    memory : int, optional
        Memory in bytes; None: not checked (e.g. jobs run on other machines, :func:`machine_memory`).
    free : int, optional
        Free disk in bytes; None: measured (:func:`free_disk` of ``results_dir``).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        Naming the data set, its size key and value, the bytes needed and those available.
    """
    simulated = {name: spec for name, spec in config["datasets"].items() if spec["kind"] in ("multitask", "regulatory")}
    if not simulated:
        return
    free = free_disk(results_dir) if free is None else free
    total = 0
    for name, spec in simulated.items():
        need = dataset_bytes(spec)
        if spec["kind"] == "multitask":
            where, what = f"datasets.{name}.n_sequences", f"{spec['n_sequences']} sequences"
        else:
            where = f"datasets.{name}.n_positive/n_negative"
            what = f"{spec['n_positive']} + {spec['n_negative']} sequences"
        what += f" of {spec['length']} nt need at least {_size(need)} (one-hot sequences, masks and labels, uint8)"
        if memory is not None and need > memory:
            raise ConfigError(f"config {where}: {what} in memory while simulated, but this machine has {_size(memory)}")
        existing = Path(results_dir) / name / "data.h5"
        grows = max(0, need - (existing.stat().st_size if existing.is_file() else 0))
        if grows > free:
            raise ConfigError(f"config {where}: {what} on disk, but {results_dir}/ has {_size(free)} free")
        total += grows
    if total > free:
        raise ConfigError(f"config datasets: the simulated data sets need at least {_size(total)} more on disk, "
                          f"but {results_dir}/ has {_size(free)} free")


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


#: backend -> (the modules it needs, how to install them); PyTorch and JAX CPU builds are pinned in requirements.txt
BACKEND_MODULES = {"tensorflow": ("tensorflow", "tensorflow-cpu (requirements.txt)"),
                   "jax": ("jax", "jax and jaxlib (requirements.txt)"),
                   "torch": ("torch", "torch (requirements.txt)")}


def check_backend(config: dict) -> None:
    """``training.backend``: its framework installed; no experiment asks for a method it lacks.

    DeepSHAP runs on TensorFlow only (:data:`motifrep.interpret.attribution.DEEPSHAP_BACKENDS`).

    Raises
    ------
    ConfigError
        One line naming the key and what works.
    """
    import importlib.util

    backend = config["training"].get("backend", "tensorflow")
    module, install = BACKEND_MODULES[backend]
    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"config training.backend: {backend!r} needs {install}, which this environment lacks")
    deepshap_backends = ("tensorflow",)  # = motifrep.interpret.attribution.DEEPSHAP_BACKENDS (no TF import here)
    for name, exp in config["experiments"].items():
        if "deepshap" in (exp.get("attribution") or []) and backend not in deepshap_backends:
            raise ConfigError(f"config experiments.{name}.attribution: deepshap runs on the backend(s) "
                              f"{', '.join(deepshap_backends)} only, not training.backend {backend!r}")


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
    check_backend(config)
    zoo = load_zoo(zoo_path, config.get("architectures") or {})
    for name in zoo:  # those of config architectures are checked already (check_names)
        check_name("model", name, f"zoo ({zoo_path})")
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
        extra = sorted(set(exp.get("modisco") or []) - set(exp.get("attribution") or []))
        if extra:
            raise ConfigError(f"config {where}.modisco: {', '.join(extra)} not among the experiment's attribution "
                              f"methods ({', '.join(exp.get('attribution') or []) or 'none'})")
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
        A named file does not exist, with its config key; a ``tomtom.database`` that is
        neither a JASPAR release shipped with pyjaspar (with a known collection and tax group)
        nor an existing MEME file (:func:`motifrep.motifs.database.parse_database`).
    """
    database = (config.get("tomtom") or {}).get("database")
    if database is not None:
        parse_database(database, "config tomtom.database:", resolve)
    for key, path in config_files(config):
        if not Path(resolve(path)).is_file():
            raise ConfigError(f"config {key}: file {path} not found (relative paths: working directory, then "
                              f"the workflow's)")

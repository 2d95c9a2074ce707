"""Declarative model zoo: architecture descriptions, checked without Keras.

A model description is a list of blocks (see ``resources/models.yaml``)::

    - conv: {filters: 30, kernel: 19, pool: 25}
    - conv: {filters: 128, kernel: 5, pool: 4}
    - dense: {units: 512}

This module reads the zoo (:func:`load_zoo`), checks a description and fills in its defaults
(:func:`validate_architecture`, :data:`CONV_DEFAULTS`, :data:`DENSE_DEFAULTS`), resolves a
model name (:func:`resolve`), reads the first conv block's activation
(:func:`first_activation_of`), checks that every kernel and pool fits the sequence length
(:func:`check_model_fits`), and lists the activation names an architecture may use
(:data:`ACTIVATION_NAMES`). It imports neither Keras nor TensorFlow, so that checking a
configuration at parse time (:mod:`motifrep.config`) stays fast.

The one builder that turns a description into a Keras model, and the loader of saved models,
are :func:`motifrep.nn.build.build_model` and :func:`motifrep.nn.build.load_model`; the
activation functions themselves are :mod:`motifrep.nn.activations`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from motifrep.errors import ConfigError

# The activation names an architecture may use. Implemented in motifrep.nn.activations (its
# ACTIVATIONS dict, which refuses to import if the two disagree); listed here so that checking a
# configuration does not import Keras.
ACTIVATION_NAMES = (
    "relu", "exponential", "sigmoid", "tanh", "softplus", "linear", "elu",
    "exp_relu", "shift_scale_relu", "shift_scale_tanh", "shift_scale_sigmoid",
    "shift_relu", "shift_tanh", "shift_sigmoid", "scale_relu", "scale_tanh", "scale_sigmoid",
)


CONV_KEYS = {"filters": int, "kernel": int, "padding": str, "activation": str, "pool": int, "pool_stride": int,
             "pool_padding": str, "dropout": float}


DENSE_KEYS = {"units": int, "activation": str, "dropout": float}


CONV_DEFAULTS = {"padding": "same", "activation": "relu", "pool": 1, "pool_padding": "same", "dropout": 0.1}


DENSE_DEFAULTS = {"activation": "relu", "dropout": 0.5}


INITIALIZERS = {"glorot_uniform", "he_normal", "he_uniform", "glorot_normal"}


def _check_block(model: str, i: int, block) -> tuple[str, dict]:
    """``(kind, params with defaults)`` of block ``i``; ConfigError naming the architecture and block."""
    where = f"architecture {model!r}, block {i + 1}"
    if not isinstance(block, dict) or len(block) != 1:
        raise ConfigError(f"{where}: expected one of {{conv: {{...}}}} or {{dense: {{...}}}}, got {block!r}")
    (kind, params), = block.items()
    if kind not in ("conv", "dense"):
        raise ConfigError(f"{where}: unknown block type {kind!r} (use conv or dense)")
    keys, defaults = (CONV_KEYS, CONV_DEFAULTS) if kind == "conv" else (DENSE_KEYS, DENSE_DEFAULTS)
    params = dict(params or {})
    unknown = set(params) - set(keys)
    if unknown:
        raise ConfigError(f"{where}: unknown {kind} key(s) {sorted(unknown)} (allowed: {sorted(keys)})")
    required = {"filters", "kernel"} if kind == "conv" else {"units"}
    missing = required - set(params)
    if missing:
        raise ConfigError(f"{where}: {kind} block needs {sorted(missing)}")
    out = {**defaults, **params}
    for key, typ in keys.items():
        value = out.get(key)
        if key not in out:
            continue
        ok = isinstance(value, (int, float)) if typ is float else isinstance(value, typ)
        if not ok or isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be {typ.__name__}, got {value!r}")
    for key in ("filters", "kernel", "pool", "pool_stride", "units"):
        if key in out and out[key] < 1:
            raise ConfigError(f"{where}: {key} must be >= 1, got {out[key]}")
    if not 0 <= out["dropout"] < 1:
        raise ConfigError(f"{where}: dropout must be in [0, 1), got {out['dropout']}")
    if out["activation"] not in ACTIVATION_NAMES:
        known = ", ".join(sorted(ACTIVATION_NAMES))
        raise ConfigError(f"{where}: unknown activation {out['activation']!r} (known: {known})")
    for key in ("padding", "pool_padding") if kind == "conv" else ():
        if out[key] not in ("same", "valid"):
            raise ConfigError(f"{where}: {key} must be 'same' or 'valid', got {out[key]!r}")
    return kind, out


def validate_architecture(name: str, blocks) -> list[tuple[str, dict]]:
    """Check a model description; return it as a list of (kind, params with defaults).

    Parameters
    ----------
    name : str
        The model's name (for messages).
    blocks : list of dict
        The description: ``{conv: {...}}`` blocks, then ``{dense: {...}}`` blocks.

    Returns
    -------
    list of tuple of (str, dict)
        ``("conv" or "dense", params)`` per block, defaults filled in.

    Raises
    ------
    ConfigError
        An empty or non-list description, a block of unknown type, unknown or missing keys,
        values of the wrong type or range, an unknown activation, a first block that is not
        conv, or a conv block after a dense one.
    """
    if not isinstance(blocks, list) or not blocks:
        raise ConfigError(f"architecture {name!r}: expected a non-empty list of blocks")
    checked = [_check_block(name, i, b) for i, b in enumerate(blocks)]
    if checked[0][0] != "conv":
        raise ConfigError(f"architecture {name!r}: the first block must be a conv block")
    seen_dense = False
    for kind, _ in checked:
        if kind == "conv" and seen_dense:
            raise ConfigError(f"architecture {name!r}: conv blocks must come before dense blocks")
        seen_dense |= kind == "dense"
    return checked


def load_zoo(path, extra: dict | None = None) -> dict[str, list]:
    """Read the zoo YAML and merge user ``architectures`` from config (user entries win).

    Parameters
    ----------
    path : str or os.PathLike
        The zoo file, a top-level ``models:`` mapping of name -> blocks.
    extra : dict, optional
        More architectures, name -> blocks (config ``architectures``).

    Returns
    -------
    dict
        Model name -> blocks (as written, not yet filled with defaults), every one checked
        by :func:`validate_architecture`.

    Raises
    ------
    ConfigError
        The file is missing, not valid YAML, has no ``models:`` mapping, or an architecture
        is invalid.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"zoo: model zoo file {path} not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data.get("models"), dict):
        raise ConfigError(f"{path}: expected a top-level 'models:' mapping")
    zoo = {**data["models"], **(extra or {})}
    for name, blocks in zoo.items():
        validate_architecture(name, blocks)
    return zoo


def resolve(zoo: dict, name: str) -> list:
    """The blocks of model ``name`` in ``zoo``.

    Parameters
    ----------
    zoo : dict
        Model name -> blocks (:func:`load_zoo`).
    name : str
        The model.

    Returns
    -------
    list
        Its blocks.

    Raises
    ------
    ConfigError
        ``name`` is not in the zoo (the message lists the known names).
    """
    if name not in zoo:
        raise ConfigError(f"unknown model {name!r} (known: {', '.join(sorted(zoo))})")
    return zoo[name]


def first_activation_of(blocks) -> str:
    """The activation of the first conv block of a model description (default ``relu``).

    Parameters
    ----------
    blocks : list of dict or None
        A model description, as written (unchecked).

    Returns
    -------
    str
        The first conv block's ``activation``, or ``"relu"`` when it has none or there is
        no conv block.
    """
    for block in blocks or []:
        if isinstance(block, dict) and "conv" in block:
            return (block["conv"] or {}).get("activation", CONV_DEFAULTS["activation"])
    return CONV_DEFAULTS["activation"]


def _pooled_length(length: int, p: dict) -> int:
    """Positions left after a conv block's pool ('same': ceil, 'valid': floor)."""
    stride = p.get("pool_stride", p["pool"])
    if p["pool_padding"] == "same":
        return -(-length // stride)
    return (length - p["pool"]) // stride + 1


def check_model_fits(name: str, blocks, input_length: int) -> int:
    """Check that every 'valid' kernel and every pool fits the positions left at its layer.

    Lengths are followed block by block: a 'same' conv keeps the length, a 'valid' one leaves
    L - k + 1; a pool leaves ceil(L / stride) ('same', the default) or floor((L - pool) / stride) + 1
    ('valid'). Returns the number of positions after the last conv block (what is flattened).

    Parameters
    ----------
    name : str
        The model's name (for messages).
    blocks : list of dict
        The model description.
    input_length : int
        Sequence length in nt (>= 1).

    Returns
    -------
    int
        Positions left after the last conv block.

    Raises
    ------
    ConfigError
        ``input_length`` is not an integer >= 1, the description is invalid
        (:func:`validate_architecture`), or a 'valid' kernel or a pool is longer than the
        positions left at its layer.
    """
    if isinstance(input_length, bool) or not isinstance(input_length, int) or input_length < 1:
        raise ConfigError(f"architecture {name!r}: input length must be an integer >= 1, got {input_length!r}")
    length = input_length
    for i, (kind, p) in enumerate(validate_architecture(name, blocks)):
        if kind != "conv":
            continue
        where = f"architecture {name!r}, block {i + 1}"
        if p["padding"] == "valid":
            if p["kernel"] > length:
                raise ConfigError(f"{where}: kernel {p['kernel']} longer than the {length} positions left at that "
                                  f"layer (input {input_length} nt)")
            length = length - p["kernel"] + 1
        if p["pool"] > 1:
            if p["pool"] > length:
                raise ConfigError(f"{where}: pool {p['pool']} longer than the {length} positions left at that "
                                  f"layer (input {input_length} nt)")
            length = _pooled_length(length, p)
    return length

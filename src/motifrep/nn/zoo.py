"""Declarative model zoo and the one builder that turns a description into a Keras model.

A model description is a list of blocks (see ``resources/models.yaml``)::

    - conv: {filters: 30, kernel: 19, pool: 25}
    - conv: {filters: 128, kernel: 5, pool: 4}
    - dense: {units: 512}

Layers are named ``conv{i}``, ``conv{i}_bn``, ``conv{i}_act``, ``conv{i}_pool``,
``conv{i}_dropout``, ``dense{j}``..., ``output``, so later steps can read, e.g., first-layer
activations from ``conv1_act``.

Keras is imported only inside the functions that build or load a model, so that validating a
configuration (``load_zoo``) stays fast; :mod:`motifrep.nn.activations` (which registers the custom
activations with Keras) is imported there too.
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
    """Check a model description; return it as a list of (kind, params with defaults)."""
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
    """Read the zoo YAML and merge user ``architectures`` from config (user entries win)."""
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
    if name not in zoo:
        raise ConfigError(f"unknown model {name!r} (known: {', '.join(sorted(zoo))})")
    return zoo[name]


def first_activation_of(blocks) -> str:
    """The activation of the first conv block of a model description (default ``relu``)."""
    for block in blocks or []:
        if isinstance(block, dict) and "conv" in block:
            return (block["conv"] or {}).get("activation", CONV_DEFAULTS["activation"])
    return CONV_DEFAULTS["activation"]


def _pooled_length(length: int, p: dict) -> int:
    stride = p.get("pool_stride", p["pool"])
    if p["pool_padding"] == "same":
        return -(-length // stride)
    return (length - p["pool"]) // stride + 1


def check_model_fits(name: str, blocks, input_length: int) -> int:
    """Check that every 'valid' kernel and every pool fits the positions left at its layer.

    Lengths are followed block by block: a 'same' conv keeps the length, a 'valid' one leaves
    L - k + 1; a pool leaves ceil(L / stride) ('same', the default) or floor((L - pool) / stride) + 1
    ('valid'). Returns the number of positions after the last conv block (what is flattened).
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

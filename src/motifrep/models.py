"""Declarative model zoo and the one builder that turns a description into a Keras model.

A model description is a list of blocks (see ``resources/models.yaml``)::

    - conv: {filters: 30, kernel: 19, pool: 25}
    - conv: {filters: 128, kernel: 5, pool: 4}
    - dense: {units: 512}

Layers are named ``conv{i}``, ``conv{i}_bn``, ``conv{i}_act``, ``conv{i}_pool``,
``dense{j}``..., ``output``, so later steps can read, e.g., first-layer activations from
``conv1_act``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import ConfigError

ACTIVATIONS = {"relu", "exponential", "sigmoid", "tanh", "softplus", "linear", "elu"}
CONV_KEYS = {"filters": int, "kernel": int, "padding": str, "activation": str, "pool": int, "pool_stride": int, "dropout": float}
DENSE_KEYS = {"units": int, "activation": str, "dropout": float}
CONV_DEFAULTS = {"padding": "same", "activation": "relu", "pool": 1, "dropout": 0.1}
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
    if out["activation"] not in ACTIVATIONS:
        raise ConfigError(f"{where}: unknown activation {out['activation']!r} (known: {sorted(ACTIVATIONS)})")
    if kind == "conv" and out["padding"] not in ("same", "valid"):
        raise ConfigError(f"{where}: padding must be 'same' or 'valid', got {out['padding']!r}")
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


def build_model(name: str, blocks, input_length: int, n_tasks: int, l2: float = 1e-6, init: str = "glorot_uniform"):
    """Build (uncompiled) the Keras model that ``blocks`` describe."""
    import keras
    from keras import layers

    if init not in INITIALIZERS:
        raise ConfigError(f"training.init: unknown initializer {init!r} (known: {sorted(INITIALIZERS)})")
    reg = keras.regularizers.l2(l2) if l2 else None
    inputs = keras.Input((input_length, 4), name="sequence")
    x = inputs
    n_conv = n_dense = 0
    for kind, p in validate_architecture(name, blocks):
        if kind == "conv":
            n_conv += 1
            tag = f"conv{n_conv}"
            x = layers.Conv1D(p["filters"], p["kernel"], padding=p["padding"], use_bias=False,
                              kernel_initializer=init, kernel_regularizer=reg, name=tag)(x)
            x = layers.BatchNormalization(name=f"{tag}_bn")(x)
            x = layers.Activation(p["activation"], name=f"{tag}_act")(x)
            if p["pool"] > 1:
                x = layers.MaxPooling1D(p["pool"], strides=p.get("pool_stride", p["pool"]), padding="same",
                                        name=f"{tag}_pool")(x)
            if p["dropout"]:
                x = layers.Dropout(p["dropout"], name=f"{tag}_dropout")(x)
        else:
            if n_dense == 0:
                x = layers.Flatten(name="flatten")(x)
            n_dense += 1
            tag = f"dense{n_dense}"
            x = layers.Dense(p["units"], use_bias=False, kernel_initializer=init, kernel_regularizer=reg, name=tag)(x)
            x = layers.BatchNormalization(name=f"{tag}_bn")(x)
            x = layers.Activation(p["activation"], name=f"{tag}_act")(x)
            if p["dropout"]:
                x = layers.Dropout(p["dropout"], name=f"{tag}_dropout")(x)
    if n_dense == 0:
        x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(n_tasks, activation="sigmoid", kernel_initializer=init, kernel_regularizer=reg,
                           name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def count_trainable(model) -> int:
    """Number of trainable parameters (what the authors reported)."""
    return int(sum(int(w.numpy().size) for w in model.trainable_weights))

"""Configuration validation against the JSON schema, with one-line messages."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from .errors import ConfigError
from .models import load_zoo, resolve


def _where(error) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "(top level)"


def validate(config: dict, schema_path) -> dict:
    """Validate ``config`` in place against the schema (filling defaults); raise ConfigError.

    Unknown keys are errors (``additionalProperties: false`` in the schema), so a mistyped
    key is reported instead of silently ignored.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator_cls = jsonschema.Draft202012Validator

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(key, sub["default"])
        yield from validator_cls.VALIDATORS["properties"](validator, properties, instance, schema)

    filling = jsonschema.validators.extend(validator_cls, {"properties": set_defaults})
    errors = sorted(filling(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        if e.validator == "additionalProperties":
            allowed = sorted(e.schema.get("properties", {}))
            unknown = sorted(set(e.instance) - set(allowed))
            raise ConfigError(f"config: unknown key {', '.join(map(repr, unknown))} in {_where(e)} "
                              f"(allowed: {', '.join(allowed)})")
        raise ConfigError(f"config: {_where(e)}: {e.message}")
    return config


def check_models(config: dict, zoo_path) -> dict:
    """Load the zoo plus config ``architectures``; check every model name config uses."""
    zoo = load_zoo(zoo_path, config.get("architectures") or {})
    uses = [("models", name) for name in config["models"]]
    uses += [(f"figures.{fig}", p["model"]) for fig, spec in (config.get("figures") or {}).items() for p in spec["panels"]]
    uses += [("match_plot.models", name) for name in (config.get("match_plot") or {}).get("models", [])]
    uses += [("filters.deep_layers", name) for name in (config.get("filters") or {}).get("deep_layers", {})]
    for where, name in uses:
        try:
            resolve(zoo, name)
        except ConfigError as exc:
            raise ConfigError(f"config {where}: {exc}") from None
    n_conv = {name: sum("conv" in block for block in blocks) for name, blocks in zoo.items()}
    for name, layers in (config.get("filters") or {}).get("deep_layers", {}).items():
        for layer in layers:
            if layer > n_conv[name]:
                raise ConfigError(f"config filters.deep_layers: {name} has {n_conv[name]} conv layers, not {layer}")
    return zoo

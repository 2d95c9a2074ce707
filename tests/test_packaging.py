"""Packaging: what pyproject.toml declares must exist in the package and be pinned."""

import importlib
import tomllib

from conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def test_declared_entry_points_import():
    for name, target in PROJECT.get("scripts", {}).items():
        module, _, func = target.partition(":")
        assert callable(getattr(importlib.import_module(module), func)), f"console script {name}: {target}"


def test_requirements_pin_every_direct_dependency():
    pinned = {
        line.split("==")[0].strip().lower().replace("_", "-")
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for dep in PROJECT["dependencies"]:
        name = dep.lower().replace("_", "-")
        name = "tensorflow-cpu" if name == "tensorflow" else name  # the CPU build is what we pin
        assert name in pinned, f"{dep} is not pinned in requirements.txt"

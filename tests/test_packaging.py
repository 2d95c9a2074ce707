"""Packaging: what pyproject.toml declares must exist in the package."""

import importlib
import tomllib

from conftest import REPO


def test_declared_entry_points_import():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for name, target in project.get("scripts", {}).items():
        module, _, func = target.partition(":")
        assert callable(getattr(importlib.import_module(module), func)), f"console script {name}: {target}"


def test_requirements_pin_every_direct_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pinned = {
        line.split("==")[0].strip().lower().replace("_", "-")
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for dep in project["dependencies"]:
        name = dep.lower().replace("_", "-")
        name = "tensorflow-cpu" if name == "tensorflow" else name
        assert name in pinned, f"{dep} is not pinned in requirements.txt"

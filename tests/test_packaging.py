"""Packaging: the environment runs this checkout's package, and every dependency is pinned."""

import os
import subprocess
import sys

import tomllib
from conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def test_environment_imports_this_checkout(tmp_path):
    """``import motifrep`` in the test interpreter, from another directory and without
    PYTHONPATH, resolves to this checkout's src/ (an editable install of it), not to a stale
    copy in site-packages or another checkout; its installed metadata is this pyproject's."""
    code = ("import importlib.metadata as m, pathlib, motifrep; print(pathlib.Path(motifrep.__file__).resolve()); "
            "print(m.version('motifrep'))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [str(REPO / "src" / "motifrep" / "__init__.py"), PROJECT["version"]]


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

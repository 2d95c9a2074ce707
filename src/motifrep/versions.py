"""Library versions recorded with results."""

from __future__ import annotations

import importlib.metadata
import platform

PACKAGES = ("motifrep", "numpy", "pandas", "h5py", "tensorflow", "tensorflow-cpu", "keras", "scikit-learn",
            "pyjaspar", "memelite", "snakemake", "logomaker", "matplotlib")


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape the results (absent ones omitted)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out

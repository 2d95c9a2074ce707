"""Library versions recorded with results."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from pathlib import Path

from motifrep.io import write_tsv

PACKAGES = ("motifrep", "numpy", "pandas", "h5py", "tensorflow", "tensorflow-cpu", "keras", "jax", "jaxlib", "torch",
            "scikit-learn", "shap", "pyjaspar", "memelite", "snakemake", "logomaker", "matplotlib")


def keras_backend(backend: str | None = None) -> str:
    """``backend``, else the backend of Keras when imported, else ``KERAS_BACKEND`` (default tensorflow)."""
    if backend:
        return backend
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND") or "tensorflow"


def library_versions(backend: str | None = None) -> dict[str, str]:
    """Versions of Python and the libraries that shape the results (absent ones omitted), and the
    Keras backend (``keras-backend``: ``backend``, else as :func:`keras_backend` finds it)."""
    out = {"python": platform.python_version(), "motifrep-source": str(Path(__file__).resolve().parent),
           "keras-backend": keras_backend(backend)}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


# --------------------------------------------------------------------------- workflow step


def write_versions(out, backend: str | None = None) -> None:
    """Workflow step: library versions as a TSV (package, version).

    One row per entry of :func:`library_versions` (Python, the motifrep source folder and
    every installed package of :data:`PACKAGES`), written atomically.

    Parameters
    ----------
    out : str or os.PathLike
        The TSV file to write (columns ``package``, ``version``).
    backend : str, optional
        The config's ``training.backend`` (row ``keras-backend``).

    Returns
    -------
    None
    """
    import pandas as pd


    versions = library_versions(backend)
    write_tsv(out, pd.DataFrame({"package": list(versions), "version": list(versions.values())}))

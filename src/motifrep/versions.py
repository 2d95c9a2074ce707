"""Library versions recorded with results."""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path

from motifrep.io import write_tsv

PACKAGES = ("motifrep", "numpy", "pandas", "h5py", "tensorflow", "tensorflow-cpu", "keras", "scikit-learn",
            "pyjaspar", "memelite", "snakemake", "logomaker", "matplotlib")


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape the results (absent ones omitted)."""
    out = {"python": platform.python_version(), "motifrep-source": str(Path(__file__).resolve().parent)}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


# --------------------------------------------------------------------------- workflow step


def write_versions(out) -> None:
    """Workflow step: library versions as a TSV (package, version).

    One row per entry of :func:`library_versions` (Python, the motifrep source folder and
    every installed package of :data:`PACKAGES`), written atomically.

    Parameters
    ----------
    out : str or os.PathLike
        The TSV file to write (columns ``package``, ``version``).

    Returns
    -------
    None
    """
    import pandas as pd


    versions = library_versions()
    write_tsv(out, pd.DataFrame({"package": list(versions), "version": list(versions.values())}))

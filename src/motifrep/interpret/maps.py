"""The HDF5 layout of attribution maps: written by the attribution step, read by every later one.

A maps file holds ``scores`` float16 ``(N, L, 4)`` (the per-base attribution; ISM: mutant minus
wild type), ``position_scores`` float32 ``(N, L)`` (attribution x one-hot summed over bases; ISM:
the L2 norm over substitutions), ``rows`` int64 ``(N,)`` (indices into the data set) and the
attributes ``method`` and ``settings`` (JSON). This module imports no deep-learning framework,
so scoring and plotting maps does not load TensorFlow.
"""

from __future__ import annotations

import json

import h5py
import numpy as np

from motifrep.errors import FormatError
from motifrep.io import atomic_path


def write_maps(out, scores, position_scores, rows, method: str, settings: dict) -> None:
    """Write one maps file atomically (the layout of the module docstring).

    Parameters
    ----------
    out : str or os.PathLike
        The HDF5 file to write.
    scores : array_like, shape (N, L, 4)
        The attribution map (stored as float16).
    position_scores : array_like, shape (N, L)
        One score per position (stored as float32).
    rows : array_like of int, shape (N,)
        Row indices of the sequences in the data set.
    method : str
        The attribution method (attribute ``method``).
    settings : dict
        Its settings (attribute ``settings``, JSON with sorted keys).

    Returns
    -------
    None
    """
    with atomic_path(out) as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("scores", data=np.asarray(scores).astype(np.float16), track_times=False)
            f.create_dataset("position_scores", data=np.asarray(position_scores).astype(np.float32),
                             track_times=False)
            f.create_dataset("rows", data=np.asarray(rows).astype(np.int64), track_times=False)
            f.attrs["method"] = method
            f.attrs["settings"] = json.dumps(settings, sort_keys=True)


def read_attribution(path, length: int | None = None) -> dict:
    """An attribution file written by :func:`write_maps`, checked; one-line FormatErrors.

    Parameters
    ----------
    path : str or os.PathLike
        The maps file.
    length : int, optional
        Required sequence length ``L``.

    Returns
    -------
    dict
        ``scores`` (float16 ``(N, L, 4)``), ``position_scores`` (float32 ``(N, L)``),
        ``rows`` (int64 ``(N,)``) and ``method`` (str).

    Raises
    ------
    FormatError
        The file cannot be read, lacks a dataset or the ``method`` attribute, or its arrays
        do not fit ``N`` sequences of ``length`` x 4.
    """
    try:
        with h5py.File(path, "r") as f:
            out = {k: f[k][()] for k in ("scores", "position_scores", "rows")}
            out["method"] = str(f.attrs["method"])
    except (OSError, KeyError) as exc:
        raise FormatError(f"{path}: not an attribution file ({exc})") from None
    n = len(out["rows"])
    if out["scores"].ndim != 3 or out["scores"].shape[0] != n or out["scores"].shape[2] != 4 \
            or out["position_scores"].shape != out["scores"].shape[:2] \
            or (length is not None and out["scores"].shape[1] != length):
        raise FormatError(f"{path}: attribution arrays of shapes {out['scores'].shape}, "
                          f"{out['position_scores'].shape} do not fit {n} sequences of "
                          f"{length if length is not None else 'L'} nt x 4")
    return out

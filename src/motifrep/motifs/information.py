"""Information content of a position probability matrix: the one formula every stage uses.

Filters are clipped by it (:mod:`motifrep.filters.scan`), task-3 ground truth is labelled by it
(:mod:`motifrep.datasets.regulatory`, :mod:`motifrep.interpret.interpretability`) and logos are
scaled by it (:mod:`motifrep.motifs.logo`). See docs/methods.md (methods §1.2).
"""

from __future__ import annotations

import numpy as np


def information_content(ppm, epsilon: float = 0.0) -> np.ndarray:
    """Per-column information content in bits, ``2 + sum_b p_b log2(p_b + epsilon)``.

    Parameters
    ----------
    ppm : array_like, shape (..., 4)
        Probabilities over A, C, G, T in the last axis.
    epsilon : float, default 0
        Added inside the logarithm. ``0`` gives the exact value with ``0 log 0 = 0``; the
        authors' task-3 labels use ``1e-10`` (``np.log2(X_model + 1e-10)``), which differs
        from the exact value by less than 1e-9 bits per column.

    Returns
    -------
    numpy.ndarray
        Bits per column, shape ``ppm.shape[:-1]``; in [0, 2] for a probability matrix.
    """
    ppm = np.asarray(ppm, dtype=np.float64)
    if epsilon:
        return 2.0 + np.sum(ppm * np.log2(ppm + epsilon), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(ppm > 0, ppm * np.log2(np.where(ppm > 0, ppm, 1.0)), 0.0)
    return 2.0 + plogp.sum(axis=-1)

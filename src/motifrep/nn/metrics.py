"""Classification metrics (methods §3.3): per-task AUROC and AUPR on the test set."""

from __future__ import annotations

import numpy as np


def per_task_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, np.ndarray]:
    """Per-task AUROC and AUPR (scikit-learn ``roc_auc_score``/``average_precision_score``).

    A task with only one class in ``y_true`` has undefined scores: NaN.

    Parameters
    ----------
    y_true : array_like, shape (N, T) or (N,)
        0/1 labels.
    y_pred : array_like, same shape as ``y_true``
        Predicted probabilities.

    Returns
    -------
    dict
        ``{"auroc": array (T,), "aupr": array (T,)}``, NaN for single-class tasks.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    auroc = np.full(y_true.shape[1], np.nan)
    aupr = np.full(y_true.shape[1], np.nan)
    for t in range(y_true.shape[1]):
        if 0 < y_true[:, t].sum() < len(y_true):
            auroc[t] = roc_auc_score(y_true[:, t], y_pred[:, t])
            aupr[t] = average_precision_score(y_true[:, t], y_pred[:, t])
    return {"auroc": auroc, "aupr": aupr}

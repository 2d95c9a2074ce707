"""Aggregate per-run results into tables."""

from __future__ import annotations

import json

import pandas as pd

from .errors import FormatError


def classification_table(metrics_files) -> pd.DataFrame:
    """One row per (model, trial): mean AUROC and mean AUPR over tasks."""
    rows = []
    for path in metrics_files:
        try:
            with open(path) as handle:
                m = json.load(handle)
            rows.append({"model": m["model"], "trial": m["trial"], "auroc": m["auroc_mean"], "aupr": m["aupr_mean"],
                         "n_params": m["n_params"], "best_epoch": m["best_epoch"], "epochs_run": m["epochs_run"]})
        except (OSError, ValueError, KeyError) as exc:
            raise FormatError(f"{path}: not a metrics file from the training step ({exc})") from None
    return pd.DataFrame(rows)


def summarise(table: pd.DataFrame, columns=("auroc", "aupr"), order=None) -> pd.DataFrame:
    """Mean and sample standard deviation over trials for each model.

    ``order``: model names in the order rows should appear (default: first appearance).
    With a single trial the std is NaN (written as empty).
    """
    grouped = table.groupby("model", sort=False)
    out = grouped.size().rename("n_trials").to_frame()
    for col in columns:
        out[f"{col}_mean"] = grouped[col].mean()
        out[f"{col}_std"] = grouped[col].std(ddof=1)
    out = out.reset_index()
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        out = out.sort_values("model", key=lambda s: s.map(rank)).reset_index(drop=True)
    return out

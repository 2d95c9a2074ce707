"""Aggregate per-run results into tables."""

from __future__ import annotations

import pandas as pd


def format_mean_sd(mean, std) -> str:
    """``"0.980 ± 0.027"``; the mean alone when ``std`` is NaN; empty when ``mean`` is NaN."""
    if pd.isna(mean):
        return ""
    return f"{mean:.3f}" if pd.isna(std) else f"{mean:.3f} ± {std:.3f}"


def summarise(table: pd.DataFrame, columns=("auroc", "aupr"), order=None, by=None) -> pd.DataFrame:
    """Mean and sample standard deviation over trials for each model (or each ``by`` group;
    default: model, plus activation when the table has that column).

    ``order``: model names in the order rows should appear (default: first appearance).
    With a single trial the std is NaN (written as empty).
    """
    if by is None:
        by = ("model", "activation") if "activation" in table.columns else ("model",)
    grouped = table.groupby(list(by), sort=False)
    out = grouped.size().rename("n_trials").to_frame()
    for col in columns:
        out[f"{col}_mean"] = grouped[col].mean()
        out[f"{col}_std"] = grouped[col].std(ddof=1)
    out = out.reset_index()
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        keys = [c for c in by if c != "model"]
        out = out.assign(_rank=out["model"].map(rank)).sort_values(["_rank", *keys], kind="stable")
        out = out.drop(columns="_rank").reset_index(drop=True)
    return out


def mean_sd_markdown(table: pd.DataFrame, keys: list[str], metrics: dict, note: str) -> str:
    """A Markdown table: ``keys`` columns, trials, then "mean ± sd" of each ``metrics`` column
    (``{name: header}``, read from ``{name}_mean`` / ``{name}_std``), and a note below."""
    header = [*keys, "trials", *metrics.values()]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.to_dict("records"):
        cells = [str(row[k]) for k in keys] + [str(row["n_trials"])]
        cells += [format_mean_sd(row[f"{m}_mean"], row[f"{m}_std"]) for m in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", note]) + "\n"

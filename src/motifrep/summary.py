"""Mean ± sd over trials: the one summary every stage's tables use.

:func:`summarise` groups per-run rows (by model, and activation when present, or any ``by``
columns) into the trial count, mean and sample standard deviation of each metric;
:func:`format_mean_sd` writes one "mean ± sd" cell and :func:`mean_sd_markdown` a whole
Markdown table of them. The match tables (:mod:`motifrep.filters.matching`), the
interpretability table (:mod:`motifrep.interpret.interpretability`) and the result tables
(:mod:`motifrep.results.tables`) all build on it; it depends on pandas only.
"""

from __future__ import annotations

import pandas as pd


def format_mean_sd(mean, std) -> str:
    """``"0.980 ± 0.027"``; the mean alone when ``std`` is NaN; empty when ``mean`` is NaN."""
    if pd.isna(mean):
        return ""
    return f"{mean:.3f}" if pd.isna(std) else f"{mean:.3f} ± {std:.3f}"


def summarise(table: pd.DataFrame, columns=("auroc", "aupr"), order=None, by=None) -> pd.DataFrame:
    """Mean and sample standard deviation over trials for each model or ``by`` group.

    Groups are each model (or each ``by`` group; default: model, plus activation when the
    table has that column). With a single trial the std is NaN (written as empty).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run, with the ``by`` columns and every column of ``columns``.
    columns : sequence of str, default ("auroc", "aupr")
        The metrics to summarise.
    order : sequence of str, optional
        Model names in the order rows should appear (default: first appearance); when given,
        the rows of one model are sorted by the other ``by`` columns.
    by : sequence of str, optional
        Grouping columns; must include ``"model"`` when ``order`` is given.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n_trials``, then ``{col}_mean`` and
        ``{col}_std`` (ddof 1) for each of ``columns``.
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

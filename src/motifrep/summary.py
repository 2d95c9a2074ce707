"""Mean ± sd over trials: the one summary every stage's tables use.

:func:`summarise` groups per-run rows (by model, and activation when present, or any ``by``
columns) into the trial count, mean and sample standard deviation of each metric;
:func:`format_mean_sd` writes one "mean ± sd" cell and :func:`mean_sd_markdown` a whole
Markdown table of them. The match tables (:mod:`motifrep.filters.matching`), the
interpretability table (:mod:`motifrep.interpret.interpretability`) and the result tables
(:mod:`motifrep.results.tables`) all build on it; it depends on pandas only.

Flagged runs (methods §8.1): when the per-run table has a ``flags`` column (comma-separated
flag names, empty when none; :func:`motifrep.results.tables.run_flags`), every statistic is
over all runs as before, and each group also gets ``n_flagged``, ``flags`` (the flags of its
runs), ``flagged_trials`` and, where a run is flagged, the same statistics without the flagged
runs (``n_trials_unflagged``, ``{col}_mean_unflagged``, ``{col}_std_unflagged``; empty where
no run is flagged, as they would equal the ones over all runs). No run is ever left out
silently.
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
        ``{col}_std`` (ddof 1) for each of ``columns``; with a ``flags`` column in ``table``,
        also the flagged-run columns of the module docstring.
    """
    if by is None:
        by = ("model", "activation") if "activation" in table.columns else ("model",)
    grouped = table.groupby(list(by), sort=False)
    out = grouped.size().rename("n_trials").to_frame()
    for col in columns:
        out[f"{col}_mean"] = grouped[col].mean()
        out[f"{col}_std"] = grouped[col].std(ddof=1)
    out = out.reset_index()
    if "flags" in table.columns:
        out = _with_flagged(out, table, columns, list(by))
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        keys = [c for c in by if c != "model"]
        out = out.assign(_rank=out["model"].map(rank)).sort_values(["_rank", *keys], kind="stable")
        out = out.drop(columns="_rank").reset_index(drop=True)
    return out


def _flag_text(flags) -> list[str]:
    """The flag names of one run's ``flags`` cell (comma-separated; empty or NaN: none)."""
    return [f for f in str(flags).split(",") if f] if isinstance(flags, str) else []


def _with_flagged(out: pd.DataFrame, table: pd.DataFrame, columns, by: list) -> pd.DataFrame:
    """``out`` with the flagged-run columns of the module docstring."""
    flags = table["flags"].map(_flag_text)
    flagged = flags.map(bool)
    trial = table["trial"] if "trial" in table.columns else pd.Series(table.index, index=table.index)
    notes = pd.DataFrame({**{k: table[k] for k in by}, "_flagged": flagged, "_flags": flags,
                          "_note": [f"{t} ({','.join(f)})" if f else "" for t, f in zip(trial, flags)]})
    grouped = notes.groupby(by, sort=False)
    extra = grouped["_flagged"].sum().astype(int).rename("n_flagged").to_frame()
    extra["flags"] = grouped["_flags"].agg(lambda runs: ",".join(dict.fromkeys(f for run in runs for f in run)))
    extra["flagged_trials"] = grouped["_note"].agg(lambda n: "; ".join(x for x in n if x))
    clean = table[~flagged]
    rest = clean.groupby(by, sort=False)
    extra["n_trials_unflagged"] = rest.size().reindex(extra.index).fillna(0).astype(int)
    for col in columns:
        extra[f"{col}_mean_unflagged"] = rest[col].mean().reindex(extra.index)
        extra[f"{col}_std_unflagged"] = rest[col].std(ddof=1).reindex(extra.index)
    none = extra["n_flagged"] == 0
    same = ["n_trials_unflagged", *(f"{c}_{s}_unflagged" for c in columns for s in ("mean", "std"))]
    extra[same] = extra[same].astype(float).mask(none)
    return out.merge(extra.reset_index(), on=by, how="left")


def format_unflagged(row: dict, metric: str) -> str:
    """``"; w/o flagged: 0.862 (1)"``: the statistic without the flagged runs, where one is flagged."""
    if not row.get("n_flagged"):
        return ""
    n = row.get("n_trials_unflagged")
    if not n or pd.isna(n):
        return "; w/o flagged: none left"
    return (f"; w/o flagged: {format_mean_sd(row[f'{metric}_mean_unflagged'], row[f'{metric}_std_unflagged'])} "
            f"({int(n)})")


FLAGS_NOTE = ("Flagged runs (methods §8.1) are counted in every mean ± sd; \"w/o flagged\" gives the statistic "
              "without them (and its trials) where a run is flagged: epoch_cap (trained to the epoch cap), "
              "lr_floor (learning rate at the plateau schedule's minimum), val_loss_high (validation loss above 1.5 × "
              "the median of the other trials of the same model × activation), nonfinite (NaN/inf in the training "
              "loss or the first-layer activations), no_site (no first-layer filter activates above 0).")


def mean_sd_markdown(table: pd.DataFrame, keys: list[str], metrics: dict, note: str) -> str:
    """A Markdown table: ``keys`` columns, trials, then "mean ± sd" of each ``metrics`` column
    (``{name: header}``, read from ``{name}_mean`` / ``{name}_std``), and a note below."""
    flagged = "n_flagged" in table.columns
    header = [*keys, "trials", *metrics.values(), *(["flagged runs"] if flagged else [])]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.to_dict("records"):
        cells = [str(row[k]) for k in keys] + [str(row["n_trials"])]
        cells += [format_mean_sd(row[f"{m}_mean"], row[f"{m}_std"]) + (format_unflagged(row, m) if flagged else "")
                  for m in metrics]
        if flagged:
            cells.append(f"{int(row['n_flagged'])}: trial {row['flagged_trials']}" if row["n_flagged"] else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", note] + (["", FLAGS_NOTE] if flagged else [])) + "\n"

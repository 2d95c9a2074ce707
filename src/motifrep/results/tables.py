"""Aggregate per-run results into the experiment tables: classification, Table 1 / 2, summary.

* :func:`classification_table` / :func:`aggregate_classification`: one row per trained run
  (mean test AUROC and AUPR over tasks, read from the training step's metrics files, with the
  run's flags, :func:`run_flags`), and their mean ± sd over trials (with and without flagged
  runs where one is flagged).
* :func:`table1` / :func:`make_table1`: Table 1 (synthetic) or Table 2 (in vivo), ours beside
  the published values of :func:`load_published`, with the differences flagged
  (:data:`FLAG_DIFFERENCE`), as TSV and Markdown (:func:`table1_markdown`).
* :func:`summary_table` / :func:`make_summary`: per model x activation x layer, the
  classification and filter-match fractions that the figures and claims use.

The mean ± sd over trials itself is :func:`motifrep.summary.summarise` (with
:func:`motifrep.summary.format_mean_sd` and :func:`motifrep.summary.mean_sd_markdown`); the
per-run match fractions come from :func:`motifrep.filters.matching.match_table`.
"""

from __future__ import annotations

import json
import logging

import pandas as pd

from motifrep.errors import FormatError
from motifrep.io import write_text, write_tsv
from motifrep.summary import format_mean_sd, mean_sd_markdown, summarise

log = logging.getLogger("motifrep")


VAL_LOSS_FACTOR = 1.5  # val_loss_high: above this many times the median of the other trials
LR_FLOOR_TOLERANCE = 1.01  # lr_floor: final rate <= min_lr x this (float32 rounding of the rate)
FLAGS = ("epoch_cap", "lr_floor", "val_loss_high", "nonfinite", "no_site")


def run_flags(table: pd.DataFrame) -> pd.Series:
    """Per run, the flags of an unstable or degenerate run, comma-separated (empty when none).

    Rules (methods §8.1), each applied only where the metrics file records what it needs:

    * ``epoch_cap``: the run trained all ``max_epochs`` epochs (early stopping never stopped it).
    * ``lr_floor``: the learning rate at the end of training is at the plateau schedule's floor
      (``final_lr`` ≤ ``min_lr`` × :data:`LR_FLOOR_TOLERANCE`).
    * ``val_loss_high``: the validation loss of the kept weights is above
      :data:`VAL_LOSS_FACTOR` × the median of the other trials of the same model × activation
      (needs one other trial).
    * ``nonfinite``: a NaN or infinite value in the training history or in the first-layer
      activations of a validation sample (``nonfinite`` > 0).
    * ``no_site``: no first-layer filter activates above 0 on that sample (``filters_with_site``
      is 0), so no filter can give a PWM.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`classification_table`'s rows (model, activation, epochs_run and, where
        recorded, max_epochs, final_lr, min_lr, val_loss, nonfinite, filters_with_site).

    Returns
    -------
    pandas.Series
        Comma-separated flags of :data:`FLAGS`, in that order, one string per row.
    """
    def number(name):
        values = table[name] if name in table.columns else pd.Series(None, index=table.index, dtype=object)
        return pd.to_numeric(values, errors="coerce")  # missing: NaN, which no comparison flags

    loss = number("val_loss")
    high = pd.Series(False, index=table.index)
    for _, group in table.groupby(["model", "activation"], sort=False):
        for i in group.index:
            others = loss[group.index.drop(i)].dropna()
            high[i] = bool(len(others)) and loss[i] > VAL_LOSS_FACTOR * others.median()
    checks = pd.DataFrame({"epoch_cap": number("epochs_run") >= number("max_epochs"),
                           "lr_floor": number("final_lr") <= number("min_lr") * LR_FLOOR_TOLERANCE,
                           "val_loss_high": high, "nonfinite": number("nonfinite") > 0,
                           "no_site": number("filters_with_site") == 0}, index=table.index)
    return pd.Series([",".join(f for f in FLAGS if r[f]) for r in checks.to_dict("records")], index=table.index,
                     dtype=str)


def classification_table(metrics_files) -> pd.DataFrame:
    """One row per (model, trial): mean AUROC and mean AUPR over tasks, and the run's flags.

    Parameters
    ----------
    metrics_files : iterable of str or os.PathLike
        Metrics JSON files written by :func:`motifrep.nn.train.train`.

    Returns
    -------
    pandas.DataFrame
        Columns model, activation (``"relu"`` when not recorded), trial, auroc, aupr,
        n_params, best_epoch, epochs_run, then what the flags are decided from (empty where
        the metrics file does not record it): max_epochs, final_lr, min_lr (empty without a
        plateau schedule), val_loss (of the kept weights), nonfinite (count), filters_with_site;
        and flags (:func:`run_flags`). One row per file, in order.

    Raises
    ------
    FormatError
        A file cannot be read, is not JSON, or lacks a key.
    """
    rows = []
    for path in metrics_files:
        try:
            with open(path) as handle:
                m = json.load(handle)
            rows.append({"model": m["model"], "activation": m.get("activation") or "relu", "trial": m["trial"],
                         "auroc": m["auroc_mean"], "aupr": m["aupr_mean"], "n_params": m["n_params"],
                         "best_epoch": m["best_epoch"], "epochs_run": m["epochs_run"],
                         "max_epochs": m.get("max_epochs"), "final_lr": m.get("final_learning_rate"),
                         "min_lr": m.get("min_lr"), "val_loss": m.get("best_val_loss"),
                         "nonfinite": m.get("nonfinite"), "filters_with_site": m.get("first_layer_filters_with_site")})
        except (OSError, ValueError, KeyError) as exc:
            raise FormatError(f"{path}: not a metrics file from the training step ({exc})") from None
    table = pd.DataFrame(rows)
    if len(table):
        table["flags"] = run_flags(table)
    return table


METRICS = ("auroc", "aupr", "match_any", "match_ground_truth")


FLAG_DIFFERENCE = 0.05  # |ours - published| above this is called a difference in Table 1
PUBLISHED_TRIALS = 5  # P1's trials per model (methods §3.2), behind a published spread over trials


def load_published(path) -> pd.DataFrame:
    """Published values (``resources/published_p1.tsv``): model, layer, metric, relation, value, std, source.

    Parameters
    ----------
    path : str or os.PathLike
        The TSV (``#`` comments allowed). An optional ``std_over`` column says whether
        ``std`` is over trials (the default) or over tasks; an optional ``n_trials`` column the
        paper's trials behind a spread over trials (default :data:`PUBLISHED_TRIALS`).

    Returns
    -------
    pandas.DataFrame
        The table, with ``std_over`` and ``n_trials`` filled in (``n_trials`` empty where the
        spread is not over trials).

    Raises
    ------
    FormatError
        The file is missing, lacks a needed column, or has an unknown ``std_over`` or
        ``relation`` (one of ``=``, ``<=``, ``>=``).
    """
    try:
        table = pd.read_csv(path, sep="\t", comment="#", dtype={"model": str, "source": str})
    except FileNotFoundError:
        raise FormatError(f"{path}: published-values table not found") from None
    needed = {"model", "layer", "metric", "relation", "value", "std"}
    if not needed <= set(table.columns):
        raise FormatError(f"{path}: needs columns {sorted(needed)}")
    if "std_over" not in table.columns:
        table["std_over"] = "trials"
    if "n_trials" not in table.columns:
        table["n_trials"] = float("nan")
    over_trials = (table.std_over.fillna("trials") == "trials") & table["std"].notna()
    table["n_trials"] = table["n_trials"].where(table["n_trials"].notna() | ~over_trials, PUBLISHED_TRIALS)
    table.loc[~over_trials, "n_trials"] = float("nan")
    bad = set(table.std_over.dropna()) - {"trials", "tasks"}
    if bad:
        raise FormatError(f"{path}: unknown std_over value(s) {sorted(bad)} (use trials or tasks)")
    bad = set(table.relation) - {"=", "<=", ">="}
    if bad:
        raise FormatError(f"{path}: unknown relation(s) {sorted(bad)} (use =, <=, >=)")
    return table


def _format_published(p) -> str:
    """Published text: "0.980 ± 0.027" (std over trials), "0.968 (task sd 0.028)" (spread over
    the tasks of one run), "<= 0.453" (a bound)."""
    if p.relation != "=":
        return f"{p.relation} {p.value:.3f}"
    if p.get("std_over") == "tasks" and not pd.isna(p["std"]):
        return f"{p.value:.3f} (task sd {p['std']:.3f})"
    return format_mean_sd(p.value, p["std"])


def table1(classification: pd.DataFrame, matches: pd.DataFrame, published: pd.DataFrame, order=None) -> pd.DataFrame:
    """Table 1: per (model, layer) ours (mean, std over trials) beside the published value.

    ``classification``: model, trial, auroc, aupr; ``matches``: model, trial, layer,
    match_any, match_ground_truth. For each metric the columns are ``{m}_mean``,
    ``{m}_std``, ``{m}_published`` (text: "0.980 ± 0.027" or "<= 0.453"), ``{m}_diff``
    (ours minus the published value) and, for a published bound, ``{m}_bound_met``; for the
    scorecard's tests (methods §8.3) also ``{m}_published_value``, ``{m}_published_relation``,
    ``{m}_published_sd`` and ``{m}_published_n`` (the paper's spread over its trials and their
    number; empty for a spread over tasks or a bound). ``differs`` lists the metrics where ours
    is off by more than ``FLAG_DIFFERENCE`` or outside a published bound. With flags in
    ``classification`` (:func:`run_flags`), ``n_flagged`` and ``flagged_trials`` say which runs
    are flagged (all runs are counted).

    Published values are compared only with relu runs (P1 trained relu only); the
    classification metrics are matched at layer 1, the match fractions at each layer.

    Parameters
    ----------
    classification : pandas.DataFrame
        One row per run: model (activation), trial, auroc, aupr.
    matches : pandas.DataFrame
        One row per run and layer: model (activation), trial, layer, match_any,
        match_ground_truth.
    published : pandas.DataFrame
        From :func:`load_published`.
    order : sequence of str, optional
        Model order of the rows (then by layer).

    Returns
    -------
    pandas.DataFrame
        One row per model (x activation) x layer: ``n_trials``, the per-metric columns above,
        ``differs`` and, with flags, ``n_flagged`` and ``flagged_trials``.
    """
    keys = ["model", "activation"] if "activation" in matches.columns else ["model"]
    cls = summarise(classification, ("auroc", "aupr"), by=keys)
    out = summarise(matches, ("match_any", "match_ground_truth"), by=(*keys, "layer"))
    out = out.merge(cls[[c for c in cls.columns if c in (*keys, "auroc_mean", "auroc_std", "aupr_mean", "aupr_std",
                                                          "n_flagged", "flagged_trials")]], on=keys, how="left")
    pub = published.set_index(["model", "layer", "metric"])
    differs = [[] for _ in range(len(out))]
    for metric in METRICS:
        text, diff, met, value, relation, sd, n = [], [], [], [], [], [], []
        for i, row in enumerate(out.itertuples(index=False)):
            key = (row.model, row.layer if metric.startswith("match") else 1, metric)
            ours = getattr(row, f"{metric}_mean")
            if key not in pub.index or getattr(row, "activation", "relu") != "relu":  # P1 trained relu only
                text.append(""), diff.append(float("nan")), met.append(None)
                value.append(float("nan")), relation.append(""), sd.append(float("nan")), n.append(float("nan"))
                continue
            p = pub.loc[key]
            p = p.iloc[0] if isinstance(p, pd.DataFrame) else p
            text.append(_format_published(p))
            value.append(float(p.value)), relation.append(p.relation)
            sd.append(float(p["std"]) if p.relation == "=" and not pd.isna(p["n_trials"]) else float("nan"))
            n.append(float(p["n_trials"]) if p.relation == "=" else float("nan"))
            d = ours - p.value
            diff.append(d)
            if p.relation == "=":
                met.append(None)
                if abs(d) > FLAG_DIFFERENCE:
                    differs[i].append(f"{metric} {d:+.3f}")
            else:
                ok = bool(ours <= p.value) if p.relation == "<=" else bool(ours >= p.value)
                met.append(ok)
                if not ok:
                    differs[i].append(f"{metric} outside bound {p.relation} {p.value:.3f}")
        out[f"{metric}_published"] = text
        out[f"{metric}_diff"] = diff
        if any(v is not None for v in met):
            out[f"{metric}_bound_met"] = met
        if any(relation):
            out[f"{metric}_published_value"], out[f"{metric}_published_relation"] = value, relation
            out[f"{metric}_published_sd"], out[f"{metric}_published_n"] = sd, n
    out["differs"] = ["; ".join(d) for d in differs]
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        out = out.assign(_rank=out["model"].map(rank)).sort_values(["_rank", "layer"], kind="stable")
    columns = [*keys, "layer", "n_trials"]
    for metric in METRICS:
        columns += [c for c in (f"{metric}_mean", f"{metric}_std", f"{metric}_published", f"{metric}_diff",
                                f"{metric}_bound_met") if c in out.columns]
    columns.append("differs")
    for metric in METRICS:  # after the original columns: added, none renamed
        columns += [c for c in (f"{metric}_published_value", f"{metric}_published_relation", f"{metric}_published_sd",
                                f"{metric}_published_n") if c in out.columns]
    columns += [c for c in ("n_flagged", "flagged_trials") if c in out.columns]
    return out[columns].reset_index(drop=True)


TABLE_NAMES = {"table1": "Table 1", "table2": "Table 2"}


def metric_names(table_name: str = "table1") -> dict:
    """Column names of a published-values table: Table 2 (in vivo) calls the ground-truth match "relevant"."""
    truth = "match relevant TF" if table_name == "table2" else "match ground truth"
    return {"auroc": "AUROC", "aupr": "AUPR", "match_any": "match any JASPAR", "match_ground_truth": truth}


def table1_markdown(table: pd.DataFrame, table_name: str = "table1") -> str:
    """Table 1 (or 2) as Markdown: ours (mean ± std) beside the published value, and differences."""
    names = metric_names(table_name)
    header = ["model", "layer", "trials"]
    for metric in METRICS:
        header += [names[metric], "published", "Δ"]
    header.append("differs from paper (Δ beyond ±%.2f or outside bound)" % FLAG_DIFFERENCE)
    flagged = "n_flagged" in table.columns
    if flagged:
        header.append("flagged runs")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.to_dict("records"):
        cells = [row["model"], str(row["layer"]), str(row["n_trials"])]
        for metric in METRICS:
            diff = row[f"{metric}_diff"]
            cells += [format_mean_sd(row[f"{metric}_mean"], row[f"{metric}_std"]), row[f"{metric}_published"],
                      "" if pd.isna(diff) else f"{diff:+.3f}"]
        cells.append(row["differs"])
        if flagged:
            cells.append(f"{int(row['n_flagged'])}: trial {row['flagged_trials']}" if row["n_flagged"] else "")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Ours: mean ± sd over our trials (flagged runs included, methods §8.1). Published: \"± sd\" is "
              "over the paper's trials; \"(task sd …)\" is the spread over the 12 tasks of the authors' single run; "
              "\"<=\" / \">=\" is a bound the paper gives for a group of models. Whether a number holds within its "
              "noise: the scorecard (methods §8.3)."]
    return "\n".join(lines) + "\n"


def aggregate_classification(metrics_files, out_table, out_summary, order) -> None:
    """Workflow step: classification of every run of an experiment, and mean ± std per model x activation.

    Parameters
    ----------
    metrics_files : iterable of str or os.PathLike
        The runs' metrics JSON files.
    out_table : str or os.PathLike
        TSV of :func:`classification_table`.
    out_summary : str or os.PathLike
        TSV of its mean and sample sd of auroc and aupr over trials.
    order : sequence of str or None
        Model order of the summary.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A metrics file that is not the training step's.
    """
    table = classification_table(metrics_files)
    write_tsv(out_table, table)
    write_tsv(out_summary, summarise(table, order=order))
    log.info("aggregated %d runs of %d models", len(table), table["model"].nunique())
    for row in table[table.get("flags", pd.Series("", index=table.index)) != ""].itertuples():
        log.warning("flagged run: %s %s trial %s: %s", row.model, row.activation, row.trial, row.flags)


def make_table1(classification_tsv, matches_tsv, published_tsv, out_tsv, out_md, order,
                table_name: str = "table1") -> None:
    """Workflow step: Table 1 (synthetic) or Table 2 (in vivo: "relevant" matches) beside the published values.

    Parameters
    ----------
    classification_tsv : str or os.PathLike
        Classification of every run (:func:`aggregate_classification`).
    matches_tsv : str or os.PathLike
        Match fractions of every run and layer (:func:`motifrep.filters.matching.match_table`).
    published_tsv : str or os.PathLike
        Published values (:func:`load_published`).
    out_tsv : str or os.PathLike
        The table (:func:`table1`).
    out_md : str or os.PathLike
        The table as Markdown, headed by its name.
    order : sequence of str or None
        Model order.
    table_name : {"table1", "table2"}, default "table1"
        Which table (names and headers).

    Returns
    -------
    None

    Raises
    ------
    FormatError
        As :func:`load_published`.
    """
    table = table1(pd.read_csv(classification_tsv, sep="\t"), pd.read_csv(matches_tsv, sep="\t"),
                   load_published(published_tsv), order=order)
    write_tsv(out_tsv, table)
    write_text(out_md, f"# {TABLE_NAMES[table_name]}\n\n" + table1_markdown(table, table_name))
    for row in table[table.differs != ""].itertuples():
        log.info("differs from the paper: %s layer %d: %s", row.model, row.layer, row.differs)


SUMMARY_METRICS = ("auroc", "aupr", "match_any", "match_ground_truth")


def summary_table(classification: pd.DataFrame, matches: pd.DataFrame, order=None) -> pd.DataFrame:
    """Per model x activation x analysed layer: classification and filter-match fractions.

    Mean and sample std over trials (the numbers P2 Fig 1 and the claims tables use).

    Parameters
    ----------
    classification : pandas.DataFrame
        One row per run: model, activation, trial, auroc, aupr.
    matches : pandas.DataFrame
        One row per run and layer: model, activation, trial, layer, match_any,
        match_ground_truth.
    order : sequence of str, optional
        Model order of the rows (then by layer).

    Returns
    -------
    pandas.DataFrame
        Columns model, activation, layer, n_trials and ``{metric}_mean`` / ``{metric}_std``
        of :data:`SUMMARY_METRICS` over all runs; with a ``flags`` column in
        ``classification`` (:func:`run_flags`), then n_flagged, flags, flagged_trials,
        n_trials_unflagged and ``{metric}_mean_unflagged`` / ``{metric}_std_unflagged`` (filled
        where a run of the row is flagged; :func:`motifrep.summary.summarise`).
    """
    keys = ["model", "activation"]
    flagged = "flags" in classification.columns
    if flagged:  # the match rows of a run carry its flags
        matches = matches.drop(columns="flags", errors="ignore").merge(
            classification[[*keys, "trial", "flags"]], on=[*keys, "trial"], how="left")
    cls = summarise(classification, ("auroc", "aupr"), by=keys)
    out = summarise(matches, ("match_any", "match_ground_truth"), by=(*keys, "layer"))
    out = out.merge(cls[[c for c in cls.columns if c == "model" or c == "activation" or c.startswith(("auroc", "aupr"))]],
                    on=keys, how="left")
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        out = out.assign(_rank=out["model"].map(rank)).sort_values(["_rank", "layer"], kind="stable")
    columns = [*keys, "layer", "n_trials"] + [f"{m}_{s}" for m in SUMMARY_METRICS for s in ("mean", "std")]
    if flagged:
        columns += ["n_flagged", "flags", "flagged_trials", "n_trials_unflagged"]
        columns += [f"{m}_{s}_unflagged" for m in SUMMARY_METRICS for s in ("mean", "std")]
    return out[columns].reset_index(drop=True)


def summary_markdown(table: pd.DataFrame) -> str:
    """:func:`summary_table` as a Markdown table of "mean ± sd" cells, with a note below."""
    names = {"auroc": "AUROC", "aupr": "AUPR", "match_any": "match any JASPAR",
             "match_ground_truth": "match ground truth"}
    return mean_sd_markdown(table, ["model", "activation", "layer"], {m: names[m] for m in SUMMARY_METRICS},
                            "Mean ± sample sd over trials (no sd with one trial); match fractions are of the filters "
                            "of that layer with a Tomtom hit (E ≤ threshold) to any JASPAR motif / to a ground-truth "
                            "TF.")


def make_summary(classification_tsv, matches_tsv, out_tsv, out_md, order=None) -> None:
    """Workflow step: the experiment's summary table (:func:`summary_table`) as TSV and Markdown.

    Parameters
    ----------
    classification_tsv : str or os.PathLike
        Classification of every run.
    matches_tsv : str or os.PathLike
        Match fractions of every run and layer.
    out_tsv : str or os.PathLike
        The summary table.
    out_md : str or os.PathLike
        The summary as Markdown (:func:`summary_markdown`).
    order : sequence of str, optional
        Model order.

    Returns
    -------
    None
    """
    table = summary_table(pd.read_csv(classification_tsv, sep="\t"), pd.read_csv(matches_tsv, sep="\t"), order)
    write_tsv(out_tsv, table)
    write_text(out_md, summary_markdown(table))
    log.info("summary of %d model x activation x layer rows", len(table))

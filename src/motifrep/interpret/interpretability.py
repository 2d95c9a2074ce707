"""Interpretability scoring (methods §6.4): attribution maps against the per-position ground truth.

* :func:`interpretability_scores`: per-sequence AUROC / AUPR of per-position attribution
  scores against the per-position ground truth (P2 task 3, the authors' ``helper.py``
  ``interpretability_performance``), summarised over sequences by
  :func:`summarise_interpretability`.
* :func:`information_mask`: that ground truth built from the generating PWMs, as the
  authors' notebook does (``gt_info > 0.01`` bits).
* :func:`grouped_metrics`: the vectorised AUROC / AUPR of many groups at once, which the
  localization scoring (methods §7.3, :mod:`motifrep.interpret.localization`) uses too.
* :func:`make_interpretability_table`: the workflow step over every attribution map of an
  experiment (maps read by :func:`motifrep.interpret.maps.read_attribution`).

The segment scoring of motif localization (:func:`motifrep.interpret.localization.localization_auroc`)
and the baseline scans it scores (:func:`motifrep.interpret.scans.pwm_scan`,
:func:`motifrep.interpret.scans.first_layer_scan`) live in their own modules.

Metrics are computed for all sequences at once (no per-sequence scikit-learn call), with the
same definitions as scikit-learn (checked against it in the tests):

* ``auroc`` = ``roc_auc_score`` (trapezoid over the ROC points, ties as one threshold);
* ``aupr`` = ``average_precision_score`` (step-function integral);
* ``aupr_trapz`` = ``auc(recall, precision)`` over ``precision_recall_curve``: the AUPR the
  authors reported (both ``helper.interpretability_performance`` and the task-1 notebook use
  ``precision, recall, _ = precision_recall_curve(label, gs); auc(recall, precision)``).

A sequence whose labels hold one class only gets NaN for every metric; summaries count it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from motifrep.datasets.store import Dataset
from motifrep.errors import MotifrepError
from motifrep.interpret.maps import read_attribution
from motifrep.io import write_text, write_tsv
from motifrep.motifs.information import information_content
from motifrep.summary import mean_sd_markdown, summarise

INFO_THRESHOLD = 0.01  # bits; the authors' ``label[gt_info > 0.01] = 1``


METRICS = ("auroc", "aupr", "aupr_trapz")


def grouped_metrics(group: np.ndarray, score: np.ndarray, label: np.ndarray, n_groups: int) -> pd.DataFrame:
    """AUROC, average precision and trapezoidal PR-AUC of every group, vectorised.

    Each group's items are sorted by decreasing score; tied scores form one threshold
    ("block"). At each block end the cumulative true / false positives give one ROC and one
    PR point, and each metric is a sum over blocks of that group (``np.bincount``).

    Parameters
    ----------
    group : array_like of int, shape (K,)
        Group (e.g. sequence) of each item, in [0, n_groups).
    score : array_like of float, shape (K,)
        Item scores; no NaN.
    label : array_like of bool, shape (K,)
        Item labels.
    n_groups : int
        Number of groups (rows of the result).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``auroc, aupr, aupr_trapz`` (NaN for a group without positives
        or without negatives), ``n_pos``, ``n_neg``.

    Raises
    ------
    MotifrepError
        ``score`` holds NaN.
    """
    group = np.asarray(group, dtype=np.int64)
    score = np.asarray(score, dtype=np.float64)
    y = np.asarray(label).astype(bool)
    if np.isnan(score).any():
        raise MotifrepError("scores contain NaN")
    if group.size == 0:
        nan = np.full(n_groups, np.nan)
        zero = np.zeros(n_groups, dtype=np.int64)
        return pd.DataFrame({"auroc": nan, "aupr": nan, "aupr_trapz": nan, "n_pos": zero, "n_neg": zero})
    order = np.lexsort((-score, group))
    g, s, y = group[order], score[order], y[order].astype(np.float64)
    idx = np.arange(g.size)
    new_group = np.r_[True, g[1:] != g[:-1]]
    first = np.maximum.accumulate(np.where(new_group, idx, 0))
    tp_all, fp_all = np.cumsum(y), np.cumsum(1.0 - y)
    tp = tp_all - (tp_all[first] - y[first])
    fp = fp_all - (fp_all[first] - (1.0 - y[first]))
    last = np.r_[(g[1:] != g[:-1]) | (s[1:] != s[:-1]), True]
    gk, tpk, fpk = g[last], tp[last], fp[last]
    n_pos = np.bincount(g, weights=y, minlength=n_groups)
    n_neg = np.bincount(g, weights=1.0 - y, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr, fpr = tpk / n_pos[gk], fpk / n_neg[gk]
        prec = tpk / (tpk + fpk)
    start = np.r_[True, gk[1:] != gk[:-1]]

    def prev(v, at_start):  # the previous block's value; ``at_start`` at a group's first block
        return np.where(start, at_start, np.r_[at_start, v[:-1]])

    tpr0, fpr0, prec0 = prev(tpr, 0.0), prev(fpr, 0.0), prev(prec, 1.0)
    out = pd.DataFrame({
        "auroc": np.bincount(gk, weights=(fpr - fpr0) * (tpr + tpr0) / 2, minlength=n_groups),
        "aupr": np.bincount(gk, weights=(tpr - tpr0) * prec, minlength=n_groups),
        "aupr_trapz": np.bincount(gk, weights=(tpr - tpr0) * (prec + prec0) / 2, minlength=n_groups),
        "n_pos": n_pos.astype(np.int64),
        "n_neg": n_neg.astype(np.int64),
    })
    out.loc[(n_pos == 0) | (n_neg == 0), list(METRICS)] = np.nan
    return out


def check_pair(scores, truth, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``(scores float64, truth bool)``, both (N, L); MotifrepError naming ``what`` otherwise."""
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth)
    if scores.ndim != 2 or truth.shape != scores.shape:
        raise MotifrepError(f"{what}: scores {scores.shape} and ground truth {truth.shape} must both be (N, L)")
    return scores, truth.astype(bool)


def interpretability_scores(scores, truth) -> pd.DataFrame:
    """Per-sequence AUROC / AUPR of per-position ``scores`` (N, L) against ``truth`` (N, L).

    As the authors' ``helper.interpretability_performance``: positives are the positions
    with ``truth`` set (their ``label[gt_info > 0.01] = 1``), all other positions negatives.
    Returns one row per sequence: ``seq, auroc, aupr, aupr_trapz, n_pos, n_neg`` (NaN
    metrics for a sequence without positives or without negatives).

    Parameters
    ----------
    scores : array_like, shape (N, L)
        Per-position scores (e.g. ``position_scores`` of a maps file); no NaN.
    truth : array_like, shape (N, L)
        Per-position ground truth (nonzero: positive).

    Returns
    -------
    pandas.DataFrame
        One row per sequence, in order.

    Raises
    ------
    MotifrepError
        ``scores`` and ``truth`` are not both ``(N, L)``, or ``scores`` holds NaN.
    """
    scores, truth = check_pair(scores, truth, "interpretability_scores")
    n, length = scores.shape
    out = grouped_metrics(np.repeat(np.arange(n), length), scores.ravel(), truth.ravel(), n)
    out.insert(0, "seq", np.arange(n))
    return out


def summarise_interpretability(df: pd.DataFrame) -> dict:
    """NaN-aware means over sequences, with ``n_used`` (sequences with both classes) and
    ``n_total``. The authors average with ``np.mean`` (task 3; NaN if any sequence is NaN)
    and ``np.nanmean`` / ``np.nanstd`` (task 1); ``*_std`` here is ``np.nanstd`` (ddof 0)."""
    used = df["auroc"].notna()
    out = {"n_used": int(used.sum()), "n_total": len(df)}
    for m in (m for m in METRICS if m in df):
        vals = df[m].to_numpy(dtype=float)
        out[f"{m}_mean"] = float(np.nanmean(vals)) if used.any() else float("nan")
        out[f"{m}_std"] = float(np.nanstd(vals)) if used.any() else float("nan")
    return out


def information_mask(truth: pd.DataFrame, pwms, shape, threshold: float = INFO_THRESHOLD) -> np.ndarray:
    """Per-position labels as the notebook builds them from the generating model.

    ``gt_info = log2(4) + sum(X_model * log2(X_model + 1e-10))``; ``label = gt_info > 0.01``.

    ``truth``: the data set's table (``seq, pwm, start, end``); ``pwms``: ``(P, Wmax, 4)``
    (``motifs/pwm`` of the HDF5 file, indexed by ``truth.pwm``); ``shape``: ``(N, L)``.
    Positions outside motifs are uniform (0 bits) and stay 0.

    Parameters
    ----------
    truth : pandas.DataFrame
        Embedded motifs, columns ``seq, pwm, start, end`` (end exclusive).
    pwms : array_like, shape (P, Wmax, 4)
        The generating PWMs.
    shape : tuple of (int, int)
        ``(N, L)`` of the result.
    threshold : float, default :data:`INFO_THRESHOLD`
        Bits a column must exceed.

    Returns
    -------
    numpy.ndarray
        uint8 ``(N, L)``.
    """
    stack = np.asarray(pwms, dtype=np.float64)
    info = information_content(stack, epsilon=1e-10)  # (P, Wmax), the authors' 1e-10
    width = (truth["end"] - truth["start"]).to_numpy(np.int64)
    col = np.arange(width.sum()) - np.repeat(np.cumsum(width) - width, width)
    seq = np.repeat(truth["seq"].to_numpy(np.int64), width)
    pos = np.repeat(truth["start"].to_numpy(np.int64), width) + col
    out = np.zeros(shape, dtype=np.uint8)
    out[seq, pos] = info[np.repeat(truth["pwm"].to_numpy(np.int64), width), col] > threshold
    return out


def make_interpretability_table(runs, data_path, out_table, out_summary, out_md) -> None:
    """Workflow step (methods §6.4): interpretability AUROC / AUPR of every attribution map.

    Per attribution map the mean over sequences of the per-sequence interpretability AUROC /
    AUPR; then mean ± std over trials per model × activation × method.

    ``runs``: dicts with model, activation, trial, method, path (attribution HDF5).

    Parameters
    ----------
    runs : iterable of dict
        One dict per map: ``model``, ``activation``, ``trial``, ``method``, ``path``.
    data_path : str or os.PathLike
        The data set the maps explain (with ``info_mask``).
    out_table : str or os.PathLike
        TSV of one row per map: n_sequences (with both classes), interp_auroc, interp_aupr,
        interp_aupr_trapz.
    out_summary : str or os.PathLike
        TSV of mean and sample sd over trials per model, activation and method (runs'
        order).
    out_md : str or os.PathLike
        The summary as Markdown.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A missing or invalid data set (or one without ``info_mask``), or a maps file that
        cannot be read or does not fit the data set's length.
    MotifrepError
        A map whose position scores hold NaN.
    """
    import logging


    with Dataset(data_path) as ds:
        truth, length = ds.position_truth(), ds.length
    rows = []
    for run in runs:
        a = read_attribution(run["path"], length)
        s = summarise_interpretability(interpretability_scores(a["position_scores"], truth[a["rows"]]))
        rows.append({k: run[k] for k in ("model", "activation", "trial", "method")} |
                    {"n_sequences": s["n_used"], "interp_auroc": s["auroc_mean"], "interp_aupr": s["aupr_mean"],
                     "interp_aupr_trapz": s["aupr_trapz_mean"]})
    table = pd.DataFrame(rows)
    # runs come in config order: grouping in order of appearance keeps it
    summary = summarise(table, ("interp_auroc", "interp_aupr"), by=("model", "activation", "method"))
    write_tsv(out_table, table)
    write_tsv(out_summary, summary)
    write_text(out_md, mean_sd_markdown(summary, ["model", "activation", "method"],
                                 {"interp_auroc": "interpretability AUROC", "interp_aupr": "interpretability AUPR"},
                                 "Per sequence AUROC / AUPR (average precision) of the per-position attribution "
                                 "score against the ground-truth positions, mean over sequences; mean ± sample sd "
                                 "over trials."))
    logging.getLogger("motifrep").info("interpretability of %d attribution maps", len(table))

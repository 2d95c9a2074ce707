"""Motif localization scoring (methods §7.3): the authors' segment scoring of P2 task 1.

* :func:`localization_auroc`: the authors' segment scoring of P2 task 1
  (``code/task1_step7_PWM_scan_comparison.ipynb`` of ``p-koo/exponential_activations``):
  the ground truth is dilated with a box filter of ``buffer`` positions (:func:`dilate`),
  every contiguous positive and negative segment is reduced to the max score in it
  (:func:`authors_segment_scores`, the notebook's loops with their quirks, or
  :func:`segment_scores`, the true runs), and AUROC / AUPR are computed over segments, per
  sequence.
* :func:`make_localization`: the workflow step. It scores the first-layer scans of every
  run and the true-PWM / PPM scans (:func:`motifrep.interpret.scans.first_layer_scan`,
  :func:`motifrep.interpret.scans.pwm_scan`), summarises them beside the published values
  and draws :func:`localization_figure`.

The ground truth without ``info_mask`` in the data set comes from
:func:`motifrep.interpret.interpretability.information_mask`; the per-position scoring of
attribution maps (methods §6.4) is :mod:`motifrep.interpret.interpretability`.

Metrics are computed for all sequences at once (no per-sequence scikit-learn call;
:func:`motifrep.interpret.interpretability.grouped_metrics`), with the
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
from matplotlib.figure import Figure

from motifrep.datasets.store import Dataset
from motifrep.errors import MotifrepError
from motifrep.interpret.interpretability import (
    check_pair,
    grouped_metrics,
    information_mask,
)
from motifrep.interpret.scans import PWM_PSEUDOCOUNT, first_layer_scan, pwm_scan
from motifrep.io import write_text, write_tsv
from motifrep.motifs.logo import output_paths, save_figure, shade_positions
from motifrep.nn.build import load_model
from motifrep.nn.runtime import configure_tensorflow

LOCALIZATION_BUFFER = 10  # the notebook: ``interpretability_performance(X, score, X_model, buffer=10)``


SEGMENT_MODES = ("authors", "runs")


def dilate(mask, buffer: int = LOCALIZATION_BUFFER, each_side: bool = False) -> np.ndarray:
    """Extend the positives of ``mask`` (N, L); uint8 result, clipped at the sequence ends.

    ``each_side=False`` (the authors' notebook): a box filter of ``buffer`` positions,
    ``pad_left = int(buffer/2)``; position ``n`` becomes positive when any position in
    ``n - pad_left .. n - pad_left + buffer - 1`` is, i.e. a positive at ``p`` spreads to
    ``p - (buffer - 1 - pad_left) .. p + pad_left`` (``p-4 .. p+5`` for 10; 1 = no change)::

        box_filter = np.ones(buffer); pad_left = int(buffer/2); pad_right = buffer - pad_left
        x_pad = np.concatenate([np.zeros(pad_left), label, np.zeros(pad_right)], axis=0)
        for n in range(L): new_label.append(np.sum(x_pad[range(n,n+buffer)] * box_filter))
        new_label[new_label > 0.01] = 1

    ``each_side=True``: ``buffer`` positions on both sides (``p - buffer .. p + buffer``).
    """
    mask = np.asarray(mask).astype(bool)
    if mask.ndim != 2:
        raise MotifrepError(f"dilate: mask must be (N, L), got shape {mask.shape}")
    if isinstance(buffer, bool) or not isinstance(buffer, (int, np.integer)) or buffer < (0 if each_side else 1):
        raise MotifrepError(f"dilate: buffer must be an integer >= {0 if each_side else 1}, got {buffer!r}")
    length = mask.shape[1]
    cum = np.concatenate([np.zeros((mask.shape[0], 1), np.int64), np.cumsum(mask, axis=1)], axis=1)
    n = np.arange(length)
    lo, hi = (n - buffer, n + buffer + 1) if each_side else (n - buffer // 2, n - buffer // 2 + buffer)
    lo, hi = np.clip(lo, 0, length), np.clip(hi, 0, length)
    return ((cum[:, hi] - cum[:, lo]) > 0).astype(np.uint8)


def segment_scores(scores, mask) -> pd.DataFrame:
    """Every contiguous positive and negative run of each row of ``mask`` reduced to the max
    of ``scores`` over it: one row per segment, ``seq, start, end (exclusive), label, score``,
    in sequence and position order. Vectorised over all sequences."""
    scores, mask = check_pair(scores, mask, "segment_scores")
    n, length = mask.shape
    if length == 0:
        raise MotifrepError("segment_scores: sequences of length 0")
    brk = np.ones((n, length), dtype=bool)
    brk[:, 1:] = mask[:, 1:] != mask[:, :-1]
    starts = np.flatnonzero(brk.ravel())
    ends = np.r_[starts[1:], n * length]
    ends = np.minimum(ends, (starts // length + 1) * length)
    return pd.DataFrame({
        "seq": starts // length,
        "start": starts % length,
        "end": ends - (starts // length) * length,
        "label": mask.ravel()[starts].astype(np.uint8),
        "score": np.maximum.reduceat(scores.ravel(), starts),
    })


def _authors_loop(label: np.ndarray, gs: np.ndarray, positive: bool, start):
    """One of the notebook's two ``while status`` loops, line for line (see
    :func:`authors_segment_scores`). ``start`` is the value left by the previous loop (their
    function-local variable is never reset). Returns ``(segments, start)``; ``segments`` is
    ``None`` where the notebook raises."""
    want, other = (1, 0) if positive else (0, 1)
    length = label.size
    out, index, status = [], 0, True
    while status:
        s = np.flatnonzero(label[index:] == want)       # s = np.where(new_label[index:] == 1)[0]
        if s.any():                                     # if any(list(s)):
            start = index + s[0]                        #     start = index + s[0]
        else:
            status = False
        if start is None:                               # `start` never bound: UnboundLocalError
            return None, start
        e = np.flatnonzero(label[index + start:] == other)  # e = np.where(new_label[index+start:] == 0)[0]
        if e.any():                                     # if any(list(e)):
            end = index + start + e[0]                  #     end = index + start + e[0]
        elif positive:
            break                                       # else: status = False
        else:
            end, status = length, False                 # else: end = L; ...; status = False
        if end <= start:                                # np.max of an empty slice: ValueError
            return None, start
        out.append((start, end, gs[start:end].max()))   # pos_instance.append(np.max(gs[start:end]))
        index = end
    return out, start


def authors_segment_scores(scores, mask) -> pd.DataFrame:
    """The notebook's segment extraction, reproduced exactly, quirks included.

    Followed from ``interpretability_performance`` in ``task1_step7_PWM_scan_comparison.ipynb``::

        # get positive instance
        while status:
            s = np.where(new_label[index:] == 1)[0]
            if any(list(s)): start = index + s[0]
            else: status = False
            e = np.where(new_label[index+start:] == 0)[0]
            if any(list(e)):
                end = index + start + e[0]; pos_instance.append(np.max(gs[start:end])); index = end
            else: status = False
        # get negative instance: the same with 0 and 1 swapped, except
            else: end = L; neg_instance.append(np.max(gs[start:end])); status = False

    Quirks kept: the end of a segment is searched from ``index + start`` (not ``start``), so
    after the first segment a segment can run past its true end or be missed; ``any(list(s))``
    is False for ``s == [0]``; after the last match the stale ``start`` is used once more, and
    ``start`` carries over from the positive to the negative loop and to the next sequence
    (a local of their function, never reset). Where the notebook would raise (``start`` never
    bound, i.e. the first sequence has no usable positive; an empty max), the sequence gets
    no segments and is listed in ``attrs["failed"]``. Columns as
    :func:`segment_scores`. A Python loop over sequences (a few microseconds each).
    """
    scores, mask = check_pair(scores, mask, "authors_segment_scores")
    rows, failed, start = [], [], None
    for j in range(mask.shape[0]):
        label = mask[j].astype(np.int8)
        pos, start = _authors_loop(label, scores[j], True, start)
        neg, start = _authors_loop(label, scores[j], False, start) if pos is not None else (None, start)
        if pos is None or neg is None:
            failed.append(j)
            continue
        rows += [(j, a, b, 1, v) for a, b, v in pos] + [(j, a, b, 0, v) for a, b, v in neg]
    out = pd.DataFrame(rows, columns=["seq", "start", "end", "label", "score"])
    out = out.astype({"seq": np.int64, "start": np.int64, "end": np.int64, "label": np.uint8, "score": float})
    out.attrs["failed"] = failed
    return out


def localization_auroc(scores, mask, buffer: int = LOCALIZATION_BUFFER, segments: str = "authors",
                       each_side: bool = False) -> pd.DataFrame:
    """Per-sequence localization AUROC / AUPR of a per-position scan over segments.

    ``mask``: undilated per-position ground truth (N, L) (the notebook's ``gt_info > 0.01``,
    see :func:`motifrep.interpret.interpretability.information_mask`); it is dilated
    (:func:`dilate`), cut into segments, each
    reduced to its max score, and the segments are ranked. ``segments="authors"``: the
    notebook's loops (:func:`authors_segment_scores`); ``"runs"``: the true contiguous runs
    (:func:`segment_scores`). Returns ``seq, auroc, aupr, aupr_trapz, n_pos, n_neg`` (counts of
    segments); NaN metrics when a class is absent or the notebook's loop would have raised.
    The authors report ``np.nanmean`` / ``np.nanstd`` over sequences of ``auroc`` and
    ``aupr_trapz``; :func:`make_localization` summarises the same way (mean and ``ddof=0``
    sd over sequences, NaN skipped).

    Parameters
    ----------
    scores : array_like, shape (N, L)
        A per-position scan; no NaN.
    mask : array_like, shape (N, L)
        Undilated per-position ground truth (nonzero: in a motif).
    buffer : int, default :data:`LOCALIZATION_BUFFER`
        Dilation width (:func:`dilate`).
    segments : {"authors", "runs"}, default "authors"
        How segments are cut.
    each_side : bool, default False
        Dilate by ``buffer`` on both sides instead of the notebook's box filter.

    Returns
    -------
    pandas.DataFrame
        One row per sequence.

    Raises
    ------
    MotifrepError
        ``scores`` and ``mask`` are not both ``(N, L)``, an unknown ``segments`` mode, a
        bad ``buffer``, or NaN scores.
    """
    scores, mask = check_pair(scores, mask, "localization_auroc")
    if segments not in SEGMENT_MODES:
        raise MotifrepError(f"segments must be one of {SEGMENT_MODES}, got {segments!r}")
    wide = dilate(mask, buffer, each_side=each_side)
    seg = authors_segment_scores(scores, wide) if segments == "authors" else segment_scores(scores, wide)
    out = grouped_metrics(seg["seq"].to_numpy(), seg["score"].to_numpy(), seg["label"].to_numpy(), len(mask))
    out.insert(0, "seq", np.arange(len(mask)))
    return out


def _dataset_motifs(ds) -> list[np.ndarray]:
    """The generating PWMs stored with a simulated set (both strands)."""
    if "motifs" not in ds.file:
        raise MotifrepError(f"{ds.path}: no generating motifs ('motifs' group): cannot scan the true PWMs")
    stack, widths = ds.file["motifs/pwm"][()], ds.file["motifs/width"][()]
    return [stack[i, :w] for i, w in enumerate(widths)]


def _localization_inputs(data_path, n_sequences):
    """First test sequences, their per-position ground truth and the generating PWMs."""

    with Dataset(data_path) as ds:
        rows = ds.indices("test")[:n_sequences]
        X = ds.read_rows("X", rows)
        if "info_mask" in ds.file:
            truth = ds.read_rows("info_mask", rows)
        else:  # only the scanned rows: the truth table renumbered to them (rows are sorted)
            table = ds.truth()
            table = table[table["seq"].isin(rows)].assign(seq=lambda t: np.searchsorted(rows, t["seq"]))
            truth = information_mask(table, ds.file["motifs/pwm"][()], X.shape[:2])
        motifs = _dataset_motifs(ds)
    return X, truth, motifs


def _localization_scans(runs, X, motifs, pseudocount, threads):
    """(key, per-sequence scan) of the true-PWM and PPM baselines and of every run's first layer."""

    scans = [(("true PWM", "log-odds", ""), pwm_scan(X, motifs, "pwm", both_strands=False, pseudocount=pseudocount)),
             (("true PWM", "probabilities", ""), pwm_scan(X, motifs, "ppm", both_strands=False))]
    configure_tensorflow(threads, seed=0)
    for run in runs:
        scans.append(((run["model"], run["activation"], run["trial"]), first_layer_scan(load_model(run["path"]), X)))
    return scans


def make_localization(runs, data_path, published_tsv, out_table, out_summary, out_md, out_plots, threads=1,
                      n_sequences=1000, buffer=LOCALIZATION_BUFFER, pseudocount=PWM_PSEUDOCOUNT,
                      segments="authors") -> None:
    """Workflow step (methods §7.3): localization AUROC of first-layer and true-PWM / PPM scans.

    Localization AUROC of first-layer scans (per run) and of the true-PWM / PPM scans, by the
    authors' segment scoring; summary pooled over sequences of all trials (mean ± sd over
    sequences, as the paper reports) beside the published values.

    Parameters
    ----------
    runs : iterable of dict
        One dict per trained model: ``model``, ``activation``, ``trial``, ``path`` (.keras).
    data_path : str or os.PathLike
        The simulated data set (with ``motifs``, and ``info_mask`` or ``truth``); its first
        ``n_sequences`` test sequences are scanned.
    published_tsv : str or os.PathLike
        Published values: columns model, activation, auroc, std (``#`` comments allowed).
    out_table : str or os.PathLike
        TSV per scan and trial: n_sequences, loc_auroc, loc_aupr (means over sequences).
    out_summary : str or os.PathLike
        TSV per model and activation: trials, sequences, mean and sd of loc_auroc and
        loc_aupr, the published value and the difference.
    out_md : str or os.PathLike
        The summary as Markdown.
    out_plots : str or os.PathLike, or a sequence of them
        The figure (:func:`localization_figure`) of the first four sequences.
    threads : int, default 1
        Threads of the Keras backend (TensorFlow, PyTorch).
    n_sequences : int, default 1000
        Test sequences scanned.
    buffer : int, default :data:`LOCALIZATION_BUFFER`
        Dilation of the ground truth.
    pseudocount : float, default :data:`motifrep.interpret.scans.PWM_PSEUDOCOUNT`
        Of the log-odds PWM scan.
    segments : {"authors", "runs"}, default "authors"
        Segment rule (:func:`localization_auroc`).

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A missing or invalid data set or model.
    MotifrepError
        A data set without generating motifs, a published table without its columns, a bad
        figure path, or as :func:`localization_auroc`.
    """
    import logging


    X, truth, motifs = _localization_inputs(data_path, n_sequences)
    scans = _localization_scans(runs, X, motifs, pseudocount, threads)
    per_seq = []
    for (model, act, trial), scan in scans:
        df = localization_auroc(scan, truth, buffer=buffer, segments=segments)
        per_seq.append(df.assign(model=model, activation=act, trial=trial))
    seqs = pd.concat(per_seq, ignore_index=True)
    table = seqs.groupby(["model", "activation", "trial"], sort=False).agg(
        n_sequences=("auroc", "count"), loc_auroc=("auroc", "mean"), loc_aupr=("aupr", "mean")).reset_index()
    summary = _localization_summary(seqs, published_tsv)
    write_tsv(out_table, table)
    write_tsv(out_summary, summary)
    write_text(out_md, _localization_markdown(summary, buffer, segments))
    shown = [(key, scan) for key, scan in scans if key[2] in ("", 0) and key[1] != "probabilities"]
    localization_figure([{"label": f"{k[0]} {k[1]}", "scores": s[:4]} for k, s in shown], truth[:4], out_plots)
    logging.getLogger("motifrep").info("localization of %d scans over %d sequences", len(scans), len(X))


def _localization_summary(seqs: pd.DataFrame, published_tsv) -> pd.DataFrame:
    """Per model x activation over the sequences of all trials, beside the published values."""
    grouped = seqs.groupby(["model", "activation"], sort=False)
    sd = lambda v: v.std(ddof=0)  # noqa: E731 (np.nanstd, as the authors print it)
    out = grouped.agg(n_trials=("trial", "nunique"), n_sequences=("auroc", "count"),
                      loc_auroc_mean=("auroc", "mean"), loc_auroc_std=("auroc", sd),
                      loc_aupr_mean=("aupr", "mean"), loc_aupr_std=("aupr", sd))
    out = out.reset_index()
    published = pd.read_csv(published_tsv, sep="\t", comment="#")
    missing = {"model", "activation", "auroc", "std"} - set(published.columns)
    if missing:
        raise MotifrepError(f"{published_tsv}: needs columns model, activation, auroc, std (lacks {sorted(missing)})")
    published = published.rename(columns={"auroc": "published_auroc", "std": "published_std"})
    out = out.merge(published[["model", "activation", "published_auroc", "published_std"]],
                    on=["model", "activation"], how="left")
    out["diff"] = out["loc_auroc_mean"] - out["published_auroc"]
    return out


def _localization_markdown(summary: pd.DataFrame, buffer: int, segments: str) -> str:
    """The localization summary as a Markdown table with a note on the scoring."""
    lines = ["| scan | trials | sequences | AUROC | published | Δ | AUPR |", "|---|---|---|---|---|---|---|"]
    for r in summary.itertuples():
        pub = "" if pd.isna(r.published_auroc) else f"{r.published_auroc:.3f} ± {r.published_std:.3f}"
        diff = "" if pd.isna(r.diff) else f"{r.diff:+.3f}"
        lines.append(f"| {r.model} {r.activation} | {r.n_trials} | {r.n_sequences} | {r.loc_auroc_mean:.3f} ± "
                     f"{r.loc_auroc_std:.3f} | {pub} | {diff} | {r.loc_aupr_mean:.3f} ± {r.loc_aupr_std:.3f} |")
    lines += ["", f"Per-sequence AUROC over segments (ground truth dilated, buffer {buffer}; segment rule: "
              f"{segments}), mean ± sd over sequences of all trials. The authors' code for turning CNN-deep maps "
              "into AUROCs is not public: the same segment scoring as their PWM-scan notebook is used for them here."]
    return "\n".join(lines) + "\n"




def localization_figure(scans: list[dict], truth: np.ndarray, out_paths) -> Figure:
    """Scans (``scans``: label, scores (n, L)) of a few sequences, one row per sequence.

    Each scan is scaled to its own range (min 0, max 1) per sequence; the embedded motifs
    are shaded.

    Parameters
    ----------
    scans : list of dict
        ``label`` (str) and ``scores`` (array ``(n, L)``) per scan.
    truth : numpy.ndarray
        ``(n, L)`` ground truth of the ``n`` sequences drawn.
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).

    Returns
    -------
    matplotlib.figure.Figure
        The saved figure.

    Raises
    ------
    MotifrepError
        A bad output path.
    """
    paths = output_paths(out_paths)
    n = len(truth)
    fig = Figure(figsize=(9, 1.4 * n + 0.8), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    for i, ax in enumerate(axes):
        for k, scan in enumerate(scans):
            s = scan["scores"][i].astype(np.float64)
            span = np.ptp(s) or 1.0
            ax.plot((s - s.min()) / span, lw=1, label=scan["label"], color=f"C{k}")
        shade_positions(ax, truth[i])
        ax.set_ylim(-0.05, 1.05)
        ax.set_yticks([])
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=len(scans), frameon=False, fontsize=8)
    axes[-1].set_xlabel("position (nt)")
    save_figure(fig, paths)
    return fig

"""Interpretability (SPEC 3.5) and motif localization (SPEC 3.6) scoring, and baseline scans.

* :func:`interpretability_scores`: per-sequence AUROC / AUPR of per-position attribution
  scores against the per-position ground truth (P2 task 3, the authors' ``helper.py``
  ``interpretability_performance``).
* :func:`localization_auroc`: the authors' segment scoring of P2 task 1
  (``code/task1_step7_PWM_scan_comparison.ipynb`` of ``p-koo/exponential_activations``):
  the ground truth is dilated with a box filter of ``buffer`` positions, every contiguous
  positive and negative segment is reduced to the max score in it, and AUROC / AUPR are
  computed over segments, per sequence.
* :func:`pwm_scan` / :func:`first_layer_scan`: the per-position scans that are scored.

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

from .errors import MotifrepError

INFO_THRESHOLD = 0.01  # bits; the authors' ``label[gt_info > 0.01] = 1``
LOCALIZATION_BUFFER = 10  # the notebook: ``interpretability_performance(X, score, X_model, buffer=10)``
PWM_PSEUDOCOUNT = 1e-10  # the notebook: ``np.log2(core_motifs[i]/(np.ones(...)/4)+1e-10)``
SCAN_MODES = ("pwm", "ppm")
SEGMENT_MODES = ("authors", "runs")
METRICS = ("auroc", "aupr", "aupr_trapz")


# --------------------------------------------------------------------------------------
# Grouped ranking metrics
# --------------------------------------------------------------------------------------

def _grouped_metrics(group: np.ndarray, score: np.ndarray, label: np.ndarray, n_groups: int) -> pd.DataFrame:
    """AUROC, average precision and trapezoidal PR-AUC of every group, vectorised.

    Each group's items are sorted by decreasing score; tied scores form one threshold
    ("block"). At each block end the cumulative true / false positives give one ROC and one
    PR point, and each metric is a sum over blocks of that group (``np.bincount``).
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


def _check_pair(scores, truth, what: str) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth)
    if scores.ndim != 2 or truth.shape != scores.shape:
        raise MotifrepError(f"{what}: scores {scores.shape} and ground truth {truth.shape} must both be (N, L)")
    return scores, truth.astype(bool)


# --------------------------------------------------------------------------------------
# Interpretability (task 3)
# --------------------------------------------------------------------------------------

def interpretability_scores(scores, truth) -> pd.DataFrame:
    """Per-sequence AUROC / AUPR of per-position ``scores`` (N, L) against ``truth`` (N, L).

    As the authors' ``helper.interpretability_performance``: positives are the positions
    with ``truth`` set (their ``label[gt_info > 0.01] = 1``), all other positions negatives.
    Returns one row per sequence: ``seq, auroc, aupr, aupr_trapz, n_pos, n_neg`` (NaN
    metrics for a sequence without positives or without negatives).
    """
    scores, truth = _check_pair(scores, truth, "interpretability_scores")
    n, length = scores.shape
    out = _grouped_metrics(np.repeat(np.arange(n), length), scores.ravel(), truth.ravel(), n)
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


# --------------------------------------------------------------------------------------
# Localization (task 1)
# --------------------------------------------------------------------------------------

def information_mask(truth: pd.DataFrame, pwms, shape, threshold: float = INFO_THRESHOLD) -> np.ndarray:
    """Per-position labels as the notebook builds them from the generating model:
    ``gt_info = log2(4) + sum(X_model * log2(X_model + 1e-10))``; ``label = gt_info > 0.01``.

    ``truth``: the data set's table (``seq, pwm, start, end``); ``pwms``: ``(P, Wmax, 4)``
    (``motifs/pwm`` of the HDF5 file, indexed by ``truth.pwm``); ``shape``: ``(N, L)``.
    Positions outside motifs are uniform (0 bits) and stay 0.
    """
    stack = np.asarray(pwms, dtype=np.float64)
    info = np.log2(4) + np.sum(stack * np.log2(stack + 1e-10), axis=-1)  # (P, Wmax)
    width = (truth["end"] - truth["start"]).to_numpy(np.int64)
    col = np.arange(width.sum()) - np.repeat(np.cumsum(width) - width, width)
    seq = np.repeat(truth["seq"].to_numpy(np.int64), width)
    pos = np.repeat(truth["start"].to_numpy(np.int64), width) + col
    out = np.zeros(shape, dtype=np.uint8)
    out[seq, pos] = info[np.repeat(truth["pwm"].to_numpy(np.int64), width), col] > threshold
    return out


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
    scores, mask = _check_pair(scores, mask, "segment_scores")
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
    scores, mask = _check_pair(scores, mask, "authors_segment_scores")
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
    see :func:`information_mask`); it is dilated (:func:`dilate`), cut into segments, each
    reduced to its max score, and the segments are ranked. ``segments="authors"``: the
    notebook's loops (:func:`authors_segment_scores`); ``"runs"``: the true contiguous runs
    (:func:`segment_scores`). Returns ``seq, auroc, aupr, aupr_trapz, n_pos, n_neg`` (counts of
    segments); NaN metrics when a class is absent or the notebook's loop would have raised.
    The authors report ``np.nanmean`` / ``np.nanstd`` over sequences of ``auroc`` and
    ``aupr_trapz`` (:func:`localization_table`).
    """
    scores, mask = _check_pair(scores, mask, "localization_auroc")
    if segments not in SEGMENT_MODES:
        raise MotifrepError(f"segments must be one of {SEGMENT_MODES}, got {segments!r}")
    wide = dilate(mask, buffer, each_side=each_side)
    seg = authors_segment_scores(scores, wide) if segments == "authors" else segment_scores(scores, wide)
    out = _grouped_metrics(seg["seq"].to_numpy(), seg["score"].to_numpy(), seg["label"].to_numpy(), len(mask))
    out.insert(0, "seq", np.arange(len(mask)))
    return out


def localization_table(per_sequence: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per method: ``method, n_sequences`` (sequences with a defined AUROC),
    ``n_total``, and NaN-aware mean / std (``np.nanmean`` / ``np.nanstd``, ddof 0, as the
    notebook prints them) of ``auroc``, ``aupr`` and, where present, ``aupr_trapz``."""
    rows = []
    for method, df in per_sequence.items():
        s = summarise_interpretability(df)
        row = {"method": method, "n_sequences": s["n_used"], "n_total": s["n_total"]}
        row.update({k: s[k] for k in s if k.endswith(("_mean", "_std"))})
        rows.append(row)
    cols = ["method", "n_sequences", "n_total"] + [f"{m}_{x}" for m in METRICS for x in ("mean", "std")]
    present = {k for row in rows for k in row}
    return pd.DataFrame(rows, columns=[c for c in cols if c in present or c in cols[:7]])


# --------------------------------------------------------------------------------------
# Scans
# --------------------------------------------------------------------------------------

def motif_matrix(ppm, mode: str = "pwm", pseudocount: float = PWM_PSEUDOCOUNT) -> np.ndarray:
    """The per-column scores of one motif ``(W, 4)`` (A, C, G, T) as the notebook scans it.

    ``"pwm"``: ``log2(p / 0.25 + pseudocount)`` (the notebook adds ``1e-10`` after the
    division: ``np.log2(core_motifs[i]/(np.ones(core_motifs[i].shape)/4)+1e-10)``), so a zero
    probability scores ``log2(1e-10)`` = -33.2. ``"ppm"``: the probabilities themselves.
    """
    ppm = np.asarray(ppm, dtype=np.float64)
    if ppm.ndim != 2 or ppm.shape[1] != 4 or ppm.shape[0] == 0:
        raise MotifrepError(f"a motif must be a (W, 4) matrix, got shape {ppm.shape}")
    if mode not in SCAN_MODES:
        raise MotifrepError(f"scan mode must be one of {SCAN_MODES}, got {mode!r}")
    return np.log2(ppm / 0.25 + pseudocount) if mode == "pwm" else ppm


def _scan_one(X: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Centred-window scan of one matrix ``(W, 4)`` over float ``X`` (n, L, 4): zero padding
    ``int(W/2)`` left and ``W - int(W/2)`` right; ``out[n] = sum(x_pad[n:n+W] * mat)``."""
    n, length, _ = X.shape
    width = mat.shape[0]
    left = width // 2
    xp = np.zeros((n, length + width, 4), dtype=np.float64)
    xp[:, left:left + length] = X
    per_col = xp @ mat.T  # (n, L + W, W): column j of the motif at every padded position
    out = np.zeros((n, length), dtype=np.float64)
    for j in range(width):
        out += per_col[:, j:j + length, j]
    return out


def pwm_scan(X, pwms, mode: str = "pwm", both_strands: bool = True, pseudocount: float = PWM_PSEUDOCOUNT,
             batch_size: int = 1024) -> np.ndarray:
    """Per-position motif scan, max over motifs and strands: float64 ``(N, L)``.

    As the notebook: for each motif (each of its 12 core motifs and their reverse complements,
    ``reverse = pwm[:,::-1]; reverse[::-1,:]``) the score at position ``n`` is the sum of the
    matrix entries of the bases in the window ``n - int(W/2) .. n - int(W/2) + W - 1``
    (centred; bases outside the sequence count 0)::

        M = ppm.shape[0]; pad_left = int(M/2); pad_right = M - pad_left
        x_pad = np.concatenate([np.zeros((pad_left, 4)), x, np.zeros((pad_right,4))], axis=0)
        for n in range(L): fmap.append(np.sum(x_pad[range(n,n+M),:] * pwm))
        score = np.max(fmap_pwm, axis=1)

    ``pwms``: (W, 4) probability matrices (A, C, G, T); ``mode``: see :func:`motif_matrix`;
    ``both_strands``: also scan each reverse complement (pass False if ``pwms`` holds them).
    """
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[2] != 4:
        raise MotifrepError(f"sequences must be one-hot of shape (N, L, 4), got shape {X.shape}")
    mats = [motif_matrix(p, mode, pseudocount) for p in pwms]
    if not mats:
        raise MotifrepError("pwm_scan: no motifs given")
    if both_strands:
        mats += [m[::-1, ::-1] for m in mats]
    out = np.full(X.shape[:2], -np.inf)
    for lo in range(0, X.shape[0], batch_size):
        xb = X[lo:lo + batch_size].astype(np.float64)
        for mat in mats:
            np.maximum(out[lo:lo + batch_size], _scan_one(xb, mat), out=out[lo:lo + batch_size])
    return out


def first_layer_scan(model, X, batch_size: int = 512) -> np.ndarray:
    """Max over filters of the first-layer activations (after BN and activation, before
    pooling; :func:`motifrep.filters.layer_activations`): float32 ``(N, L)``.

    The notebook keeps ``keras.Model(inputs=model.inputs, outputs=model.layers[3].output)``
    of CNN-deep (conv, BN, activation; 'same' padding, so one value per input position). With
    'valid' padding, output ``p`` is placed at the centre of its receptive field
    (``p + offset + (width - 1) // 2``) and uncovered end positions get the row's minimum.
    """
    from .filters import layer_activations, receptive_field

    scan = layer_activations(model, X, layer=1, batch_size=batch_size).max(axis=2)
    length = X.shape[1]
    if scan.shape[1] == length:
        return scan
    width, offset = receptive_field(model, 1)
    shift = offset + (width - 1) // 2
    out = np.repeat(scan.min(axis=1, keepdims=True), length, axis=1)
    out[:, shift:shift + scan.shape[1]] = scan[:, :length - shift]
    return out


# --------------------------------------------------------------------------------------
# Workflow steps
# --------------------------------------------------------------------------------------

def make_interpretability_table(runs, data_path, out_table, out_summary, out_md) -> None:
    """Workflow step (SPEC 3.5): per attribution map the mean over sequences of the per-sequence
    interpretability AUROC / AUPR; then mean ± std over trials per model × activation × method.

    ``runs``: dicts with model, activation, trial, method, path (attribution HDF5).
    """
    import logging

    from .attribution import read_attribution
    from .data import Dataset
    from .io import write_text, write_tsv
    from .tables import mean_sd_markdown, summarise

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


def _dataset_motifs(ds) -> list[np.ndarray]:
    """The generating PWMs stored with a simulated set (both strands)."""
    if "motifs" not in ds.file:
        raise MotifrepError(f"{ds.path}: no generating motifs ('motifs' group): cannot scan the true PWMs")
    stack, widths = ds.file["motifs/pwm"][()], ds.file["motifs/width"][()]
    return [stack[i, :w] for i, w in enumerate(widths)]


def _localization_inputs(data_path, n_sequences):
    """First test sequences, their per-position ground truth and the generating PWMs."""
    from .data import Dataset

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
    from .models import load_model
    from .train import configure_tensorflow

    scans = [(("true PWM", "log-odds", ""), pwm_scan(X, motifs, "pwm", both_strands=False, pseudocount=pseudocount)),
             (("true PWM", "probabilities", ""), pwm_scan(X, motifs, "ppm", both_strands=False))]
    configure_tensorflow(threads, seed=0)
    for run in runs:
        scans.append(((run["model"], run["activation"], run["trial"]), first_layer_scan(load_model(run["path"]), X)))
    return scans


def make_localization(runs, data_path, published_tsv, out_table, out_summary, out_md, out_plots, threads=1,
                      n_sequences=1000, buffer=LOCALIZATION_BUFFER, pseudocount=PWM_PSEUDOCOUNT,
                      segments="authors") -> None:
    """Workflow step (SPEC 3.6): localization AUROC of first-layer scans (per run) and of the
    true-PWM / PPM scans, by the authors' segment scoring; summary pooled over sequences of all
    trials (mean ± sd over sequences, as the paper reports) beside the published values."""
    import logging

    from .io import write_text, write_tsv
    from .plots import localization_figure

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

"""TF-MoDISco's motifs scored against the embedded truth (methods §6.5).

* :func:`seqlet_hits`: which seqlets lie on an embedded motif and which embedded motifs a
  seqlet found. **Overlap rule**: a seqlet and an embedded motif of the same sequence
  overlap when they share at least ``min_overlap`` x the motif's width (default 0.5:
  half the motif), strands ignored. A seqlet is a hit when it overlaps any embedded motif
  of its sequence; an embedded motif is recalled when any seqlet overlaps it.
* :func:`seqlet_scores`: precision (hits / seqlets) and recall (recalled motifs / the
  embedded motifs of the attributed sequences).
* :func:`pattern_recovery`: which of the data set's TFs at least one pattern matches
  (Tomtom E <= the threshold to an accepted JASPAR ID) and how many patterns match none
  (false motifs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from motifrep.errors import FormatError, MotifrepError
from motifrep.io import write_text, write_tsv
from motifrep.summary import mean_sd_markdown, summarise

MIN_OVERLAP = 0.5


def seqlet_hits(seqlets: pd.DataFrame, truth: pd.DataFrame, rows, min_overlap: float = MIN_OVERLAP):
    """Hit flags of the seqlets and recall flags of the embedded motifs (overlap rule of the module).

    Parameters
    ----------
    seqlets : pandas.DataFrame
        Columns ``row`` (data-set row), ``start``, ``end`` (end exclusive).
    truth : pandas.DataFrame
        The data set's embedded motifs, columns ``seq`` (row), ``start``, ``end``.
    rows : array_like of int
        The attributed rows: only their embedded motifs count for recall.
    min_overlap : float, default 0.5
        Shared positions needed, as a fraction of the motif's width (> 0, <= 1).

    Returns
    -------
    hit : numpy.ndarray of bool, shape (len(seqlets),)
    recalled : numpy.ndarray of bool, shape (number of embedded motifs in ``rows``,)
        In the order of ``truth`` restricted to ``rows``.

    Raises
    ------
    MotifrepError
        ``min_overlap`` outside (0, 1], or a seqlet on a row that is not attributed.
    """
    if not 0 < min_overlap <= 1:
        raise MotifrepError(f"seqlet overlap fraction must be in (0, 1], got {min_overlap}")
    rows = np.asarray(rows, dtype=np.int64)
    if len(seqlets) and not np.isin(seqlets["row"].to_numpy(np.int64), rows).all():
        raise MotifrepError("a seqlet lies on a sequence that is not among the attributed rows")
    motifs = truth[truth["seq"].isin(rows)].reset_index(drop=True)
    s = seqlets[["row", "start", "end"]].reset_index(drop=True).rename(columns={"start": "s0", "end": "s1"})
    s["seqlet"] = np.arange(len(s))
    m = motifs[["seq", "start", "end"]].rename(columns={"seq": "row", "start": "m0", "end": "m1"})
    m["motif"] = np.arange(len(m))
    pairs = s.merge(m, on="row")
    shared = np.minimum(pairs["s1"], pairs["m1"]) - np.maximum(pairs["s0"], pairs["m0"])
    ok = shared.to_numpy() >= min_overlap * (pairs["m1"] - pairs["m0"]).to_numpy() - 1e-9
    ok &= shared.to_numpy() > 0
    hit = np.zeros(len(s), dtype=bool)
    recalled = np.zeros(len(m), dtype=bool)
    hit[pairs["seqlet"].to_numpy()[ok]] = True
    recalled[pairs["motif"].to_numpy()[ok]] = True
    return hit, recalled


def seqlet_scores(seqlets: pd.DataFrame, truth: pd.DataFrame, rows, min_overlap: float = MIN_OVERLAP) -> dict:
    """Seqlet precision and recall against the embedded motifs.

    Parameters
    ----------
    seqlets, truth, rows, min_overlap
        As :func:`seqlet_hits`.

    Returns
    -------
    dict
        ``n_seqlets``, ``n_seqlet_hits``, ``seqlet_precision`` (NaN without seqlets),
        ``n_embedded``, ``n_recalled``, ``seqlet_recall`` (NaN without embedded motifs).
    """
    hit, recalled = seqlet_hits(seqlets, truth, rows, min_overlap)
    return {
        "n_seqlets": int(len(hit)), "n_seqlet_hits": int(hit.sum()),
        "seqlet_precision": float(hit.mean()) if len(hit) else float("nan"),
        "n_embedded": int(len(recalled)), "n_recalled": int(recalled.sum()),
        "seqlet_recall": float(recalled.mean()) if len(recalled) else float("nan"),
    }


def pattern_recovery(patterns: pd.DataFrame, tfs) -> dict:
    """Ground-truth TFs matched by at least one pattern, and patterns that match none.

    Parameters
    ----------
    patterns : pandas.DataFrame
        One row per pattern with ``ground_truth_tf`` (comma-separated TFs whose accepted IDs
        the pattern's Tomtom hits include; empty when none), as
        :func:`motifrep.filters.report.filter_table` fills it.
    tfs : sequence of str
        The data set's ground-truth TFs, in table order.

    Returns
    -------
    dict
        ``n_patterns``, ``n_true_patterns``, ``n_false_patterns``, ``n_tfs``,
        ``n_recovered``, ``recovered_tfs`` (comma-separated, table order), ``missed_tfs``.
    """
    tfs = list(tfs)
    matched = patterns["ground_truth_tf"].fillna("").astype(str)
    found = {tf for cell in matched for tf in cell.split(",") if tf}
    recovered = [tf for tf in tfs if tf in found]
    n_true = int((matched != "").sum())
    return {
        "n_patterns": int(len(patterns)), "n_true_patterns": n_true, "n_false_patterns": int(len(patterns)) - n_true,
        "n_tfs": len(tfs), "n_recovered": len(recovered), "recovered_tfs": ",".join(recovered),
        "missed_tfs": ",".join(tf for tf in tfs if tf not in found),
    }


#: Summary metrics of :func:`make_modisco_table` (``score.tsv`` column -> summary metric).
SUMMARY_METRICS = {"n_recovered": "mod_recovered", "n_false_patterns": "mod_false", "n_patterns": "mod_patterns",
                   "seqlet_precision": "mod_precision", "seqlet_recall": "mod_recall"}
SUMMARY_HEADERS = {"mod_recovered": "TFs recovered", "mod_false": "false patterns", "mod_patterns": "patterns",
                   "mod_precision": "seqlet precision", "mod_recall": "seqlet recall"}


def make_modisco_table(runs, out_table, out_summary, out_md) -> None:
    """Workflow step (methods §6.5): every TF-MoDISco score of an experiment, and mean ± sd over trials.

    Parameters
    ----------
    runs : iterable of dict
        ``model``, ``activation``, ``trial``, ``method`` and ``score`` (a ``score.tsv`` written by
        :func:`motifrep.interpret.discovery.discover_motifs`).
    out_table : str or os.PathLike
        One row per run and method: the ``score.tsv`` columns, metrics renamed as
        :data:`SUMMARY_METRICS`.
    out_summary : str or os.PathLike
        Mean and sample sd over trials per model, activation and method (runs' order).
    out_md : str or os.PathLike
        The summary as Markdown.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A score file that cannot be read or lacks a column.
    """
    rows = []
    for run in runs:
        try:
            score = pd.read_csv(run["score"], sep="\t", keep_default_na=False, na_values=[""]).iloc[0].to_dict()
        except (OSError, ValueError, IndexError) as exc:
            raise FormatError(f"{run['score']}: not a TF-MoDISco score table ({exc})") from None
        missing = [k for k in SUMMARY_METRICS if k not in score]
        if missing:
            raise FormatError(f"{run['score']}: no column {missing[0]!r}")
        rows.append({k: run[k] for k in ("model", "activation", "trial", "method")}
                    | {v: float(score[k]) for k, v in SUMMARY_METRICS.items()}
                    | {k: score.get(k, "") for k in ("n_tfs", "recovered_tfs", "missed_tfs", "n_seqlets")})
    table = pd.DataFrame(rows)
    summary = summarise(table, tuple(SUMMARY_HEADERS), by=("model", "activation", "method"))
    write_tsv(out_table, table)
    write_tsv(out_summary, summary)
    write_text(out_md, mean_sd_markdown(summary, ["model", "activation", "method"], SUMMARY_HEADERS,
                                        "TF-MoDISco on the attribution maps (methods §6.5): ground-truth TFs matched "
                                        "by a pattern (Tomtom E ≤ 0.1 to an accepted JASPAR ID), patterns matching "
                                        "none (false), seqlets on an embedded motif (precision; overlap ≥ half the "
                                        "motif) and embedded motifs found by a seqlet (recall)."))

"""Summaries of Tomtom hits of first-layer filters: the match fractions of Koo & Eddy 2019.

Filters are identified by the tomtom query IDs (``filter{j}``). The number of filters
comes from the filters' MEME file, not from the hits, so a filter without any hit still
counts in the denominator.

``match_any``
    fraction of filters with at least one hit (E-value below the tomtom threshold).
``match_ground_truth``
    fraction of filters whose hits include at least one JASPAR ID accepted for any of
    the simulated TFs (``accepted_ids`` of the TF table, ``resources/tfs.tsv``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .errors import FormatError, MotifrepError
from .io import tsv_records

TF_TABLE_COLUMNS = ["tf", "jaspar_id", "accepted_ids"]


def load_tf_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read the TF table: lines starting with ``#`` are comments, then a tab-separated
    header ``tf  jaspar_id  accepted_ids``; ``accepted_ids`` is comma-separated.

    Returns columns ``tf`` (str), ``jaspar_id`` (str) and ``accepted_ids`` (list of str,
    file order, duplicates removed), one row per TF in file order. Problems are reported
    as ``FILE:LINE: what`` (:class:`~motifrep.errors.FormatError`).
    """
    path = Path(path)
    rows = []
    seen = set()
    for lineno, record in tsv_records(path, "TF table", TF_TABLE_COLUMNS):
        tf, jaspar_id = record["tf"], record["jaspar_id"]
        if not tf or not jaspar_id:
            raise FormatError(f"{path}:{lineno}: empty tf or jaspar_id")
        if tf in seen:
            raise FormatError(f"{path}:{lineno}: TF {tf!r} listed twice")
        seen.add(tf)
        accepted = list(dict.fromkeys(a.strip() for a in record["accepted_ids"].split(",") if a.strip()))
        if not accepted:
            raise FormatError(f"{path}:{lineno}: TF {tf!r} has no accepted_ids")
        rows.append({"tf": tf, "jaspar_id": jaspar_id, "accepted_ids": accepted})
    if not rows:
        raise FormatError(f"{path}: TF table has no rows")
    return pd.DataFrame(rows, columns=TF_TABLE_COLUMNS)


def accepted_id_map(tf_table: pd.DataFrame) -> dict[str, list[str]]:
    """JASPAR ID -> the TFs (table order) that accept it as a ground-truth match."""
    out: dict[str, list[str]] = {}
    for tf, ids in zip(tf_table["tf"], tf_table["accepted_ids"]):
        for jaspar_id in ids:
            out.setdefault(jaspar_id, []).append(tf)
    return out


def _as_tf_table(tf_table) -> pd.DataFrame:
    if isinstance(tf_table, (str, os.PathLike)):
        return load_tf_table(tf_table)
    if not isinstance(tf_table, pd.DataFrame) or not {"tf", "accepted_ids"} <= set(tf_table.columns):
        raise MotifrepError("tf_table must be a path or a DataFrame from load_tf_table (columns tf, accepted_ids)")
    return tf_table


def _check_hits(hits: pd.DataFrame) -> None:
    missing = [c for c in ("Query_ID", "Target_ID", "E-value") if c not in hits.columns]
    if missing:
        raise MotifrepError(f"tomtom hits lack column(s) {', '.join(missing)}")


def match_statistics(hits: pd.DataFrame, n_filters: int, tf_table, evalue_thresh: float | None = None) -> dict:
    """Fractions of filters that match any JASPAR motif and a ground-truth motif.

    ``hits`` is a tomtom table (:func:`motifrep.tomtom.run_tomtom` or
    :func:`motifrep.tomtom.read_tomtom_tsv`), already limited to significant pairs;
    ``evalue_thresh`` optionally keeps only rows with E-value <= it. ``n_filters`` is the
    number of filters in the query MEME file; it must be at least the number of distinct
    query IDs in ``hits``. ``tf_table`` is the table from :func:`load_tf_table` (or its
    path).

    Returns ``{"n_filters", "n_match_any", "n_match_ground_truth", "match_any",
    "match_ground_truth"}``, the fractions as floats in [0, 1].
    """
    _check_hits(hits)
    if isinstance(n_filters, bool) or not isinstance(n_filters, int) or n_filters < 1:
        raise MotifrepError(f"n_filters must be a positive integer, got {n_filters!r}")
    table = _as_tf_table(tf_table)
    if evalue_thresh is not None:
        hits = hits[hits["E-value"] <= evalue_thresh]
    queries = hits["Query_ID"].astype(str)
    n_any = int(queries.nunique())
    if n_any > n_filters:
        raise MotifrepError(f"tomtom hits name {n_any} distinct filters, more than n_filters = {n_filters}")
    accepted = set(accepted_id_map(table))
    is_gt = hits["Target_ID"].astype(str).isin(accepted)
    n_gt = int(queries[is_gt.to_numpy()].nunique())
    return {
        "n_filters": n_filters,
        "n_match_any": n_any,
        "n_match_ground_truth": n_gt,
        "match_any": n_any / n_filters,
        "match_ground_truth": n_gt / n_filters,
    }


def filter_best_matches(hits: pd.DataFrame, tf_table=None) -> pd.DataFrame:
    """Per filter (query ID) its best hit: the target with the lowest E-value.

    Ties keep the first row (tomtom lists each query's hits by increasing p-value).
    Returns columns ``Query_ID, Target_ID, E-value`` (plus ``p-value``, ``q-value`` when
    present), one row per filter with hits, in the order filters first appear in
    ``hits``. With ``tf_table`` a column ``tf`` names the TF(s) (comma-separated, table
    order) that accept the best target, empty when none does.
    """
    _check_hits(hits)
    extra = [c for c in ("p-value", "q-value") if c in hits.columns]
    columns = ["Query_ID", "Target_ID", "E-value", *extra]
    if len(hits) == 0:
        best = pd.DataFrame({c: pd.Series([], dtype=hits[c].dtype) for c in columns})
    else:
        idx = hits.reset_index(drop=True).groupby("Query_ID", sort=False)["E-value"].idxmin()
        best = hits.reset_index(drop=True).loc[idx.to_numpy(), columns].reset_index(drop=True)
    if tf_table is not None:
        id_map = accepted_id_map(_as_tf_table(tf_table))
        best["tf"] = pd.Series([",".join(id_map.get(t, [])) for t in best["Target_ID"]], dtype=str, index=best.index)
    return best


# --------------------------------------------------------------------------- workflow step


def match_table(runs, tf_table, out_table, out_summary, order) -> None:
    """SPEC 3.3: per (model, activation, trial, layer) the fractions of filters matching any /
    ground-truth motifs; and their mean ± std over trials.

    ``runs``: dicts with model, activation, trial, layer, filters (MEME path), tomtom (TSV path).
    A Tomtom table naming a filter that its filter file lacks is refused (FormatError).
    """
    import logging

    from .io import write_tsv
    from .meme import read_meme
    from .tables import summarise
    from .tomtom import read_tomtom_tsv

    tfs = load_tf_table(tf_table)
    rows = []
    for run in runs:
        filters = read_meme(run["filters"])
        hits = read_tomtom_tsv(run["tomtom"])
        unknown = sorted(set(hits["Query_ID"].astype(str)) - {f.id for f in filters})
        if unknown:
            raise FormatError(f"{run['tomtom']}: names filter {unknown[0]!r}, which is not in {run['filters']}")
        stats = match_statistics(hits, len(filters), tfs)
        rows.append({"model": run["model"], "activation": run.get("activation", "relu"), "trial": int(run["trial"]),
                     "layer": int(run["layer"]), **stats})
    table = pd.DataFrame(rows)
    write_tsv(out_table, table)
    summary = summarise(table, ("match_any", "match_ground_truth"), order=order,
                        by=("model", "activation", "layer"))
    write_tsv(out_summary, summary)
    logging.getLogger("motifrep").info("match statistics of %d (model, activation, trial, layer) runs", len(table))

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

from motifrep.errors import FormatError, MotifrepError
from motifrep.io import tsv_records

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


def as_tf_table(tf_table) -> pd.DataFrame:
    if isinstance(tf_table, (str, os.PathLike)):
        return load_tf_table(tf_table)
    if not isinstance(tf_table, pd.DataFrame) or not {"tf", "accepted_ids"} <= set(tf_table.columns):
        raise MotifrepError("tf_table must be a path or a DataFrame from load_tf_table (columns tf, accepted_ids)")
    return tf_table


def check_hits(hits: pd.DataFrame) -> None:
    missing = [c for c in ("Query_ID", "Target_ID", "E-value") if c not in hits.columns]
    if missing:
        raise MotifrepError(f"tomtom hits lack column(s) {', '.join(missing)}")

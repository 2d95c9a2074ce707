"""The TF table: each data set's ground-truth TFs and the JASPAR IDs accepted for them.

A TF table (``resources/tfs.tsv`` and the like) is a tab-separated file with ``#`` comment
lines and the header ``tf  jaspar_id  accepted_ids``: one row per TF, the JASPAR matrix that
generates (or stands for) it, and the comma-separated JASPAR IDs a Tomtom hit may name for the
hit to count as that TF (the matrix itself and its accepted look-alikes).

:func:`load_tf_table` reads and checks it; :func:`accepted_id_map` inverts it (JASPAR ID ->
TFs); :func:`as_tf_table` accepts a path or an already loaded table; :func:`check_hits` is the
one check that a Tomtom hit table has the columns the match statistics read. The match
fractions themselves live in :mod:`motifrep.filters.matching`, the per-filter and per-TF
report in :mod:`motifrep.filters.report`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from motifrep.errors import FormatError, MotifrepError
from motifrep.io import tsv_records

TF_TABLE_COLUMNS = ["tf", "jaspar_id", "accepted_ids"]


def load_tf_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a TF table.

    Lines starting with ``#`` are comments, then a tab-separated header
    ``tf  jaspar_id  accepted_ids``; ``accepted_ids`` is comma-separated. Extra columns are
    allowed (e.g. the ENCODE experiment table's) and ignored here.

    Parameters
    ----------
    path : str or os.PathLike
        The TSV file.

    Returns
    -------
    pandas.DataFrame
        Columns ``tf`` (str), ``jaspar_id`` (str) and ``accepted_ids`` (list of str, file
        order, duplicates removed), one row per TF in file order.

    Raises
    ------
    FormatError
        Reported as ``FILE:LINE: what``: a missing or non-text file, a header without the
        three columns, a row with another number of fields, an empty ``tf`` or
        ``jaspar_id``, a TF listed twice, a TF without ``accepted_ids``, or no rows at all.
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
    """A TF table given as a path (read by :func:`load_tf_table`) or as a DataFrame with tf, accepted_ids."""
    if isinstance(tf_table, (str, os.PathLike)):
        return load_tf_table(tf_table)
    if not isinstance(tf_table, pd.DataFrame) or not {"tf", "accepted_ids"} <= set(tf_table.columns):
        raise MotifrepError("tf_table must be a path or a DataFrame from load_tf_table (columns tf, accepted_ids)")
    return tf_table


def check_hits(hits: pd.DataFrame) -> None:
    """MotifrepError unless the Tomtom table ``hits`` has columns Query_ID, Target_ID and E-value."""
    missing = [c for c in ("Query_ID", "Target_ID", "E-value") if c not in hits.columns]
    if missing:
        raise MotifrepError(f"tomtom hits lack column(s) {', '.join(missing)}")

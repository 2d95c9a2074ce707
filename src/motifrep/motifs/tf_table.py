"""The TF table: each data set's ground-truth TFs and the JASPAR IDs accepted for them.

A TF table (``resources/tfs.tsv`` and the like) is a tab-separated file with ``#`` comment
lines and the header ``tf  jaspar_id  accepted_ids``: one row per TF, the JASPAR matrix that
generates (or stands for) it, and the comma-separated JASPAR IDs a Tomtom hit may name for the
hit to count as that TF (the matrix itself and its accepted look-alikes).

JASPAR IDs match by base: an accepted ``MA0079.3`` (or a bare base, ``MA0079``) accepts a hit to
any version of ``MA0079``, so a table written for JASPAR 2016 (SP1 = ``MA0079.3``) counts hits
against JASPAR 2024 (SP1 = ``MA0079.5``) alike. Other IDs (HOCOMOCO, your own) match exactly.

:func:`load_tf_table` reads and checks it; :func:`accepted_id_map` inverts it (match key ->
TFs) and :func:`tfs_accepting` looks a hit's target up in it; :func:`check_database` refuses a
table whose TFs are not in the motif database compared with; :func:`as_tf_table` accepts a
path or an already loaded table; :func:`check_hits` is the one check that a Tomtom hit table
has the columns the match statistics read. The match
fractions themselves live in :mod:`motifrep.filters.matching`, the per-filter and per-TF
report in :mod:`motifrep.filters.report`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from motifrep.errors import ConfigError, FormatError, MotifrepError
from motifrep.io import tsv_records
from motifrep.motifs.database import jaspar_base

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
    """Match key -> the TFs (table order) that accept it as a ground-truth match.

    The key of a JASPAR ID is its base (``MA0079.3`` -> ``MA0079``,
    :func:`motifrep.motifs.database.jaspar_base`), of any other ID the ID itself; look a hit's
    target up with :func:`tfs_accepting`.
    """
    out: dict[str, list[str]] = {}
    for tf, ids in zip(tf_table["tf"], tf_table["accepted_ids"]):
        for jaspar_id in ids:
            tfs = out.setdefault(jaspar_base(jaspar_id), [])
            if tf not in tfs:
                tfs.append(tf)
    return out


def tfs_accepting(id_map: dict[str, list[str]], target_id: str) -> list[str]:
    """The TFs of :func:`accepted_id_map` that accept a hit to ``target_id`` (any version of a JASPAR base)."""
    return id_map.get(jaspar_base(str(target_id)), [])


def check_database(tf_table: pd.DataFrame, target_ids, table_name, database_label) -> None:
    """ConfigError unless every TF's ``jaspar_id`` (any version of its JASPAR base) is a target.

    A ground-truth TF that the motif database compared with does not hold could never be
    matched: its fractions would be a silent zero.

    Parameters
    ----------
    tf_table : pandas.DataFrame
        The TF table (:func:`load_tf_table`).
    target_ids : iterable of str
        The IDs of the database's motifs.
    table_name, database_label : str
        The table and the database, for the message.

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        One line naming the first TF (table order) whose ID is not in the database.
    """
    bases = {jaspar_base(str(t)) for t in target_ids}
    for tf, jaspar_id in zip(tf_table["tf"], tf_table["jaspar_id"]):
        base = jaspar_base(jaspar_id)
        if base not in bases:
            version = f" (nor any other version of {base})" if base != jaspar_id else ""
            raise ConfigError(f"TF table {table_name}: {tf}'s ID {jaspar_id}{version} is not in the motif database "
                              f"{database_label}, so its hits could never count as ground truth; use a database "
                              f"that has it or a TF table with this database's IDs")


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

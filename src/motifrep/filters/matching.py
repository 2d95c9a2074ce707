"""Summaries of Tomtom hits of first-layer filters: the match fractions of Koo & Eddy 2019.

:func:`match_statistics` gives one run's fractions, :func:`filter_best_matches` each
filter's best hit, and :func:`match_table` is the workflow step that tabulates every run of
an experiment and summarises it over trials (:func:`motifrep.summary.summarise`). The TF
table that says which JASPAR IDs count as ground truth is read by
:func:`motifrep.motifs.tf_table.load_tf_table`; the per-filter and per-TF report is
:mod:`motifrep.filters.report`.

Filters are identified by the tomtom query IDs (``filter{j}``). The number of filters
comes from the filters' MEME file, not from the hits, so a filter without any hit still
counts in the denominator.

``match_any``
    fraction of filters with at least one hit (E-value below the tomtom threshold).
``match_ground_truth``
    fraction of filters whose hits include at least one JASPAR ID accepted for any of
    the simulated TFs (``accepted_ids`` of the TF table, ``resources/tfs.tsv``); a JASPAR ID
    accepts any version of its base (``MA0079.3`` accepts JASPAR 2024's ``MA0079.5``).
"""

from __future__ import annotations

import pandas as pd

from motifrep.errors import FormatError, MotifrepError
from motifrep.io import write_tsv
from motifrep.motifs.meme import read_meme
from motifrep.motifs.database import jaspar_base
from motifrep.motifs.tf_table import (
    accepted_id_map,
    as_tf_table,
    check_database,
    check_hits,
    load_tf_table,
    tfs_accepting,
)
from motifrep.motifs.tomtom import read_tomtom_tsv
from motifrep.summary import summarise


def match_statistics(hits: pd.DataFrame, n_filters: int, tf_table, evalue_thresh: float | None = None) -> dict:
    """Fractions of filters that match any JASPAR motif and a ground-truth motif.

    ``hits`` is a tomtom table (:func:`motifrep.motifs.tomtom.run_tomtom` or
    :func:`motifrep.motifs.tomtom.read_tomtom_tsv`), already limited to significant pairs;
    ``evalue_thresh`` optionally keeps only rows with E-value <= it. ``n_filters`` is the
    number of filters in the query MEME file; it must be at least the number of distinct
    query IDs in ``hits``. ``tf_table`` is the table from
    :func:`motifrep.motifs.tf_table.load_tf_table` (or its path).

    Parameters
    ----------
    hits : pandas.DataFrame
        Tomtom hits with (at least) columns Query_ID, Target_ID, E-value.
    n_filters : int
        Number of filters (>= 1), the denominator of the fractions.
    tf_table : pandas.DataFrame or str or os.PathLike
        The TF table or its path.
    evalue_thresh : float, optional
        Keep only hits with E-value <= this.

    Returns
    -------
    dict
        ``{"n_filters", "n_match_any", "n_match_ground_truth", "match_any",
        "match_ground_truth"}``, the counts as int, the fractions as floats in [0, 1].

    Raises
    ------
    MotifrepError
        ``hits`` lacks a column, ``n_filters`` is not a positive integer or is below the
        number of distinct queries, or ``tf_table`` is neither a path nor a TF table.
    FormatError
        ``tf_table`` is a path to a malformed TF table.
    """
    check_hits(hits)
    if isinstance(n_filters, bool) or not isinstance(n_filters, int) or n_filters < 1:
        raise MotifrepError(f"n_filters must be a positive integer, got {n_filters!r}")
    table = as_tf_table(tf_table)
    if evalue_thresh is not None:
        hits = hits[hits["E-value"] <= evalue_thresh]
    queries = hits["Query_ID"].astype(str)
    n_any = int(queries.nunique())
    if n_any > n_filters:
        raise MotifrepError(f"tomtom hits name {n_any} distinct filters, more than n_filters = {n_filters}")
    accepted = set(accepted_id_map(table))
    is_gt = hits["Target_ID"].astype(str).map(jaspar_base).isin(accepted)
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

    Parameters
    ----------
    hits : pandas.DataFrame
        Tomtom hits with (at least) columns Query_ID, Target_ID, E-value.
    tf_table : pandas.DataFrame or str or os.PathLike, optional
        The TF table or its path; adds the ``tf`` column.

    Returns
    -------
    pandas.DataFrame
        One row per filter with hits (no rows when ``hits`` has none).

    Raises
    ------
    MotifrepError
        ``hits`` lacks a column, or ``tf_table`` is neither a path nor a TF table.
    FormatError
        ``tf_table`` is a path to a malformed TF table.
    """
    check_hits(hits)
    extra = [c for c in ("p-value", "q-value") if c in hits.columns]
    columns = ["Query_ID", "Target_ID", "E-value", *extra]
    if len(hits) == 0:
        best = pd.DataFrame({c: pd.Series([], dtype=hits[c].dtype) for c in columns})
    else:
        idx = hits.reset_index(drop=True).groupby("Query_ID", sort=False)["E-value"].idxmin()
        best = hits.reset_index(drop=True).loc[idx.to_numpy(), columns].reset_index(drop=True)
    if tf_table is not None:
        id_map = accepted_id_map(as_tf_table(tf_table))
        best["tf"] = pd.Series([",".join(tfs_accepting(id_map, t)) for t in best["Target_ID"]], dtype=str,
                               index=best.index)
    return best


def match_table(runs, tf_table, out_table, out_summary, order, database=None) -> None:
    """methods §5.3: the match fractions of every run, and their mean ± std over trials.

    Per (model, activation, trial, layer) the fractions of filters matching any /
    ground-truth motifs; and their mean ± std over trials.

    ``runs``: dicts with model, activation, trial, layer, filters (MEME path), tomtom (TSV path).
    A Tomtom table naming a filter that its filter file lacks is refused (FormatError).

    Parameters
    ----------
    runs : iterable of dict
        One dict per run: ``model``, ``activation`` (default ``"relu"``), ``trial``,
        ``layer``, ``filters`` (MEME path) and ``tomtom`` (hit TSV path).
    tf_table : str or os.PathLike
        The TF table.
    out_table : str or os.PathLike
        TSV of one row per run: model, activation, trial, layer and the
        :func:`match_statistics` columns.
    out_summary : str or os.PathLike
        TSV of mean and sample sd over trials per model, activation and layer.
    order : sequence of str or None
        Model order of the summary (:func:`motifrep.summary.summarise`).
    database : str or os.PathLike, optional
        MEME file of the motifs the filters were compared with: every TF of ``tf_table`` must
        be in it (:func:`motifrep.motifs.tf_table.check_database`); None: not checked.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A malformed TF table, MEME file or Tomtom table, or a Tomtom table naming a filter
        that is not in its filter file.
    MotifrepError
        As :func:`match_statistics`; a TF of ``tf_table`` that ``database`` lacks (ConfigError).
    """
    import logging


    tfs = load_tf_table(tf_table)
    if database is not None:
        check_database(tfs, (m.id for m in read_meme(database)), tf_table, database)
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

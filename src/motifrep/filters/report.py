"""Per-filter and per-TF report of first-layer filters matched to JASPAR (Koo & Eddy 2019).

:func:`filter_table` gives one row per filter (order of the filters' MEME file): its site
count, information content and width after clipping, its best Tomtom match, and the
simulated TFs it matches. :func:`recovered_tfs` gives one row per TF of the TF table:
whether any filter matches it, how many do, and the best E-value of those matches.

Conventions:

* ``hits`` is a Tomtom table (:func:`motifrep.motifs.tomtom.read_tomtom_tsv` or
  :func:`motifrep.motifs.tomtom.run_tomtom`), already limited to significant pairs; every row
  counts as a hit.
* A filter *matches* a TF when ANY of its hits (not only the best) is one of the TF's
  ``accepted_ids`` (as :func:`motifrep.filters.matching.match_statistics` counts it), a JASPAR
  ID in any version of its base (:func:`motifrep.motifs.tf_table.accepted_id_map`).
* ``n_sites`` is the ``nsites=`` of the unclipped motif in its MEME file (``<NA>`` if the
  file has none). Note that :func:`motifrep.filters.scan.filters_to_motifs` (and the authors'
  files) write the motif *width* there, not the number of activation sites, so
  ``no_sites`` (``n_sites == 0``) is only informative for files whose ``nsites=`` holds the
  site count.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from motifrep.errors import FormatError, MotifrepError
from motifrep.io import write_tsv
from motifrep.motifs.information import information_content
from motifrep.motifs.meme import Motif, read_meme
from motifrep.motifs.database import jaspar_base
from motifrep.motifs.tf_table import accepted_id_map, check_database, check_hits, load_tf_table, tfs_accepting
from motifrep.motifs.tomtom import read_tomtom_tsv

FILTER_COLUMNS = ["filter", "n_sites", "no_sites", "information_bits", "clipped_width", "best_match",
                  "best_match_name", "best_evalue", "n_hits", "ground_truth_tf", "matches_ground_truth"]
TF_COLUMNS = ["tf", "recovered", "n_filters", "best_evalue"]


def _check_filters(unclipped: list[Motif], clipped: list[Motif]) -> list[str]:
    """The filter IDs (file order); both files must list the same IDs in the same order."""
    ids = [m.id for m in unclipped]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise FormatError(f"filter ID {dup!r} occurs twice in the unclipped filter file")
    if ids != [m.id for m in clipped]:
        extra = [m.id for m in clipped if m.id not in set(ids)]
        what = f"has {extra[0]!r}, absent from the unclipped file" if extra else "lists other filters or another order"
        raise FormatError(f"clipped filter file {what} (expected the same filters in the same order)")
    return ids


def _check_known(hits: pd.DataFrame, filter_ids, jaspar_ids=None) -> None:
    """FormatError if ``hits`` names a filter not in ``filter_ids`` or a target not in ``jaspar_ids``."""
    unknown = sorted(set(hits["Query_ID"].astype(str)) - set(filter_ids))
    if unknown:
        raise FormatError(f"tomtom hits name filter {unknown[0]!r}, which is not in the filter files")
    if jaspar_ids is not None:
        missing = sorted(set(hits["Target_ID"].astype(str)) - set(jaspar_ids))
        if missing:
            raise FormatError(f"tomtom hits name target {missing[0]!r}, which is not in the JASPAR file")


def _ground_truth(hits: pd.DataFrame, tf_table: pd.DataFrame) -> dict[str, str]:
    """Filter ID -> comma-separated TFs (TF table order) accepting any of its hits."""
    id_map = accepted_id_map(tf_table)
    order = {tf: i for i, tf in enumerate(tf_table["tf"])}
    found: dict[str, set[str]] = {}
    for query, target in zip(hits["Query_ID"].astype(str), hits["Target_ID"].astype(str)):
        found.setdefault(query, set()).update(tfs_accepting(id_map, target))
    return {q: ",".join(sorted(tfs, key=order.__getitem__)) for q, tfs in found.items()}


def filter_table(unclipped: list[Motif], clipped: list[Motif], hits: pd.DataFrame, jaspar: list[Motif],
                 tf_table: pd.DataFrame, n_sites: dict | None = None) -> pd.DataFrame:
    """One row per filter (order of the MEME files), columns :data:`FILTER_COLUMNS`.

    ``unclipped`` / ``clipped``: the filters' motifs (same IDs, same order); ``hits``: the
    Tomtom table of the clipped filters against ``jaspar``; ``tf_table``: from
    :func:`motifrep.motifs.tf_table.load_tf_table`. ``information_bits`` is the total IC of the
    clipped matrix (sum over columns of ``2 + sum p log2 p``). A filter without hits has an
    empty ``best_match`` / ``best_match_name`` / ``ground_truth_tf``, ``best_evalue`` NaN and
    ``n_hits`` 0. Ties in E-value keep the first row of ``hits``. ``n_sites``: filter ID -> number
    of sites (the workflow's ``layer{l}_sites.tsv``); without it the MEME ``nsites=`` is used.

    Parameters
    ----------
    unclipped : list of Motif
        The filters' full-window motifs.
    clipped : list of Motif
        The same filters clipped to their informative columns.
    hits : pandas.DataFrame
        Tomtom hits of the clipped filters against ``jaspar``.
    jaspar : list of Motif
        The target motifs (for the match names).
    tf_table : pandas.DataFrame
        The TF table.
    n_sites : dict, optional
        Filter ID -> site count.

    Returns
    -------
    pandas.DataFrame
        One row per filter, columns :data:`FILTER_COLUMNS`.

    Raises
    ------
    FormatError
        One line, when the two filter lists differ, or ``hits`` names a filter not in them
        or a target not in ``jaspar``.
    MotifrepError
        ``hits`` lacks one of the columns Query_ID, Target_ID, E-value.
    """
    check_hits(hits)
    ids = _check_filters(unclipped, clipped)
    names = {m.id: m.name for m in jaspar}
    _check_known(hits, ids, names)
    hits = hits.reset_index(drop=True)
    queries = hits["Query_ID"].astype(str)
    best = hits.loc[hits.groupby(queries, sort=False)["E-value"].idxmin().to_numpy()] if len(hits) else hits
    best = best.set_index(best["Query_ID"].astype(str))
    n_hits = queries.value_counts()
    truth = _ground_truth(hits, tf_table)
    best_match = [str(best.at[i, "Target_ID"]) if i in best.index else "" for i in ids]
    table = pd.DataFrame({
        "filter": ids,
        "n_sites": pd.array([n_sites[m.id] if n_sites is not None else m.nsites for m in unclipped], dtype="Int64"),
        "information_bits": [float(information_content(m.pwm).sum()) for m in clipped],
        "clipped_width": [m.width for m in clipped],
        "best_match": best_match,
        "best_match_name": [names[t] if t else "" for t in best_match],
        "best_evalue": [float(best.at[i, "E-value"]) if i in best.index else np.nan for i in ids],
        "n_hits": [int(n_hits.get(i, 0)) for i in ids],
        "ground_truth_tf": [truth.get(i, "") for i in ids],
    })
    table.insert(2, "no_sites", (table["n_sites"] == 0).fillna(False).astype(bool))
    table["matches_ground_truth"] = table["ground_truth_tf"] != ""
    return table[FILTER_COLUMNS]


def recovered_tfs(table: pd.DataFrame, tf_table: pd.DataFrame, hits: pd.DataFrame) -> pd.DataFrame:
    """One row per TF of ``tf_table`` (its order), columns :data:`TF_COLUMNS`.

    ``table`` is :func:`filter_table`'s output and ``hits`` the Tomtom table it was built
    from (needed for the E-values of hits that are not a filter's best). ``n_filters``
    counts the filters whose hits include one of the TF's ``accepted_ids`` (the TF is in
    their ``ground_truth_tf``); ``recovered`` is ``n_filters > 0``; ``best_evalue`` is the
    lowest E-value among those filters' hits to the TF's accepted IDs (NaN if none).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`filter_table`'s output (at least columns ``filter``, ``ground_truth_tf``).
    tf_table : pandas.DataFrame
        The TF table.
    hits : pandas.DataFrame
        The Tomtom hits ``table`` was built from.

    Returns
    -------
    pandas.DataFrame
        One row per TF, columns :data:`TF_COLUMNS`.

    Raises
    ------
    FormatError
        ``hits`` names a filter not in ``table``.
    MotifrepError
        ``hits`` or ``table`` lacks a column it needs.
    """
    check_hits(hits)
    missing = [c for c in ("filter", "ground_truth_tf") if c not in table.columns]
    if missing:
        raise MotifrepError(f"filter table lacks column(s) {', '.join(missing)} (expected filter_table's output)")
    _check_known(hits, table["filter"].astype(str))
    per_filter = {f: set(g.split(",")) - {""} for f, g in zip(table["filter"].astype(str), table["ground_truth_tf"])}
    queries, targets = hits["Query_ID"].astype(str), hits["Target_ID"].astype(str).map(jaspar_base)
    rows = []
    for tf, accepted in zip(tf_table["tf"], tf_table["accepted_ids"]):
        filters = {f for f, tfs in per_filter.items() if tf in tfs}
        evalues = hits.loc[queries.isin(filters) & targets.isin({jaspar_base(a) for a in accepted}), "E-value"]
        rows.append({"tf": tf, "recovered": bool(filters), "n_filters": len(filters),
                     "best_evalue": float(evalues.min()) if len(evalues) else np.nan})
    return pd.DataFrame(rows, columns=TF_COLUMNS)


# --------------------------------------------------------------------------- workflow step


def _read_sites(path, ids) -> dict:
    """Filter ID -> site count from a sites TSV listing exactly ``ids``; else FormatError."""
    sites = pd.read_csv(path, sep="\t", dtype={"filter": str})
    if list(sites.columns) != ["filter", "n_sites"] or sorted(sites["filter"]) != sorted(ids):
        raise FormatError(f"{path}: expected columns filter, n_sites for the filters {ids[0]} .. {ids[-1]}")
    return dict(zip(sites["filter"], sites["n_sites"].astype(int)))


def make_filter_report(unclipped_meme: str | os.PathLike, clipped_meme: str | os.PathLike,
                       tomtom_tsv: str | os.PathLike, jaspar_meme: str | os.PathLike,
                       tf_table_tsv: str | os.PathLike, out_filters_tsv: str | os.PathLike,
                       out_tfs_tsv: str | os.PathLike, sites_tsv: str | os.PathLike | None = None) -> None:
    """Workflow step: the per-filter and per-TF report of one run's filters.

    Writes :func:`filter_table` to ``out_filters_tsv`` and :func:`recovered_tfs` to
    ``out_tfs_tsv`` (each atomically, TSV without index); ``sites_tsv``: the site counts. A TF
    of the table that ``jaspar_meme`` (the database compared with) lacks is refused
    (:func:`motifrep.motifs.tf_table.check_database`).

    Parameters
    ----------
    unclipped_meme, clipped_meme : str or os.PathLike
        MEME files of the filters, full windows and clipped.
    tomtom_tsv : str or os.PathLike
        Tomtom hits of the clipped filters.
    jaspar_meme : str or os.PathLike
        The target motifs the hits refer to.
    tf_table_tsv : str or os.PathLike
        The TF table.
    out_filters_tsv, out_tfs_tsv : str or os.PathLike
        The two reports to write.
    sites_tsv : str or os.PathLike, optional
        TSV with columns ``filter``, ``n_sites`` (every filter once); without it the MEME
        ``nsites=`` is reported.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A malformed input file, a sites table that does not list exactly the filters, or
        the inconsistencies :func:`filter_table` refuses (prefixed with the files' names).
    ConfigError
        A TF of the table is not in ``jaspar_meme``.
    """

    tfs = load_tf_table(tf_table_tsv)
    hits = read_tomtom_tsv(tomtom_tsv)
    unclipped = read_meme(unclipped_meme)
    n_sites = None if sites_tsv is None else _read_sites(sites_tsv, [m.id for m in unclipped])
    targets = read_meme(jaspar_meme)
    check_database(tfs, (m.id for m in targets), tf_table_tsv, jaspar_meme)
    try:
        table = filter_table(unclipped, read_meme(clipped_meme), hits, targets, tfs, n_sites)
    except FormatError as exc:
        raise FormatError(f"filter report of {clipped_meme} and {tomtom_tsv}: {exc}") from None
    tf_rows = recovered_tfs(table, tfs, hits)
    write_tsv(out_filters_tsv, table)
    write_tsv(out_tfs_tsv, tf_rows)
    logging.getLogger("motifrep").info(
        "filter report: %d filters, %d with hits, %d matching a ground-truth TF; %d of %d TFs recovered",
        len(table), int((table["n_hits"] > 0).sum()), int(table["matches_ground_truth"].sum()),
        int(tf_rows["recovered"].sum()), len(tf_rows))

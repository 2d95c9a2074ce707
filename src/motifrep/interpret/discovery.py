"""Motif discovery from attribution maps with TF-MoDISco (``modisco-lite``; methods §6.5).

* :func:`modisco_tracks`: the two tracks TF-MoDISco reads from one maps file (the layout of
  :mod:`motifrep.interpret.maps`): the one-hot sequences and the hypothetical contributions
  (the per-base attribution; ISM: its deltas centred on their mean over the four bases, so
  that the wild-type base gets the mean loss of mutating it). The contribution scores are
  hypothetical x one-hot, which TF-MoDISco computes itself.
* :func:`run_modisco`: TF-MoDISco with the config's settings; refuses, in one line, too few
  sequences, and (unless ``allow_empty``) maps where no metacluster has enough seqlets.
* :func:`pattern_records`: its patterns as plain arrays (PPM, CWM, hypothetical CWM, seqlets)
  and :func:`trim_pattern`, the PPM trimmed to the columns whose CWM carries weight, which
  Tomtom compares with JASPAR.
* :func:`discover_motifs`: the whole step for one maps file, written to a folder (used by the
  workflow rule ``modisco`` and by ``motifrep modisco``). Scoring against the embedded truth is
  :mod:`motifrep.interpret.discovery_score`.

This module imports no deep-learning framework; ``modiscolite`` is imported when a run starts.
"""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from motifrep.datasets.store import Dataset
from motifrep.errors import FormatError, MotifrepError
from motifrep.filters.report import filter_table
from motifrep.interpret.discovery_score import pattern_recovery, seqlet_scores
from motifrep.interpret.maps import read_attribution
from motifrep.io import atomic_path, write_text, write_tsv
from motifrep.motifs.meme import Motif, read_meme, write_meme
from motifrep.motifs.tf_table import TF_TABLE_COLUMNS, as_tf_table
from motifrep.motifs.tomtom import empty_table, run_tomtom, write_tomtom_tsv

log = logging.getLogger(__name__)

#: Settings of :func:`run_modisco` and what they are called in ``modiscolite.tfmodisco.TFMoDISco``.
MODISCO_ARGS = {
    "window": "sliding_window_size",
    "flank": "flank_size",
    "seqlet_fdr": "target_seqlet_fdr",
    "max_seqlets": "max_seqlets_per_metacluster",
    "min_metacluster_size": "min_metacluster_size",
    "final_min_cluster_size": "final_min_cluster_size",
    "n_leiden_runs": "n_leiden_runs",
}
#: The library's defaults (modisco-lite 3.0.0) except ``max_seqlets`` (20,000 there: far more
#: than 500 sequences of 200 nt give) and the two settings of our own.
DEFAULT_SETTINGS = {
    "window": 21, "flank": 10, "seqlet_fdr": 0.2, "max_seqlets": 20000, "min_metacluster_size": 100,
    "final_min_cluster_size": 20, "n_leiden_runs": 50, "trim_threshold": 0.3, "min_sequences": 50,
}
PATTERN_GROUPS = ("pos_patterns", "neg_patterns")
SEQLET_COLUMNS = ["pattern", "example", "row", "start", "end", "revcomp"]


def modisco_tracks(scores, X, method: str) -> tuple[np.ndarray, np.ndarray]:
    """One-hot sequences and hypothetical contributions for TF-MoDISco.

    Parameters
    ----------
    scores : array_like, shape (N, L, 4)
        The per-base attribution of a maps file (ISM: mutant minus wild type).
    X : array_like, shape (N, L, 4)
        The one-hot sequences the maps explain.
    method : str
        The attribution method (``ism`` is centred per position, see the module docstring).

    Returns
    -------
    one_hot, hypothetical : numpy.ndarray
        float32 ``(N, L, 4)`` each.

    Raises
    ------
    MotifrepError
        The shapes differ, ``X`` is not one-hot, or the scores hold NaN or inf.
    """
    hyp = np.asarray(scores, dtype=np.float32)
    one_hot = np.asarray(X, dtype=np.float32)
    if hyp.shape != one_hot.shape or hyp.ndim != 3 or hyp.shape[2] != 4:
        raise MotifrepError(f"attribution maps of shape {hyp.shape} do not fit sequences of shape {one_hot.shape}")
    if not np.isfinite(hyp).all():
        raise MotifrepError("attribution maps hold NaN or inf")
    if not (np.isin(one_hot, (0, 1)).all() and (one_hot.sum(axis=2) == 1).all()):
        raise MotifrepError("sequences are not one-hot (one 1 per position)")
    if method == "ism":
        hyp = hyp - hyp.mean(axis=2, keepdims=True)
    return one_hot, hyp


def run_modisco(one_hot, hypothetical, settings: dict, allow_empty: bool = False, threads: int | None = None):
    """TF-MoDISco (``modiscolite.tfmodisco.TFMoDISco``) on one set of maps.

    Parameters
    ----------
    one_hot, hypothetical : numpy.ndarray
        float32 ``(N, L, 4)`` from :func:`modisco_tracks`.
    settings : dict
        Keys of :data:`DEFAULT_SETTINGS` (missing ones take those values).
    allow_empty : bool, default False
        Return no patterns, instead of refusing, when no metacluster has enough seqlets.
    threads : int, optional
        numba threads (default: numba's).

    Returns
    -------
    list of tuple
        ``(group, pattern)`` with group ``pos_patterns`` or ``neg_patterns`` and a
        ``modiscolite`` ``SeqletSet``, in the library's order.

    Raises
    ------
    MotifrepError
        Fewer sequences than ``min_sequences``, sequences shorter than window + 2 x flank, or
        (without ``allow_empty``) no pattern found.
    """
    s = DEFAULT_SETTINGS | dict(settings)
    n, length = one_hot.shape[:2]
    if n < s["min_sequences"]:
        raise MotifrepError(f"TF-MoDISco needs at least {s['min_sequences']} sequences (modisco.min_sequences); "
                            f"the maps hold {n}")
    if length < s["window"] + 2 * s["flank"]:
        raise MotifrepError(f"sequences of {length} nt are shorter than the TF-MoDISco window plus flanks "
                            f"({s['window']} + 2 x {s['flank']})")
    import numba
    from modiscolite import precompile
    from modiscolite.tfmodisco import TFMoDISco

    precompile.start()  # compiles its kernels into numba's cache in a forked child, before threads start
    if threads:
        numba.set_num_threads(min(int(threads), numba.config.NUMBA_NUM_THREADS))
    kwargs = {MODISCO_ARGS[k]: s[k] for k in MODISCO_ARGS}
    pos, neg = TFMoDISco(one_hot=one_hot, hypothetical_contribs=hypothetical, **kwargs)
    found = [("pos_patterns", p) for p in pos or []] + [("neg_patterns", p) for p in neg or []]
    if not found and not allow_empty:
        raise MotifrepError(f"TF-MoDISco found no pattern in {n} sequences: no metacluster has more than "
                            f"{s['min_metacluster_size']} seqlets (modisco.min_metacluster_size) or no cluster "
                            f"{s['final_min_cluster_size']} (modisco.final_min_cluster_size)")
    return found


def trim_pattern(cwm, threshold: float) -> slice:
    """Columns from the first to the last whose ``sum |CWM|`` reaches ``threshold`` x its maximum.

    The rule of modisco-lite's report (``trim_threshold`` 0.3), without its 4 extra columns.

    Parameters
    ----------
    cwm : array_like, shape (W, 4)
        The pattern's contribution weight matrix.
    threshold : float
        Fraction of the largest column's weight.

    Returns
    -------
    slice
        The kept columns.
    """
    weight = np.abs(np.asarray(cwm, dtype=np.float64)).sum(axis=1)
    keep = np.flatnonzero(weight >= threshold * weight.max())
    return slice(int(keep[0]), int(keep[-1]) + 1)


def pattern_records(found, rows, trim_threshold: float) -> tuple[list[dict], pd.DataFrame]:
    """Plain arrays of every pattern and one table of their seqlets.

    Parameters
    ----------
    found : list of tuple
        ``(group, SeqletSet)`` from :func:`run_modisco`.
    rows : array_like of int, shape (N,)
        Data-set row of each map (the maps file's ``rows``).
    trim_threshold : float
        As :func:`trim_pattern`.

    Returns
    -------
    patterns : list of dict
        ``id`` (``pos_0``, ``neg_1`` ...), ``group``, ``ppm``, ``cwm``, ``hcwm`` (``(W, 4)``),
        ``trim`` (slice), ``n_seqlets``.
    seqlets : pandas.DataFrame
        Columns :data:`SEQLET_COLUMNS`: pattern, example (index into the maps), row (data-set
        row), start, end (exclusive), revcomp.
    """
    rows = np.asarray(rows, dtype=np.int64)
    patterns, tables = [], []
    counters = {g: 0 for g in PATTERN_GROUPS}
    for group, p in found:
        pid = f"{group[:3]}_{counters[group]}"
        counters[group] += 1
        ppm = np.asarray(p.sequence, dtype=np.float64)
        ppm = ppm / np.maximum(ppm.sum(axis=1, keepdims=True), 1e-12)
        cwm = np.asarray(p.contrib_scores, dtype=np.float64)
        patterns.append({"id": pid, "group": group, "ppm": ppm, "cwm": cwm,
                         "hcwm": np.asarray(p.hypothetical_contribs, dtype=np.float64),
                         "trim": trim_pattern(cwm, trim_threshold), "n_seqlets": len(p.seqlets)})
        ex = np.array([s.example_idx for s in p.seqlets], dtype=np.int64)
        tables.append(pd.DataFrame({
            "pattern": pid, "example": ex, "row": rows[ex],
            "start": np.array([s.start for s in p.seqlets], dtype=np.int64),
            "end": np.array([s.end for s in p.seqlets], dtype=np.int64),
            "revcomp": np.array([bool(s.is_revcomp) for s in p.seqlets], dtype=bool)}))
    seqlets = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(
        {c: pd.Series(dtype=t) for c, t in zip(SEQLET_COLUMNS, ("str", "int64", "int64", "int64", "int64", "bool"))})
    return patterns, seqlets[SEQLET_COLUMNS]


def write_patterns_h5(path, patterns, settings: dict, method: str) -> None:
    """Patterns to HDF5 atomically: a group per pattern with ``ppm``, ``cwm``, ``hcwm``, ``trim`` and ``n_seqlets``.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    patterns : list of dict
        From :func:`pattern_records`.
    settings : dict
        TF-MoDISco settings (attribute ``settings``, ``repr``).
    method : str
        The attribution method (attribute ``method``).

    Returns
    -------
    None
    """
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["method"] = method
        f.attrs["settings"] = repr(sorted(settings.items()))
        for p in patterns:
            g = f.create_group(f"{p['group']}/{p['id']}")
            for key in ("ppm", "cwm", "hcwm"):
                g.create_dataset(key, data=p[key], track_times=False)
            g.attrs["trim"] = (p["trim"].start, p["trim"].stop)
            g.attrs["n_seqlets"] = p["n_seqlets"]


def pattern_motifs(patterns) -> tuple[list[Motif], list[Motif]]:
    """Full and trimmed PPMs of the patterns as :class:`Motif` (``nsites`` = seqlets)."""
    full = [Motif(p["id"], p["ppm"], p["group"], p["n_seqlets"]) for p in patterns]
    trimmed = [Motif(p["id"], p["ppm"][p["trim"]], p["group"], p["n_seqlets"]) for p in patterns]
    return full, trimmed


#: Files :func:`discover_motifs` writes into its folder.
OUTPUTS = ("patterns.h5", "patterns.meme", "tomtom.tsv", "patterns.tsv", "seqlets.tsv", "score.tsv")


def load_maps_and_sequences(maps_path, data_path) -> tuple[dict, np.ndarray]:
    """A maps file (:func:`motifrep.interpret.maps.read_attribution`) and the one-hot rows it explains.

    Parameters
    ----------
    maps_path : str or os.PathLike
        The maps file.
    data_path : str or os.PathLike
        The data set (the layout of :mod:`motifrep.datasets.store`) whose rows the maps name.

    Returns
    -------
    maps : dict
        As ``read_attribution``.
    X : numpy.ndarray
        uint8 ``(N, L, 4)``, in the maps' row order.

    Raises
    ------
    FormatError
        Either file cannot be read or they do not fit each other.
    """

    with Dataset(data_path) as ds:
        maps = read_attribution(maps_path, ds.length)
        rows = maps["rows"]
        n = ds.file["X"].shape[0]
        if len(rows) and (rows.min() < 0 or rows.max() >= n or len(np.unique(rows)) != len(rows)):
            raise FormatError(f"{maps_path}: its rows are not distinct rows of {data_path} ({n} sequences)")
        order = np.argsort(rows, kind="stable")
        X = np.empty((len(rows), ds.length, 4), dtype=np.uint8)
        X[order] = ds.read_rows("X", rows[order])
    return maps, X


def match_patterns(patterns, jaspar, tf_table, tomtom: dict, numba_cache=None, threads=None):
    """Tomtom of the trimmed patterns against JASPAR, and a per-pattern table.

    Parameters
    ----------
    patterns : list of dict
        From :func:`pattern_records`.
    jaspar : list of Motif
        The target motifs.
    tf_table : pandas.DataFrame
        Ground-truth TFs (:func:`motifrep.motifs.tf_table.load_tf_table`; may have no rows).
    tomtom : dict
        ``engine``, ``thresh``, ``pseudocount`` (and optionally ``min_overlap``) of
        :func:`motifrep.motifs.tomtom.run_tomtom`.
    numba_cache, threads
        As ``run_tomtom``.

    Returns
    -------
    hits : pandas.DataFrame
        The Tomtom table.
    table : pandas.DataFrame
        One row per pattern: pattern, group, n_seqlets, information, width, best match
        (ID, name, E), number of hits, ground-truth TF(s) (columns of
        :func:`motifrep.filters.report.filter_table`, ``filter`` renamed ``pattern``).
    """

    full, trimmed = pattern_motifs(patterns)
    if trimmed:
        hits = run_tomtom(trimmed, jaspar, engine=tomtom["engine"], thresh=tomtom["thresh"],
                          pseudocount=tomtom["pseudocount"], min_overlap=tomtom.get("min_overlap", 1),
                          numba_cache_dir=numba_cache, threads=threads)
    else:
        hits = empty_table()
    table = filter_table(full, trimmed, hits, jaspar, tf_table,
                         n_sites={p["id"]: p["n_seqlets"] for p in patterns})
    table = table.rename(columns={"filter": "pattern", "n_sites": "n_seqlets", "clipped_width": "width"})
    table = table.drop(columns=["no_sites"])
    table.insert(1, "group", [p["group"] for p in patterns])
    return hits, table


def _score_row(seqlets, table, truth, rows, tfs, min_overlap) -> dict:
    """One row of :data:`OUTPUTS` ``score.tsv``: pattern recovery, and seqlet scores where the truth is known."""

    score = pattern_recovery(table, tfs)
    if truth is not None:
        score |= seqlet_scores(seqlets, truth, rows, min_overlap)
    return score


def _write_patterns_meme(path, motifs) -> None:
    """The trimmed patterns as MEME; without patterns, the MEME header alone (no motif)."""

    if motifs:
        write_meme(path, motifs)
    else:
        write_text(path, "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
                         "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n")


def _write_all(out_dir: Path, files: dict) -> None:
    """Write ``{name: (writer, data)}`` into ``out_dir``; on failure remove what this call wrote."""
    written = []
    try:
        for name, (write, data) in files.items():
            write(out_dir / name, data)
            written.append(out_dir / name)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def discover_motifs(maps_path, data_path, jaspar, out_dir, settings: dict, tomtom: dict, tf_table=None,
                    truth: bool = True, allow_empty: bool = False, threads=None, numba_cache=None) -> dict:
    """TF-MoDISco on one maps file, its patterns matched to JASPAR and scored; files :data:`OUTPUTS`.

    Parameters
    ----------
    maps_path : str or os.PathLike
        Attribution maps (:mod:`motifrep.interpret.maps` layout).
    data_path : str or os.PathLike
        The data set whose rows the maps explain (sequences; ``truth`` group for seqlet scores).
    jaspar : str or os.PathLike or list of Motif
        Motifs to match (a MEME file or motifs).
    out_dir : str or os.PathLike
        Folder of the outputs (created if missing).
    settings : dict
        TF-MoDISco settings (:data:`DEFAULT_SETTINGS`), plus ``seqlet_overlap`` (the overlap rule's
        fraction, :mod:`motifrep.interpret.discovery_score`).
    tomtom : dict
        ``engine``, ``thresh``, ``pseudocount``, ``min_overlap`` of the Tomtom run.
    tf_table : str or os.PathLike or pandas.DataFrame, optional
        Ground-truth TFs; without it no pattern is a ground-truth match.
    truth : bool, default True
        Score seqlets against the data set's embedded motifs (refused if it has none).
    allow_empty : bool, default False
        Write empty tables instead of refusing when TF-MoDISco finds no pattern.
    threads, numba_cache
        numba threads and cache folder.

    Returns
    -------
    dict
        The ``score.tsv`` row plus ``n_sequences`` and ``method``.

    Raises
    ------
    MotifrepError
        As :func:`run_modisco`, :func:`load_maps_and_sequences` and Tomtom; nothing is left
        written.
    """

    s = DEFAULT_SETTINGS | {"seqlet_overlap": 0.5} | dict(settings)
    tfs = as_tf_table(tf_table) if tf_table is not None else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in TF_TABLE_COLUMNS})
    jaspar = read_meme(jaspar) if isinstance(jaspar, (str, Path)) else list(jaspar)
    maps, X = load_maps_and_sequences(maps_path, data_path)
    embedded = None
    if truth:
        with Dataset(data_path) as ds:
            embedded = ds.truth()
    one_hot, hyp = modisco_tracks(maps["scores"], X, maps["method"])
    found = run_modisco(one_hot, hyp, s, allow_empty=allow_empty, threads=threads)
    patterns, seqlets = pattern_records(found, maps["rows"], s["trim_threshold"])
    hits, table = match_patterns(patterns, jaspar, tfs, tomtom, numba_cache, threads)
    score = {"method": maps["method"], "n_sequences": int(len(X))} | _score_row(
        seqlets, table, embedded, maps["rows"], tfs["tf"], s["seqlet_overlap"])

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_all(out_dir, {
        "patterns.h5": (lambda p, d: write_patterns_h5(p, d, s, maps["method"]), patterns),
        "patterns.meme": (_write_patterns_meme, pattern_motifs(patterns)[1]),
        "tomtom.tsv": (write_tomtom_tsv, hits), "patterns.tsv": (write_tsv, table),
        "seqlets.tsv": (write_tsv, seqlets), "score.tsv": (write_tsv, pd.DataFrame([score])),
    })
    log.info("%s: %d patterns (%d seqlets) from %d sequences", maps_path, len(patterns), len(seqlets), len(X))
    return score

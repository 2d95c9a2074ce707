"""Compare motifs with Tomtom: first-layer filters (queries) against JASPAR (targets).

One entry point, :func:`run_tomtom`, with two engines that return the same table:

``memelite``
    ``memelite.tomtom`` (a numba re-implementation of Tomtom's complete-score p-values),
    in-process, no MEME installation needed. See :func:`run_tomtom` for exactly how its
    output is turned into MEME's table and where it differs from MEME.
``meme``
    The MEME suite ``tomtom`` binary, run as
    ``tomtom -no-ssc -text -verbosity 1 -min-overlap M -dist ed -evalue -thresh T
    -motif-pseudo P q.meme t.meme`` and its text output parsed. With the defaults (M = 1,
    P = 0.1) this computes what the authors ran, ``tomtom -evalue -thresh 0.1 -o DIR q t``
    with Tomtom's defaults (Euclidean distance ``-dist ed``, ``-min-overlap 1``, pseudocount
    0.1; spelt out so that another release's defaults cannot change it). Checked with the real
    MEME 5.4.1 binary (``make test-system``): on the authors' filters this reproduces their
    stored Tomtom tables exactly (the same pairs, p-, E- and q-values), whereas ``-dist pearson``
    agrees with them at a pair Jaccard of 0-0.63. ``-no-ssc`` only affects logos,
    ``-text``/``-verbosity`` only where the table goes and what stderr says.

The table has MEME's tomtom column layout (:data:`TOMTOM_COLUMNS`, MEME 5 ``tomtom.tsv``
names). :func:`write_tomtom_tsv` writes it with MEME 4's text header
(``#Query ID<TAB>Target ID<TAB>...``, :data:`MEME_TEXT_HEADER`), and
:func:`read_tomtom_tsv` reads that, MEME 5's ``tomtom.tsv`` (underscored header, trailing
``#`` comment lines) and the authors' stored files alike.

Numba compiles memelite's kernels on first use (about 90 s on 2 cores) and caches them on
disk. The cache goes to ``$NUMBA_CACHE_DIR`` when set; :func:`ensure_numba_cache` sets it,
and must run before ``memelite`` is imported, which is why this module imports
``memelite`` only inside functions.
"""

from __future__ import annotations

import io
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from motifrep.errors import FormatError, MotifrepError
from motifrep.io import atomic_path, writable_dir, write_text
from motifrep.motifs.meme import ALPHABET, Motif, read_meme, write_meme

log = logging.getLogger("motifrep")

#: Column names of the returned table (those of MEME 5's ``tomtom.tsv``), in MEME's order.
TOMTOM_COLUMNS = [
    "Query_ID",
    "Target_ID",
    "Optimal_offset",
    "p-value",
    "E-value",
    "q-value",
    "Overlap",
    "Query_consensus",
    "Target_consensus",
    "Orientation",
]

#: Header line that MEME 4's ``tomtom -text`` prints (and :func:`write_tomtom_tsv` writes).
MEME_TEXT_HEADER = "#" + "\t".join(c.replace("_", " ") for c in TOMTOM_COLUMNS)

ENGINES = ("memelite", "meme")

#: Sites assumed for a motif without ``nsites=`` when applying a pseudocount (MEME's
#: ``DEFAULT_SITE_COUNT``).
DEFAULT_NSITES = 20

#: MEME tomtom's default ``-motif-pseudo``.
DEFAULT_PSEUDOCOUNT = 0.1

_DTYPES = {
    "Query_ID": str,
    "Target_ID": str,
    "Optimal_offset": "int64",
    "p-value": "float64",
    "E-value": "float64",
    "q-value": "float64",
    "Overlap": "int64",
    "Query_consensus": str,
    "Target_consensus": str,
    "Orientation": str,
}

_MISSING_BINARY = (
    "tomtom engine 'meme': the '{binary}' binary is not on PATH "
    "(install MEME suite, or use engine: memelite, or run with --use-conda)"
)


# --------------------------------------------------------------------------- numba cache


def ensure_numba_cache(path: str | os.PathLike | None = None) -> Path | None:
    """Point numba's on-disk cache at ``path`` (default: ``$NUMBA_CACHE_DIR``) and return it.

    Creates the directory and sets ``NUMBA_CACHE_DIR``. Numba binds a cached function to
    its cache directory when the function is defined, i.e. when ``memelite`` is imported,
    so this has to run before that import (the workflow calls it first thing; this module
    never imports memelite at top level). If numba itself is already imported its
    configuration is reloaded. Returns ``None`` (and changes nothing) when ``path`` is
    ``None`` and the variable is unset: numba then uses its default, ``__pycache__`` next
    to memelite's sources, or a per-user directory when that is not writable.
    """
    if path is None:
        path = os.environ.get("NUMBA_CACHE_DIR") or None
        if path is None:
            return None
    path = writable_dir(Path(path).expanduser().resolve(), "numba cache")
    previous = os.environ.get("NUMBA_CACHE_DIR")
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    if "numba" in sys.modules and previous != str(path):
        from numba.core import config as numba_config

        numba_config.reload_config()
    return path


# --------------------------------------------------------------------------- table I/O


def empty_table() -> pd.DataFrame:
    """A tomtom table with no rows and the right columns and dtypes."""
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in _DTYPES.items()})


def _normalise_header(fields: list[str]) -> list[str]:
    """Header fields in MEME 5's spelling (``#`` and spaces -> ``Query_ID``, ...)."""
    return [f.strip().lstrip("#").strip().replace(" ", "_") for f in fields]


def parse_tomtom_text(text: str, source: str = "tomtom output") -> pd.DataFrame:
    """Parse tomtom tabular output (``-text`` stdout or a ``tomtom.tsv`` file).

    Accepts MEME 4's ``#Query ID<TAB>...`` header and MEME 5's ``Query_ID<TAB>...``
    header; other lines starting with ``#`` (MEME 5 appends the version and command line
    as comments) and blank lines are skipped. Rows keep their file order. A malformed
    file raises :class:`~motifrep.errors.FormatError` naming ``source`` and the line.
    """
    header_at = None
    rows: list[tuple[int, list[str]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        if header_at is None:
            names = _normalise_header(fields)
            if names[: len(TOMTOM_COLUMNS)] == TOMTOM_COLUMNS:
                header_at = lineno
                continue
            if line.startswith("#"):
                continue
            raise FormatError(
                f"{source}:{lineno}: expected the tomtom header (Query ID, Target ID, ...), got {line[:60]!r}"
            )
        if line.startswith("#"):
            continue
        if len(fields) < len(TOMTOM_COLUMNS):
            raise FormatError(
                f"{source}:{lineno}: {len(fields)} tab-separated fields, expected {len(TOMTOM_COLUMNS)}"
            )
        rows.append((lineno, fields[: len(TOMTOM_COLUMNS)]))
    if header_at is None:
        raise FormatError(f"{source}: no tomtom header line (Query ID, Target ID, ...)")
    if not rows:
        return empty_table()

    frame = pd.DataFrame([r for _, r in rows], columns=TOMTOM_COLUMNS)
    for column in ("Optimal_offset", "Overlap", "p-value", "E-value", "q-value"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            lineno = rows[int(np.argmax(bad))][0]
            raise FormatError(f"{source}:{lineno}: column {column} is not a number")
        frame[column] = values
    bad = ~frame["Orientation"].isin(["+", "-"]).to_numpy()
    if bad.any():
        lineno = rows[int(np.argmax(bad))][0]
        raise FormatError(f"{source}:{lineno}: Orientation must be '+' or '-'")
    return frame.astype(_DTYPES)


def read_tomtom_tsv(path: str | os.PathLike) -> pd.DataFrame:
    """Read a tomtom table written by :func:`write_tomtom_tsv`, ``tomtom -text`` or MEME 5.

    Parameters
    ----------
    path : str or os.PathLike
        The table (see :func:`parse_tomtom_text` for the accepted layouts).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TOMTOM_COLUMNS` with their dtypes, rows in file order.

    Raises
    ------
    FormatError
        The file is missing, not text, or malformed (naming ``FILE:LINE``).
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise FormatError(f"{path}: tomtom table not found") from None
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not a text file") from None
    return parse_tomtom_text(text, source=str(path))


def format_tomtom_tsv(frame: pd.DataFrame) -> str:
    """The text :func:`write_tomtom_tsv` writes: MEME 4's header, rows formatted like ``%g``."""
    missing = [c for c in TOMTOM_COLUMNS if c not in frame.columns]
    if missing:
        raise MotifrepError(f"tomtom table lacks column(s) {', '.join(missing)}")
    buffer = io.StringIO()
    buffer.write(MEME_TEXT_HEADER + "\n")
    if len(frame):
        frame[TOMTOM_COLUMNS].to_csv(
            buffer, sep="\t", header=False, index=False, float_format="%.6g", lineterminator="\n"
        )
    return buffer.getvalue()


def write_tomtom_tsv(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    """Write ``frame`` atomically with MEME's header line ``#Query ID<TAB>Target ID<TAB>...``.

    Numbers are written as C's ``%g`` does (6 significant digits), as MEME does, so a
    file MEME wrote reads and writes back byte for byte.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    frame : pandas.DataFrame
        A tomtom table with (at least) the columns :data:`TOMTOM_COLUMNS`; only those are
        written, in that order.

    Returns
    -------
    None

    Raises
    ------
    MotifrepError
        ``frame`` lacks one of :data:`TOMTOM_COLUMNS`.
    """
    text = format_tomtom_tsv(frame)
    with atomic_path(path) as tmp:
        tmp.write_text(text)


# --------------------------------------------------------------------------- helpers


def consensus(pwm: np.ndarray) -> str:
    """Most probable letter per row; on a tie the first letter in ACGT order (as tomtom)."""
    idx = np.argmax(np.asarray(pwm), axis=1)
    return "".join(np.asarray(list(ALPHABET))[idx])


def apply_pseudocount(pwm: np.ndarray, pseudocount: float | None, nsites: int | None = None,
                      background: Sequence[float] | None = None) -> np.ndarray:
    """MEME's ``apply_pseudocount_to_motif``: ``(p * nsites + pseudocount * bg) / (nsites + pseudocount)``.

    This is what ``tomtom -motif-pseudo`` does to every query and target motif: each
    probability is turned back into a count with the motif's ``nsites`` (or
    :data:`DEFAULT_NSITES` when the file has none), ``pseudocount * background`` is added,
    and the row is divided by ``nsites + pseudocount``. With ``nsites`` = 1 this is "add
    pseudocount x background, then renormalise". ``None`` or 0 leaves ``pwm`` unchanged.
    """
    pwm = np.asarray(pwm, dtype=float)
    if not pseudocount:
        return pwm
    bg = np.full(4, 0.25) if background is None else np.asarray(background, dtype=float)
    sites = nsites if nsites is not None and nsites > 0 else DEFAULT_NSITES
    return (pwm * sites + pseudocount * bg) / (sites + pseudocount)


def _check_motifs(motifs: Sequence[Motif], role: str) -> None:
    """MotifrepError unless every matrix is ``(width, 4)``, finite and non-negative."""
    for m in motifs:
        pwm = np.asarray(m.pwm)
        if pwm.ndim != 2 or pwm.shape[1] != 4 or pwm.shape[0] < 1:
            raise MotifrepError(f"tomtom: {role} motif {m.id!r} has matrix shape {pwm.shape}, expected (width, 4)")
        if not np.isfinite(pwm).all() or (pwm < 0).any():
            raise MotifrepError(f"tomtom: {role} motif {m.id!r} has negative or non-finite probabilities")


def _bh_qvalues(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values of each row of ``p`` (pi0 = 1), vectorised over rows."""
    m = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1) * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[:, ::-1], axis=1)[:, ::-1]
    q = np.empty_like(p)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=1)
    return q


def _sort_and_threshold(frame: pd.DataFrame, query_order: Iterable[str], thresh: float) -> pd.DataFrame:
    """Rows with E <= ``thresh``, sorted by query (``query_order``) then E-value, with the table dtypes."""
    frame = frame[frame["E-value"] <= thresh]
    rank = {q: i for i, q in enumerate(query_order)}
    key = frame["Query_ID"].map(rank).fillna(len(rank))
    frame = frame.assign(_q=key.to_numpy()).sort_values(["_q", "E-value"], kind="stable")
    return frame.drop(columns="_q").reset_index(drop=True).astype(_DTYPES)


# --------------------------------------------------------------------------- engines


def _tomtom_memelite(queries, targets, thresh, pseudocount, background, threads):
    """The ``memelite`` engine (see :func:`run_tomtom`): hits with E <= ``thresh``, unsorted."""

    def prepared(m: Motif) -> np.ndarray:
        return apply_pseudocount(m.pwm, pseudocount, m.nsites, background)

    q_pwms = [prepared(m) for m in queries]
    t_pwms = [prepared(m) for m in targets]
    p, score, offset, overlap = _memelite_both_strands(q_pwms, t_pwms, threads)
    best = _best_strand(p, score, offset, overlap, len(targets))
    qi, ti = np.nonzero(best["e"] <= thresh)
    if len(qi) == 0:
        return empty_table()
    return _memelite_hits(queries, targets, q_pwms, t_pwms, best, qi, ti)


def _memelite_both_strands(q_pwms, t_pwms, threads):
    """memelite's p-values, scores, offsets and overlaps of each query against each target strand.

    Columns: the forward targets, then their reverse complements.
    """
    import warnings

    from memelite import tomtom as memelite_tomtom

    # Both strands passed explicitly (forward targets, then their reverse complements) with
    # reverse_complement=False: the same target columns, hence the same background and
    # p-values, as memelite's reverse_complement=True, but the per-strand scores come back,
    # so a strand tie can go to '+' as in MEME (memelite's own merge gives it to '-').
    qs = [np.ascontiguousarray(p.T) for p in q_pwms]
    ts = [np.ascontiguousarray(p.T) for p in t_pwms] + [np.ascontiguousarray(p[::-1, ::-1].T) for p in t_pwms]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # memelite's small-database warning
        try:
            p, score, offset, overlap, _ = memelite_tomtom(
                qs, ts, n_target_bins=None, reverse_complement=False, n_jobs=threads if threads else -1
            )
        except ValueError as exc:
            raise MotifrepError(f"tomtom engine 'memelite': {exc}") from None
    return p, score, offset, overlap


def _best_strand(p, score, offset, overlap, n_t: int) -> dict:
    """Per query-target pair, the better strand (``rev``; ties to '+') and its p, E, q, offset, overlap."""
    p_fwd, p_rev = p[:, :n_t], p[:, n_t:]
    rev = score[:, n_t:] > score[:, :n_t]  # ties go to '+', as in MEME
    # Per-strand p-value of the best alignment on that strand, corrected for the two
    # strands searched (memelite's merge: 1 - (1 - p)^2 written as p (2 - p)).
    p_strand = np.concatenate([p_fwd, p_rev], axis=1)
    p_strand = p_strand * (2 - p_strand)
    q_strand = _bh_qvalues(p_strand)
    pick = np.where(rev, np.arange(n_t) + n_t, np.arange(n_t))
    p_best = np.minimum(p_fwd, p_rev)
    p_best = p_best * (2 - p_best)
    return {
        "rev": rev,
        "p": p_best,
        "e": p_best * n_t,
        "q": np.take_along_axis(q_strand, pick, axis=1),
        "offset": np.take_along_axis(offset, pick, axis=1).astype(np.int64),
        "overlap": np.take_along_axis(overlap, pick, axis=1).astype(np.int64),
    }


def _memelite_hits(queries, targets, q_pwms, t_pwms, best: dict, qi, ti) -> pd.DataFrame:
    """The Tomtom table rows of the pairs ``(qi, ti)`` from :func:`_best_strand`'s ``best``."""
    q_cons = np.array([consensus(p) for p in q_pwms], dtype=object)
    t_cons_fwd = np.array([consensus(p) for p in t_pwms], dtype=object)
    t_cons_rev = np.array([consensus(p[::-1, ::-1]) for p in t_pwms], dtype=object)
    strand_rev = best["rev"][qi, ti]
    frame = pd.DataFrame(
        {
            "Query_ID": np.array([m.id for m in queries], dtype=object)[qi],
            "Target_ID": np.array([m.id for m in targets], dtype=object)[ti],
            "Optimal_offset": best["offset"][qi, ti],
            "p-value": best["p"][qi, ti],
            "E-value": best["e"][qi, ti],
            "q-value": best["q"][qi, ti],
            "Overlap": best["overlap"][qi, ti],
            "Query_consensus": q_cons[qi],
            "Target_consensus": np.where(strand_rev, t_cons_rev[ti], t_cons_fwd[ti]),
            "Orientation": np.where(strand_rev, "-", "+"),
        }
    )
    return frame


def tomtom_command(query_file, target_file, thresh: float, pseudocount: float | None,
                   min_overlap: int = 1, dist: str = "ed", meme_binary: str = "tomtom") -> list[str]:
    """The MEME ``tomtom`` command line used by the ``meme`` engine."""
    return [
        meme_binary, "-no-ssc", "-text", "-verbosity", "1",
        "-min-overlap", str(int(min_overlap)), "-dist", dist,
        "-evalue", "-thresh", f"{thresh:g}",
        "-motif-pseudo", f"{(pseudocount or 0.0):g}",
        str(query_file), str(target_file),
    ]


def _tomtom_meme(queries, targets, thresh, pseudocount, background, meme_binary, min_overlap, dist, timeout):
    """The ``meme`` engine: MEME's binary on temporary MEME files, its text output parsed."""
    binary = shutil.which(meme_binary)
    if binary is None:
        raise MotifrepError(_MISSING_BINARY.format(binary=meme_binary))
    bg = (0.25, 0.25, 0.25, 0.25) if background is None else tuple(float(b) for b in background)

    def with_sites(motifs):
        # a motif without nsites is written with MEME's default, so the pseudocount weighs
        # the same as in the memelite engine (format_meme would otherwise write the width)
        return [m if m.nsites else Motif(m.id, m.pwm, m.name, DEFAULT_NSITES, m.url) for m in motifs]

    with tempfile.TemporaryDirectory(prefix="motifrep-tomtom-") as tmp:
        qf, tf = Path(tmp) / "queries.meme", Path(tmp) / "targets.meme"
        write_meme(qf, with_sites(queries), background=bg)
        write_meme(tf, with_sites(targets), background=bg)
        cmd = tomtom_command(qf, tf, thresh, pseudocount, min_overlap, dist, binary)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise MotifrepError(f"tomtom engine 'meme': {meme_binary} did not finish within {timeout} s") from None
        except OSError as exc:
            raise MotifrepError(f"tomtom engine 'meme': cannot run {binary} ({exc.strerror})") from None
    if done.returncode != 0:
        last = next((ln for ln in reversed(done.stderr.splitlines()) if ln.strip()), "no message")
        raise MotifrepError(f"tomtom engine 'meme': {meme_binary} exited with status {done.returncode}: {last.strip()}")
    return parse_tomtom_text(done.stdout, source=f"{meme_binary} output")


def _check_run_args(engine, queries, targets, thresh, pseudocount, threads, min_overlap) -> None:
    """The argument checks of :func:`run_tomtom` (one-line :class:`MotifrepError`)."""
    if engine not in ENGINES:
        raise MotifrepError(f"tomtom engine {engine!r} is unknown (expected one of: {', '.join(ENGINES)})")
    if not queries:
        raise MotifrepError("tomtom: no filters to compare (the query motif set is empty)")
    if not targets:
        raise MotifrepError("tomtom: no target motifs to compare against (the target motif set is empty)")
    if not isinstance(thresh, (int, float)) or isinstance(thresh, bool) or not math.isfinite(thresh) or thresh <= 0:
        raise MotifrepError(f"tomtom: E-value threshold must be a positive number, got {thresh!r}")
    if pseudocount is not None and (
        isinstance(pseudocount, bool) or not isinstance(pseudocount, (int, float))
        or not math.isfinite(pseudocount) or pseudocount < 0
    ):
        raise MotifrepError(f"tomtom: pseudocount must be >= 0, got {pseudocount!r}")
    seen: set[str] = set()
    for m in queries:
        if m.id in seen:
            raise MotifrepError(f"tomtom: query motif ID {m.id!r} occurs twice; filter IDs must be unique")
        seen.add(m.id)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise MotifrepError(f"tomtom: threads must be a positive integer, got {threads!r}")
    if isinstance(min_overlap, bool) or not isinstance(min_overlap, (int, np.integer)) or min_overlap < 1:
        raise MotifrepError(f"tomtom: min_overlap must be an integer >= 1, got {min_overlap!r}")
    if engine == "memelite" and min_overlap != 1:
        # memelite scores every alignment that overlaps by >= 1 column and returns only the
        # best one, so a larger minimum cannot be imposed afterwards.
        raise MotifrepError(f"tomtom engine 'memelite' considers every overlap (MEME's -min-overlap 1); "
                            f"min_overlap={min_overlap} needs engine 'meme'")
    _check_motifs(queries, "query")
    _check_motifs(targets, "target")


def run_tomtom(
    queries: Sequence[Motif],
    targets: Sequence[Motif],
    engine: str = "memelite",
    thresh: float = 0.1,
    pseudocount: float | None = DEFAULT_PSEUDOCOUNT,
    meme_binary: str = "tomtom",
    *,
    min_overlap: int = 1,
    dist: str = "ed",
    background: Sequence[float] | None = None,
    threads: int | None = None,
    numba_cache_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
) -> pd.DataFrame:
    """Compare every query motif with every target motif on both strands, as Tomtom does.

    Returns one row per (query, target) pair with E-value <= ``thresh``, columns
    :data:`TOMTOM_COLUMNS`, sorted by query (in the order of ``queries``) then by E-value.
    The E-value is the p-value times the number of targets, as in MEME.

    ``pseudocount`` is MEME's ``-motif-pseudo`` (default 0.1, MEME's default), applied to
    queries and targets by :func:`apply_pseudocount` with ``background`` (default uniform);
    ``None`` or 0 disables it.

    Engine ``memelite`` (:func:`memelite.tomtom`, complete scores, ``n_target_bins=None``
    so target columns are not merged approximately):

    - p-value: memelite's p-value of the best alignment on each strand; the two strands
      are merged as memelite does, ``p = 1 - (1 - min(p+, p-))^2``. E = p x n_targets.
    - Orientation, Optimal_offset, Overlap: from the strand with the higher alignment
      score, ``+`` on a tie (MEME's choice; memelite alone gives ties to ``-``). The
      offset is the target position aligned with the query's first column, on the
      reverse-complemented target for ``-`` (MEME's convention).
    - q-value: Benjamini-Hochberg per query over its 2 x n_targets per-strand p-values,
      as MEME's list is per query and holds both strands, but with pi0 = 1 where MEME
      estimates pi0 by bootstrap, so ours are up to a few percent larger.
    - Consensus strings: argmax per row of the (pseudocounted) matrices, the target's in
      the reported orientation, as tomtom prints them.
    - ``min_overlap``: memelite considers every alignment overlapping by at least one
      column, which is MEME's ``-min-overlap 1`` (the default, and what the authors ran);
      any other value raises :class:`MotifrepError` (use engine ``meme``).
    - Deviations from MEME: memelite scores columns by negative Euclidean distance
      (MEME's ``-dist ed``), not Pearson correlation. On the authors' Koo & Eddy 2019
      outputs the E <= 0.1 pairs still agree at Jaccard 0.99-1.0 (tests/test_tomtom.py).

    Engine ``meme`` runs the ``meme_binary`` executable (:func:`tomtom_command`) on
    temporary MEME files and parses its output; ``min_overlap`` and ``dist`` are passed
    to it. ``threads`` sets numba's thread count for memelite (default: all cores);
    ``numba_cache_dir`` is handed to :func:`ensure_numba_cache` before memelite is
    imported.

    Parameters
    ----------
    queries : sequence of Motif
        The query motifs (e.g. the filters); their IDs must be unique.
    targets : sequence of Motif
        The target motifs (e.g. JASPAR).
    engine : {"memelite", "meme"}, default "memelite"
        The Tomtom implementation.
    thresh : float, default 0.1
        Keep pairs with E-value <= ``thresh`` (MEME's ``-evalue -thresh``); must be > 0.
    pseudocount : float or None, default 0.1
        MEME's ``-motif-pseudo``; None or 0: none.
    meme_binary : str, default "tomtom"
        The MEME ``tomtom`` executable (engine ``meme``).
    min_overlap : int, default 1
        MEME's ``-min-overlap``; other than 1 only with engine ``meme``.
    dist : str, default "ed"
        MEME's ``-dist`` (engine ``meme``; memelite always uses Euclidean distance).
    background : sequence of 4 float, optional
        Background of the pseudocount (default uniform).
    threads : int, optional
        numba threads of memelite (default: all cores).
    numba_cache_dir : str or os.PathLike, optional
        numba cache folder (default: ``$NUMBA_CACHE_DIR`` when set).
    timeout : float, optional
        Seconds the ``meme`` engine's binary may run (default: no limit).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TOMTOM_COLUMNS` with their dtypes; no rows when nothing passes.

    Raises
    ------
    MotifrepError
        One line, for an unknown engine, an empty query ("no filters") or target set, a
        non-positive ``thresh``, a negative ``pseudocount``, bad ``threads`` or
        ``min_overlap`` (or ``min_overlap`` > 1 with memelite), duplicate query IDs,
        matrices not of shape ``(width, 4)`` or with negative or non-finite entries, a missing
        ``tomtom`` binary, or a binary that fails or runs past ``timeout``.
    FormatError
        The MEME binary's output cannot be parsed, or the numba cache folder cannot be
        created or written.
    """
    queries, targets = list(queries), list(targets)
    _check_run_args(engine, queries, targets, thresh, pseudocount, threads, min_overlap)

    if engine == "memelite":
        if numba_cache_dir is not None:
            ensure_numba_cache(numba_cache_dir)
        else:
            ensure_numba_cache()
        frame = _tomtom_memelite(queries, targets, thresh, pseudocount, background, threads)  # min_overlap 1
    else:
        frame = _tomtom_meme(queries, targets, thresh, pseudocount, background, meme_binary, min_overlap,
                             dist, timeout)
    return _sort_and_threshold(frame, (m.id for m in queries), thresh)


# --------------------------------------------------------------------------- workflow step


def compare_filters(filters_meme, jaspar_meme, out_tsv, engine, thresh, pseudocount, numba_cache, threads,
                    min_overlap: int = 1) -> None:
    """methods §5.2: Tomtom of the filters against JASPAR; hits with E <= thresh.

    ``min_overlap``: Tomtom's ``-min-overlap`` (MEME's default 1, which the authors ran).

    Parameters
    ----------
    filters_meme : str or os.PathLike
        MEME file of the query motifs (the clipped filters).
    jaspar_meme : str or os.PathLike
        MEME file of the target motifs.
    out_tsv : str or os.PathLike
        The hit table to write (:func:`write_tomtom_tsv`).
    engine : {"memelite", "meme"}
        The Tomtom implementation.
    thresh : float
        E-value threshold.
    pseudocount : float or None
        MEME's ``-motif-pseudo``.
    numba_cache : str or os.PathLike or None
        numba cache folder for memelite.
    threads : int or None
        numba threads for memelite.
    min_overlap : int, default 1
        Tomtom's ``-min-overlap``.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A MEME file is missing or malformed.
    MotifrepError
        As :func:`run_tomtom`.
    """

    hits = run_tomtom(read_meme(filters_meme), read_meme(jaspar_meme), engine=engine, thresh=thresh,
                      pseudocount=pseudocount, numba_cache_dir=numba_cache, threads=threads, min_overlap=min_overlap)
    write_tomtom_tsv(out_tsv, hits)
    log.info("%s: %d hits (E <= %g) for %d filters", engine, len(hits), thresh, hits["Query_ID"].nunique())


def prepare_tomtom(engine, numba_cache, out) -> None:
    """Check the Tomtom engine once before the per-model jobs.

    Compiles memelite into the numba cache (about 90 s, once), or runs the MEME binary on a
    tiny input: two random 8-column motifs compared with themselves.

    Parameters
    ----------
    engine : {"memelite", "meme"}
        The Tomtom implementation to check.
    numba_cache : str or os.PathLike or None
        numba cache folder (used by memelite only).
    out : str or os.PathLike
        A small TSV recording the engine and the seconds the check took.

    Returns
    -------
    None

    Raises
    ------
    MotifrepError
        As :func:`run_tomtom`, e.g. an unknown engine or a missing ``tomtom`` binary.
    """
    import time

    import numpy as np


    rng = np.random.default_rng(0)
    motifs = [Motif(f"m{i}", rng.dirichlet(np.ones(4), 8)) for i in range(2)]
    t0 = time.perf_counter()
    run_tomtom(motifs, motifs, engine=engine, numba_cache_dir=numba_cache if engine == "memelite" else None)
    seconds = time.perf_counter() - t0
    write_text(out, f"engine\t{engine}\nseconds\t{seconds:.1f}\n")
    log.info("tomtom engine %s ready in %.1f s", engine, seconds)

"""In vivo data set from a genome FASTA and ChIP-seq peaks, by DeepSEA's recipe (methods §1.7).

1. The genome is cut into ``bin_size`` (200) nt bins (``bedtools makewindows``).
2. A bin is positive for an experiment when one of its peaks covers strictly more than
   ``bin_size * min_fraction`` nt of it (``bedtools intersect -wo``; the largest single-peak
   overlap counts, overlaps of several peaks are not added up).
3. Only bins positive for at least one experiment are kept; each is widened to ``length``
   (1,000) nt around it: bin ``[s, s + 200)`` gives ``[s - 400, s + 600)``. A window that runs
   past a chromosome end or contains an N is dropped; any other letter than A, C, G, T, N (either
   case) in a window stops the job, naming file, chromosome and position. Only the windows are
   checked (what is read), not the whole genome: a ``.fa.gz`` the workflow downloads was checked
   whole when unpacked.
4. Split by chromosome: ``test_chroms`` (chr8, chr9), ``valid_chroms`` (chr7), the rest train.
   With ``reverse_complement``, every train sequence is followed (block by block) by its
   reverse complement with the same labels; valid and test hold forward strands only.

Rows are written in genome order (chromosome order of the FASTA index, then position) with
:class:`motifrep.datasets.store.ChunkedWriter`, one chromosome's bins at a time, in 1 Mb tiles.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from motifrep.datasets.genome import chrom_sizes as fasta_chrom_sizes
from motifrep.datasets.genome import one_hot_codes, open_fasta
from motifrep.datasets.peaks import read_narrowpeak
from motifrep.datasets.store import SPLITS, ChunkedWriter
from motifrep.download import sha256sum
from motifrep.errors import ConfigError, FormatError, MotifrepError
from motifrep.io import atomic_path, tsv_records
from motifrep.motifs.tf_table import load_tf_table

log = logging.getLogger("motifrep")

EXPERIMENT_COLUMNS = ["experiment", "url", "sha256", "deepsea_column"]
TILE = 1_000_000  # genomic span fetched from the FASTA at a time
_IS_ACGT = np.zeros(256, dtype=bool)
_IS_ACGT[np.frombuffer(b"ACGT", np.uint8)] = True
_IS_ACGTN = _IS_ACGT.copy()
_IS_ACGTN[ord("N")] = True  # pyfaidx upper-cases: no lower case here


# --------------------------------------------------------------------------- experiment table


def _experiment_record(path, lineno: int, record: dict, seen: set) -> dict:
    """One checked experiment row (empty fields as None); ``FILE:LINE`` FormatErrors."""
    name, url, sha, column = (record[c] for c in EXPERIMENT_COLUMNS)
    if not name:
        raise FormatError(f"{path}:{lineno}: empty experiment name")
    if name in seen:
        raise FormatError(f"{path}:{lineno}: experiment {name!r} listed twice")
    if sha and not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
        raise FormatError(f"{path}:{lineno}: sha256 {sha!r} is not 64 hexadecimal digits")
    if column and not column.isdigit():
        raise FormatError(f"{path}:{lineno}: deepsea_column {column!r} is not a non-negative integer")
    seen.add(name)
    return {"experiment": name, "url": url or None, "sha256": sha.lower() or None,
            "deepsea_column": int(column) if column else None}


def read_experiment_table(path) -> pd.DataFrame:
    """The ENCODE experiment table (``resources/encode_k562.tsv``): ``#`` comments, then a header.

    Returns one row per experiment, file order, with the TF-table columns of
    :func:`motifrep.motifs.tf_table.load_tf_table` (``tf``, ``jaspar_id``, ``accepted_ids``) and
    ``experiment``, ``url`` (a URL or a local path; None when empty: a DeepSEA-bundle table needs
    none), ``sha256`` (None when empty), ``deepsea_column`` (int or None). Problems are one-line
    ``FILE:LINE: what`` errors; :func:`check_experiment_table` checks what a data set kind needs.

    Parameters
    ----------
    path : str or os.PathLike
        The table, with columns ``tf, jaspar_id, accepted_ids, experiment, url, sha256,
        deepsea_column``.

    Returns
    -------
    pandas.DataFrame
        One row per experiment; the experiment columns are of dtype object, so empty fields
        stay None.

    Raises
    ------
    FormatError
        As :func:`motifrep.motifs.tf_table.load_tf_table`, or an empty or duplicate experiment
        name, a ``sha256`` that is not 64 hexadecimal digits, or a ``deepsea_column`` that is
        not a non-negative integer.
    """
    tfs = load_tf_table(path)
    rows, seen = [], set()
    for lineno, record in tsv_records(path, "experiment table", EXPERIMENT_COLUMNS):
        rows.append(_experiment_record(path, lineno, record, seen))
    return pd.concat([tfs, pd.DataFrame(rows, columns=EXPERIMENT_COLUMNS, dtype=object)], axis=1)  # None stays None


def check_experiment_table(table: pd.DataFrame, kind: str, where: str) -> None:
    """An encode data set needs a url (or local path) per experiment; a deepsea one a deepsea_column.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_experiment_table`.
    kind : {"encode", "deepsea"}
        The data set kind; anything but ``"encode"`` is checked as ``"deepsea"``.
    where : str
        Prefix of the message (e.g. the config key).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        Experiments lacking the column their kind needs (all named).
    """
    column, what = ("url", "a url or path") if kind == "encode" else ("deepsea_column", "a deepsea_column")
    missing = table.loc[table[column].isna(), "experiment"].tolist()
    if missing:
        raise ConfigError(f"{where}: experiment(s) {', '.join(missing)} lack {what}")


# --------------------------------------------------------------------------- labels


def _require_bedtools() -> None:
    """MotifrepError unless ``bedtools`` is on PATH."""
    if shutil.which("bedtools") is None:
        raise MotifrepError("bedtools not found on PATH: install it (apt-get install bedtools, "
                            "or conda install bioconda::bedtools)")


def _used_chroms(chrom_sizes: dict, chroms) -> list[str]:
    """The chromosomes to use, in genome order; an unknown name is a ConfigError."""
    if chroms is None:
        return list(chrom_sizes)
    unknown = [c for c in chroms if c not in chrom_sizes]
    if unknown:
        raise ConfigError(f"chroms: {', '.join(unknown)} not in the genome")
    wanted = set(chroms)
    return [c for c in chrom_sizes if c in wanted]


@contextlib.contextmanager
def _scratch(parent=None):
    """A private scratch directory (also pybedtools' temp dir), removed afterwards."""
    import pybedtools

    old = pybedtools.get_tempdir()
    path = Path(tempfile.mkdtemp(prefix=".bedtools.", dir=parent))
    pybedtools.set_tempdir(str(path))
    try:
        yield path
    finally:
        pybedtools.set_tempdir(old)
        shutil.rmtree(path, ignore_errors=True)


def _overlaps(used: list, chrom_sizes: dict, peaks: list, bin_size: int, scratch: Path) -> pd.DataFrame:
    """``bedtools makewindows | intersect -wo``: one row per (bin, peak) overlap: chrom, start, task, overlap."""
    import pybedtools
    from pybedtools.helpers import BEDToolsError

    genome, bed, hits = scratch / "genome.txt", scratch / "peaks.bed", scratch / "hits.tsv"
    genome.write_text("".join(f"{c}\t{chrom_sizes[c]}\n" for c in used))
    keep = set(used)
    frames = [p[p["chrom"].isin(keep)].assign(task=i) for i, p in enumerate(peaks)]
    table = pd.concat(frames, ignore_index=True)[["chrom", "start", "end", "task"]]
    names = ["chrom", "start", "end", "pchrom", "pstart", "pend", "task", "overlap"]
    if table.empty:
        return pd.DataFrame({n: [] for n in names})
    table.to_csv(bed, sep="\t", header=False, index=False)
    try:
        windows = pybedtools.BedTool().window_maker(g=str(genome), w=str(int(bin_size)), stream=True)
        windows.intersect(b=str(bed), wo=True, output=str(hits))
    except BEDToolsError as exc:
        raise MotifrepError(f"bedtools failed: {str(exc).strip().splitlines()[-1]}") from None
    if hits.stat().st_size == 0:
        return pd.DataFrame({n: [] for n in names})
    return pd.read_csv(hits, sep="\t", header=None, names=names, usecols=["chrom", "start", "task", "overlap"],
                       dtype={"chrom": str, "start": np.int64, "task": np.int64, "overlap": np.int64})


def bin_labels(chrom_sizes: dict, peaks: dict, bin_size: int = 200, min_fraction: float = 0.5, chroms=None,
               scratch_dir=None) -> tuple[pd.DataFrame, np.ndarray]:
    """Labels of the genome's ``bin_size`` bins that are positive for at least one experiment.

    ``peaks``: experiment name -> DataFrame(chrom, start, end); the label columns follow its order.
    A bin is positive for an experiment when one peak overlaps it by more than
    ``bin_size * min_fraction`` nt. Returns (DataFrame(chrom, start), Y uint8 (n, T)) in genome
    order; ``chroms`` (None: all) limits the chromosomes.

    Parameters
    ----------
    chrom_sizes : dict
        Chromosome -> length, in genome order.
    peaks : dict
        Experiment name -> DataFrame(chrom, start, end).
    bin_size : int, default 200
        Bin width in nt.
    min_fraction : float, default 0.5
        Fraction of a bin a peak must cover (strictly more).
    chroms : sequence of str, optional
        The chromosomes to label (default: all).
    scratch_dir : str or os.PathLike, optional
        Where bedtools' scratch folder goes (default: the system temp folder).

    Returns
    -------
    bins : pandas.DataFrame
        Columns ``chrom``, ``start`` of the positive bins.
    Y : numpy.ndarray
        uint8 ``(n, T)`` labels.

    Raises
    ------
    ConfigError
        A chromosome of ``chroms`` is not in ``chrom_sizes``.
    MotifrepError
        bedtools is not on PATH or fails.
    """
    _require_bedtools()
    used = _used_chroms(chrom_sizes, chroms)
    with _scratch(scratch_dir) as scratch:
        hits = _overlaps(used, chrom_sizes, list(peaks.values()), bin_size, scratch)
    hits = hits[hits["overlap"] > bin_size * min_fraction]
    rank = {c: i for i, c in enumerate(used)}
    chrom_idx = hits["chrom"].map(rank).to_numpy(np.int64)
    stride = max(chrom_sizes[c] for c in used) // bin_size + 1 if used else 1
    keys, inverse = np.unique(chrom_idx * stride + hits["start"].to_numpy(np.int64) // bin_size, return_inverse=True)
    Y = np.zeros((keys.size, len(peaks)), dtype=np.uint8)
    Y[inverse, hits["task"].to_numpy(np.int64)] = 1
    bins = pd.DataFrame({"chrom": pd.Series(np.array(used, dtype=object)[keys // stride] if used else [],
                                            dtype=object),
                         "start": (keys % stride) * bin_size})
    return bins, Y


# --------------------------------------------------------------------------- sequences


def _windows(starts: np.ndarray, size: int, bin_size: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Window starts of ``length`` nt centred on the bins, and which fit inside the chromosome."""
    ws = starts - (length - bin_size) // 2
    return ws, (ws >= 0) & (ws + length <= size)


def _tiles(fa, chrom: str, ws: np.ndarray, length: int):
    """For each ``TILE`` of the chromosome holding windows: (row indices, codes (n, length) uint8).
    ``ws`` is sorted; one pyfaidx fetch per tile."""
    tile = ws // TILE
    bounds = np.flatnonzero(np.diff(tile)) + 1
    for rows in np.split(np.arange(ws.size), bounds):
        lo, hi = int(ws[rows[0]]), int(ws[rows[-1]]) + length
        text = fa[chrom][lo:hi].seq
        codes = np.frombuffer(text.encode("ascii", "replace"), np.uint8)
        yield rows, codes[(ws[rows] - lo)[:, None] + np.arange(length)]


def chrom_examples(fa, chrom: str, size: int, starts: np.ndarray, Y: np.ndarray, bin_size: int, length: int):
    """One-hot windows of one chromosome's labelled bins, tile by tile: yields (X uint8 (n, L, 4),
    Y (n, T), dropped at the ends, dropped for N). ``starts`` sorted."""
    ws, fits = _windows(starts, size, bin_size, length)
    n_end = int((~fits).sum())
    ws, Y = ws[fits], Y[fits]
    if ws.size == 0:
        yield np.zeros((0, length, 4), np.uint8), Y, n_end, 0
        return
    for rows, codes in _tiles(fa, chrom, ws, length):
        clean = _IS_ACGT[codes].all(axis=1)
        if not clean.all():
            _check_letters(fa, chrom, ws[rows][~clean], codes[~clean])
        yield one_hot_codes(codes[clean]), Y[rows][clean], n_end, int((~clean).sum())
        n_end = 0


def _check_letters(fa, chrom: str, ws: np.ndarray, codes: np.ndarray) -> None:
    """Windows with a letter other than A, C, G, T: a FormatError naming the first letter that is not N
    either (file, chromosome, 1-based position). Only windows already found not all ACGT get here."""
    hits = np.argwhere(~_IS_ACGTN[codes])  # (window, offset) pairs
    if hits.size:
        i, j = hits[np.argmin(ws[hits[:, 0]] + hits[:, 1])]  # the first in genome order
        raise FormatError(f"{fa.filename}: chromosome {chrom}, position {int(ws[i]) + int(j) + 1}: character "
                          f"{chr(codes[i, j])!r} is not A, C, G, T or N")


class _Batcher:
    """Collect rows of one split and append them to a :class:`ChunkedWriter` ``rows`` or more at a time
    (fewer, larger writes); with ``reverse_complement``, each train block is followed by its reverse
    complement. Counts rows and positives per split."""

    def __init__(self, writer: ChunkedWriter, rows: int, reverse_complement: bool):
        self.writer, self.rows, self.rc = writer, rows, reverse_complement
        self.split, self.X, self.Y = None, [], []
        self.positives = {s: np.zeros(writer.n_tasks, np.int64) for s in SPLITS}

    def add(self, X: np.ndarray, Y: np.ndarray, split: str) -> None:
        """Collect one block of ``split``; flush on a change of split or when enough rows are held."""
        if split != self.split:
            self.flush()
            self.split = split
        self.X.append(X)
        self.Y.append(Y)
        if sum(len(x) for x in self.X) >= self.rows:
            self.flush()

    def flush(self) -> None:
        """Append the collected rows (and, for train with reverse complements, their copies)."""
        if not self.X:
            return
        X, Y = np.concatenate(self.X), np.concatenate(self.Y)
        self.X, self.Y = [], []
        copies = [X] + ([np.ascontiguousarray(X[:, ::-1, ::-1])] if self.rc and self.split == "train" else [])
        for block in copies:
            self.writer.append(block, Y, self.split)
            self.positives[self.split] += Y.sum(axis=0, dtype=np.int64)


def _write_set(path, fa, sizes: dict, bins: pd.DataFrame, Y: np.ndarray, split_of: dict, names: list,
               bin_size: int, length: int, reverse_complement: bool, attrs: dict) -> dict:
    """Write the labelled bins' windows to ``path`` chromosome by chromosome; return counts."""
    dropped = {"chromosome end": 0, "N": 0}
    chrom = bins["chrom"].to_numpy()
    bounds = np.flatnonzero(chrom[1:] != chrom[:-1]) + 1
    with ChunkedWriter(path, length=length, task_names=names, attrs=attrs) as writer:
        batcher = _Batcher(writer, writer.X.chunks[0], reverse_complement)
        for rows in np.split(np.arange(len(bins)), bounds) if len(bins) else []:
            name = chrom[rows[0]]
            starts = bins["start"].to_numpy(np.int64)[rows]
            for X, y, n_end, n_n in chrom_examples(fa, name, sizes[name], starts, Y[rows], bin_size, length):
                batcher.add(X, y, split_of[name])
                dropped["chromosome end"] += n_end
                dropped["N"] += n_n
        batcher.flush()
        counts = writer.counts()
    return {"rows": counts, "positives": {s: p.tolist() for s, p in batcher.positives.items()}, "dropped": dropped}


def _check_settings(peak_files: dict, experiments_order, bin_size, length, min_fraction, valid_chroms,
                    test_chroms) -> list[str]:
    """The experiment names, after checking names, sizes, fraction and chromosome splits (ConfigError)."""
    names = [str(n) for n in experiments_order]
    if not names or len(set(names)) != len(names):
        raise ConfigError(f"experiments: need distinct experiment names, got {names}")
    if set(names) != set(peak_files):
        raise ConfigError(f"experiments {names} and peak files {sorted(peak_files)} do not match")
    if int(bin_size) <= 0 or int(length) < int(bin_size):
        raise ConfigError(f"bin_size {bin_size} and length {length}: need 0 < bin_size <= length")
    if not 0 <= float(min_fraction) < 1:
        raise ConfigError(f"min_fraction {min_fraction}: need 0 <= min_fraction < 1")
    both = sorted(set(valid_chroms) & set(test_chroms))
    if both:
        raise ConfigError(f"chromosome(s) {', '.join(both)} in both valid_chroms and test_chroms")
    return names


def _split_map(used: list, valid_chroms, test_chroms) -> dict:
    """Chromosome -> its split (test, valid, else train)."""
    return {c: "test" if c in set(test_chroms) else "valid" if c in set(valid_chroms) else "train" for c in used}


def _require_splits(counts: dict, split_of: dict, valid_chroms, test_chroms, what: str) -> None:
    """A split without rows is a one-line error naming its chromosomes."""
    for split in SPLITS:
        if counts.get(split, 0) == 0:
            chroms = {"valid": ("valid_chroms", valid_chroms), "test": ("test_chroms", test_chroms),
                      "train": ("chromosomes", [c for c, s in split_of.items() if s == "train"])}[split]
            raise MotifrepError(f"no {what} in the {split} split ({chroms[0]}: {', '.join(chroms[1]) or 'none'})")


@contextlib.contextmanager
def _open_genome(genome, out):
    """The genome FASTA, open (:func:`~motifrep.datasets.genome.open_fasta`). When its folder cannot
    take the index (read-only), the index is built in a folder of its own beside ``out``, removed
    afterwards (as is one left by a killed run)."""
    index_dir = Path(out).parent / f".{Path(out).name}.genome-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    try:
        fa = open_fasta(genome, index_dir=index_dir)
        try:
            yield fa
        finally:
            fa.close()
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)


# --------------------------------------------------------------------------- workflow step


def build_encode_set(out, genome, peak_files: dict, experiments_order, bin_size=200, length=1000, min_fraction=0.5,
                     valid_chroms=("chr7",), test_chroms=("chr8", "chr9"), chroms=None,
                     reverse_complement=False, task_names=None) -> dict:
    """Workflow step: the in vivo data set (module docstring) written atomically to ``out``; returns the counts.

    ``peak_files``: experiment name -> narrowPeak path; ``experiments_order``: the task order.
    ``task_names`` (default: the experiment names) label the tasks in the file, e.g. the TFs.

    Parameters
    ----------
    out : str or os.PathLike
        The HDF5 file to write.
    genome : str or os.PathLike
        The genome FASTA (:func:`motifrep.datasets.genome.open_fasta`); its index is built beside
        it, or, where its folder is read-only, in a temporary folder beside ``out``.
    peak_files : dict
        Experiment name -> narrowPeak file (plain or gzip).
    experiments_order : sequence of str
        The experiments (distinct, the keys of ``peak_files``) in task order.
    bin_size : int, default 200
        Bin width in nt.
    length : int, default 1000
        Window width in nt (>= ``bin_size``).
    min_fraction : float, default 0.5
        In [0, 1): a peak must cover more than ``bin_size * min_fraction`` nt of a bin.
    valid_chroms : sequence of str, default ("chr7",)
        Chromosomes of the valid split.
    test_chroms : sequence of str, default ("chr8", "chr9")
        Chromosomes of the test split (none also in ``valid_chroms``).
    chroms : sequence of str, optional
        Limit to these chromosomes (default: all of the FASTA).
    reverse_complement : bool, default False
        Follow every train block with its reverse complement.
    task_names : sequence of str, optional
        One name per experiment.

    Returns
    -------
    dict
        ``{"rows": {split: n}, "positives": {split: [per task]}, "dropped": {"chromosome
        end": n, "N": n}}``.

    Raises
    ------
    ConfigError
        Inconsistent settings (experiment names, sizes, fractions, chromosomes in both splits
        or not in the genome, task-name count).
    FormatError
        A FASTA or narrowPeak problem, or a letter other than A, C, G, T, N in a window
        (naming file, chromosome and position).
    MotifrepError
        bedtools is missing or fails, or a split ends up without positive bins or sequences.
    """
    names = _check_settings(peak_files, experiments_order, bin_size, length, min_fraction, valid_chroms,
                            test_chroms)
    tasks = names if task_names is None else [str(t) for t in task_names]
    if len(tasks) != len(names):
        raise ConfigError(f"{len(tasks)} task names for {len(names)} experiments")
    bin_size, length = int(bin_size), int(length)
    with _open_genome(genome, out) as fa:
        sizes = fasta_chrom_sizes(fa)
        peaks = {n: read_narrowpeak(peak_files[n], sizes) for n in names}
        used = _used_chroms(sizes, None if chroms is None else list(chroms))
        split_of = _split_map(used, valid_chroms, test_chroms)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        bins, Y = bin_labels(sizes, peaks, bin_size, float(min_fraction), used, scratch_dir=Path(out).parent)
        seconds = time.perf_counter() - t0
        n_bins = sum(-(-sizes[c] // bin_size) for c in used)
        log.info("labelled %d bins of %d chromosomes in %.1f s (%.0f bins/s): %d positive for at least one of %d "
                 "experiments", n_bins, len(used), seconds, n_bins / max(seconds, 1e-9), len(bins), len(names))
        _require_splits(bins["chrom"].map(split_of).value_counts().to_dict(), split_of, valid_chroms, test_chroms,
                        "positive bin")
        settings = {"bin_size": bin_size, "length": length, "min_fraction": float(min_fraction),
                    "valid_chroms": list(valid_chroms), "test_chroms": list(test_chroms), "chroms": used,
                    "reverse_complement": bool(reverse_complement)}
        source = {"genome": str(genome), "peak_files": {n: str(peak_files[n]) for n in names},
                  "peak_sha256": {n: sha256sum(peak_files[n]) for n in names}}
        t0 = time.perf_counter()
        with atomic_path(out) as tmp:
            stats = _write_set(tmp, fa, sizes, bins, Y, split_of, tasks, bin_size, length, bool(reverse_complement),
                               {"source": source, "settings": settings, "experiments": names})
            _require_splits(stats["rows"], split_of, valid_chroms, test_chroms,
                            "sequence (windows past a chromosome end or with N are dropped)")
    _log_counts(stats, tasks, time.perf_counter() - t0, out)
    return stats


def _log_counts(stats: dict, names: list, seconds: float, out) -> None:
    """Log the rows written, the windows dropped and the positives per split."""
    total = sum(stats["rows"].values())
    log.info("wrote %d sequences to %s in %.1f s (%.0f sequences/s); dropped %d windows past a chromosome end, "
             "%d with N", total, out, seconds, total / max(seconds, 1e-9), stats["dropped"]["chromosome end"],
             stats["dropped"]["N"])
    for split in SPLITS:
        per = ", ".join(f"{n} {p}" for n, p in zip(names, stats["positives"][split]))
        log.info("%s: %d sequences; positives per experiment: %s", split, stats["rows"][split], per)

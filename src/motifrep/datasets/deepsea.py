"""The DeepSEA bundle route: the papers' exact in vivo data in our HDF5 layout (methods §1.8).

``deepsea_train_bundle.v0.9.tar.gz`` unpacks to ``deepsea_train/{train,valid,test}.mat``:

- ``train.mat``: MATLAB v7.3 (HDF5). h5py shows ``trainxdata`` as (L, 4, N) (position, base,
  sequence) and ``traindata`` as (919, N); the authors read ``trainxdata.transpose([2, 1, 0])``
  and ``traindata.T``.
- ``valid.mat``/``test.mat``: MATLAB v5. ``scipy.io.loadmat`` gives ``validxdata`` (N, 4, L) and
  ``validdata`` (N, 919) (likewise ``test*``).
- Bases are in the order A, G, C, T: reindexed with ``[0, 2, 1, 3]`` to A, C, G, T.
- Each split is forward sequences then their reverse complements, in the same order (row
  ``i + N/2`` is the reverse complement of row ``i``, with the same labels). The authors kept both
  copies (``keep_reverse_complements=True``); with ``False`` only the first half is kept, after
  checking on the first block of rows that the second half is indeed its reverse complement.

With the 12 columns of methods §1.6 and both copies kept, the authors report 270,382 train and
23,768 test sequences (rows positive for at least one of the 12 columns).

Memory: train is read ``block_rows`` sequences at a time (about ``block_rows`` × L × 4 bytes
several times over: 40 MB per copy for 10,000 × 1,000). ``loadmat`` reads a variable whole:
for test the labels (455,024 × 919 uint8, 0.4 GB) are loaded first and reduced to the kept
columns, then the sequences (455,024 × 4 × 1,000 uint8, 1.8 GB) are loaded, the kept rows are
copied out (24k rows, 0.1 GB) and the full array is released: peak about 2 GB.
"""

from __future__ import annotations

import contextlib
import logging
import tarfile
import time
import zlib
from pathlib import Path, PurePosixPath

import h5py
import numpy as np

from motifrep.datasets.store import SPLITS, ChunkedWriter
from motifrep.errors import ConfigError, FormatError, MotifrepError
from motifrep.io import atomic_path

log = logging.getLogger("motifrep")

MEMBERS = {"train": "train.mat", "valid": "valid.mat", "test": "test.mat"}
VARIABLES = {"train": ("trainxdata", "traindata"), "valid": ("validxdata", "validdata"),
             "test": ("testxdata", "testdata")}
BUNDLE_TO_ACGT = [0, 2, 1, 3]  # bundle bases A, G, C, T -> A, C, G, T
KOO_COLUMNS = (592, 602, 344, 345, 635, 636, 349, 642, 359, 361, 661, 369)
LENGTH = 1000  # every DeepSEA sequence is 1,000 nt (the models of methods §1.8 take that length)
_COPY_BYTES = 1 << 22


def _one_line(exc) -> str:
    """An exception's message on one line (its type name when empty)."""
    return " ".join(str(exc).split()) or type(exc).__name__


# --------------------------------------------------------------------------- extraction

def extract_bundle(tar_path, train, valid, test) -> dict:
    """Stream ``train.mat``, ``valid.mat`` and ``test.mat`` out of the bundle tarball.

    The archive is read once, as a stream (never whole in memory); members are matched by file
    name (``deepsea_train/train.mat`` etc.). All three outputs appear together or not at all.
    A missing member or a truncated/corrupt archive is a one-line :class:`FormatError`.
    Returns the bytes written per split.

    Parameters
    ----------
    tar_path : str or os.PathLike
        ``deepsea_train_bundle.v0.9.tar.gz``.
    train, valid, test : str or os.PathLike
        Where ``train.mat``, ``valid.mat`` and ``test.mat`` go.

    Returns
    -------
    dict
        ``{"train": bytes, "valid": bytes, "test": bytes}``.

    Raises
    ------
    FormatError
        The archive is missing, truncated or corrupt, lacks a member, or a member is short.
    MotifrepError
        An output cannot be written.
    """
    tar_path = Path(tar_path)
    outputs = {"train": train, "valid": valid, "test": test}
    wanted = {name: split for split, name in MEMBERS.items()}
    written: dict[str, int] = {}
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        tmps = {split: stack.enter_context(atomic_path(out)) for split, out in outputs.items()}
        try:
            with tarfile.open(tar_path, mode="r|gz") as tar:
                for member in tar:
                    split = wanted.get(PurePosixPath(member.name).name)
                    if split is None or not member.isfile():
                        continue
                    written[split] = _copy_member(tar, member, tmps[split], outputs[split], tar_path)
                    log.info("extracted %s (%.1f MB, %.1f MB/s so far)", member.name, written[split] / 1e6,
                             sum(written.values()) / 1e6 / max(time.perf_counter() - start, 1e-9))
        except FileNotFoundError:
            raise FormatError(f"{tar_path}: DeepSEA bundle not found") from None
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            raise FormatError(f"{tar_path}: truncated or corrupt archive ({_one_line(exc)})") from None
        missing = [f"deepsea_train/{MEMBERS[s]}" for s in SPLITS if s not in written]
        if missing:
            raise FormatError(f"{tar_path}: member(s) {', '.join(missing)} not found in the archive")
    return written


def _copy_member(tar, member, dest: Path, final, tar_path) -> int:
    """Copy one member's data to ``dest`` in blocks; a short member or a failed write is one line."""
    source, size = tar.extractfile(member), 0
    with open(dest, "wb") as out:
        while block := source.read(_COPY_BYTES):  # archive errors go to the caller's handler
            try:
                out.write(block)
            except OSError as exc:
                raise MotifrepError(f"{final}: cannot write ({exc.strerror})") from None
            size += len(block)
    if size != member.size:
        raise FormatError(f"{tar_path}: member {member.name} is truncated ({size} of {member.size} bytes)")
    return size


# --------------------------------------------------------------------------- reading

def _check_columns(path, yname: str, columns, n_labels: int) -> list[int]:
    """The label columns as ints; ConfigError if one is outside 0 .. n_labels - 1."""
    cols = [int(c) for c in columns]
    bad = [c for c in cols if not 0 <= c < n_labels]
    if bad:
        raise ConfigError(f"{path}: label column(s) {bad} out of range: '{yname}' has {n_labels} columns "
                          f"(0-based 0..{n_labels - 1})")
    return cols


def _check_dtypes(path, xname, xdtype, yname, ydtype) -> None:
    """FormatError unless sequences are uint8 (or bool) and labels integer."""
    if np.dtype(xdtype) not in (np.uint8, np.bool_):
        raise FormatError(f"{path}: '{xname}' has dtype {xdtype}, expected uint8 one-hot")
    if np.dtype(ydtype).kind not in "biu":
        raise FormatError(f"{path}: '{yname}' has dtype {ydtype}, expected integer 0/1 labels")


def _h5_variables(f, path):
    """``trainxdata`` (L, 4, N) and ``traindata`` (T, N) of an open train.mat, checked."""
    xname, yname = VARIABLES["train"]
    for name in (xname, yname):
        if not isinstance(f.get(name), h5py.Dataset):
            raise FormatError(f"{path}: variable '{name}' is missing (expected MATLAB v7.3 train.mat)")
    X, Y = f[xname], f[yname]
    if X.ndim != 3 or X.shape[1] != 4:
        raise FormatError(f"{path}: '{xname}' has shape {X.shape}, expected (L, 4, N) as h5py shows MATLAB v7.3")
    if Y.ndim != 2 or Y.shape[1] != X.shape[2]:
        raise FormatError(f"{path}: '{yname}' has shape {Y.shape}, expected (n_labels, {X.shape[2]})")
    _check_dtypes(path, xname, X.dtype, yname, Y.dtype)
    return X, Y


def _open_h5(path, block_rows: int) -> h5py.File:
    """train.mat opened read-only with a chunk cache sized for ``block_rows``; one-line FormatErrors."""
    try:  # chunk cache: room for about two blocks, so chunks spanning a block boundary decompress once
        return h5py.File(path, "r", rdcc_nbytes=max(1 << 24, 8000 * block_rows), rdcc_nslots=100003)
    except FileNotFoundError:
        raise FormatError(f"{path}: train.mat not found") from None
    except OSError:
        raise FormatError(f"{path}: not an HDF5 (MATLAB v7.3) file") from None


def _mat_errors() -> tuple:
    """What scipy raises on a damaged MATLAB v5 file."""
    from scipy.io.matlab import MatReadError

    return (MatReadError, ValueError, TypeError, KeyError, IndexError, OSError, EOFError, zlib.error)


def _mat_shapes(path, split):
    """Header-only check of a MATLAB v5 split: (N, L, n_labels) and the two dtypes."""
    import scipy.io

    xname, yname = VARIABLES[split]
    try:
        found = {name: (shape, cls) for name, shape, cls in scipy.io.whosmat(path)}
    except FileNotFoundError:
        raise FormatError(f"{path}: {MEMBERS[split]} not found") from None
    except NotImplementedError:
        raise FormatError(f"{path}: MATLAB v7.3 file, expected MATLAB v5 for {MEMBERS[split]}") from None
    except _mat_errors() as exc:
        raise FormatError(f"{path}: not a readable MATLAB v5 file ({_one_line(exc)})") from None
    for name in (xname, yname):
        if name not in found:
            raise FormatError(f"{path}: variable '{name}' is missing (or the file is truncated)")
    xshape, yshape = found[xname][0], found[yname][0]
    if len(xshape) != 3 or xshape[1] != 4:
        raise FormatError(f"{path}: '{xname}' has shape {xshape}, expected (N, 4, L)")
    if len(yshape) != 2 or yshape[0] != xshape[0]:
        raise FormatError(f"{path}: '{yname}' has shape {yshape}, expected ({xshape[0]}, n_labels)")
    return xshape[0], xshape[2], yshape[1]


def _loadmat(path, name) -> np.ndarray:
    """One variable of a MATLAB v5 file, whole; FormatError if it cannot be decoded."""
    import scipy.io

    try:
        return scipy.io.loadmat(path, variable_names=[name])[name]
    except _mat_errors() as exc:  # a file that passed whosmat but fails to decode
        raise FormatError(f"{path}: cannot read variable '{name}' ({_one_line(exc)})") from None


def split_shape(path, split: str) -> tuple[int, int, int]:
    """(sequences N, length L, label columns) of one split's ``.mat`` file, read from headers."""
    if split == "train":
        with _open_h5(path, 1) as f:
            X, Y = _h5_variables(f, path)
            return X.shape[2], X.shape[0], Y.shape[0]
    if split not in VARIABLES:
        raise ValueError(f"unknown split {split!r}")
    return _mat_shapes(path, split)


def _kept(path, split, rows, x, y) -> tuple:
    """Bundle-order block (n, L, 4) -> A, C, G, T uint8, checked one-hot; labels checked 0/1."""
    xname, yname = VARIABLES[split]
    if y.size and (y.max() > 1 or y.min() < 0):
        i, j = np.argwhere((y > 1) | (y < 0))[0]
        raise FormatError(f"{path}: '{yname}' is not 0/1 ({split} split): sequence {rows[i]} has {y[i, j]}")
    x = np.ascontiguousarray(x[:, :, BUNDLE_TO_ACGT], dtype=np.uint8)
    bad = x.sum(axis=2, dtype=np.uint16) != 1
    if bad.any():
        i, p = np.argwhere(bad)[0]
        raise FormatError(f"{path}: '{xname}' is not one-hot ({split} split): sequence {rows[i]}, position {p} "
                          f"has {x[i, p].tolist()} (A, C, G, T)")
    return rows, x, y.astype(np.uint8)


def _check_pairs(path, split, n, x_fwd, y_fwd, x_rc, y_rc) -> None:
    """Rows ``N/2 + i`` must be the reverse complements of rows ``i`` (checked on one block)."""
    xname = VARIABLES[split][0]
    if n % 2:
        raise FormatError(f"{path}: '{xname}' has an odd number of sequences ({n}): not forward + "
                          "reverse-complement halves")
    # reverse complement = reverse positions and bases (A,G,C,T -> T,C,G,A is the complement)
    diff = np.flatnonzero((x_rc != x_fwd[:, ::-1, ::-1]).any(axis=(1, 2)) | (y_rc != y_fwd).any(axis=1))
    if diff.size:
        i = int(diff[0])
        raise FormatError(f"{path}: '{xname}' sequence {n // 2 + i} is not the reverse complement of sequence {i} "
                          f"({split} split): cannot drop reverse complements")


def _h5_read(path, dataset, selection) -> np.ndarray:
    """``dataset[selection]``; a read error (e.g. a truncated file) is a one-line FormatError."""
    try:
        return dataset[selection]
    except OSError as exc:
        raise FormatError(f"{path}: cannot read '{dataset.name.lstrip('/')}' ({_one_line(exc)})") from None


def _train_blocks(path, columns, keep_rc: bool, block_rows: int):
    """Blocks of train.mat: ``trainxdata[:, :, lo:hi]`` read and transposed to (n, L, 4)."""
    with _open_h5(path, block_rows) as f:
        X, Y = _h5_variables(f, path)
        cols = _check_columns(path, VARIABLES["train"][1], columns, Y.shape[0])
        n = stop = X.shape[2]
        if not keep_rc:
            half, b = n // 2, min(block_rows, n // 2)
            _check_pairs(path, "train", n, _h5_read(path, X, np.s_[:, :, :b]).transpose(2, 0, 1),
                         _h5_read(path, Y, np.s_[:, :b]).T[:, cols],
                         _h5_read(path, X, np.s_[:, :, half : half + b]).transpose(2, 0, 1),
                         _h5_read(path, Y, np.s_[:, half : half + b]).T[:, cols])
            stop = half
        for lo in range(0, stop, block_rows):
            hi = min(stop, lo + block_rows)
            y = _h5_read(path, Y, np.s_[:, lo:hi]).T[:, cols]
            keep = np.flatnonzero(y.any(axis=1))
            if keep.size:
                x = _h5_read(path, X, np.s_[:, :, lo:hi])[:, :, keep].transpose(2, 0, 1)
                yield _kept(path, "train", lo + keep, x, y[keep])


def _mat_blocks(path, split: str, columns, keep_rc: bool, block_rows: int):
    """Blocks of a MATLAB v5 split: labels loaded and reduced first, then the sequences, whose
    kept rows are copied out before the full array is released (one full copy at a time)."""
    xname, yname = VARIABLES[split]
    n, _, n_labels = _mat_shapes(path, split)
    cols = _check_columns(path, yname, columns, n_labels)
    labels = _loadmat(path, yname)
    _check_dtypes(path, xname, np.uint8, yname, labels.dtype)
    y = np.ascontiguousarray(labels[:, cols])
    del labels
    x = _loadmat(path, xname)  # (N, 4, L)
    _check_dtypes(path, xname, x.dtype, yname, y.dtype)
    if not keep_rc:
        half, b = n // 2, min(block_rows, n // 2)
        _check_pairs(path, split, n, x[:b].transpose(0, 2, 1), y[:b],
                     x[half : half + b].transpose(0, 2, 1), y[half : half + b])
        y = y[:half]
    rows = np.flatnonzero(y.any(axis=1))
    x, y = x[rows], y[rows]  # the full array is released here
    for lo in range(0, rows.size, block_rows):
        sel = slice(lo, lo + block_rows)
        yield _kept(path, split, rows[sel], x[sel].transpose(0, 2, 1), y[sel])


def read_split(path, split: str, columns, keep_reverse_complements: bool = True, block_rows: int = 10000):
    """Iterate ``(rows, X, Y)`` blocks of one split's kept sequences, in bundle order.

    ``rows``: int64 row indices in the bundle; ``X``: uint8 (n, L, 4) one-hot in A, C, G, T;
    ``Y``: uint8 (n, len(columns)), the given 0-based label columns in the given order. Kept:
    rows positive for at least one of ``columns`` (and only the forward half when
    ``keep_reverse_complements`` is false). Problems are one-line errors naming the file.

    Parameters
    ----------
    path : str or os.PathLike
        The split's ``.mat`` file (train: MATLAB v7.3; valid, test: MATLAB v5).
    split : {"train", "valid", "test"}
        Which split the file holds.
    columns : sequence of int
        0-based label columns, in task order.
    keep_reverse_complements : bool, default True
        Keep the reverse-complement half (the authors did).
    block_rows : int, default 10000
        Sequences per block.

    Yields
    ------
    rows : numpy.ndarray
        int64 row indices in the bundle.
    X : numpy.ndarray
        uint8 ``(n, L, 4)`` one-hot, A, C, G, T.
    Y : numpy.ndarray
        uint8 ``(n, len(columns))``.

    Raises
    ------
    ValueError
        An unknown ``split`` (raised at once).
    FormatError
        A missing or unreadable file, missing variables, wrong shapes or dtypes, labels not
        0/1, sequences not one-hot, or (without reverse complements) a second half that is
        not the first's reverse complement; raised while iterating.
    ConfigError
        A label column out of range; raised while iterating.
    """
    if split == "train":
        return _train_blocks(path, columns, keep_reverse_complements, int(block_rows))
    if split not in VARIABLES:
        raise ValueError(f"unknown split {split!r}")
    return _mat_blocks(path, split, columns, keep_reverse_complements, int(block_rows))


# --------------------------------------------------------------------------- building

def _check_request(columns, task_names, block_rows) -> tuple[list[int], list[str]]:
    """Columns as distinct ints, one task name each, ``block_rows`` >= 1; else ConfigError."""
    try:
        cols = [int(c) for c in columns]
    except (TypeError, ValueError):
        raise ConfigError(f"deepsea columns must be integers, got {columns!r}") from None
    names = [str(t) for t in task_names]
    if not cols or len(cols) != len(names):
        raise ConfigError(f"deepsea: {len(cols)} label columns but {len(names)} task names (need equal, >= 1)")
    if len(set(cols)) != len(cols):
        raise ConfigError(f"deepsea: label columns {cols} contain duplicates")
    if int(block_rows) < 1:
        raise ConfigError(f"deepsea: block_rows must be >= 1, got {block_rows}")
    return cols, names


def _write_split(writer, path, split, columns, task_names, keep_rc, block_rows, n_rows) -> dict:
    """Append one split's kept sequences to ``writer``; return scanned, kept and positives per task."""
    start = time.perf_counter()
    kept, positives = 0, np.zeros(len(columns), np.int64)
    for _, X, Y in read_split(path, split, columns, keep_rc, block_rows):
        writer.append(X, Y, split)
        kept += len(X)
        positives += Y.sum(axis=0, dtype=np.int64)
    if kept == 0:
        raise FormatError(f"{path}: no sequence of the {split} split is positive for any of label columns {columns}")
    scanned = n_rows if keep_rc else n_rows // 2
    seconds = max(time.perf_counter() - start, 1e-9)
    log.info("%s: kept %d of %d sequences (%.0f rows/s)", split, kept, scanned, scanned / seconds)
    per_task = {name: int(c) for name, c in zip(task_names, positives)}
    log.info("%s: positives per task: %s", split, ", ".join(f"{k} {v}" for k, v in per_task.items()))
    return {"scanned": scanned, "kept": kept, "positives": per_task}


def build_deepsea_set(out, train_mat, valid_mat, test_mat, columns, task_names, keep_reverse_complements=True,
                      block_rows=10000) -> dict:
    """Write the DeepSEA bundle's kept sequences to ``out`` in the common HDF5 layout.

    ``columns``: 0-based label columns of the bundle (919 in v0.9), one per task, in task order;
    rows positive for none of them are dropped. Splits: train, valid, test as in the bundle.
    Headers of all three files are checked before anything is written; the output appears
    atomically (and is byte-identical for the same inputs). Returns per-split counts.

    Parameters
    ----------
    out : str or os.PathLike
        The HDF5 file to write.
    train_mat, valid_mat, test_mat : str or os.PathLike
        The bundle's three files (:func:`extract_bundle`).
    columns : sequence of int
        0-based label columns, one per task, distinct.
    task_names : sequence of str
        One name per column.
    keep_reverse_complements : bool, default True
        Keep both strands (the authors' choice) or the forward half only.
    block_rows : int, default 10000
        Sequences read and written at a time (>= 1).

    Returns
    -------
    dict
        Per split: ``{"scanned", "kept", "positives": {task: count}}``.

    Raises
    ------
    ConfigError
        Non-integer, duplicate or out-of-range columns, a count of task names that differs,
        or ``block_rows`` < 1.
    FormatError
        As :func:`read_split`, sequences of another length than :data:`LENGTH` (1,000; the
        shape found and expected are named), or a split without any kept sequence.
    """
    columns, task_names = _check_request(columns, task_names, block_rows)
    keep_rc = bool(keep_reverse_complements)
    paths = {"train": train_mat, "valid": valid_mat, "test": test_mat}
    shapes = {split: split_shape(path, split) for split, path in paths.items()}
    for split, (n, split_length, n_labels) in shapes.items():
        if split_length != LENGTH:  # shapes as h5py (train, MATLAB v7.3) or scipy (valid, test) show them
            found = (split_length, 4, n) if split == "train" else (n, 4, split_length)
            want = (LENGTH, 4, n) if split == "train" else (n, 4, LENGTH)
            raise FormatError(f"{paths[split]}: '{VARIABLES[split][0]}' has shape {found} (sequences of length "
                              f"{split_length}), expected {want}: DeepSEA sequences are {LENGTH} nt")
        _check_columns(paths[split], VARIABLES[split][1], columns, n_labels)
    length = LENGTH
    attrs = {"source": "DeepSEA deepsea_train_bundle.v0.9", "label_columns": columns,
             "keep_reverse_complements": int(keep_rc), "base_order": "ACGT"}
    summary = {}
    with atomic_path(out) as tmp, ChunkedWriter(tmp, length, task_names, attrs=attrs) as writer:
        for split in SPLITS:
            summary[split] = _write_split(writer, paths[split], split, columns, task_names, keep_rc,
                                          int(block_rows), shapes[split][0])
    log.info("wrote %s: %s", out, ", ".join(f"{s} {summary[s]['kept']}" for s in SPLITS))
    return summary

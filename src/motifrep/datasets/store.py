"""HDF5 data sets: writing simulated sets, validating files, and batch access.

Layout (one file per data set)::

    X              uint8  (N, L, 4)  one-hot sequences (A, C, G, T)
    Y              uint8  (N, T)     multi-hot labels
    splits/train   int64  (n,)       row indices (sorted); likewise splits/valid, splits/test
    truth/{seq,tf,pwm,start,end} int64, truth/strand (b'+'/b'-'): one row per embedded motif
    mask           uint8  (N, L)     1 inside an embedded motif
    info_mask      uint8  (N, L)     optional: 1 where the generating column has > 0.01 bits
    motifs/pwm     float64 (P, Wmax, 4), motifs/width (P,), motifs/task (P,): generating PWMs
    attrs: task_names, motif_ids, seed, creator

The one-hot data stays uint8 on disk and in memory; batches are cast to float32 only when
they are handed to the model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from motifrep import __version__
from motifrep.errors import FormatError
from motifrep.io import atomic_path

SPLITS = ("train", "valid", "test")
_ONE_HOT_CHECKED: set = set()  # (path, mtime, size) of files whose X was found one-hot


_ORDER = h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED


def _dataset(group, name, data, chunks=None):
    """An HDF5 dataset without a timestamp."""
    return group.create_dataset(name, data=data, chunks=chunks, track_times=False)


def _untimed(plist):
    """Creation order tracked, no timestamps in object headers (so the bytes are reproducible)."""
    plist.set_link_creation_order(_ORDER)
    plist.set_attr_creation_order(_ORDER)
    plist.set_obj_track_times(False)
    return plist


def _create_file(path) -> h5py.File:
    """A new HDF5 file whose root group carries no timestamps (h5py's File cannot ask for that)."""
    fcpl = _untimed(h5py.h5p.create(h5py.h5p.FILE_CREATE))
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    return h5py.File(h5py.h5f.create(os.fsencode(path), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl))


def _group(parent, name) -> h5py.Group:
    """A new group with tracked creation order and without timestamps."""
    gcpl = _untimed(h5py.h5p.create(h5py.h5p.GROUP_CREATE))
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def write_simulated(path, sim, splits: dict, task_names, motif_ids, pwms, pwm_task, seed, config=None) -> None:
    """Write a :class:`~motifrep.datasets.simulate.SimulatedSet` to ``path`` (atomically, byte-reproducibly).

    No object in the file carries a timestamp, so the same data give the same bytes at any
    time. ``info_mask`` is written only when ``sim.info_mask`` is set.

    Parameters
    ----------
    path : str or os.PathLike
        The HDF5 file to write (layout of the module docstring).
    sim : SimulatedSet
        Sequences, labels, ground-truth table and masks.
    splits : dict
        ``"train"``, ``"valid"``, ``"test"`` -> sorted row indices.
    task_names : sequence of str
        One name per label column.
    motif_ids : sequence of str
        One ID per generating PWM (attribute ``motif_ids``).
    pwms : list of numpy.ndarray
        The generating ``(width, 4)`` PWMs (``motifs/pwm``, zero-padded to the widest).
    pwm_task : array_like of int
        The task of each PWM (``motifs/task``).
    seed : int
        The simulation seed (attribute ``seed``).
    config : dict, optional
        Recorded as the JSON attribute ``config``.

    Returns
    -------
    None
    """
    n, length, _ = sim.X.shape
    with atomic_path(path) as tmp:
        with _create_file(tmp) as f:
            chunk = (min(n, 1024), length, 4)
            _dataset(f, "X", sim.X, chunks=chunk)
            _dataset(f, "Y", sim.Y)
            _dataset(f, "mask", sim.mask, chunks=chunk[:2])
            if getattr(sim, "info_mask", None) is not None:
                _dataset(f, "info_mask", np.asarray(sim.info_mask, dtype=np.uint8), chunks=chunk[:2])
            g = _group(f, "splits")
            for name in SPLITS:
                _dataset(g, name, splits[name].astype(np.int64))
            t = _group(f, "truth")
            for col in ("seq", "tf", "pwm", "start", "end"):
                _dataset(t, col, sim.truth[col].to_numpy(np.int64))
            _dataset(t, "strand", sim.truth["strand"].to_numpy().astype("S1"))
            m = _group(f, "motifs")
            widths = np.array([p.shape[0] for p in pwms])
            stack = np.zeros((len(pwms), widths.max(), 4))
            for i, pwm in enumerate(pwms):
                stack[i, : widths[i]] = pwm
            _dataset(m, "pwm", stack)
            _dataset(m, "width", widths.astype(np.int64))
            _dataset(m, "task", np.asarray(pwm_task, dtype=np.int64))
            f.attrs["task_names"] = json.dumps(list(task_names))
            f.attrs["motif_ids"] = json.dumps(list(motif_ids))
            f.attrs["seed"] = int(seed)
            f.attrs["creator"] = f"motifrep {__version__}"
            if config is not None:
                f.attrs["config"] = json.dumps(config, sort_keys=True)


class ChunkedWriter:
    """Write a data set in the common layout block by block, never holding it whole in memory.

    For sets built from a genome or a bundle (in vivo routes)::

        with atomic_path(out) as tmp, ChunkedWriter(tmp, length=1000, task_names=names) as w:
            for X, Y, split in blocks:
                w.append(X, Y, split)   # X uint8 (n, L, 4) one-hot, Y uint8 (n, T)

    Rows are appended in order; ``split`` ("train", "valid" or "test") is recorded per block and
    written as sorted index arrays on close. ``attrs`` become file attributes (JSON-encoded
    when not a number or string). No object carries a timestamp (byte-reproducible).
    """

    def __init__(self, path, length: int, task_names, chunk_rows: int = 1024, attrs: dict | None = None):
        self.length, self.n_tasks = int(length), len(task_names)
        self.file = _create_file(path)
        rows = max(1, int(chunk_rows))
        self.X = self.file.create_dataset("X", shape=(0, self.length, 4), maxshape=(None, self.length, 4),
                                          dtype=np.uint8, chunks=(rows, self.length, 4), track_times=False)
        self.Y = self.file.create_dataset("Y", shape=(0, self.n_tasks), maxshape=(None, self.n_tasks),
                                          dtype=np.uint8, chunks=(rows, self.n_tasks), track_times=False)
        self.split_rows = {name: [] for name in SPLITS}
        self.n = 0
        self.file.attrs["task_names"] = json.dumps(list(task_names))
        self.file.attrs["creator"] = f"motifrep {__version__}"
        for key, value in (attrs or {}).items():
            self.file.attrs[key] = value if isinstance(value, (int, float, str)) else json.dumps(value,
                                                                                               sort_keys=True)

    def append(self, X: np.ndarray, Y: np.ndarray, split: str) -> None:
        """Append one block: ``X`` uint8 ``(n, L, 4)``, ``Y`` ``(n, T)`` of ``split``; ValueError if malformed."""
        if split not in self.split_rows:
            raise ValueError(f"unknown split {split!r}")
        if X.dtype != np.uint8 or X.ndim != 3 or X.shape[1:] != (self.length, 4):
            raise ValueError(f"X block must be uint8 (n, {self.length}, 4), is {X.dtype} {X.shape}")
        if Y.shape != (X.shape[0], self.n_tasks):
            raise ValueError(f"Y block must have shape ({X.shape[0]}, {self.n_tasks}), has {Y.shape}")
        n = X.shape[0]
        if n == 0:
            return
        self.X.resize(self.n + n, axis=0)
        self.Y.resize(self.n + n, axis=0)
        self.X[self.n :] = X
        self.Y[self.n :] = Y.astype(np.uint8)
        self.split_rows[split].append(np.arange(self.n, self.n + n, dtype=np.int64))
        self.n += n

    def counts(self) -> dict:
        """Rows appended so far per split."""
        return {name: int(sum(len(r) for r in rows)) for name, rows in self.split_rows.items()}

    def close(self) -> None:
        """Write the split index arrays and close the file (again: nothing)."""
        if not self.file:
            return
        g = _group(self.file, "splits")
        for name, rows in self.split_rows.items():
            _dataset(g, name, np.concatenate(rows) if rows else np.zeros(0, np.int64))
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()
        else:
            self.file.close()


class Dataset:
    """A validated, read-only view of an HDF5 data set (see module docstring).

    Opening checks shapes and dtypes and raises :class:`FormatError` naming the file and the
    offending dataset. Use as a context manager, or call :meth:`close`.

    Opening checks: ``X`` uint8 ``(N, L, 4)`` and one-hot (once per file version and process),
    ``Y`` ``(N, T)``, each split a non-empty, sorted, unique index array below ``N``, and
    ``mask`` / ``info_mask`` (when present) of shape ``(N, L)``, ``info_mask`` uint8.

    Parameters
    ----------
    path : str or os.PathLike
        The HDF5 file.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    file : h5py.File
        The open file (read-only).
    length : int
        Sequence length ``L``.
    n_tasks : int
        Label columns ``T``.
    task_names : list of str
        The ``task_names`` attribute, or ``task0``, ``task1``, ... without one.

    Raises
    ------
    FormatError
        The file is missing, not readable HDF5, or fails one of the checks.
    """

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.exists():
            raise FormatError(f"{self.path}: data set file not found")
        try:
            self.file = h5py.File(self.path, "r")
        except OSError:
            raise FormatError(f"{self.path}: not a readable HDF5 file") from None
        try:
            self._validate()
        except Exception:
            self.file.close()
            raise

    def _validate(self):
        """The checks of the class docstring; FormatError naming the file and the dataset."""
        f, p = self.file, self.path
        for name in ("X", "Y"):
            if name not in f:
                raise FormatError(f"{p}: HDF5 dataset '{name}' is missing")
        X, Y = f["X"], f["Y"]
        if X.ndim != 3 or X.shape[2] != 4:
            raise FormatError(f"{p}: 'X' has shape {X.shape}, expected (N, L, 4) one-hot")
        if X.dtype != np.uint8:
            raise FormatError(f"{p}: 'X' has dtype {X.dtype}, expected uint8 one-hot")
        if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
            raise FormatError(f"{p}: 'Y' has shape {Y.shape}, expected ({X.shape[0]}, n_tasks)")
        for name in SPLITS:
            key = f"splits/{name}"
            if key not in f:
                raise FormatError(f"{p}: HDF5 dataset '{key}' is missing")
            idx = f[key]
            if idx.ndim != 1 or idx.shape[0] == 0:
                raise FormatError(f"{p}: '{key}' must be a non-empty 1-D index array, has shape {idx.shape}")
            values = idx[()]
            if values.min() < 0 or values.max() >= X.shape[0] or np.any(np.diff(values) <= 0):
                raise FormatError(f"{p}: '{key}' must hold sorted, unique row indices below {X.shape[0]}")
        for name in ("mask", "info_mask"):
            if name in f and f[name].shape != X.shape[:2]:
                raise FormatError(f"{p}: '{name}' has shape {f[name].shape}, expected {X.shape[:2]}")
        if "info_mask" in f and f["info_mask"].dtype != np.uint8:
            raise FormatError(f"{p}: 'info_mask' has dtype {f['info_mask'].dtype}, expected uint8")
        self._check_one_hot()

    def _check_one_hot(self, rows: int = 4096) -> None:
        """Every position of ``X`` has exactly one base set to 1 (read in blocks of rows; once
        per file version and process, as a job opens its data set several times)."""
        stat = self.path.stat()
        key = (str(self.path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _ONE_HOT_CHECKED:
            return
        X = self.file["X"]
        for lo in range(0, X.shape[0], rows):
            block = X[lo : lo + rows]
            if block.max(initial=0) > 1 or np.any(block.sum(axis=2, dtype=np.uint16) != 1):
                bad = np.argwhere((block > 1).any(axis=2) | (block.sum(axis=2, dtype=np.uint16) != 1))[0]
                raise FormatError(f"{self.path}: 'X' is not one-hot: sequence {lo + bad[0]}, position {bad[1]} "
                                  f"has {block[bad[0], bad[1]].tolist()}")
        _ONE_HOT_CHECKED.add(key)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Close the HDF5 file."""
        self.file.close()

    @property
    def length(self) -> int:
        """Sequence length ``L``."""
        return int(self.file["X"].shape[1])

    @property
    def n_tasks(self) -> int:
        """Label columns ``T``."""
        return int(self.file["Y"].shape[1])

    @property
    def task_names(self) -> list[str]:
        """The ``task_names`` attribute, or ``task0``, ``task1``, ... without one."""
        raw = self.file.attrs.get("task_names")
        return json.loads(raw) if raw is not None else [f"task{i}" for i in range(self.n_tasks)]

    def indices(self, split: str) -> np.ndarray:
        """The sorted row indices (int64) of ``split``."""
        return self.file[f"splits/{split}"][()]

    def read_rows(self, name, idx):
        """Rows ``idx`` (sorted, unique) of HDF5 dataset ``name``, read block by block into one array.

        Runs of consecutive rows are read straight into place (:func:`_load_rows`).

        Parameters
        ----------
        name : str
            An HDF5 dataset of the file (``"X"``, ``"Y"``, ``"mask"``, ``"info_mask"``).
        idx : array_like of int
            Sorted, unique row indices.

        Returns
        -------
        numpy.ndarray
            ``(len(idx), ...)`` in the dataset's dtype.
        """
        return _load_rows(self.file[name], np.asarray(idx))

    def load(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """The whole split in memory: (X uint8 (n, L, 4), Y float32 (n, T)).

        Parameters
        ----------
        split : {"train", "valid", "test"}
            The split.

        Returns
        -------
        X : numpy.ndarray
            uint8 ``(n, L, 4)`` one-hot sequences, in file order.
        Y : numpy.ndarray
            float32 ``(n, T)`` labels.
        """
        idx = self.indices(split)
        return self.read_rows("X", idx), self.read_rows("Y", idx).astype(np.float32)

    def split_nbytes(self, split: str) -> int:
        """Bytes of the split's uint8 one-hot sequences (n x L x 4)."""
        return int(self.file[f"splits/{split}"].shape[0]) * self.length * 4

    def position_truth(self, split: str | None = None) -> np.ndarray:
        """Per-position ground truth ``info_mask``, all rows or those of ``split``.

        Parameters
        ----------
        split : {"train", "valid", "test"}, optional
            Only the rows of this split (default: all rows).

        Returns
        -------
        numpy.ndarray
            uint8 ``(n, L)``; 1 where the generating column has information > 0.01 bits.

        Raises
        ------
        FormatError
            The data set has no ``info_mask``.
        """
        if "info_mask" not in self.file:
            raise FormatError(f"{self.path}: no per-position ground truth ('info_mask') in this data set")
        if split is None:
            return self.file["info_mask"][()]
        return self.read_rows("info_mask", self.indices(split))

    def truth(self) -> pd.DataFrame:
        """The ground-truth table (one row per embedded motif).

        Returns
        -------
        pandas.DataFrame
            Columns ``seq, tf, pwm, strand, start, end`` (end exclusive; strand ``"+"`` or
            ``"-"``).

        Raises
        ------
        FormatError
            The data set has no ``truth`` group.
        """
        if "truth" not in self.file:
            raise FormatError(f"{self.path}: no ground truth ('truth' group) in this data set")
        g = self.file["truth"]
        df = pd.DataFrame({c: g[c][()] for c in ("seq", "tf", "pwm", "start", "end")})
        df.insert(3, "strand", g["strand"][()].astype(str))
        return df


def nbytes_limit(gigabytes: float) -> int:
    """``gigabytes`` GiB in bytes."""
    return int(gigabytes * (1 << 30))


def _load_rows(dset, idx: np.ndarray, block: int = 4096) -> np.ndarray:
    """Rows ``idx`` (sorted, unique) of an HDF5 dataset into one new array, a block of file rows at
    a time: runs of consecutive rows are read straight into place, so the split is held once."""
    out = np.empty((len(idx),) + dset.shape[1:], dtype=dset.dtype)
    pos = 0
    while pos < len(idx):
        lo = int(idx[pos])
        end = int(np.searchsorted(idx, lo + block))
        hi = int(idx[end - 1]) + 1
        if hi - lo == end - pos:
            dset.read_direct(out, np.s_[lo:hi], np.s_[pos:end])
        else:
            out[pos:end] = dset[lo:hi][idx[pos:end] - lo]
        pos = end
    return out


def _read_sorted(dset, rows: np.ndarray) -> np.ndarray:
    """Rows ``rows`` (sorted, unique) of an HDF5 dataset: one slice when contiguous, else row by row
    (about 7 us a row for 1,000 nt; h5py's fancy indexing takes 30 times as long)."""
    if rows[-1] - rows[0] + 1 == rows.size:
        return dset[rows[0] : rows[-1] + 1]
    out = np.empty((rows.size,) + dset.shape[1:], dtype=dset.dtype)
    for i, row in enumerate(rows):
        out[i] = dset[row]
    return out


class _BatchRows:
    """Gathers one batch of a split: X uint8 rows from memory (when given) or from the HDF5 file,
    Y uint8 rows from memory. Batch positions are sorted first (file order within a batch)."""

    def __init__(self, path, idx: np.ndarray, X: np.ndarray | None, Y: np.ndarray):
        self.path, self.idx, self.X, self.Y = path, idx, X, Y

    def __call__(self, pos: np.ndarray):
        """``(X uint8, Y uint8)`` rows of split positions ``pos``, in sorted order."""
        pos = np.sort(pos)
        if self.X is not None:
            return self.X[pos], self.Y[pos]
        # Opened per batch (0.3 ms): no HDF5 handle outlives the call in a data-loading thread,
        # which could deadlock with the interpreter closing it at exit.
        with h5py.File(self.path, "r") as f:
            return _read_sorted(f["X"], self.idx[pos]), self.Y[pos]


class BatchStream:
    """Batches ``(X float32 (b, L, 4), Y float32 (b, T))`` of one split, a ``keras.utils.PyDataset``
    (made by :func:`batch_stream`; the class is built when first asked for, after the backend is set)."""


def _batch_stream_class():
    """The :class:`keras.utils.PyDataset` subclass behind :func:`batch_stream` (imports Keras)."""
    global _STREAM
    if _STREAM is not None:
        return _STREAM
    import keras

    class _Stream(keras.utils.PyDataset, BatchStream):
        def __init__(self, gather, n: int, batch_size: int, seed, shapes=None):
            super().__init__(workers=1, use_multiprocessing=False)
            self.gather, self.n, self.batch_size, self.seed, self.epoch = gather, n, int(batch_size), seed, 0
            self.order = np.arange(n)
            self.shapes = shapes  # ((L, 4), (T,)): one row of X and of Y

        def __len__(self):
            return -(-self.n // self.batch_size)

        def rows(self, i):
            """Batch ``i`` of the current epoch as stored: ``(X uint8, Y uint8)``."""
            if not 0 <= i < len(self):
                raise IndexError(i)
            return self.gather(self.order[i * self.batch_size:(i + 1) * self.batch_size])

        def __getitem__(self, i):
            x, y = self.rows(i)
            return x.astype(np.float32), y.astype(np.float32)

        def on_epoch_begin(self):
            """Keras calls it once before each epoch: the next epoch's order (shuffled when seeded)."""
            if self.seed is not None:
                self.order = np.random.default_rng([int(self.seed), self.epoch]).permutation(self.n)
            self.epoch += 1

        def __iter__(self):
            """One epoch of batches (as Keras runs one: :meth:`on_epoch_begin` first)."""
            self.on_epoch_begin()
            for i in range(len(self)):
                yield self[i]

    _STREAM = _Stream
    return _STREAM


_STREAM = None


def batch_stream(path, split: str, batch_size: int, seed: int | None, in_memory_max_gb: float = 4.0):
    """A ``keras.utils.PyDataset`` of (float32 X, float32 Y) batches over one split (any Keras backend).

    ``seed=None`` keeps the file order (evaluation); otherwise the split is fully reshuffled each
    epoch: epoch ``e`` (0-based, counted by the ``on_epoch_begin`` calls Keras makes before each
    epoch; iterating the stream directly is one epoch too) takes the rows in the order
    ``numpy.random.default_rng([seed, e]).permutation(n)``, the same orders for the same seed.
    ``X`` is kept as uint8 once: in memory when the split fits ``in_memory_max_gb`` (each batch
    gathered from that array), else each batch's rows are read from the HDF5 file; ``Y`` (uint8)
    is in memory. Batches are cast to float32 one at a time; the same seed gives the same batches
    in memory and streamed. No tf.data: the same stream feeds TensorFlow, JAX and PyTorch.

    Parameters
    ----------
    path : str or os.PathLike
        The HDF5 data set.
    split : {"train", "valid", "test"}
        The split.
    batch_size : int
        Sequences per batch (the last batch may be smaller).
    seed : int or None
        Shuffle seed; None keeps the file order.
    in_memory_max_gb : float, default 4.0
        Hold ``X`` in memory when the split's one-hot data is at most this size.

    Returns
    -------
    keras.utils.PyDataset
        ``len()`` batches of ``(X float32 (b, L, 4), Y float32 (b, T))`` (also a :class:`BatchStream`).

    Raises
    ------
    FormatError
        The data set file is missing or not valid.
    """
    with Dataset(path) as ds:
        idx = ds.indices(split)
        Y = _load_rows(ds.file["Y"], idx)
        X = _load_rows(ds.file["X"], idx) if ds.split_nbytes(split) <= nbytes_limit(in_memory_max_gb) else None
        shapes = (tuple(ds.file["X"].shape[1:]), tuple(ds.file["Y"].shape[1:]))
    return _batch_stream_class()(_BatchRows(path, idx, X, Y), len(idx), batch_size, seed, shapes)

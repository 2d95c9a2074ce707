"""Atomic file writing and small I/O helpers.

Outputs are written to a temporary file in the target directory and moved into place
with :func:`os.replace`, so an interrupted step never leaves a file that looks complete.
A full disk (or quota) while writing is one :class:`~motifrep.errors.MotifrepError` line
naming the file and the space left (:func:`no_space_error`); the entry points
(:func:`motifrep.runner.run_script`, :func:`motifrep.cli.main`) say the same of a write that
does not go through :func:`atomic_path`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator

from motifrep.errors import FormatError, MotifrepError

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
# how libraries that drop the errno say it: HDF5 ("errno = 28, error message = 'No space left on device'")
_NO_SPACE_TEXT = tuple(f"errno = {n}," for n in _NO_SPACE) + tuple(os.strerror(n) for n in _NO_SPACE)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def out_of_space(exc: BaseException) -> bool:
    """Whether ``exc`` comes from a full disk or quota: an OSError with errno ENOSPC or EDQUOT in its
    chain, or a library's message naming one (h5py raises ``RuntimeError: Can't decrement id ref
    count (file write failed: ... errno = 28 ...)`` when closing a file that a full disk cut short).

    Parameters
    ----------
    exc : BaseException
        The exception caught.

    Returns
    -------
    bool
        True for a full disk or an exceeded quota.
    """
    if isinstance(exc, MotifrepError):  # already reported as one line
        return False
    return any((isinstance(e, OSError) and e.errno in _NO_SPACE) or any(t in str(e) for t in _NO_SPACE_TEXT)
               for e in _chain(exc))


def free_mb(path: str | os.PathLike) -> float:
    """MB free (to a normal user) on the file system holding ``path`` (or its nearest existing folder)."""
    where = Path(os.path.abspath(path))
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        st = os.statvfs(where)
    except OSError:
        return float("nan")
    return st.f_bavail * st.f_frsize / 1e6


def no_space_error(path: str | os.PathLike, exc: BaseException | None = None) -> MotifrepError:
    """The one-line error of a full disk: ``PATH: no space left on device (N MB free on that filesystem)``.

    Parameters
    ----------
    path : str or os.PathLike
        The file being written; when ``exc`` names a file (an OSError's ``filename`` in its chain),
        that one is named instead.
    exc : BaseException, optional
        The out-of-space exception (:func:`out_of_space`).

    Returns
    -------
    MotifrepError
        To raise (``from None``).
    """
    named = next((e.filename for e in _chain(exc) if isinstance(e, OSError) and e.filename), None)
    path = named if named is not None else path
    what = "disk quota exceeded" if any(isinstance(e, OSError) and e.errno == errno.EDQUOT
                                        for e in _chain(exc)) else "no space left on device"
    return MotifrepError(f"{os.fsdecode(path)}: {what} ({free_mb(path):.1f} MB free on that filesystem)")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left untouched; a full disk
    or quota (:func:`out_of_space`) becomes the one-line MotifrepError of :func:`no_space_error`
    naming ``path``. ``suffix`` defaults to the suffix of ``path`` (some writers, e.g. Keras,
    insist on it).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix
        )
    except OSError as exc:
        if out_of_space(exc):
            raise no_space_error(path) from None
        raise
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        if tmp.exists():  # mkstemp makes 0600 files: give outputs the usual umask-based mode
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
    except Exception as exc:
        if not out_of_space(exc):
            raise
        tmp.unlink(missing_ok=True)  # before measuring what is free
        raise no_space_error(path) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def read_lines(path: str | os.PathLike, what: str) -> list[str]:
    """Lines of a text input file; a missing or binary file is a one-line FormatError."""
    try:
        return Path(path).read_text().splitlines()
    except FileNotFoundError:
        raise FormatError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise FormatError(f"{path}: {what} expected, found a directory") from None
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not a text file") from None


def tsv_records(path: str | os.PathLike, what: str, columns) -> Iterator[tuple[int, dict]]:
    """(line number, {column: field}) of a tab-separated table: ``#`` lines and blank lines skipped,
    the first other line is the header, which must hold ``columns``; a row with another number of
    fields than the header is a one-line ``FILE:LINE: what`` FormatError."""
    header = None
    for lineno, line in enumerate(read_lines(path, what), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if header is None:
            header = fields
            missing = [c for c in columns if c not in header]
            if missing:
                raise FormatError(f"{path}:{lineno}: {what} header lacks column(s) {', '.join(missing)}")
            continue
        if len(fields) != len(header):
            raise FormatError(f"{path}:{lineno}: {len(fields)} tab-separated fields, header has {len(header)}")
        yield lineno, dict(zip(header, fields))


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_tsv(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame as TSV (no index) atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (parent folders are created).
    frame : pandas.DataFrame
        The table; floats are written with 6 significant digits (``%.6g``).

    Returns
    -------
    None
    """
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False, float_format="%.6g")


def writable_dir(path, what: str) -> Path:
    """Create ``path`` if needed and check it is writable; one-line FormatError naming ``what``.

    Parameters
    ----------
    path : str or os.PathLike
        The directory (created with its parents when missing).
    what : str
        How the error message names the directory (e.g. ``"--out"``).

    Returns
    -------
    pathlib.Path
        ``path`` as a Path.

    Raises
    ------
    FormatError
        The directory cannot be created or is not writable.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FormatError(f"{what} {path}: cannot create the directory ({exc.strerror})") from None
    if not os.access(path, os.W_OK):
        raise FormatError(f"{what} {path}: directory is not writable")
    return path

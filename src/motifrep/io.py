"""Atomic file writing and small I/O helpers.

Outputs are written to a temporary file in the target directory and moved into place
with :func:`os.replace`, so an interrupted step never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator

from motifrep.errors import FormatError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left untouched.
    ``suffix`` defaults to the suffix of ``path`` (some writers, e.g. Keras, insist on it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix
    )
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        if tmp.exists():  # mkstemp makes 0600 files: give outputs the usual umask-based mode
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
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

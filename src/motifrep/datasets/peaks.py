"""ChIP-seq peak files (ENCODE narrowPeak, plain or gzip), checked against the genome."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from motifrep.errors import FormatError

NARROWPEAK_FIELDS = 10
_INTEGER = re.compile(r"-?[0-9]+")


def _text_lines(path: Path) -> list[str]:
    """The lines of a text file, gunzipped when it starts with the gzip magic bytes."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise FormatError(f"{path}: narrowPeak file not found") from None
    except IsADirectoryError:
        raise FormatError(f"{path}: narrowPeak file expected, found a directory") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except EOFError:
            raise FormatError(f"{path}: truncated gzip file") from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise FormatError(f"{path}: corrupt gzip file ({exc})") from None
    try:
        return raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not a text file") from None


def _interval(path, lineno: int, fields: list[str], chrom_sizes: dict) -> tuple[str, int, int]:
    """``(chrom, start, end)`` of one peak line, checked against the genome; ``FILE:LINE`` FormatErrors."""
    chrom = fields[0]
    if not (_INTEGER.fullmatch(fields[1]) and _INTEGER.fullmatch(fields[2])):
        raise FormatError(f"{path}:{lineno}: start and end must be integers, got {fields[1]!r} and {fields[2]!r}")
    start, end = int(fields[1]), int(fields[2])
    if start < 0 or start >= end:
        raise FormatError(f"{path}:{lineno}: peak {chrom}:{start}-{end} needs 0 <= start < end")
    if chrom not in chrom_sizes:
        raise FormatError(f"{path}:{lineno}: chromosome {chrom!r} is not in the genome")
    if end > chrom_sizes[chrom]:
        raise FormatError(f"{path}:{lineno}: peak {chrom}:{start}-{end} ends past the end of {chrom} "
                          f"({chrom_sizes[chrom]} nt)")
    return chrom, start, end


def read_narrowpeak(path, chrom_sizes: dict) -> pd.DataFrame:
    """Peaks of a narrowPeak file (BED6+4, tab-separated; gzip or plain) as columns chrom, start, end
    (0-based, end-exclusive), file order. ``#``, ``track`` and ``browser`` lines are skipped.

    Problems are one-line :class:`FormatError` ``FILE:LINE: what``: fewer than 10 fields,
    non-integer or inverted coordinates, a chromosome not in ``chrom_sizes``, a peak past the
    chromosome end; a file without peaks is an error too.
    """
    path = Path(path)
    chroms, starts, ends = [], [], []
    for lineno, line in enumerate(_text_lines(path), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) < NARROWPEAK_FIELDS:
            raise FormatError(f"{path}:{lineno}: {len(fields)} tab-separated fields; "
                              f"a narrowPeak line has {NARROWPEAK_FIELDS}")
        chrom, start, end = _interval(path, lineno, fields, chrom_sizes)
        chroms.append(chrom)
        starts.append(start)
        ends.append(end)
    if not chroms:
        raise FormatError(f"{path}: no peaks")
    return pd.DataFrame({"chrom": pd.Series(chroms, dtype=object), "start": np.array(starts, dtype=np.int64),
                         "end": np.array(ends, dtype=np.int64)})

"""Read and write motifs in MEME minimal format (version 4).

A motif is a position probability matrix of shape ``(width, 4)`` over A, C, G, T.
The reader checks what later steps rely on (alphabet ACGT, ``alength= 4``, ``w=`` equal to
the number of rows, rows summing to 1, at least one ``MOTIF``) and reports the first
problem as ``FILE:LINE: what``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motifrep.errors import FormatError
from motifrep.io import read_lines, write_text

ALPHABET = "ACGT"
ROW_SUM_TOLERANCE = 0.02

_MATRIX_RE = re.compile(r"^letter-probability matrix:(.*)$")
_KEYVAL_RE = re.compile(r"(\w+)\s*=\s*(\S+)")


@dataclass
class Motif:
    """One motif: identifier, optional name, and a ``(width, 4)`` probability matrix.

    Parameters
    ----------
    id : str
        The motif identifier (the first word after ``MOTIF``).
    pwm : numpy.ndarray, shape (width, 4)
        Probabilities over A, C, G, T, one row per position.
    name : str, default ""
        The rest of the ``MOTIF`` line (e.g. the TF name).
    nsites : int, optional
        The ``nsites=`` of the matrix header, if any.
    url : str, default ""
        The ``URL`` line, if any.
    extra : dict
        Anything else a producer records (e.g. ``n_sites`` from
        :func:`motifrep.filters.scan.filters_to_motifs`); not written to MEME files.
    """

    id: str
    pwm: np.ndarray
    name: str = ""
    nsites: int | None = None
    url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        """Number of positions (matrix rows)."""
        return int(self.pwm.shape[0])

    def reverse_complement(self) -> "Motif":
        """The motif on the other strand (rows reversed, A<->T, C<->G)."""
        return Motif(self.id, self.pwm[::-1, ::-1].copy(), self.name, self.nsites, self.url)


def _is_number(token: str) -> bool:
    """Whether ``token`` parses as a float (``nan`` and ``inf`` included: a matrix row, to be checked)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def _floats(tokens, where):
    """The tokens of a matrix row as finite floats; FormatError naming ``where`` (and the value) otherwise."""
    try:
        row = [float(t) for t in tokens]
    except ValueError:
        raise FormatError(f"{where}: expected numbers in a matrix row, got {' '.join(tokens)!r}") from None
    for token, value in zip(tokens, row):
        if not math.isfinite(value):
            raise FormatError(f"{where}: value {token!r} is not a number (probabilities expected)")
    return row


def read_meme(path: str | os.PathLike) -> list[Motif]:
    """Parse a MEME-format file into a list of :class:`Motif` (file order kept).

    The checks are those of the module docstring: a ``MEME version`` line within the first 50
    lines, alphabet ACGT, ``alength= 4``, integer ``w=`` equal to the number of matrix rows,
    four non-negative numbers per row summing to 1 (within :data:`ROW_SUM_TOLERANCE`), and at
    least one ``MOTIF``, each with a matrix.

    Parameters
    ----------
    path : str or os.PathLike
        The MEME file.

    Returns
    -------
    list of Motif
        The motifs in file order, with ``name``, ``url`` and ``nsites`` when the file gives them.

    Raises
    ------
    FormatError
        The file is missing, not text, or breaks one of the checks; the message names
        ``FILE:LINE`` of the first problem.
    """
    path = Path(path)
    lines = read_lines(path, "MEME file")

    if not any(line.startswith("MEME version") for line in lines[:50]):
        raise FormatError(f"{path}:1: not a MEME file (no 'MEME version' line)")

    motifs: list[Motif] = []
    current: Motif | None = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        where = f"{path}:{i + 1}"
        if line.startswith("ALPHABET"):
            alphabet = line.split("=", 1)[-1].strip()
            if alphabet.upper() != ALPHABET:
                raise FormatError(f"{where}: alphabet {alphabet!r} is not ACGT")
        elif line.startswith("MOTIF"):
            current = _new_motif(line, where, current)
            motifs.append(current)
        elif line.startswith("URL") and current is not None:
            current.url = line[3:].strip()
        elif _MATRIX_RE.match(line):
            if current is None:
                raise FormatError(f"{where}: letter-probability matrix before any MOTIF line")
            width = _matrix_header(line, where, current)
            current.pwm, i = _matrix_rows(lines, i + 1, width, path, current)
            continue
        i += 1

    _check_complete(motifs, path)
    return motifs


def _new_motif(line: str, where: str, previous: Motif | None) -> Motif:
    """The :class:`Motif` a ``MOTIF`` line opens (empty matrix); ``previous`` must have its matrix."""
    parts = line.split()
    if len(parts) < 2:
        raise FormatError(f"{where}: MOTIF line without an identifier")
    if previous is not None and previous.pwm.size == 0:
        raise FormatError(f"{where}: motif {previous.id!r} before it has no letter-probability matrix")
    return Motif(parts[1], np.zeros((0, 4)), " ".join(parts[2:]))


def _matrix_header(line: str, where: str, motif: Motif) -> int:
    """The width ``w=`` of a ``letter-probability matrix`` line; sets ``motif.nsites`` when given."""
    fields = dict(_KEYVAL_RE.findall(_MATRIX_RE.match(line).group(1)))
    try:
        alength = int(fields.get("alength", 4))
        width = int(fields["w"])
    except (KeyError, ValueError):
        raise FormatError(f"{where}: matrix header needs integer 'alength=' and 'w='") from None
    if alength != 4:
        raise FormatError(f"{where}: alength= {alength}, expected 4 (DNA)")
    if width < 1:
        raise FormatError(f"{where}: motif {motif.id!r} has width {width}")
    if "nsites" in fields:
        try:
            motif.nsites = int(round(float(fields["nsites"])))
        except ValueError:
            raise FormatError(f"{where}: nsites= {fields['nsites']!r} is not a number") from None
    return width


def _matrix_rows(lines: list[str], j: int, width: int, path: Path, motif: Motif) -> tuple[np.ndarray, int]:
    """The ``width`` probability rows of ``motif`` from line index ``j`` on (blank lines skipped).

    Returns the ``(width, 4)`` matrix and the index of the line after its last row.
    """
    rows = []
    while len(rows) < width:
        if j >= len(lines):
            raise FormatError(f"{path}:{j}: motif {motif.id!r} ends after {len(rows)} of {width} rows")
        tokens = lines[j].split()
        if not tokens:
            j += 1
            continue
        if not re.match(r"^[-+.\d]", tokens[0]) and not _is_number(tokens[0]):  # nan, inf: a bad row
            raise FormatError(f"{path}:{j + 1}: motif {motif.id!r} has {len(rows)} rows, header says w= {width}")
        row = _floats(tokens, f"{path}:{j + 1}: motif {motif.id!r} row {len(rows) + 1}")
        if len(row) != 4:
            raise FormatError(f"{path}:{j + 1}: matrix row has {len(row)} values, expected 4")
        total = sum(row)
        if min(row) < 0 or abs(total - 1.0) > ROW_SUM_TOLERANCE:
            raise FormatError(
                f"{path}:{j + 1}: motif {motif.id!r} row sums to {total:.4f}, not 1 (probabilities expected)"
            )
        rows.append(row)
        j += 1
    return np.asarray(rows, dtype=float), j


def _check_complete(motifs: list[Motif], path: Path) -> None:
    """FormatError unless there is at least one motif and every motif has its matrix."""
    if not motifs:
        raise FormatError(f"{path}: no MOTIF found")
    for motif in motifs:
        if motif.pwm.size == 0:
            raise FormatError(f"{path}: motif {motif.id!r} has no letter-probability matrix")


def format_meme(motifs: list[Motif], background=(0.25, 0.25, 0.25, 0.25), digits: int = 6) -> str:
    """Return ``motifs`` as MEME minimal-format text.

    Parameters
    ----------
    motifs : list of Motif
        The motifs, written in this order. A motif without ``nsites`` gets its width as
        ``nsites=``; its ``url`` is written when set.
    background : sequence of 4 float, default uniform
        The background letter frequencies of A, C, G, T.
    digits : int, default 6
        Decimals of the probabilities and background frequencies.

    Returns
    -------
    str
        The file text (``MEME version 4``, ``ALPHABET= ACGT``, both strands).

    Raises
    ------
    FormatError
        ``motifs`` is empty, or a matrix is not of shape ``(width, 4)`` with width >= 1.
    """
    if not motifs:
        raise FormatError("cannot write a MEME file with no motifs")
    out = [
        "MEME version 4",
        "",
        f"ALPHABET= {ALPHABET}",
        "",
        "strands: + -",
        "",
        "Background letter frequencies",
        " ".join(f"{base} {p:.{digits}f}" for base, p in zip(ALPHABET, background)),
        "",
    ]
    for motif in motifs:
        pwm = np.asarray(motif.pwm, dtype=float)
        if pwm.ndim != 2 or pwm.shape[1] != 4 or pwm.shape[0] < 1:
            raise FormatError(f"motif {motif.id!r}: matrix shape {pwm.shape}, expected (width, 4)")
        nsites = motif.nsites if motif.nsites is not None else pwm.shape[0]
        out.append(f"MOTIF {motif.id} {motif.name}".rstrip())
        out.append("")
        out.append(f"letter-probability matrix: alength= 4 w= {pwm.shape[0]} nsites= {nsites} E= 0")
        out.extend("  ".join(f"{p:.{digits}f}" for p in row) for row in pwm)
        out.append("")
        if motif.url:
            out.append(f"URL {motif.url}")
            out.append("")
    return "\n".join(out)


def write_meme(path: str | os.PathLike, motifs: list[Motif], **kwargs) -> None:
    """Write ``motifs`` to ``path`` in MEME format (atomically).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    motifs : list of Motif
        The motifs, in file order.
    **kwargs
        ``background`` and ``digits`` of :func:`format_meme`.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        As :func:`format_meme`: no motifs, or a matrix of the wrong shape.
    """
    write_text(path, format_meme(motifs, **kwargs))

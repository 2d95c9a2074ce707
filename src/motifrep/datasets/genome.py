"""Genome FASTA access (pyfaidx), alphabet checks, one-hot encoding and unpacking a downloaded ``.fa.gz``."""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import zlib
from pathlib import Path

import numpy as np

from motifrep.errors import ConfigError, FormatError
from motifrep.io import atomic_path

log = logging.getLogger("motifrep")

ALPHABET = b"ACGTNacgtn"
_BLOCK = 1 << 20

_ONE_HOT = np.zeros((256, 4), dtype=np.uint8)  # byte -> one-hot row (A, C, G, T); N and the rest: zeros
for _i, _base in enumerate("ACGT"):
    _ONE_HOT[ord(_base), _i] = _ONE_HOT[ord(_base.lower()), _i] = 1


def one_hot(seq: str) -> np.ndarray:
    """One-hot encode a DNA string: uint8 (L, 4) in A, C, G, T order; N (and any other letter) is all zero."""
    return _ONE_HOT[np.frombuffer(seq.encode("ascii"), np.uint8)]


def one_hot_codes(codes: np.ndarray) -> np.ndarray:
    """One-hot encode an array of ASCII codes (any shape S): uint8 (*S, 4)."""
    return _ONE_HOT[codes]


def _gzip_kind(path: Path) -> str | None:
    """'bgzf', 'gzip' or None (not gzip-compressed), from the first bytes of the file."""
    with open(path, "rb") as handle:
        head = handle.read(18)
    if head[:2] != b"\x1f\x8b":
        return None
    return "bgzf" if len(head) >= 14 and head[3] & 4 and head[12:14] == b"BC" else "gzip"


def open_fasta(path, rebuild: bool = True, index_dir=None):
    """Open a FASTA (plain, or bgzip-compressed) with pyfaidx, upper-case sequences.

    The index (``.fai``, and ``.gzi`` for bgzip) is built next to the file when missing, or
    when stale and ``rebuild``. Where it cannot be written there (a read-only folder), it is
    built in ``index_dir`` instead (the caller's: a folder of its own under the workflow's
    results), or, without one, that is a one-line FormatError. A plain-gzip FASTA or a
    malformed one is a one-line FormatError.

    Parameters
    ----------
    path : str or os.PathLike
        The FASTA (plain, or bgzip-compressed and named ``*.gz`` / ``*.bgz``).
    rebuild : bool, default True
        Rebuild a stale index.
    index_dir : str or os.PathLike, optional
        A writable folder for the index when the FASTA's own folder is not writable.

    Returns
    -------
    pyfaidx.Fasta
        The open FASTA; close it when done.

    Raises
    ------
    FormatError
        A missing file, plain gzip, a badly named bgzip file, a FASTA pyfaidx cannot index
        (no half-built index is left behind), an index that cannot be written (neither beside
        the FASTA nor in ``index_dir``), or no records.
    """
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: genome FASTA not found")
    kind = _gzip_kind(path)
    if kind == "gzip":
        raise FormatError(f"{path}: plain gzip FASTA cannot be indexed: gunzip it (or recompress it with bgzip)")
    if kind == "bgzf" and not path.name.lower().endswith((".gz", ".bgz")):
        raise FormatError(f"{path}: bgzip-compressed FASTA must be named *.gz or *.bgz")
    try:
        fa = _indexed_fasta(path, path.parent, rebuild)
    except OSError:  # pyfaidx says only "may not be writable"
        if index_dir is None:
            raise FormatError(f"{path}: cannot write its index beside it ({path.name}.fai: folder read-only "
                              "or full): make the folder writable, or index the FASTA there first (samtools "
                              "faidx)") from None
        try:
            Path(index_dir).mkdir(parents=True, exist_ok=True)
            fa = _indexed_fasta(path, Path(index_dir), rebuild)
        except OSError:
            raise FormatError(f"{path}: cannot write its index beside it nor in {index_dir} (folders read-only "
                              "or full)") from None
        log.info("%s: folder not writable: indexed in %s", path, index_dir)
    if not fa.records:
        fa.close()
        raise FormatError(f"{path}: no FASTA records")
    return fa


def _indexed_fasta(path: Path, folder: Path, rebuild: bool):
    """pyfaidx ``Fasta`` of ``path`` with its index (``.fai``, ``.gzi``) in ``folder``; an index this
    call began and could not finish is removed. FormatError for a FASTA pyfaidx cannot index;
    OSError (unchanged) when the index cannot be written."""
    from pyfaidx import Fasta, FastaIndexingError, UnsupportedCompressionFormat

    indexes = [folder / f"{path.name}.fai", folder / f"{path.name}.gzi"]
    existed = [p.exists() for p in indexes]
    try:
        return Fasta(str(path), indexname=str(indexes[0]), gzi_indexname=str(indexes[1]), sequence_always_upper=True,
                     rebuild=rebuild)
    except (FastaIndexingError, UnsupportedCompressionFormat, ValueError, OSError) as exc:
        for index, was in zip(indexes, existed):
            if not was:  # no half-built index left behind
                with contextlib.suppress(OSError):
                    index.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            if exc.filename is not None and Path(exc.filename) == path:  # the FASTA itself, not its index
                raise FormatError(f"{path}: cannot read the genome FASTA ({exc.strerror})") from None
            raise
        raise FormatError(f"{path}: not an indexable FASTA ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    """The first line of an exception's message (its type name when empty)."""
    text = str(exc.args[0]) if exc.args else ""  # args[0]: a KeyError's str() adds quotes
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def chrom_sizes(fasta) -> dict[str, int]:
    """Chromosome name -> length, in file order; ``fasta`` is a path or an open pyfaidx ``Fasta``."""
    fa = open_fasta(fasta) if isinstance(fasta, (str, os.PathLike)) else fasta
    return {name: len(record) for name, record in fa.records.items()}


class _FastaCheck:
    """Incremental FASTA check over decompressed blocks: a header before any sequence, named headers,
    only A, C, G, T, N in sequence lines; errors name the line. Never holds more than a block."""

    def __init__(self, path):
        self.path, self.lineno, self.records = path, 1, 0
        self.carry = b""  # the start of an unfinished header line
        self.mid = False  # inside an unfinished sequence line (its start already checked)

    def _seq(self, text: bytes) -> None:
        """Check sequence text: after a header, only A, C, G, T, N (either case)."""
        if self.records == 0:
            raise FormatError(f"{self.path}:{self.lineno}: sequence before the first '>' header")
        bad = text.translate(None, ALPHABET)
        if bad:
            raise FormatError(f"{self.path}:{self.lineno}: character {chr(bad[0])!r} is not A, C, G, T or N")

    def _line(self, line: bytes) -> None:
        """Check one whole line (a named header or sequence) and count it."""
        if line.startswith(b">"):
            if not line[1:].strip():
                raise FormatError(f"{self.path}:{self.lineno}: FASTA header without a name")
            self.records += 1
        elif line:
            self._seq(line)
        self.lineno += 1

    def feed(self, block: bytes) -> None:
        """Check the next block of decompressed bytes (lines may span blocks)."""
        if self.mid:
            nl = block.find(b"\n")
            self._seq(block if nl < 0 else block[:nl])
            if nl < 0:
                return
            self.mid, self.lineno, block = False, self.lineno + 1, block[nl + 1 :]
        block, self.carry = self.carry + block, b""
        cut = block.rfind(b"\n") + 1
        whole, tail = block[:cut], block[cut:]
        if self.records == 0 or whole.startswith(b">") or b"\n>" in whole or whole.translate(None, ALPHABET + b"\n"):
            for line in whole.split(b"\n")[:-1]:
                self._line(line)
        else:  # the common case: sequence lines only, all valid
            self.lineno += whole.count(b"\n")
        if tail.startswith(b">"):
            self.carry = tail
        elif tail:
            self._seq(tail)
            self.mid = True

    def finish(self) -> int:
        """Check the last line; return the record count (FormatError if none)."""
        if self.carry:
            self._line(self.carry)
        if self.records == 0:
            raise FormatError(f"{self.path}: no FASTA records")
        return self.records


def _gunzip_checked(gz_in, out) -> int:
    """Stream-decompress ``gz_in`` to ``out`` checking the FASTA alphabet; return the record count."""
    check = _FastaCheck(gz_in)
    try:
        with gzip.open(gz_in, "rb") as src, open(out, "wb") as dst:
            while block := src.read(_BLOCK):
                dst.write(block)
                check.feed(block)
    except FileNotFoundError:
        raise FormatError(f"{gz_in}: compressed genome FASTA not found") from None
    except EOFError:
        raise FormatError(f"{gz_in}: truncated gzip file (ends near line {check.lineno})") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise FormatError(f"{gz_in}: corrupt gzip file ({exc})") from None
    return check.finish()


# --------------------------------------------------------------------------- workflow step


def unpack_genome(gz_in, fasta_out, fai_out=None) -> None:
    """Workflow step: gunzip a downloaded ``.fa.gz`` to a plain FASTA and index it.

    The file is decompressed as a stream with its alphabet checked (headers named, only A,
    C, G, T, N in sequence lines) and indexed by pyfaidx (``fasta_out + '.fai'``). Both files
    appear only after every check passed.

    Parameters
    ----------
    gz_in : str or os.PathLike
        The gzip-compressed FASTA.
    fasta_out : str or os.PathLike
        The plain FASTA to write.
    fai_out : str or os.PathLike, optional
        The index; must be ``fasta_out + '.fai'`` (the default).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        ``fai_out`` is not named ``fasta_out + '.fai'``.
    FormatError
        A missing, truncated or corrupt gzip file, a FASTA error (naming the line), or a
        FASTA pyfaidx cannot index.
    """
    from pyfaidx import Fasta, FastaIndexingError

    fai_out = Path(str(fasta_out) + ".fai") if fai_out is None else Path(fai_out)
    if fai_out != Path(str(fasta_out) + ".fai"):
        raise ConfigError(f"{fai_out}: the index of {fasta_out} must be named {fasta_out}.fai")
    with atomic_path(fai_out) as tmp_fai, atomic_path(fasta_out) as tmp_fa:
        n = _gunzip_checked(gz_in, tmp_fa)
        tmp_fai.unlink()  # an empty placeholder as new as the FASTA would pass for a current index
        try:
            fa = Fasta(str(tmp_fa), indexname=str(tmp_fai), sequence_always_upper=True, rebuild=True)
        except (FastaIndexingError, ValueError) as exc:
            raise FormatError(f"{gz_in}: not an indexable FASTA ({_first_line(exc)})") from None
        total = sum(len(record) for record in fa.records.values())
        fa.close()
    log.info("unpacked %s to %s: %d sequences, %d nt; index %s", gz_in, fasta_out, n, total, fai_out)


def read_fasta_onehot(path, length: int | None):
    """One-hot uint8 ``(N, L, 4)`` of the records of a FASTA file (A/C/G/T, any case).

    Every record must have ``length`` bases (or, when ``length`` is None, the first
    record's). Raises :class:`FormatError` naming the file, record and 1-based position of
    the first other letter, or the first record of another length.

    Blank lines and ``;`` comment lines are skipped; a record is named by the first word of
    its header.

    Parameters
    ----------
    path : str or os.PathLike
        The FASTA file (plain text).
    length : int or None
        Required record length; None: that of the first record.

    Returns
    -------
    X : numpy.ndarray
        uint8 ``(N, L, 4)`` one-hot in A, C, G, T order.
    names : list of str
        The record names, in file order.

    Raises
    ------
    FormatError
        Non-ASCII bytes, sequence before the first header, no records, a record of another
        length, or a letter other than A, C, G, T (either case).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError:
        raise FormatError(f"{path}: not a FASTA file (non-ASCII bytes)") from None
    records: list[tuple[str, str, int]] = []  # (name, sequence, line of the header)
    name, chunks, header_line = None, [], 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith(">"):
            if name is not None:
                records.append((name, "".join(chunks), header_line))
            name, chunks, header_line = (line[1:].split() or [f"record{len(records) + 1}"])[0], [], lineno
        elif name is None:
            raise FormatError(f"{path}:{lineno}: not a FASTA file (sequence before the first '>' header)")
        else:
            chunks.append("".join(line.split()))
    if name is not None:
        records.append((name, "".join(chunks), header_line))
    if not records:
        raise FormatError(f"{path}: no FASTA records (expected '>name' lines followed by sequences)")

    want = length if length is not None else len(records[0][1])
    X = np.zeros((len(records), want, 4), dtype=np.uint8)
    for k, (rec, seq, line) in enumerate(records, start=1):
        if len(seq) != want:
            expect = f"the model expects {want}" if length is not None else f"the first record has {want}"
            raise FormatError(f"{path}: record {rec!r} (#{k}, line {line}) has length {len(seq)}, but {expect}")
        X[k - 1] = one_hot(seq)
        bad = np.flatnonzero(X[k - 1].sum(axis=1) == 0)
        if bad.size:
            pos = int(bad[0])
            raise FormatError(f"{path}: record {rec!r} (#{k}), position {pos + 1}: letter {seq[pos]!r} is not "
                              f"A, C, G or T")
    return X, [r[0] for r in records]

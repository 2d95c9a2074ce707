"""Checked downloads: any urllib URL (http, https, ftp, file) streamed to disk, size and SHA-256 verified.

Nothing is left at the output path unless every check passed (:func:`motifrep.io.atomic_path`).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import logging
import re
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from motifrep.errors import ConfigError, FormatError, MotifrepError
from motifrep.io import atomic_path

log = logging.getLogger("motifrep")

BLOCK = 1 << 20  # 1 MiB


def sha256sum(path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _expected_sha256(sha256: str | None, url: str) -> str | None:
    """The pinned checksum in lower case, or None when not pinned; a malformed one is a ConfigError."""
    if sha256 is None or not str(sha256).strip():
        return None
    value = str(sha256).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ConfigError(f"sha256 for {url}: {sha256!r} is not 64 hexadecimal digits")
    return value


def _stream(url: str, tmp: Path, timeout: float) -> tuple[str, int, int | None]:
    """Copy ``url`` to ``tmp`` in 1 MiB blocks; return (sha256, bytes read, Content-Length or None)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            length = response.headers.get("Content-Length")
            while block := response.read(BLOCK):
                out.write(block)
                digest.update(block)
                size += len(block)
    except http.client.IncompleteRead as exc:
        raise MotifrepError(f"download of {url} truncated: got {size + len(exc.partial)} bytes, "
                            f"{exc.expected} more expected") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise MotifrepError(f"cannot download {url} ({getattr(exc, 'reason', exc)})") from None
    try:
        expected = int(length) if length is not None else None
    except ValueError:
        expected = None
    return digest.hexdigest(), size, expected


def download(url: str, out, sha256: str | None = None, timeout: float = 60, verify=None) -> str:
    """Download ``url`` to ``out``; return the SHA-256 of the bytes received.

    A size different from the server's Content-Length (a truncated download) or a SHA-256
    different from ``sha256`` (when given) is a one-line :class:`MotifrepError`. ``verify``,
    when given, is called with the temporary file before it is moved onto ``out`` (e.g.
    :func:`check_gzip`). On any failure nothing is left at ``out``.

    Parameters
    ----------
    url : str
        Any URL urllib opens (http, https, ftp, file).
    out : str or os.PathLike
        Where the file goes (written atomically; parent folders are created).
    sha256 : str, optional
        Expected SHA-256 as 64 hexadecimal digits (any case); None or blank: not checked.
    timeout : float, default 60
        Socket timeout in seconds.
    verify : callable, optional
        Called as ``verify(tmp_path)`` on the complete download; it may raise to refuse it.

    Returns
    -------
    str
        The SHA-256 (lower-case hex) of the bytes received.

    Raises
    ------
    ConfigError
        ``sha256`` is not 64 hexadecimal digits.
    MotifrepError
        The download fails, is truncated, or its SHA-256 differs from ``sha256``; or whatever
        ``verify`` raises.
    """
    expected_sha = _expected_sha256(sha256, url)
    with atomic_path(out) as tmp:
        got, size, expected_size = _stream(url, tmp, timeout)
        if expected_size is not None and size != expected_size:
            raise MotifrepError(f"download of {url} truncated: got {size} bytes, Content-Length {expected_size}")
        if expected_sha is not None and got != expected_sha:
            raise MotifrepError(f"checksum mismatch for {url}: expected sha256 {expected_sha}, got {got}")
        if verify is not None:
            verify(tmp)
    return got


def check_gzip(path, name=None) -> int:
    """Read a gzip file through to the end; return its uncompressed size.

    A truncated or corrupt file is a one-line :class:`FormatError` naming ``name`` (default ``path``).
    """
    name = path if name is None else name
    size = 0
    try:
        with gzip.open(path, "rb") as handle:
            while block := handle.read(BLOCK):
                size += len(block)
    except FileNotFoundError:
        raise FormatError(f"{name}: gzip file not found") from None
    except EOFError:
        raise FormatError(f"{name}: truncated gzip file (ends after {size} uncompressed bytes)") from None
    except (gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise FormatError(f"{name}: corrupt gzip file ({exc})") from None
    return size


# --------------------------------------------------------------------------- workflow step


def fetch_file(out, url, sha256=None) -> None:
    """Workflow step: download ``url`` to ``out`` (a ``.gz`` output is also read through), log its SHA-256.

    Parameters
    ----------
    out : str or os.PathLike
        The file to write. When its name ends in ``.gz`` the download is decompressed to the
        end (:func:`check_gzip`) before it is kept.
    url : str
        The URL to fetch (http, https, ftp or file).
    sha256 : str, optional
        Pinned SHA-256; None or blank downloads without checking (and the log says so).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        ``sha256`` is not 64 hexadecimal digits.
    MotifrepError
        As :func:`download`: failed, truncated or mismatching download.
    FormatError
        A ``.gz`` output that is truncated or corrupt.
    """
    verify = (lambda tmp: check_gzip(tmp, name=url)) if str(out).endswith(".gz") else None
    got = download(url, out, sha256, verify=verify)
    log.info("downloaded %s to %s (%d bytes); sha256 %s%s", url, out, Path(out).stat().st_size, got,
             " (as expected)" if _expected_sha256(sha256, url) else " (not checked: pin it to verify)")

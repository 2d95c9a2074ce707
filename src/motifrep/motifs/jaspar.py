"""JASPAR motifs: offline export from ``pyjaspar`` and verified download from a URL."""

from __future__ import annotations

import logging
import warnings

import numpy as np

from motifrep.download import download, sha256sum
from motifrep.errors import ConfigError
from motifrep.io import write_text
from motifrep.motifs.meme import Motif, format_meme, read_meme

log = logging.getLogger("motifrep")


def _jaspardb(release: str):
    """pyjaspar's database of ``release``; ConfigError if pyjaspar does not ship it."""
    from pyjaspar import jaspar_releases, jaspardb

    if release not in jaspar_releases:
        known = ", ".join(sorted(jaspar_releases))
        raise ConfigError(f"jaspar.release: {release!r} is not a JASPAR release shipped with pyjaspar ({known})")
    return jaspardb(release=release)


def _to_motif(jm) -> Motif:
    """A pyjaspar matrix as a :class:`Motif` (counts normalised; nsites the first column's total; JASPAR URL)."""
    counts = np.array([jm.counts[base] for base in "ACGT"], dtype=float).T  # (width, 4)
    sums = counts.sum(axis=1, keepdims=True)
    return Motif(
        id=jm.matrix_id,
        name=jm.name,
        pwm=counts / sums,
        nsites=int(round(float(sums[0, 0]))),
        url=f"http://jaspar.genereg.net/matrix/{jm.matrix_id}",
    )


def fetch_collection(release: str = "JASPAR2016", collection: str = "CORE", tax_group: str = "vertebrates") -> list[Motif]:
    """All latest-version matrices of a JASPAR collection, sorted by matrix ID.

    JASPAR2016 CORE vertebrates gives the 519 motifs used by both papers. Read offline from
    the database that ``pyjaspar`` ships; counts are turned into probabilities.

    Parameters
    ----------
    release : str, default "JASPAR2016"
        A release shipped with pyjaspar (``pyjaspar.jaspar_releases``).
    collection : str, default "CORE"
        The JASPAR collection.
    tax_group : str, default "vertebrates"
        The taxonomic group.

    Returns
    -------
    list of Motif
        One motif per matrix: ``id`` the matrix ID, ``name`` the TF name, ``nsites`` the
        count total of a column (the number of sites), ``url`` the JASPAR page.

    Raises
    ------
    ConfigError
        ``release`` is not shipped with pyjaspar, or the collection has no motifs for
        ``tax_group``.
    """
    db = _jaspardb(release)
    jms = db.fetch_motifs(collection=collection, tax_group=[tax_group])
    if not jms:
        raise ConfigError(f"jaspar: {release} has no {collection} motifs for tax group {tax_group!r}")
    return sorted((_to_motif(m) for m in jms), key=lambda m: m.id)


def fetch_by_ids(ids: list[str], release: str = "JASPAR2016") -> list[Motif]:
    """Fetch matrices by JASPAR ID (e.g. ``MA0083.3``); an unknown ID is a one-line error.

    Parameters
    ----------
    ids : list of str
        Versioned JASPAR matrix IDs.
    release : str, default "JASPAR2016"
        A release shipped with pyjaspar.

    Returns
    -------
    list of Motif
        The motifs in the order of ``ids``.

    Raises
    ------
    ConfigError
        ``release`` is not shipped with pyjaspar, or an ID does not exist in it.
    """
    db = _jaspardb(release)
    motifs = []
    for matrix_id in ids:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jm = db.fetch_motif_by_id(matrix_id)
        if jm is None:
            raise ConfigError(f"JASPAR ID {matrix_id!r} does not exist in {release}")
        motifs.append(_to_motif(jm))
    return motifs


def export_collection(path, release="JASPAR2016", collection="CORE", tax_group="vertebrates") -> int:
    """Write a JASPAR collection to ``path`` in MEME format; return the number of motifs.

    Parameters
    ----------
    path : str or os.PathLike
        The MEME file to write (atomically).
    release, collection, tax_group : str
        As :func:`fetch_collection` (defaults JASPAR2016, CORE, vertebrates).

    Returns
    -------
    int
        The number of motifs written.

    Raises
    ------
    ConfigError
        As :func:`fetch_collection`.
    """
    motifs = fetch_collection(release, collection, tax_group)
    write_text(path, format_meme(motifs))
    return len(motifs)


def download_meme(url: str, path, sha256: str | None = None, timeout: float = 60) -> int:
    """Download a JASPAR MEME file, check it, and return its motif count.

    The download goes through :func:`motifrep.download.download` (size and SHA-256 checked)
    and the file must parse as MEME (:func:`motifrep.motifs.meme.read_meme`). Nothing is left
    at ``path`` unless every check passed.

    Parameters
    ----------
    url : str
        Where the MEME file is (http, https, ftp or file URL).
    path : str or os.PathLike
        Where to write it.
    sha256 : str, optional
        Expected SHA-256; None: not checked.
    timeout : float, default 60
        Socket timeout in seconds.

    Returns
    -------
    int
        The number of motifs in the file.

    Raises
    ------
    ConfigError
        ``sha256`` is not 64 hexadecimal digits.
    MotifrepError
        The download fails, is truncated or has another SHA-256.
    FormatError
        The file is not a valid MEME file.
    """
    counts = []
    download(url, path, sha256, timeout, verify=lambda tmp: counts.append(len(read_meme(tmp))))
    return counts[0]


# --------------------------------------------------------------------------- workflow step


def export_jaspar(out, release, collection, tax_group) -> None:
    """Workflow step: a JASPAR collection from pyjaspar, written as MEME.

    Parameters
    ----------
    out : str or os.PathLike
        The MEME file to write.
    release : str
        A JASPAR release shipped with pyjaspar (e.g. ``"JASPAR2016"``).
    collection : str
        The JASPAR collection (e.g. ``"CORE"``).
    tax_group : str
        The taxonomic group (e.g. ``"vertebrates"``).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        Unknown release, or no motifs in that collection and group.
    """
    n = export_collection(out, release, collection, tax_group)
    log.info("wrote %d %s %s %s motifs to %s", n, release, collection, tax_group, out)


def download_jaspar(out, url, sha256) -> None:
    """Workflow step: download a MEME file, check and log its SHA-256.

    Parameters
    ----------
    out : str or os.PathLike
        The MEME file to write.
    url : str
        Where to download it from.
    sha256 : str or None
        The pinned SHA-256 (``jaspar.sha256``); None or empty: not checked (the log says so).

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        ``sha256`` is not 64 hexadecimal digits.
    MotifrepError
        The download fails, is truncated or has another SHA-256.
    FormatError
        The file is not a valid MEME file.
    """
    n = download_meme(url, out, sha256)
    log.info("downloaded %d motifs from %s to %s; sha256 %s%s", n, url, out, sha256sum(out),
             " (as expected)" if sha256 else " (not checked: set jaspar.sha256 to pin it)")

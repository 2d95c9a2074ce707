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
    from pyjaspar import jaspar_releases, jaspardb

    if release not in jaspar_releases:
        known = ", ".join(sorted(jaspar_releases))
        raise ConfigError(f"jaspar.release: {release!r} is not a JASPAR release shipped with pyjaspar ({known})")
    return jaspardb(release=release)


def _to_motif(jm) -> Motif:
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

    JASPAR2016 CORE vertebrates gives the 519 motifs used by both papers.
    """
    db = _jaspardb(release)
    jms = db.fetch_motifs(collection=collection, tax_group=[tax_group])
    if not jms:
        raise ConfigError(f"jaspar: {release} has no {collection} motifs for tax group {tax_group!r}")
    return sorted((_to_motif(m) for m in jms), key=lambda m: m.id)


def fetch_by_ids(ids: list[str], release: str = "JASPAR2016") -> list[Motif]:
    """Fetch matrices by JASPAR ID (e.g. ``MA0083.3``); an unknown ID is a one-line error."""
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
    """Write a JASPAR collection to ``path`` in MEME format; return the number of motifs."""
    motifs = fetch_collection(release, collection, tax_group)
    write_text(path, format_meme(motifs))
    return len(motifs)


def download_meme(url: str, path, sha256: str | None = None, timeout: float = 60) -> int:
    """Download a JASPAR MEME file (:func:`motifrep.download.download`: size and SHA-256 checked),
    check that it parses; return the motif count. Nothing is left at ``path`` unless every check passed."""
    counts = []
    download(url, path, sha256, timeout, verify=lambda tmp: counts.append(len(read_meme(tmp))))
    return counts[0]


# --------------------------------------------------------------------------- workflow step


def export_jaspar(out, release, collection, tax_group) -> None:
    """Workflow step: a JASPAR collection from pyjaspar, written as MEME."""
    n = export_collection(out, release, collection, tax_group)
    log.info("wrote %d %s %s %s motifs to %s", n, release, collection, tax_group, out)


def download_jaspar(out, url, sha256) -> None:
    """Workflow step: download a MEME file, check and log its SHA-256."""
    n = download_meme(url, out, sha256)
    log.info("downloaded %d motifs from %s to %s; sha256 %s%s", n, url, out, sha256sum(out),
             " (as expected)" if sha256 else " (not checked: set jaspar.sha256 to pin it)")

"""The motif database filters are compared with: a JASPAR release from pyjaspar, or a MEME file.

A database is named by one string (``motifrep filters --motifs``, config ``tomtom.database``):

``JASPAR<year>[:COLLECTION[:TAX_GROUP]]``
    A JASPAR release shipped with pyjaspar (JASPAR2014 ... JASPAR2026), its latest matrix
    versions of one collection (default ``CORE``) and taxonomic group (default
    ``vertebrates``), read offline: ``JASPAR2024``, ``JASPAR2024:CORE:vertebrates``,
    ``JASPAR2022:CORE:plants``. The release name is case-insensitive.
a MEME file
    Any MEME motif file: a JASPAR download, HOCOMOCO v11/v12/v13 (``H12CORE_meme_format.meme``)
    or your own. A motif whose ``MOTIF`` line has no name gets one from a HOCOMOCO ID
    (``SP1.H12CORE.0.P.B`` and ``SP1_HUMAN.H11MO.0.A`` are named ``SP1``).

:func:`parse_database` checks the string (no database is read); :func:`load_database` reads
the motifs. The simulation's own motif source is config ``jaspar:``; the two may differ.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

from motifrep.errors import ConfigError, FormatError
from motifrep.io import write_text
from motifrep.motifs.meme import Motif, format_meme, read_meme

#: Collections of the JASPAR database (pyjaspar's ``collection`` values).
JASPAR_COLLECTIONS = ("CORE", "CNE", "PHYLOFACTS", "SPLICE", "POLII", "FAM", "PBM", "PBM_HOMEO", "PBM_HLH",
                      "UNVALIDATED")
#: JASPAR's taxonomic groups.
JASPAR_TAX_GROUPS = ("vertebrates", "plants", "insects", "nematodes", "fungi", "urochordates", "diatoms",
                     "cnidaria", "trematodes", "oomycota", "dictyostelium")
JASPAR_PAGE = "https://jaspar.elixir.no/matrix/{id}/"

_JASPAR_SPEC = re.compile(r"^(JASPAR\d{4})(?::([A-Za-z_]+))?(?::([A-Za-z]+))?$", re.IGNORECASE)
_JASPAR_ID = re.compile(r"^([A-Z]{2,3}\d{4})\.\d+$")
_HOCOMOCO_ID = re.compile(r"^([A-Za-z0-9-]+?)(?:_[A-Z]+)?\.H1[1-9][A-Z]*\b")


@dataclass(frozen=True)
class MotifDatabase:
    """A parsed database name: ``kind`` ``"jaspar"`` (release, collection, tax_group) or ``"meme"`` (path)."""

    kind: str
    release: str = ""
    collection: str = ""
    tax_group: str = ""
    path: str = ""

    @property
    def label(self) -> str:
        """How messages and reports name it (``JASPAR2024 CORE vertebrates`` or the file)."""
        return f"{self.release} {self.collection} {self.tax_group}" if self.kind == "jaspar" else self.path

    @property
    def file_stem(self) -> str:
        """A file name for its MEME export (``JASPAR2024_CORE_vertebrates``); JASPAR only."""
        return f"{self.release}_{self.collection}_{self.tax_group}"


def jaspar_base(motif_id: str) -> str:
    """The base of a versioned JASPAR ID (``MA0079.5`` -> ``MA0079``); any other ID unchanged."""
    match = _JASPAR_ID.match(motif_id)
    return match.group(1) if match else motif_id


def jaspar_url(motif_id: str) -> str | None:
    """The JASPAR page of a JASPAR matrix ID (``MA0079.5`` or ``MA0079``), None for other IDs."""
    if _JASPAR_ID.match(motif_id) or re.fullmatch(r"[A-Z]{2,3}\d{4}", motif_id):
        return JASPAR_PAGE.format(id=motif_id)
    return None


def shipped_releases() -> list[str]:
    """The JASPAR releases pyjaspar ships (its ``data/JASPAR*.sqlite``), found without importing it.

    Importing pyjaspar takes over a second (Biopython); config checks run on every
    ``snakemake`` start, so the installed files are listed instead.
    """
    spec = importlib.util.find_spec("pyjaspar")
    if spec is None:
        raise ConfigError("JASPAR databases come from the pyjaspar package, which is not installed")
    found = sorted({p.stem for loc in (spec.submodule_search_locations or [])
                    for p in Path(loc, "data").glob("JASPAR*.sqlite")})
    if not found:  # another layout: ask pyjaspar itself
        from pyjaspar import jaspar_releases

        found = sorted(jaspar_releases)
    return found


def parse_database(spec: str, where: str = "--motifs", resolve=None) -> MotifDatabase:
    """Check a database name (see the module docstring) without reading the database.

    Parameters
    ----------
    spec : str
        ``JASPAR<year>[:COLLECTION[:TAX_GROUP]]`` or a MEME file path.
    where : str, default "--motifs"
        What the message names (the option or config key).
    resolve : callable, optional
        Maps a file path to the one used (e.g. relative to the workflow); default unchanged.

    Returns
    -------
    MotifDatabase
        The parsed name; a file's ``path`` as given.

    Raises
    ------
    ConfigError
        One line: a ``JASPAR...`` name that is not a release shipped with pyjaspar, an unknown
        collection or tax group, or a name that is neither that nor an existing file.
    """
    spec = str(spec).strip()
    path = Path(resolve(spec) if resolve else spec)
    match = _JASPAR_SPEC.match(spec)
    if spec.upper().startswith("JASPAR") and not path.is_file():
        if match is None:
            raise ConfigError(f"{where} {spec}: expected JASPAR<year>[:COLLECTION[:TAX_GROUP]], e.g. "
                              f"JASPAR2024:CORE:vertebrates, or a MEME file")
        jaspar_releases = shipped_releases()
        release = match.group(1).upper()
        collection = (match.group(2) or "CORE").upper()
        tax_group = (match.group(3) or "vertebrates").lower()
        if release not in jaspar_releases:
            raise ConfigError(f"{where} {spec}: {release} is not a JASPAR release shipped with pyjaspar "
                              f"({', '.join(jaspar_releases)}) nor an existing MEME file")
        if collection not in JASPAR_COLLECTIONS:
            raise ConfigError(f"{where} {spec}: unknown JASPAR collection {collection!r} "
                              f"(known: {', '.join(JASPAR_COLLECTIONS)})")
        if tax_group not in JASPAR_TAX_GROUPS:
            raise ConfigError(f"{where} {spec}: unknown JASPAR tax group {tax_group!r} "
                              f"(known: {', '.join(JASPAR_TAX_GROUPS)})")
        return MotifDatabase("jaspar", release=release, collection=collection, tax_group=tax_group)
    if not path.exists():
        raise ConfigError(f"{where} {spec}: neither a MEME file nor a JASPAR release name "
                          f"(JASPAR<year>[:COLLECTION[:TAX_GROUP]], e.g. JASPAR2024)")
    if path.is_dir():
        raise ConfigError(f"{where} {spec}: a MEME motif file expected, found a directory")
    return MotifDatabase("meme", path=spec)


def hocomoco_name(motif_id: str) -> str:
    """The TF of a HOCOMOCO ID (``SP1.H12CORE.0.P.B``, ``SP1_HUMAN.H11MO.0.A`` -> ``SP1``), else ``""``."""
    match = _HOCOMOCO_ID.match(motif_id)
    return match.group(1) if match else ""


def _named(motifs: list[Motif]) -> list[Motif]:
    """Motifs without a name get one from a HOCOMOCO ID (others keep an empty name)."""
    return [m if m.name else replace(m, name=hocomoco_name(m.id)) for m in motifs]


def load_database(database: MotifDatabase | str, resolve=None) -> list[Motif]:
    """The motifs of a database (a :class:`MotifDatabase` or a name for :func:`parse_database`).

    Parameters
    ----------
    database : MotifDatabase or str
        The database.
    resolve : callable, optional
        As :func:`parse_database`, for a file path.

    Returns
    -------
    list of Motif
        JASPAR: the collection's latest matrix versions, sorted by ID
        (:func:`motifrep.motifs.jaspar.fetch_collection`); a file: its motifs in file order,
        unnamed HOCOMOCO motifs named by their TF.

    Raises
    ------
    ConfigError
        A bad name, or a JASPAR collection without motifs for that tax group.
    FormatError
        A malformed MEME file, or motif IDs that occur twice in it.
    """
    if isinstance(database, str):
        database = parse_database(database, resolve=resolve)
    if database.kind == "jaspar":
        from motifrep.motifs.jaspar import fetch_collection  # deferred: config checks import this module

        return fetch_collection(database.release, database.collection, database.tax_group)
    path = Path(resolve(database.path) if resolve else database.path)
    motifs = _named(read_meme(path))
    seen: set[str] = set()
    for motif in motifs:
        if motif.id in seen:
            raise FormatError(f"{path}: motif ID {motif.id!r} occurs twice")
        seen.add(motif.id)
    return motifs


def export_database(spec: str, out) -> int:
    """Workflow step: a JASPAR database name written as a MEME file; returns the motif count.

    Parameters
    ----------
    spec : str
        ``JASPAR<year>[:COLLECTION[:TAX_GROUP]]`` (config ``tomtom.database``).
    out : str or os.PathLike
        The MEME file to write (atomically).

    Returns
    -------
    int
        The number of motifs written.

    Raises
    ------
    ConfigError
        A bad name, a MEME file name (nothing to export), or an empty collection.
    """
    database = parse_database(spec, "tomtom.database")
    if database.kind != "jaspar":
        raise ConfigError(f"tomtom.database {spec}: a MEME file is used as it is, not exported")
    motifs = load_database(database)
    write_text(out, format_meme(motifs))
    logging.getLogger("motifrep").info("wrote %d %s motifs to %s", len(motifs), database.label, out)
    return len(motifs)

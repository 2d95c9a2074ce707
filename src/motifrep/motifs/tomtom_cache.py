"""Warm memelite's numba compile cache, so that the first Tomtom run does not compile.

memelite compiles its Tomtom kernels with numba on first use (about 90 s on 2 cores) and
caches them on disk, in the folder ``$NUMBA_CACHE_DIR`` names when memelite is imported
(:func:`motifrep.motifs.tomtom.ensure_numba_cache`). Two folders are used:

* the workflow's, config ``tomtom.numba_cache`` (default ``.numba_cache`` in the checkout);
* the command line's, ``motifrep filters --numba-cache`` (default ``$NUMBA_CACHE_DIR``,
  else ``~/.cache/motifrep/numba``).

``make setup`` runs ``python -m motifrep.motifs.tomtom_cache .numba_cache
~/.cache/motifrep/numba``: :func:`warm_numba_caches` compiles once, in a fresh interpreter
pointed at the first folder (numba binds a cached function to its folder at import), by
running the workflow's tiny engine check (:func:`motifrep.motifs.tomtom.prepare_tomtom`:
the same kernels and argument types as a real run), then copies the compiled files into
the other folders (numba's cache files name the source they were compiled from, not the
folder they sit in). Where the first folder is warm already this takes a few seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from motifrep.errors import MotifrepError
from motifrep.io import writable_dir

_COMPILE = (
    "import sys, tempfile, os\n"
    "from motifrep.motifs.tomtom import prepare_tomtom\n"
    "with tempfile.TemporaryDirectory() as tmp:\n"
    "    prepare_tomtom('memelite', sys.argv[1], os.path.join(tmp, 'engine.tsv'))\n"
)


def _copy_cache(source: Path, dest: Path) -> int:
    """Copy numba cache files from ``source`` to ``dest`` (data files before index files); return the count.

    An index file (``.nbi``) is copied last and atomically (temporary name, then rename), so
    a copy cut short leaves no index pointing at a missing data file (``.nbc``).
    """
    files = sorted((p for p in source.rglob("*") if p.is_file()), key=lambda p: (p.suffix == ".nbi", str(p)))
    for path in files:
        target = dest / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return len(files)


def warm_numba_caches(caches) -> list[tuple[Path, str]]:
    """Compile memelite's Tomtom kernels into each numba cache folder of ``caches``.

    Parameters
    ----------
    caches : sequence of str or os.PathLike
        Cache folders (created if missing; ``~`` expanded); duplicates are warmed once.

    Returns
    -------
    list of (pathlib.Path, str)
        Each folder and what was done: ``"compiled in N s"`` (or loaded, when warm) for the
        first, ``"copied N files"`` for the others.

    Raises
    ------
    MotifrepError
        No folder given, a folder that cannot be created or written, or the compilation
        failing (its last output line is given).
    """
    folders = list(dict.fromkeys(Path(c).expanduser().resolve() for c in caches))
    if not folders:
        raise MotifrepError("numba cache warm-up: no cache folder given")
    for folder in folders:
        writable_dir(folder, "numba cache")
    first = folders[0]
    env = {**os.environ, "NUMBA_CACHE_DIR": str(first)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _COMPILE, str(first)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise MotifrepError(f"numba cache warm-up in {first} failed: {last}")
    done = [(first, f"ready in {time.perf_counter() - t0:.1f} s")]
    for folder in folders[1:]:
        done.append((folder, f"copied {_copy_cache(first, folder)} files from {first}"))
    return done


def main(argv: list[str] | None = None) -> int:
    """``python -m motifrep.motifs.tomtom_cache DIR [DIR ...]``: warm each numba cache folder.

    Parameters
    ----------
    argv : list of str, optional
        The folders (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every folder is warm, 1 (one ``motifrep: error:`` line) otherwise.
    """
    parser = argparse.ArgumentParser(
        prog="python -m motifrep.motifs.tomtom_cache",
        description="Compile memelite's Tomtom kernels (numba, about 90 s once) into each cache folder: "
                    "the workflow's (config tomtom.numba_cache, .numba_cache) and motifrep filters' "
                    "($NUMBA_CACHE_DIR, else ~/.cache/motifrep/numba).")
    parser.add_argument("caches", metavar="DIR", nargs="+", help="numba cache folder (created if missing)")
    args = parser.parse_args(argv)
    try:
        for folder, what in warm_numba_caches(args.caches):
            print(f"numba cache {folder}: {what}")
    except MotifrepError as exc:
        print(f"motifrep: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

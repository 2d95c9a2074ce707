"""``make setup``'s numba warm-up (issue 18 item 6): memelite's Tomtom compiled once into the
workflow's cache and copied into the command line's, so that the first Tomtom run loads it.

The copy is checked by what numba does with it: a fresh interpreter pointed at the copied folder
runs Tomtom and writes nothing into it (numba writes a cache file only when it compiles), and
the ``motifrep filters`` default cache is the one ``make setup`` warms.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO

from motifrep.cli import _default_numba_cache
from motifrep.motifs.tomtom_cache import main

WARM = REPO / ".numba_cache"  # the tests' cache (conftest), compiled by the first Tomtom test at the latest

RUN_TOMTOM = (
    "import sys, numpy as np\n"
    "from motifrep.motifs.meme import Motif\n"
    "from motifrep.motifs.tomtom import run_tomtom\n"
    "rng = np.random.default_rng(1)\n"
    "q = [Motif(f'q{i}', rng.dirichlet(np.ones(4), 9)) for i in range(3)]\n"
    "t = [Motif(f't{i}', rng.dirichlet(np.ones(4), 12)) for i in range(5)]\n"
    "run_tomtom(q, t, thresh=10, numba_cache_dir=sys.argv[1])\n"
)


def _snapshot(folder):
    return {p.relative_to(folder): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_warm_up_copies_a_cache_that_numba_loads(tmp_path, capsys):
    copy = tmp_path / "home" / ".cache" / "motifrep" / "numba"
    assert main([str(WARM), str(copy)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"numba cache {WARM}: ready in ") and lines[1].startswith(f"numba cache {copy}: copied ")
    before = _snapshot(copy)
    assert any(p.suffix == ".nbi" for p in before) and any(p.suffix == ".nbc" for p in before)
    assert not list(copy.rglob("*.tmp"))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("NUMBA_CACHE_DIR", None)
    subprocess.run([sys.executable, "-c", RUN_TOMTOM, str(copy)], env=env, check=True, timeout=300)
    assert _snapshot(copy) == before  # loaded, not compiled: numba wrote nothing


def test_bad_folder_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main([str(blocker / "cache")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("motifrep: error: ") and str(blocker) in err[0]


def test_the_cli_default_cache_is_the_one_make_setup_warms(monkeypatch):
    makefile = (REPO / "Makefile").read_text()
    assert "NUMBA_CACHES ?= .numba_cache $(or $(NUMBA_CACHE_DIR),$(HOME)/.cache/motifrep/numba)" in makefile
    assert "setup: $(STAMP) setup-bedtools setup-numba" in makefile
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", "/home/someone")
    assert _default_numba_cache() == "/home/someone/.cache/motifrep/numba"
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/elsewhere")
    assert _default_numba_cache() == "/elsewhere"

"""Shared test fixtures: repository paths and the authors' data in ../shared/fixtures."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOTIFREP_SHARED", REPO.parent / "shared"))
KOO2019 = SHARED / "fixtures" / "koo2019"
JASPAR2016 = KOO2019 / "JASPAR_CORE_2016_vertebrates.meme"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba_cache"))


def pytest_sessionstart(session):
    """The authors' files are real test data, not optional: stop at once without them
    (skipping would let the parity and fixture tests pass without running)."""
    if not JASPAR2016.is_file():
        pytest.exit(f"the authors' fixtures are expected at {KOO2019}: set MOTIFREP_SHARED to the folder "
                    "holding fixtures/koo2019", returncode=4)


@pytest.fixture(scope="session")
def koo2019():
    return KOO2019


@pytest.fixture(scope="session")
def jaspar2016_motifs(koo2019):
    from motifrep.meme import read_meme

    return read_meme(JASPAR2016)

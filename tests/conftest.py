"""Shared test fixtures: repository paths and the authors' data in ../shared/fixtures."""

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOTIFREP_SHARED", REPO.parent / "shared"))
KOO2019 = SHARED / "fixtures" / "koo2019"
JASPAR2016 = KOO2019 / "JASPAR_CORE_2016_vertebrates.meme"
# The tiny end-to-end configs (.test/, the Snakemake workflow catalog's convention), each layered
# over config/config.yaml; runnable by hand, see each file's first lines.
TEST_CONFIGS = REPO / ".test"
# The one part of them a static file cannot say: the end-to-end tests run in temporary working
# directories, where the default tomtom.numba_cache (.numba_cache, relative) would be a cold cache
# (memelite compiles for about 90 s); they share this checkout's instead (`--config` value).
NUMBA_CACHE_CONFIG = f"tomtom={{numba_cache: {json.dumps(str(REPO / '.numba_cache'))}}}"

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
    from motifrep.motifs.meme import read_meme

    return read_meme(JASPAR2016)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory, jaspar2016_motifs):
    """A 600-sequence, 2-task (SRF, SP1) simulated set of 100 nt for training tests."""
    from motifrep.datasets.simulate import simulate, split_indices, strand_pwms
    from motifrep.datasets.store import write_simulated

    by_id = {m.id: m for m in jaspar2016_motifs}
    pwms, task, strand = strand_pwms([by_id["MA0083.3"].pwm, by_id["MA0079.3"].pwm])
    sim = simulate(pwms, task, 2, 600, 100, [0.7, 0.3], 3, strand)
    path = tmp_path_factory.mktemp("data") / "small.h5"
    write_simulated(path, sim, split_indices(600, [0.6, 0.2, 0.2]), ["SRF", "SP1"], ["a", "b", "c", "d"], pwms, task, 3)
    return path


# ------------------------------------------------------------------ config as the workflow reads it
CONFIG_SCHEMA = REPO / "config" / "schema.yaml"
ZOO_FILE = REPO / "resources" / "models.yaml"


def load_config(name):
    """A config file of config/ (or a path relative to it, e.g. ``../.test/config.yaml``), as YAML."""
    import yaml

    return yaml.safe_load((REPO / "config" / name).read_text())


def merge_config(base, new):
    """Layer ``new`` over ``base`` as Snakemake layers config files (mappings merged, lists replaced)."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_config(base[key], value)
        else:
            base[key] = value
    return base


def layered_config(*names):
    """Config files of config/ layered in order, as Snakemake layers them."""
    config = {}
    for name in names:
        merge_config(config, load_config(name))
    return config


def checked_config(config, command_line=None):
    """``(validated config, zoo)``: what the workflow's config check returns at parse time."""
    from motifrep.config import check_models, validate

    config = validate(config, CONFIG_SCHEMA, command_line)
    return config, check_models(config, ZOO_FILE)


def write_planted_fasta(path, ppm, length: int, n: int = 300, seed: int = 3):
    """Write ``n`` random sequences of ``length`` nt to ``path``; every other one holds a site
    drawn from ``ppm`` (L, 4) at a random position. Returns ``path``."""
    import numpy as np

    bases = "ACGT"
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        seq = rng.choice(list(bases), length)
        if i % 2 == 0:
            at = int(rng.integers(0, length - len(ppm) + 1))
            seq[at:at + len(ppm)] = [bases[rng.choice(4, p=col / col.sum())] for col in ppm]
        records.append(f">s{i}\n{''.join(seq)}\n")
    Path(path).write_text("".join(records))
    return Path(path)

"""The authors' task-3 background pool (methods §1.5): rebuilt from their notebook, shipped as a resource."""

import json
import platform
import random

import h5py
import numpy as np
import pytest
from conftest import JASPAR2016, REPO

from motifrep.datasets.authors_pool import (
    DUPLICATE_INDEX,
    authors_background_pool,
    cpython_set_difference_list,
)
from motifrep.datasets.regulatory import build_regulatory_set, load_pool, main
from motifrep.errors import ConfigError
from motifrep.motifs.tf_table import load_tf_table
from motifrep.motifs.tomtom import run_tomtom

CORE = REPO / "resources" / "task3_core.tsv"
POOL = REPO / "resources" / "task3_pool.tsv"
AUTHORS = REPO / "resources" / "task3_pool_authors.tsv"


def _mt19937_legacy_permutation(seed, n):
    """``np.random.RandomState(seed).permutation(n)`` written out independently of NumPy.

    MT19937 seeded by init_genrand(seed) (what the legacy ``seed(int)`` does), its 32-bit outputs
    taken from Python's own Mersenne Twister given that state; then the legacy shuffle of
    ``arange(n)``: for i = n-1 .. 1, j = a draw masked to the bits of i, redrawn while j > i;
    swap a[i], a[j].
    """
    state = [seed & 0xFFFFFFFF]
    for i in range(1, 624):
        state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + i) & 0xFFFFFFFF)
    mt = random.Random()
    mt.setstate((3, (*state, 624), None))
    a = list(range(n))
    for i in range(n - 1, 0, -1):
        mask = i
        for shift in (1, 2, 4, 8, 16):
            mask |= mask >> shift
        while (j := mt.getrandbits(32) & mask) > i:
            pass
        a[i], a[j] = a[j], a[i]
    return a


def test_permutation_by_hand():
    # The authors' cell 4 after np.random.seed(22): the first draws, derived once without NumPy
    # (_mt19937_legacy_permutation) and written out: 154, 40, 456 are MA0489.1 JUN(var.2),
    # MA0063.1 Nkx2-5, MA0853.1 Alx4, the first three logos of their stored run.
    first = np.random.RandomState(22).permutation(519)[:8].tolist()
    assert first == [154, 40, 456, 178, 368, 441, 498, 73]
    assert _mt19937_legacy_permutation(22, 519) == np.random.RandomState(22).permutation(519).tolist()
    # none of the ten "duplicate" numbers is among the 65 JASPAR indices: the subtraction removes nothing
    assert not set(DUPLICATE_INDEX) & set(np.random.RandomState(22).permutation(519)[:65].tolist())


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="compares with CPython's own sets")
def test_set_order_emulation_matches_cpython():
    rng = random.Random(5)
    for _ in range(2000):
        n = rng.randint(8, 400)
        values = rng.sample(range(rng.randint(n, 4000)), n)
        removed = rng.sample(range(4000), rng.randint(0, (n >> 2) - 1))  # some hit, most miss
        assert cpython_set_difference_list(values, removed) == list(set(values) - set(removed))
    first = np.random.RandomState(22).permutation(519)[:65]
    ours = cpython_set_difference_list(first, DUPLICATE_INDEX)
    assert ours == [int(v) for v in set(first) - set(DUPLICATE_INDEX)]
    # CPython 3.6 (load factor 2/3, what the authors' June 2020 run used) orders it the same way
    assert cpython_set_difference_list(first, DUPLICATE_INDEX, load=(2, 3)) == ours
    with pytest.raises(ValueError):
        cpython_set_difference_list(range(20), range(5))  # another code path of set difference


def test_shipped_file_regenerates(jaspar2016_motifs):
    shipped = load_pool(AUTHORS)
    rebuilt = authors_background_pool(jaspar2016_motifs)
    assert shipped.jaspar_id.tolist() == [m.id for m in rebuilt]
    assert shipped.name.tolist() == [m.name for m in rebuilt]
    assert len(shipped) == 50 and shipped.jaspar_id.is_unique
    assert not set(shipped.jaspar_id) & set(load_tf_table(CORE).jaspar_id)
    # by hand: the set's first entries are JASPAR indices 512, 2, 3 (the 513th, 3rd and 4th motif
    # of the ID-sorted list; 512 lands in slot 0 of the 256-slot table, 512 & 255 = 0), its last 196
    assert shipped.jaspar_id.tolist()[:3] == ["MA0909.1", "MA0004.1", "MA0006.1"]
    assert shipped.iloc[-1].tolist() == ["MA0593.1", "FOXP2"]
    # the look-alikes the authors meant to drop (positions 4, 5, 12, ... of the 65) are in it, but KLF5
    meant = {"ETV5", "CEBPG", "MLX", "ZIC3", "ETV3", "PLAG1", "TCF4", "NFIC", "E2F6"}
    assert meant <= set(shipped.name) and "KLF5" not in set(shipped.name)
    # any order of the same 519 motifs gives the same pool; another set of motifs is refused
    assert [m.id for m in authors_background_pool(jaspar2016_motifs[::-1])] == shipped.jaspar_id.tolist()
    with pytest.raises(ConfigError, match="519"):
        authors_background_pool(jaspar2016_motifs[1:])


def test_look_alikes_by_tomtom(jaspar2016_motifs):
    # the README's numbers: choose-pool's rule (core queries, all 519 targets, E <= 0.1, pseudocount 0.1)
    by_id = {m.id: m for m in jaspar2016_motifs}
    core = load_tf_table(CORE)
    hits = run_tomtom([by_id[i] for i in core.jaspar_id], jaspar2016_motifs, thresh=0.1, pseudocount=0.1)
    look_alikes = set(hits.loc[hits["E-value"] <= 0.1, "Target_ID"])
    authors, ours = set(load_pool(AUTHORS).jaspar_id), set(load_pool(POOL).jaspar_id)
    assert len(ours & authors) == 5
    assert not ours & look_alikes
    assert sorted(by_id[i].name for i in authors & look_alikes) == [
        "Arnt", "BHLHE40", "CEBPG", "ETV3", "ETV5", "HEY1", "MLX", "MLXIPL", "TCF4"]


def test_authors_pool_cli_and_build(tmp_path, capsys):
    out = tmp_path / "pool.tsv"
    main(["authors-pool", "--jaspar", str(JASPAR2016), "--out", str(out)])
    assert load_pool(out).equals(load_pool(AUTHORS))
    comments = [ln for ln in out.read_text().splitlines() if ln.startswith("#")]
    assert any("7e48054b64a565364439c45932338a09eb2eb4d3" in c for c in comments)
    assert any("np.random.seed(22)" in c for c in comments) and any("authors-pool" in c for c in comments)
    assert "50 background motifs" in capsys.readouterr().out
    subset = tmp_path / "subset.meme"
    text = JASPAR2016.read_text()
    subset.write_text(text[: text.index("MOTIF", text.index("MOTIF") + 1)])  # the header and one motif
    with pytest.raises(SystemExit) as info:
        main(["authors-pool", "--jaspar", str(subset), "--out", str(out)])
    assert info.value.code == 1 and "519" in capsys.readouterr().err
    # the workflow step takes it as the pool file (config: pool: resources/task3_pool_authors.tsv)
    h5 = tmp_path / "x.h5"
    build_regulatory_set(JASPAR2016, CORE, AUTHORS, h5, 40, 40, 200, [0.50, 0.25, 0.17, 0.05, 0.03], 3,
                         [0.7, 0.1, 0.2], 22)
    with h5py.File(h5, "r") as f:
        motif_ids = json.loads(f.attrs["motif_ids"])
    assert motif_ids[10:] == [f"{i}{s}" for i in load_pool(AUTHORS).jaspar_id for s in "+-"]

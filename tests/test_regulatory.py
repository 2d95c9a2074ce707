"""The task-3 regulatory-code set (methods §1.5): simulation, ground truth, pool file, HDF5 output."""

import hashlib
import time

import h5py
import numpy as np
import pytest
from conftest import JASPAR2016, REPO

from motifrep.datasets.regulatory import (
    build_regulatory_set,
    choose_background_pool,
    load_pool,
    main,
    simulate_regulatory,
)
from motifrep.datasets.store import Dataset
from motifrep.errors import ConfigError, FormatError
from motifrep.motifs.tf_table import load_tf_table
from motifrep.motifs.tomtom import run_tomtom

PROBS = [0.50, 0.25, 0.17, 0.05, 0.03]
CORE = REPO / "resources" / "task3_core.tsv"
POOL = REPO / "resources" / "task3_pool.tsv"
CORE_IDS = ["MA0079.3", "MA0062.2", "MA0466.2", "MA0058.3", "MA0095.2"]  # SP1, Gabpa, CEBPB, MAX, YY1
N_POS = N_NEG = 10000


@pytest.fixture(scope="module")
def motifs(jaspar2016_motifs):
    return {m.id: m for m in jaspar2016_motifs}


@pytest.fixture(scope="module")
def pwms(motifs):
    core = [motifs[i].pwm for i in load_tf_table(CORE).jaspar_id]
    pool = [motifs[i].pwm for i in load_pool(POOL).jaspar_id]
    return core, pool


@pytest.fixture(scope="module")
def full_set(pwms):
    """The set at the paper's size and seed."""
    return simulate_regulatory(*pwms, N_POS, N_NEG, 200, PROBS, 3, 22)


def _counts(sim, rows):
    return sim.truth.groupby("seq").size().reindex(rows, fill_value=0).to_numpy()


def test_core_table_is_the_five_core_tfs():
    table = load_tf_table(CORE)
    assert list(table.tf) == ["SP1", "Gabpa", "CEBPB", "MAX", "YY1"]
    assert list(table.jaspar_id) == CORE_IDS


def test_labels_balanced_and_shuffled(full_set):
    Y = full_set.Y
    assert Y.shape == (N_POS + N_NEG, 1) and Y.dtype == np.uint8
    assert set(np.unique(Y)) == {0, 1}
    assert int(Y.sum()) == N_POS
    # shuffled: each half holds about half the positives (SE 0.005 for 10,000 rows; 5 SE)
    assert abs(Y[: N_POS].mean() - 0.5) < 0.025


def test_motif_count_distribution(full_set):
    y = full_set.Y[:, 0]
    for label in (1, 0):
        rows = np.flatnonzero(y == label)
        counts = _counts(full_set, rows)
        assert counts.min() >= 3 and counts.max() <= 7
        freq = np.bincount(counts, minlength=8)[3:] / len(rows)
        # binomial standard error at n = 10,000 is at most sqrt(0.25 / 10000) = 0.005: 4 SE
        np.testing.assert_allclose(freq, PROBS, atol=0.02)


def test_positives_only_core_negatives_whole_pool(full_set, pwms):
    t, y = full_set.truth, full_set.Y[:, 0]
    is_pos = y[t.seq] == 1
    assert t.pwm[is_pos].max() < 10 and set(t.pwm[is_pos]) == set(range(10))
    assert set(t.tf[is_pos]) == set(range(5))
    neg = t.pwm[~is_pos].to_numpy()
    assert neg.min() >= 0 and neg.max() < 110
    # negatives draw the 110 PWMs uniformly (about 38,000 draws: SE per PWM ~0.0005, 5 SE)
    np.testing.assert_allclose(np.bincount(neg, minlength=110) / len(neg), 1 / 110, atol=0.0025)
    # PWM p is TF p // 2, forward strand for even p
    assert np.all(t.tf == t.pwm // 2)
    assert np.all((t.strand == "+") == (t.pwm % 2 == 0))


def test_placement_widths_no_overlap_and_mask(full_set, pwms, motifs):
    t = full_set.truth
    ids = list(load_tf_table(CORE).jaspar_id) + list(load_pool(POOL).jaspar_id)
    widths = np.repeat([motifs[i].width for i in ids], 2)
    assert np.all(t.end - t.start == widths[t.pwm])
    assert t.start.min() >= 0 and t.end.max() <= 200
    same = t.seq.values[1:] == t.seq.values[:-1]
    assert np.all(np.diff(t.seq.values) >= 0)
    assert np.all(t.start.values[1:][same] >= t.end.values[:-1][same])  # sorted by start, no overlap
    mask = np.zeros_like(full_set.mask)
    for row in t.itertuples():
        mask[row.seq, row.start : row.end] = 1
    np.testing.assert_array_equal(full_set.mask, mask)
    assert full_set.info_mask.shape == mask.shape and full_set.info_mask.dtype == np.uint8
    assert np.all(full_set.info_mask <= mask)


def test_bases_follow_their_columns(full_set, motifs):
    sim, t = full_set, full_set.truth
    np.testing.assert_allclose(sim.X[sim.mask == 0].mean(axis=0), 0.25, atol=0.003)
    pool_ids = list(load_pool(POOL).jaspar_id)
    for p, pwm in ((2, motifs["MA0062.2"].pwm), (2 * 5 + 1, motifs[pool_ids[0]].pwm[::-1, ::-1])):
        rows = t[t.pwm == p]
        windows = np.stack([sim.X[r.seq, r.start : r.end] for r in rows.itertuples()])
        np.testing.assert_allclose(windows.mean(axis=0), pwm, atol=0.06)


def test_info_mask_of_hand_made_pwms():
    # Column information (bits), worked out by hand:
    #   [1, 0, 0, 0]            2 + 1 log2 1                             = 2       -> 1
    #   [.25, .25, .25, .25]    2 - 4 (.25 x 2)                          = 0       -> 0
    #   [.28, .22, .25, .25]    2 - (.28 x 1.8365 + .22 x 2.1844 + 1)    = 0.0052  -> 0
    #   [.30, .20, .25, .25]    2 - (.30 x 1.7370 + .20 x 2.3219 + 1)    = 0.0145  -> 1
    core = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0.25] * 4, [0.28, 0.22, 0.25, 0.25], [0.3, 0.2, 0.25, 0.25]])
    forward = np.array([1, 1, 0, 0, 1], dtype=np.uint8)
    background = np.full((3, 4), 0.25)
    sim = simulate_regulatory([core], [background], 40, 40, 60, PROBS, 3, 7)
    expected = np.zeros((80, 60), dtype=np.uint8)
    for r in sim.truth.itertuples():
        if r.pwm < 2:  # the core motif; PWM 1 is its reverse complement (columns reversed)
            expected[r.seq, r.start : r.end] = forward if r.strand == "+" else forward[::-1]
    np.testing.assert_array_equal(sim.info_mask, expected)
    assert set(sim.truth.pwm) == {0, 1, 2, 3}
    # the deterministic columns: A on '+', T (complement) on '-'
    for r in sim.truth[sim.truth.pwm < 2].itertuples():
        window = sim.X[r.seq, r.start : r.end].argmax(axis=1)
        assert list(window[:2] if r.strand == "+" else window[-2:]) == ([0, 0] if r.strand == "+" else [3, 3])


def test_bad_parameters(pwms):
    core, pool = pwms
    with pytest.raises(ConfigError, match="motif_count_probs"):
        simulate_regulatory(core, pool, 10, 10, 200, [0.5, 0.4], 3, 1)
    with pytest.raises(ConfigError, match="cannot hold 7 motifs"):
        simulate_regulatory(core, pool, 10, 10, 100, PROBS, 3, 1)


def _build(path, seed=22, pool=POOL, core=CORE, n=300):
    build_regulatory_set(JASPAR2016, core, pool, path, n, n, 200, PROBS, 3, [0.7, 0.1, 0.2], seed, {"seed": seed})
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_at_another_time(tmp_path):
    a = _build(tmp_path / "a.h5")
    time.sleep(1.1)  # object timestamps would differ by now
    b = _build(tmp_path / "b.h5")
    c = _build(tmp_path / "c.h5", seed=23)
    assert a == b
    assert a != c


def test_hdf5_layout(tmp_path):
    path = tmp_path / "r.h5"
    _build(path)
    with Dataset(path) as ds:
        assert ds.task_names == ["regulatory"] and ds.n_tasks == 1
        truth, info = ds.truth(), ds.position_truth()
        assert info.shape == (600, 200) and info.dtype == np.uint8
        assert ds.position_truth("test").shape == (120, 200)
        X, Y = ds.load("train")
        assert X.shape == (420, 200, 4) and Y.shape == (420, 1)
        assert truth.pwm.max() < 110
    with h5py.File(path, "r") as f:
        assert f["motifs/pwm"].shape[0] == 110
        assert f["motifs/task"][()].tolist() == list(np.repeat(np.arange(55), 2))


def test_position_truth_missing_or_wrong_shape(tmp_path):
    path = tmp_path / "r.h5"
    _build(path, n=20)
    with h5py.File(path, "a") as f:
        del f["info_mask"]
    with Dataset(path) as ds, pytest.raises(FormatError, match="no per-position ground truth"):
        ds.position_truth()
    with h5py.File(path, "a") as f:
        f["info_mask"] = np.zeros((40, 199), np.uint8)
    with pytest.raises(FormatError, match=r"'info_mask' has shape \(40, 199\), expected \(40, 200\)"):
        Dataset(path)


def test_unknown_jaspar_id_is_a_config_error(tmp_path):
    text = POOL.read_text().replace("MA0812.1\t", "MA9999.9\t")
    assert "MA9999.9" in text
    (tmp_path / "pool.tsv").write_text(text)
    with pytest.raises(ConfigError) as info:
        _build(tmp_path / "x.h5", pool=tmp_path / "pool.tsv")
    message = str(info.value)
    assert "MA9999.9" in message and "pool.tsv" in message and "\n" not in message
    (tmp_path / "core.tsv").write_text(CORE.read_text().replace("MA0095.2\t", "MA0095.9\t"))
    with pytest.raises(ConfigError, match=r"core\.tsv: JASPAR ID 'MA0095\.9'"):
        _build(tmp_path / "x.h5", core=tmp_path / "core.tsv")
    (tmp_path / "pool2.tsv").write_text(POOL.read_text() + "MA0079.3\tSP1\n")
    with pytest.raises(ConfigError, match="'MA0079.3' is a core motif"):
        _build(tmp_path / "x.h5", pool=tmp_path / "pool2.tsv")
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize(
    "body, message",
    [
        ("jaspar_id\tname\nMA0001.1\tA\nMA0002.1\n", ":3: 1 tab-separated fields, header has 2"),
        ("jaspar_id\tname\nMA0001.1\tA\nMA0001.1\tB\n", ":3: JASPAR ID 'MA0001.1' listed twice (first on line 2)"),
        ("# c\nid\tname\nMA0001.1\tA\n", ":2: pool header must start with jaspar_id name"),
        ("# only a comment\njaspar_id\tname\n", "has no rows"),
    ],
)
def test_pool_file_errors(tmp_path, body, message):
    path = tmp_path / "pool.tsv"
    path.write_text(body)
    with pytest.raises(FormatError) as info:
        load_pool(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_pool_file_excludes_core_and_look_alikes(jaspar2016_motifs, motifs):
    pool = load_pool(POOL)
    assert len(pool) == 50 and pool.jaspar_id.is_unique
    assert set(pool.jaspar_id) <= set(motifs)
    assert list(pool.name) == [motifs[i].name for i in pool.jaspar_id]
    assert not set(pool.jaspar_id) & set(CORE_IDS)
    hits = run_tomtom([motifs[i] for i in CORE_IDS], jaspar2016_motifs, thresh=0.1, pseudocount=0.1)
    assert len(hits) > 40  # the core TFs' families are found ...
    assert not set(pool.jaspar_id) & set(hits.Target_ID)  # ... and none is in the pool
    # well-known paralogs of the core TFs (SP/KLF, ETS, C/EBP, MYC/MAX/USF)
    paralogs = {"MA0516.1", "MA0746.1", "MA0599.1", "MA0076.2", "MA0028.2", "MA0098.3", "MA0102.3", "MA0836.1",
                "MA0825.1", "MA0059.1", "MA0147.2", "MA0093.2"}
    assert paralogs <= set(motifs) and not paralogs & set(pool.jaspar_id)
    assert pool.jaspar_id.tolist() == [m.id for m in choose_background_pool(jaspar2016_motifs, CORE_IDS, 50, 22)]


def test_choose_pool_cli_reproduces_the_resource(tmp_path, capsys):
    out = tmp_path / "pool.tsv"
    main(["choose-pool", "--jaspar", str(JASPAR2016), "--core", str(CORE), "--out", str(out), "--seed", "22"])
    assert load_pool(out).equals(load_pool(POOL))
    comments = [ln for ln in out.read_text().splitlines() if ln.startswith("#")]
    assert any("E <= 0.1" in c for c in comments) and any("--seed 22" in c for c in comments)
    with pytest.raises(SystemExit) as info:
        main(["choose-pool", "--help"])
    assert info.value.code == 0 and "--evalue" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["choose-pool", "--jaspar", str(tmp_path / "none.meme"), "--core", str(CORE), "--out", str(out)])
    assert info.value.code == 1 and "none.meme" in capsys.readouterr().err

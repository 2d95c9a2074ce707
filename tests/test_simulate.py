import hashlib
import time

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from motifrep.datasets.simulate import simulate, split_indices, strand_pwms
from motifrep.datasets.store import Dataset, write_simulated
from motifrep.errors import ConfigError

PROBS = [0.50, 0.25, 0.17, 0.05, 0.03]


@pytest.fixture(scope="module")
def tf_pwms(jaspar2016_motifs):
    table = pd.read_csv(REPO / "resources" / "tfs.tsv", sep="\t", comment="#")
    by_id = {m.id: m for m in jaspar2016_motifs}
    return [by_id[i].pwm for i in table.jaspar_id]


@pytest.fixture(scope="module")
def full_set(tf_pwms):
    pwms, task, strand = strand_pwms(tf_pwms)
    return pwms, task, simulate(pwms, task, 12, 25000, 200, PROBS, 33, strand)


def test_shapes_and_types(full_set):
    _, _, sim = full_set
    assert sim.X.shape == (25000, 200, 4) and sim.X.dtype == np.uint8
    assert sim.Y.shape == (25000, 12) and sim.Y.dtype == np.uint8
    assert sim.mask.shape == (25000, 200)
    assert np.all(sim.X.sum(axis=2) == 1)  # one-hot


def test_motif_count_distribution(full_set):
    _, _, sim = full_set
    counts = sim.truth.groupby("seq").size().reindex(range(25000), fill_value=0)
    freq = np.bincount(counts, minlength=6)[1:] / 25000
    assert counts.min() >= 1 and counts.max() <= 5
    # binomial standard error at n=25000 is <= 0.0032: 4 SE
    np.testing.assert_allclose(freq, PROBS, atol=0.013)


def test_pwm_draws_uniform_and_labels_match_truth(full_set):
    pwms, task, sim = full_set
    draws = np.bincount(sim.truth.pwm, minlength=24) / len(sim.truth)
    np.testing.assert_allclose(draws, 1 / 24, atol=0.005)
    assert np.all(sim.truth.tf == task[sim.truth.pwm])
    expected = np.zeros_like(sim.Y)
    expected[sim.truth.seq, sim.truth.tf] = 1
    np.testing.assert_array_equal(sim.Y, expected)


def test_placement_no_overlap_in_bounds_and_mask(full_set):
    pwms, _, sim = full_set
    t = sim.truth
    widths = np.array([p.shape[0] for p in pwms])
    assert np.all(t.end - t.start == widths[t.pwm])
    assert t.start.min() >= 0 and t.end.max() <= 200
    same_seq = t.seq.values[1:] == t.seq.values[:-1]
    assert np.all(t.start.values[1:][same_seq] >= t.end.values[:-1][same_seq])  # draw order, no overlap
    mask = np.zeros_like(sim.mask)
    for row in t.itertuples():
        mask[row.seq, row.start : row.end] = 1
    np.testing.assert_array_equal(sim.mask, mask)


def test_bases_follow_their_columns(full_set):
    pwms, _, sim = full_set
    t = sim.truth
    background = sim.X[sim.mask == 0].mean(axis=0)
    np.testing.assert_allclose(background, 0.25, atol=0.003)
    # Average observed one-hot over all occurrences of one PWM equals that PWM.
    for p in (0, 19):  # Arid3a +, SRF -
        rows = t[t.pwm == p]
        windows = np.stack([sim.X[r.seq, r.start : r.end] for r in rows.itertuples()])
        np.testing.assert_allclose(windows.mean(axis=0), pwms[p], atol=0.06)


def test_reverse_complement_strands(tf_pwms):
    pwms, task, strand = strand_pwms(tf_pwms)
    np.testing.assert_array_equal(pwms[1], tf_pwms[0][::-1, ::-1])
    assert list(task[:4]) == [0, 0, 1, 1] and list(strand[:2]) == [1, -1]


def _write(path, tf_pwms, seed):
    pwms, task, strand = strand_pwms(tf_pwms)
    sim = simulate(pwms, task, 12, 500, 200, PROBS, seed, strand)
    write_simulated(path, sim, split_indices(500, [0.7, 0.1, 0.2]), [f"tf{i}" for i in range(12)],
                    [f"m{i}" for i in range(24)], pwms, task, seed)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(tmp_path, tf_pwms):
    a = _write(tmp_path / "a.h5", tf_pwms, 33)
    time.sleep(1.1)  # HDF5 object timestamps, if written, would differ by now
    b = _write(tmp_path / "b.h5", tf_pwms, 33)
    c = _write(tmp_path / "c.h5", tf_pwms, 34)
    assert a == b
    assert a != c


def test_hdf5_holds_ground_truth(tmp_path, tf_pwms):
    _write(tmp_path / "a.h5", tf_pwms, 5)
    with Dataset(tmp_path / "a.h5") as ds:
        truth = ds.truth()
        X, Y = ds.load("test")
        assert list(truth.columns) == ["seq", "tf", "pwm", "strand", "start", "end"]
        assert set(truth.strand) == {"+", "-"}
        assert X.shape == (100, 200, 4) and X.dtype == np.uint8 and Y.shape == (100, 12)
        assert ds.task_names[0] == "tf0"


def test_split_sizes():
    s = split_indices(25000, [0.7, 0.1, 0.2])
    assert [len(s[k]) for k in ("train", "valid", "test")] == [17500, 2500, 5000]
    assert np.array_equal(np.concatenate(list(s.values())), np.arange(25000))
    with pytest.raises(ConfigError, match="simulation.split"):
        split_indices(10, [0.5, 0.6, 0.1])


def test_bad_parameters(tf_pwms):
    pwms, task, _ = strand_pwms(tf_pwms)
    with pytest.raises(ConfigError, match="motif_count_probs"):
        simulate(pwms, task, 12, 10, 200, [0.5, 0.4], 1)
    with pytest.raises(ConfigError, match="cannot hold 5 motifs"):
        simulate(pwms, task, 12, 10, 40, PROBS, 1)


def test_full_disk_while_simulating_is_one_line_and_keeps_nothing(tmp_path, monkeypatch):
    """The simulate step writing its HDF5 onto a full disk (h5py: OSError errno 28, then RuntimeError
    "Can't decrement id ref count" when the file is closed): exit 1 with one line naming the file and
    the space left; no temporary file is kept."""
    import logging
    import runpy
    import types

    from conftest import JASPAR2016
    from fsfaults import enospc, free_mb, small_filesystem

    full = tmp_path / "full"
    out = full / "datasets" / "synthetic.h5"
    log = tmp_path / "simulate.log"
    sm = types.SimpleNamespace(
        input=types.SimpleNamespace(jaspar=str(JASPAR2016), tf_table=str(REPO / "resources" / "tfs.tsv")),
        output=[str(out)], log=[str(log)],
        params=types.SimpleNamespace(spec={"n_sequences": 2000, "length": 200, "motif_count_probs": PROBS,
                                           "split": [0.7, 0.1, 0.2], "seed": 3}))
    with small_filesystem(full, 256) as mounted:  # X alone is 1.6 MB
        if not mounted:
            monkeypatch.setattr("motifrep.datasets.store._dataset", enospc)
        with pytest.raises(SystemExit) as done:
            runpy.run_path(str(REPO / "workflow" / "scripts" / "simulate.py"), init_globals={"snakemake": sm})
        logging.getLogger().handlers.clear()
        assert done.value.code == 1
        text = log.read_text()
        errors = [line for line in text.splitlines() if "error" in line.lower()]
        assert "Traceback" not in text and len(errors) == 1, text
        assert errors[0].endswith(f"motifrep: error: {out}: no space left on device ({free_mb(full):.1f} MB free "
                                  "on that filesystem)"), errors[0]
        assert list(out.parent.iterdir()) == []

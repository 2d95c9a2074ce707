"""Tests for motifrep.filters.scan: activations, receptive fields, activation-based PPMs, clipping."""

from __future__ import annotations

import inspect
from pathlib import Path

import keras
import numpy as np
import pytest
import yaml
from conftest import KOO2019, REPO

from motifrep.config import validate
from motifrep.errors import MotifrepError
from motifrep.filters.scan import (
    P1_WINDOW,
    P2_WINDOW,
    activation_pwms,
    clip_ppm,
    extract_filters,
    filters_to_motifs,
    layer_activations,
    pwm_window,
    receptive_field,
)
from motifrep.motifs.information import information_content
from motifrep.motifs.meme import read_meme
from motifrep.nn.build import build_model
from motifrep.nn.zoo import load_zoo

ZOO = Path(__file__).resolve().parents[1] / "resources" / "models.yaml"
BASES = "ACGT"


def one_hot(seqs) -> np.ndarray:
    idx = np.array([[BASES.index(c) for c in s] for s in seqs])
    return np.eye(4, dtype=np.uint8)[idx]


def random_x(rng, n, length) -> np.ndarray:
    return np.eye(4, dtype=np.uint8)[rng.integers(0, 4, size=(n, length))]


def randomise_bn(model, rng) -> None:
    """Give every BatchNormalization layer random, non-trivial inference statistics."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            f = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, f), rng.normal(0, 0.3, f),
                               rng.normal(0, 0.3, f), rng.uniform(0.5, 1.5, f)])


def full_activations(model, X, layer) -> np.ndarray:
    sub = keras.Model(model.input, model.get_layer(f"conv{layer}_act").output)
    return np.asarray(sub(X.astype(np.float32), training=False), dtype=np.float64)


def brute_force_pwms(acts, X, width, offset, threshold, weighting, window_edges):
    """Plain-loop reference: sites, windows (zero outside the sequence), column normalisation."""
    n, out_len, n_filters = acts.shape
    length = X.shape[1]
    ppms = np.zeros((n_filters, width, 4))
    n_sites = np.zeros(n_filters, dtype=int)
    for f in range(n_filters):
        amax = acts[:, :, f].max()
        counts = np.zeros((width, 4))
        if amax > 0:
            for i in range(n):
                for p in range(out_len):
                    a = acts[i, p, f]
                    if not a > threshold * amax:
                        continue
                    start = p + offset
                    if window_edges == "drop" and (start < 0 or start + width > length):
                        continue
                    w = a if weighting == "activation" else 1.0
                    for k in range(width):
                        if 0 <= start + k < length:
                            counts[k] += w * X[i, start + k]
                    n_sites[f] += 1
        for k in range(width):
            total = counts[k].sum()
            ppms[f, k] = counts[k] / total if total > 0 else 0.25
    return ppms, n_sites


# ---------------------------------------------------------------------------------------
# Planted motif
# ---------------------------------------------------------------------------------------

MOTIF = "TGACGCA"


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(7)
    n, length = 60, 50
    seqs, positions = [], []
    w0 = 2.0 * one_hot([MOTIF])[0] - 1.0  # filter 0: +1 on the motif's bases, -1 elsewhere
    for _ in range(n):
        while True:
            pos = int(rng.integers(4, length - len(MOTIF) - 4))
            bg = "".join(rng.choice(list(BASES), size=length))
            s = bg[:pos] + MOTIF + bg[pos + len(MOTIF):]
            # Scores of every 'same'-padded window; keep sequences whose only window above
            # half the maximum (7) is the planted one (no 1-mismatch look-alikes).
            padded = np.pad(one_hot([s])[0].astype(float), ((3, 3), (0, 0)))
            scores = np.array([(padded[p:p + 7] * w0).sum() for p in range(length)])
            if np.flatnonzero(scores > 3.5).tolist() == [pos + 3]:
                break
        seqs.append(s)
        positions.append(pos)
    X = one_hot(seqs)
    blocks = [{"conv": {"filters": 4, "kernel": 7, "pool": 1}}, {"dense": {"units": 8}}]
    model = build_model("planted", blocks, length, 2)
    w = np.zeros((7, 4, 4), dtype=np.float32)  # (kernel, in, filters)
    w[:, :, 0] = -1.0
    for k, base in enumerate(MOTIF):
        w[k, BASES.index(base), 0] = 1.0
    w[:, :, 1] = -1.0  # always <= 0 after ReLU: a dead filter; filter 2 stays all zero
    w[:, :, 3] = np.random.default_rng(1).normal(size=(7, 4))
    model.get_layer("conv1").set_weights([w])
    bn = model.get_layer("conv1_bn")
    eps = bn.epsilon
    bn.set_weights([np.ones(4), np.zeros(4), np.zeros(4), np.full(4, 1.0 - eps)])
    return model, X, positions


def test_planted_motif_is_recovered(planted):
    model, X, positions = planted
    acts = layer_activations(model, X, batch_size=16)
    assert acts.dtype == np.float32 and acts.shape == (len(X), X.shape[1], 4)
    # Position p of a 'same' kernel-7 filter sees p - 3 .. p + 3: the site is at pos + 3.
    np.testing.assert_allclose(acts[np.arange(len(X)), np.array(positions) + 3, 0], 7.0, rtol=1e-5)
    for weighting in ("activation", "uniform"):
        for edges in ("pad", "drop"):
            ppms, n_sites = activation_pwms(model, X, threshold=0.5, weighting=weighting,
                                            window_edges=edges, batch_size=16)
            assert ppms.shape == (4, 7, 4) and ppms.dtype == np.float64
            assert n_sites[0] == len(X)
            expected = one_hot([MOTIF])[0]
            assert (ppms[0][expected == 1] > 0.9).all()
            np.testing.assert_allclose(ppms[0], expected, atol=1e-12)
            for dead in (1, 2):
                assert n_sites[dead] == 0
                np.testing.assert_array_equal(ppms[dead], 0.25)
            np.testing.assert_allclose(ppms.sum(axis=2), 1.0)
    motif = filters_to_motifs(ppms)[0]
    assert motif.id == "filter0" and motif.width == 7 and motif.nsites == 7


def test_dead_filter_gives_uniform_matrix():
    rng = np.random.default_rng(3)
    model = build_model("dead", [{"conv": {"filters": 3, "kernel": 5}}, {"dense": {"units": 4}}], 30, 1)
    w = rng.normal(size=(5, 4, 3)).astype(np.float32)
    w[:, :, 1] = -np.abs(w[:, :, 1]) - 0.1  # every window scores < 0: ReLU output is always 0
    model.get_layer("conv1").set_weights([w])
    X = random_x(rng, 20, 30)
    assert layer_activations(model, X)[:, :, 1].max() == 0
    ppms, n_sites = activation_pwms(model, X)
    assert n_sites[1] == 0 and n_sites[0] > 0 and n_sites[2] > 0
    np.testing.assert_array_equal(ppms[1], np.full((5, 4), 0.25))


# ---------------------------------------------------------------------------------------
# Vectorised vs brute force
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_random():
    keras.utils.set_random_seed(2)  # initial weights independent of the tests that ran before
    rng = np.random.default_rng(11)
    blocks = [{"conv": {"filters": 5, "kernel": 6, "pool": 1}},  # even kernel: asymmetric padding
              {"conv": {"filters": 4, "kernel": 5, "pool": 2}}, {"dense": {"units": 4}}]
    model = build_model("small", blocks, 24, 2)
    randomise_bn(model, rng)
    X = random_x(rng, 13, 24)
    return model, X


def test_layer_activations_match_full_call(small_random):
    model, X = small_random
    for layer in (1, 2):
        ref = full_activations(model, X, layer)
        got = layer_activations(model, X, layer=layer, batch_size=5)  # 13 = 5 + 5 + 3
        assert got.dtype == np.float32 and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("weighting", ["activation", "uniform"])
@pytest.mark.parametrize("edges", ["pad", "drop"])
@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_vectorised_equals_brute_force(small_random, weighting, edges, threshold):
    model, X = small_random
    width, offset = receptive_field(model, 1)
    assert (width, offset) == (6, -2)
    acts = layer_activations(model, X, batch_size=4).astype(np.float64)
    ref, ref_sites = brute_force_pwms(acts, X, width, offset, threshold, weighting, edges)
    got, sites = activation_pwms(model, X, threshold=threshold, weighting=weighting, window_edges=edges, batch_size=4)
    np.testing.assert_array_equal(sites, ref_sites)
    np.testing.assert_allclose(got, ref, atol=1e-6, rtol=0)
    assert ref_sites.min() > 0


def test_recomputing_activations_gives_the_same_result(small_random, monkeypatch):
    model, X = small_random
    cached = activation_pwms(model, X, batch_size=4)
    monkeypatch.setattr("motifrep.filters.scan.ACTIVATION_CACHE_BYTES", 0)
    recomputed = activation_pwms(model, X, batch_size=4)
    np.testing.assert_allclose(recomputed[0], cached[0], atol=1e-12)
    np.testing.assert_array_equal(recomputed[1], cached[1])


# ---------------------------------------------------------------------------------------
# Receptive fields
# ---------------------------------------------------------------------------------------

def test_receptive_field_of_zoo_models():
    zoo = load_zoo(ZOO)
    cnn1 = build_model("CNN-1", zoo["CNN-1"], 200, 12)
    assert receptive_field(cnn1, 1) == (19, -9)
    assert receptive_field(cnn1, 2) == (23, -11)
    deep = build_model("CNN-1-1-100", zoo["CNN-1-1-100"], 200, 12)
    assert receptive_field(deep, 3) == (27, -13)
    cnn25 = build_model("CNN-25", zoo["CNN-25"], 200, 12)
    assert receptive_field(cnn25, 1) == (19, -9)
    with pytest.raises(MotifrepError, match="unpooled"):
        receptive_field(cnn25, 2)
    with pytest.raises(MotifrepError, match="unpooled"):
        activation_pwms(cnn25, random_x(np.random.default_rng(0), 4, 200), layer=2)
    with pytest.raises(MotifrepError, match="no convolutional layer 3"):
        receptive_field(cnn25, 3)


@pytest.mark.parametrize("blocks, layer", [
    ([{"conv": {"filters": 3, "kernel": 4, "activation": "linear"}},
      {"conv": {"filters": 3, "kernel": 5, "activation": "linear"}}], 2),
    ([{"conv": {"filters": 3, "kernel": 19, "activation": "linear"}},
      {"conv": {"filters": 3, "kernel": 5, "activation": "linear"}}], 2),
    ([{"conv": {"filters": 3, "kernel": 6, "padding": "valid", "activation": "linear"}},
      {"conv": {"filters": 3, "kernel": 4, "activation": "linear"}}], 2),
    ([{"conv": {"filters": 3, "kernel": 8, "activation": "linear"}}], 1),
])
def test_receptive_field_matches_keras_padding(blocks, layer):
    """Changing one input base changes position p exactly when it lies in p's window."""
    rng = np.random.default_rng(5)
    length = 40
    model = build_model("rf", blocks + [{"dense": {"units": 2}}], length, 1)
    randomise_bn(model, rng)
    width, offset = receptive_field(model, layer)
    x = random_x(rng, 1, length)
    batch = np.repeat(x, length, axis=0)
    for j in range(length):  # sequence j has base j changed
        batch[j, j] = np.roll(batch[j, j], 1)
    base = full_activations(model, x, layer)[0]
    changed = np.abs(full_activations(model, batch, layer) - base[None]).max(axis=2) > 1e-6  # (j, p)
    for p in range(base.shape[0]):
        window = set(range(p + offset, p + offset + width)) & set(range(length))
        assert set(np.flatnonzero(changed[:, p])) == window, (p, offset, width)


def test_layer2_pwms_equal_brute_force():
    rng = np.random.default_rng(2)
    blocks = [{"conv": {"filters": 4, "kernel": 19, "pool": 1}},
              {"conv": {"filters": 5, "kernel": 5, "pool": 4}}, {"dense": {"units": 4}}]
    model = build_model("cnn1-small", blocks, 40, 2)
    randomise_bn(model, rng)
    X = random_x(rng, 12, 40)
    width, offset = receptive_field(model, 2)
    assert (width, offset) == (23, -11)
    acts = layer_activations(model, X, layer=2).astype(np.float64)
    for weighting, edges in (("activation", "pad"), ("uniform", "drop")):
        ref, ref_sites = brute_force_pwms(acts, X, width, offset, 0.5, weighting, edges)
        got, sites = activation_pwms(model, X, layer=2, weighting=weighting, window_edges=edges, batch_size=5)
        assert got.shape == (5, 23, 4)
        np.testing.assert_array_equal(sites, ref_sites)
        np.testing.assert_allclose(got, ref, atol=1e-6, rtol=0)


def test_bad_arguments(small_random):
    model, X = small_random
    for kwargs in ({"weighting": "max"}, {"window_edges": "wrap"}, {"threshold": 1.5}, {"batch_size": 0},
                   {"layer": 0}):
        with pytest.raises(MotifrepError):
            activation_pwms(model, X, **kwargs)
    with pytest.raises(MotifrepError, match="length"):
        activation_pwms(model, X[:, :20])


# ---------------------------------------------------------------------------------------
# Fixed windows (methods §4.2: the authors' activation_pwm(..., window=19 | 20))
# ---------------------------------------------------------------------------------------

# 19 nt around "ACG" (columns 8-10), written out by hand; no other "ACG" in it.
ACG_CONTEXT = "TTGCATGT" + "ACG" + "TCAGTTCA"


def conv1_model(kernel: int, padding: str = "same", length: int = 40):
    blocks = [{"conv": {"filters": 2, "kernel": kernel, "padding": padding}}, {"dense": {"units": 2}}]
    return build_model(f"k{kernel}", blocks, length, 1)


@pytest.fixture(scope="module")
def acg_model():
    """CNN3-like model whose filter 0 scores +1 per matching and -1 per other base of "ACG":
    3 on "ACG", at most 2 elsewhere (2 only at a sequence end, which the sequences avoid), so
    at threshold 0.5 (> 1.5) its only sites are the planted "ACG"s. Filter 1 is dead."""
    length = 100
    blocks = [{"conv": {"filters": 2, "kernel": 3, "pool": 50}}, {"dense": {"units": 4}}]
    model = build_model("cnn3", blocks, length, 1)
    w = np.full((3, 4, 2), -1.0, dtype=np.float32)
    for k, base in enumerate("ACG"):
        w[k, BASES.index(base), 0] = 1.0
    model.get_layer("conv1").set_weights([w])
    bn = model.get_layer("conv1_bn")
    bn.set_weights([np.ones(2), np.zeros(2), np.zeros(2), np.full(2, 1.0 - bn.epsilon)])
    rng = np.random.default_rng(4)
    seqs = []
    while len(seqs) < 40:
        pos = int(rng.integers(0, length - len(ACG_CONTEXT) + 1))
        bg = "".join(rng.choice(list(BASES), size=length))
        seq = bg[:pos] + ACG_CONTEXT + bg[pos + len(ACG_CONTEXT):]
        if seq.count("ACG") == 1 and not seq.startswith("CG") and not seq.endswith("AC"):
            seqs.append(seq)
    return model, one_hot(seqs)


def test_window_19_recovers_the_context_of_a_3_wide_filter(acg_model):
    model, X = acg_model
    ppms, n_sites = activation_pwms(model, X, window=19)
    assert ppms.shape == (2, 19, 4)
    assert n_sites.tolist() == [len(X), 0]
    np.testing.assert_allclose(ppms[0], one_hot([ACG_CONTEXT])[0], atol=1e-12)
    # window=None: the receptive field, 3 columns
    narrow, _ = activation_pwms(model, X, window=None)
    assert narrow.shape == (2, 3, 4)
    np.testing.assert_allclose(narrow[0], one_hot(["ACG"])[0], atol=1e-12)
    # P2's even window, pos-10 .. pos+9: one background column left of the context
    wide, sites = activation_pwms(model, X, window=20, weighting="uniform", window_edges="drop")
    assert wide.shape == (2, 20, 4) and 0 < sites[0] <= len(X)
    np.testing.assert_allclose(wide[0, 1:], one_hot([ACG_CONTEXT])[0], atol=1e-12)
    assert wide[0, 0].max() < 0.9


def test_pwm_window_follows_the_authors_indexing():
    # TensorFlow 'same' output pos of a k-wide filter sees pos-(k-1)//2 .. pos+k//2; the authors
    # cut X[pos - W//2 : pos - W//2 + W] around it.
    assert pwm_window(conv1_model(3), 1, P1_WINDOW) == (19, -9)  # P1: pos-9 .. pos+9
    assert pwm_window(conv1_model(3), 1, P2_WINDOW) == (20, -10)  # P2: pos-10 .. pos+9
    assert pwm_window(conv1_model(19), 1, 19) == (19, -9)
    assert pwm_window(conv1_model(19), 1, 20) == (20, -10)
    assert pwm_window(conv1_model(9), 1, None) == (9, -4)
    assert pwm_window(conv1_model(25), 1, 19) == (19, -9)  # layer 1: the window, even inside the kernel
    # even kernel (pos sees pos-2 .. pos+3, centre pos+0.5): centred, an odd column's tie to the left
    assert pwm_window(conv1_model(6), 1, 19) == (19, -9)
    assert pwm_window(conv1_model(6), 1, 20) == (20, -9)
    assert pwm_window(conv1_model(3, "valid"), 1, 19) == (19, -8)  # 'valid': centred on pos+1
    zoo = load_zoo(ZOO)
    cnn1 = build_model("CNN-1", zoo["CNN-1"], 200, 12)
    assert pwm_window(cnn1, 2, 19) == (23, -11)  # deeper layers: max(window, field), on the field
    assert pwm_window(cnn1, 2, 31) == (31, -15)
    for bad in (0, -3, 2.5, True, "19"):
        with pytest.raises(MotifrepError, match="window must be"):
            pwm_window(cnn1, 1, bad)


@pytest.mark.parametrize("window", [19, 20, 4])
def test_fixed_window_equals_brute_force(small_random, window):
    model, X = small_random  # 24 nt: 19- and 20-column windows run past both ends
    width, offset = pwm_window(model, 1, window)
    assert width == window
    acts = layer_activations(model, X, batch_size=4).astype(np.float64)
    for weighting, edges in (("activation", "pad"), ("uniform", "drop")):
        ref, ref_sites = brute_force_pwms(acts, X, width, offset, 0.5, weighting, edges)
        got, sites = activation_pwms(model, X, weighting=weighting, window_edges=edges, batch_size=4, window=window)
        assert got.shape == (5, window, 4)
        np.testing.assert_array_equal(sites, ref_sites)
        np.testing.assert_allclose(got, ref, atol=1e-6, rtol=0)


@pytest.mark.parametrize("model", ["cnn3_50", "cnn3_2"])
def test_authors_cnn3_files_are_19_wide_and_centred_on_the_filter(model):
    full = read_meme(KOO2019 / "synthetic" / f"{model}.meme")
    clipped = read_meme(KOO2019 / "synthetic" / f"{model}_clip.meme")
    assert len(full) == len(clipped) == 30
    assert {m.width for m in full} == {P1_WINDOW}
    assert max(m.width for m in clipped) <= 9
    # Their 3-wide filters carry information only in the columns where our window puts the
    # filter's receptive field: a 19-column window placed otherwise would move these.
    kernel3 = conv1_model(3)
    _, offset = pwm_window(kernel3, 1, P1_WINDOW)
    rf_width, rf_offset = receptive_field(kernel3, 1)
    ours = set(range(rf_offset - offset, rf_offset - offset + rf_width))
    theirs = {int(j) for m in full for j in np.flatnonzero(information_content(m.pwm) > 0.5)}
    assert ours == theirs == {8, 9, 10}


def test_default_config_window_matches_the_authors_files():
    widths = {m.width for sub, name in [("synthetic", "cnn3_50"), ("synthetic", "cnn_25"), ("invivo", "cnn9_25")]
              for m in read_meme(KOO2019 / sub / f"{name}.meme")}
    config = validate(yaml.safe_load((REPO / "config" / "config.yaml").read_text()), REPO / "config" / "schema.yaml")
    assert widths == {P1_WINDOW} == {config["filters"]["window"]}


def test_extract_filters_passes_the_window(acg_model, tmp_path):
    import h5py

    model, X = acg_model
    model.save(tmp_path / "m.keras")
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["X"], f["Y"] = X, np.zeros((len(X), 1), dtype=np.uint8)
        f["splits/train"], f["splits/valid"], f["splits/test"] = np.arange(0, 10), np.arange(10, 20), np.arange(20, 40)
    for window, width in ((19, 19), (None, 3)):
        extract_filters(tmp_path / "m.keras", tmp_path / "d.h5", tmp_path / "c.meme", tmp_path / "f.meme", layer=1,
                        threshold=0.5, weighting="activation", window_edges="pad", ic_threshold=0.5, flank=3,
                        batch_size=16, threads=1, window=window)
        full = read_meme(tmp_path / "f.meme")
        assert [m.width for m in full] == [width, width]
        expected = one_hot([ACG_CONTEXT if window else "ACG"])[0]
        np.testing.assert_allclose(full[0].pwm, expected, atol=1e-4)
    assert inspect.signature(extract_filters).parameters["window"].default is None


# ---------------------------------------------------------------------------------------
# Clipping and motifs
# ---------------------------------------------------------------------------------------

def test_information_content():
    ppm = np.array([[1, 0, 0, 0], [0.25] * 4, [0.5, 0.5, 0, 0]])
    np.testing.assert_allclose(information_content(ppm), [2.0, 0.0, 1.0])


def test_clip_ppm_core_in_the_middle():
    ppm = np.full((20, 4), 0.25)
    ppm[8] = [1, 0, 0, 0]
    ppm[10] = [0, 0.9, 0.05, 0.05]
    ppm[9] = [0.3, 0.3, 0.2, 0.2]  # low IC, but inside the core span: kept
    clipped = clip_ppm(ppm, ic_threshold=0.5, flank=3)
    np.testing.assert_array_equal(clipped, ppm[5:14])
    np.testing.assert_array_equal(clip_ppm(ppm, flank=0), ppm[8:11])


def test_clip_ppm_flank_bounded_at_edges():
    ppm = np.full((10, 4), 0.25)
    ppm[1] = [0, 0, 0, 1]
    ppm[9] = [0, 0, 1, 0]
    np.testing.assert_array_equal(clip_ppm(ppm, flank=3), ppm)
    ppm2 = np.full((10, 4), 0.25)
    ppm2[0] = [0, 0, 0, 1]
    np.testing.assert_array_equal(clip_ppm(ppm2, flank=2), ppm2[:3])


def test_clip_ppm_uninformative_returns_full_matrix():
    ppm = np.full((19, 4), 0.25)
    ppm[4] = [0.4, 0.2, 0.2, 0.2]  # IC ~0.08 < 0.5
    out = clip_ppm(ppm)
    np.testing.assert_array_equal(out, ppm)
    assert out is not ppm


def test_filters_to_motifs():
    ppms = np.full((3, 12, 4), 0.25)
    ppms[0, 5] = [1, 0, 0, 0]
    motifs = filters_to_motifs(ppms, n_sites=[4, 0, 0])
    assert [m.id for m in motifs] == ["filter0", "filter1", "filter2"]
    assert motifs[0].width == 7 and motifs[0].nsites == 7 and motifs[0].extra["n_sites"] == 4
    assert motifs[1].width == 12 and motifs[1].nsites == 12
    unclipped = filters_to_motifs(ppms, clip=False)
    assert all(m.width == 12 for m in unclipped)

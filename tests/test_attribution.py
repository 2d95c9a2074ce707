"""Known-answer tests of motifrep.interpret.attribution on small hand-built Keras models."""

import keras
import numpy as np
import pytest
from conftest import REPO

from motifrep.errors import ConfigError
from motifrep.interpret import attribution as A
from motifrep.nn.build import build_model
from motifrep.nn.zoo import load_zoo

ACGT = {b: i for i, b in enumerate("ACGT")}


def one_hot(*seqs):
    return np.eye(4, dtype=np.uint8)[[[ACGT[b] for b in s] for s in seqs]]


def dense_model(w, b=0.0, activation=None):
    """Flatten -> Dense(len(b)) with weights w (L, 4, outputs) and bias b set by hand."""
    w = np.asarray(w, np.float32)
    w = w[..., None] if w.ndim == 2 else w
    model = keras.Sequential([keras.Input((w.shape[0], 4)), keras.layers.Flatten(),
                              keras.layers.Dense(w.shape[-1], activation=activation)])
    model.layers[-1].set_weights([w.reshape(-1, w.shape[-1]), np.atleast_1d(np.float32(b)) * np.ones(w.shape[-1])])
    return model


W = np.array([[1, 2, 3, 4], [-1, 0, 1, 2], [0.5, 0.5, -2, 3]], np.float32)  # (L=3, 4)


def test_saliency_of_linear_model_is_its_weights():
    X = one_hot("ACG", "TTA")
    sal = A.saliency(dense_model(W, 0.7), X)
    assert sal.dtype == np.float32 and sal.shape == (2, 3, 4)
    np.testing.assert_array_equal(sal, np.stack([W, W]))


def test_saliency_of_sigmoid_model_at_a_point():
    # z = w.x + b with x = "AG": 1 + (-1) + ln 3 = ln 3, sigma = 3/4, sigma' = 3/16
    w = np.array([[1, 2, 0, 0], [0, 0, -1, 3]], np.float32)
    sal = A.saliency(dense_model(w, np.log(3.0), "sigmoid"), one_hot("AG"))
    np.testing.assert_allclose(sal[0], 0.1875 * w, rtol=1e-6)


def test_integrated_gradients_of_linear_model():
    x, ref = one_hot("ACG"), one_hot("GAC")[:, None]  # one reference, shape (N, R, L, 4)
    model = dense_model(W)
    delta = A.integrated_gradients(model, x, refs=ref, times="delta")
    # (x - r) * w by hand; sums to f(x) - f(r) = -1 - 2.5
    np.testing.assert_allclose(delta[0], [[1, 0, -3, 0], [1, 0, 0, 0], [0, -0.5, -2, 0]], atol=1e-6)
    assert delta.sum() == pytest.approx(-3.5, abs=1e-5)
    times_input = A.integrated_gradients(model, x, refs=ref)  # methods §6.2 default: mean gradient x input
    np.testing.assert_allclose(times_input[0], [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, -2, 0]], atol=1e-6)


def test_integrated_gradients_averages_references():
    refs = one_hot("GAC", "CGA")[None]  # two references for one sequence
    ig = A.integrated_gradients(dense_model(W), one_hot("ACG"), refs=refs, times="delta")
    np.testing.assert_allclose(ig[0], (one_hot("ACG")[0] - refs[0].mean(0)) * W, atol=1e-6)


def test_smoothgrad_of_linear_model_is_saliency():
    X = one_hot("ACG", "GGT")
    sg = A.smoothgrad(dense_model(W, 1.0), X, n_samples=7, sigma=0.3, batch_size=1)
    np.testing.assert_allclose(sg, np.stack([W, W]), atol=1e-6)


def count_model():
    """Two outputs: number of A (task 0) and number of C (task 1)."""
    model = keras.Sequential([keras.Input((None, 4)), keras.layers.Conv1D(2, 1, use_bias=False),
                              keras.layers.GlobalAveragePooling1D()])
    model.layers[0].set_weights([np.array([[[1, 0], [0, 1], [0, 0], [0, 0]]], np.float32)])
    return model  # averages: multiply by L below


def test_ism_of_base_counter():
    X = one_hot("ACGA")
    d = A.ism(count_model(), X) * 4  # mean -> count
    np.testing.assert_allclose(d[0], [[0, -1, -1, -1], [1, 0, 0, 0], [1, 0, 0, 0], [0, -1, -1, -1]], atol=1e-6)
    np.testing.assert_allclose(A.ism_position_scores(d)[0], [3**0.5, 1, 1, 3**0.5], rtol=1e-6)
    d_c = A.ism(count_model(), one_hot("ACGA", "CCTT"), task=1, batch_size=1) * 4
    np.testing.assert_allclose(d_c[1], [[-1, 0, -1, -1], [-1, 0, -1, -1], [0, 1, 0, 0], [0, 1, 0, 0]], atol=1e-6)


def test_ism_agrees_with_single_mutants_on_a_cnn():
    model = build_model("CNN-local", load_zoo(REPO / "resources" / "models.yaml")["CNN-local"], 200, 1)
    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(3).integers(0, 4, (2, 200))]
    d = A.ism(model, X, batch_size=2)
    base = model.predict(X.astype(np.float32), verbose=0)[:, 0]
    for n, pos, b in [(0, 0, 1), (1, 57, 2), (1, 199, 0)]:
        x = X[n].astype(np.float32)
        x[pos] = np.eye(4)[b]
        expect = 0.0 if X[n, pos, b] else model.predict(x[None], verbose=0)[0, 0] - base[n]
        assert d[n, pos, b] == pytest.approx(expect, abs=1e-6)


def test_deeplift_rescale_on_one_relu_unit():
    # f = relu(w.x - 1): z(x) = 2 + 1 - 1 = 2, z(r) = -1, so the rescale multiplier is (2 - 0) / (2 - -1) = 2/3
    w = np.array([[2, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]], np.float32)
    x, ref = one_hot("AGC"), one_hot("CAT")[:, None]
    attr = A.deepshap(dense_model(w, -1.0, "relu"), x, refs=ref)
    np.testing.assert_allclose(attr[0], (x[0] - ref[0, 0]) * w * 2 / 3, atol=1e-6)


def test_deepshap_stacks_sequences_each_with_its_own_reference(monkeypatch):
    # f = relu(w.x - 1.5); multiplier (relu(z(x)) - relu(z(r))) / (z(x) - z(r)) per sequence, by hand:
    # AGC vs CAT: z = 2.5 vs -1.5 -> 5/8; AAA vs CGA: 0.5 vs -0.5 -> 1/2; CGA vs AGC: -0.5 vs 2.5 -> 5/6.
    # Stacks of 2 sequences (the last padded) must give each sequence its own multiplier and reference.
    monkeypatch.setattr(A, "DEEPSHAP_ROWS", 4)  # 2 x (1 reference) x 2 rows per stack
    w = np.array([[2, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]], np.float32)
    x = one_hot("AGC", "AAA", "CGA").astype(np.float32)
    ref = one_hot("CAT", "CGA", "AGC")[:, None].astype(np.float32)
    attr = A.deepshap(dense_model(w, -1.5, "relu"), x, refs=ref)
    for n, m in enumerate([5 / 8, 1 / 2, 5 / 6]):
        np.testing.assert_allclose(attr[n], (x[n] - ref[n, 0]) * w * m, atol=1e-6)


def test_deepshap_picks_the_task_of_a_multi_output_model():
    x, refs = one_hot("ACCA"), one_hot("CAAC", "ACAC")[None]
    attr = A.deepshap(count_model(), x, task=1, refs=refs) * 4  # linear: mean_r (x - r) * w
    w_c = np.array([0, 1, 0, 0], np.float32)
    np.testing.assert_allclose(attr[0], (x[0] - refs[0].mean(0)) * w_c, atol=1e-6)


def _zoo_model(name, activation, X, refs, seed=0):
    """A zoo model with random weights, non-trivial BN statistics, and the output layer scaled so
    that its logit over X and refs has mean 0 and std 2 (so f(x) - E f(r) is far from 0)."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_model(name, load_zoo(REPO / "resources" / "models.yaml")[name], 200, 1, first_activation=activation)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            shape = layer.weights[0].shape
            layer.set_weights([rng.uniform(0.5, 1.5, shape), rng.normal(0, 0.3, shape), rng.normal(0, 0.3, shape),
                               rng.uniform(0.5, 2.0, shape)])
    out = model.get_layer("output")
    kernel = out.get_weights()[0]
    rows = np.concatenate([X, refs.reshape(-1, 200, 4)]).astype(np.float32)
    z = keras.Model(model.inputs, out.input).predict(rows, verbose=0) @ kernel[:, 0]
    out.set_weights([kernel * 2 / z.std(), np.array([-2 * z.mean() / z.std()], np.float32)])
    return model


# Summation to delta: |sum(attr) - (f(x) - mean_r f(r))| <= 1e-4 + 1e-3 |f(x) - mean_r f(r)| per sequence.
@pytest.mark.parametrize("name", ["CNN-local", "CNN-dist"])
@pytest.mark.parametrize("activation", ["relu", "exponential", "exp_relu", "scale_relu"])
def test_deepshap_sums_to_delta(name, activation):
    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(1).integers(0, 4, (6, 200))]
    refs = A.shuffle_references(X, 10, seed=0)
    model = _zoo_model(name, activation, X, refs)
    attr = A.deepshap(model, X, refs=refs, check=False)
    err, delta = A.summation_errors(model, X, attr, refs)
    assert np.abs(delta).max() > 0.05  # a non-trivial test
    assert np.all(np.abs(err) <= 1e-4 + 1e-3 * np.abs(delta)), (err, delta)


def test_shuffle_references_are_seeded_position_shuffles():
    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(0).integers(0, 4, (3, 50))]
    refs = A.shuffle_references(X, 4, seed=5)
    assert refs.shape == (3, 4, 50, 4) and refs.dtype == np.uint8
    np.testing.assert_array_equal(refs.sum(2), np.repeat(X.sum(1)[:, None], 4, axis=1))  # same composition
    np.testing.assert_array_equal(refs, A.shuffle_references(X, 4, seed=5))
    assert not np.array_equal(refs, A.shuffle_references(X, 4, seed=6))


def test_position_scores():
    X = one_hot("AC")
    attr = np.array([[[0.5, -1, 2, 0], [3, -2, 0, 4]]], np.float32)
    np.testing.assert_allclose(A.position_scores(attr, X, "saliency"), [[0.5, -2]])
    np.testing.assert_allclose(A.position_scores(attr, X, "ism"), [[np.sqrt(5.25), np.sqrt(29)]], rtol=1e-6)


def test_unknown_method_is_a_config_error():
    with pytest.raises(ConfigError, match=r"unknown attribution method 'lrp' \(known: saliency, ism,") as info:
        A.attribute("lrp", dense_model(W), one_hot("ACG"))
    assert "\n" not in str(info.value)
    np.testing.assert_array_equal(A.attribute("saliency", dense_model(W), one_hot("ACG"))[0], W)


def test_deepshap_refuses_maps_that_do_not_sum_to_delta(monkeypatch):
    monkeypatch.setattr(A, "summation_errors", lambda *a, **k: (np.array([0.5]), np.array([1.0])))
    with pytest.raises(A.MotifrepError, match="do not sum to f\\(x\\) - mean f\\(ref\\)"):
        A.deepshap(dense_model(W), one_hot("ACG"), n_refs=2)


def test_attribution_file_of_the_wrong_shape_is_refused(tmp_path):
    """An attribution file whose arrays do not fit its rows or the data set's length: one line."""
    import h5py

    from motifrep.errors import FormatError
    from motifrep.interpret.maps import read_attribution

    path = tmp_path / "saliency.h5"
    with h5py.File(path, "w") as f:
        f["scores"] = np.zeros((5, 200, 4), np.float16)
        f["position_scores"] = np.zeros((5, 200), np.float32)
        f["rows"] = np.arange(5)
        f.attrs["method"] = "saliency"
    assert read_attribution(path, 200)["scores"].shape == (5, 200, 4)
    with pytest.raises(FormatError, match=r"do not fit 5 sequences of 1000 nt x 4"):
        read_attribution(path, 1000)
    with h5py.File(path, "a") as f:
        del f["rows"]
        f["rows"] = np.arange(6)
    with pytest.raises(FormatError, match=r"saliency.h5: attribution arrays of shapes \(5, 200, 4\)"):
        read_attribution(path, 200)
    (tmp_path / "text.h5").write_text("no")
    with pytest.raises(FormatError, match="not an attribution file"):
        read_attribution(tmp_path / "text.h5")


def test_gradient_function_made_once_per_model_and_task_and_freed_with_the_model():
    import gc
    import weakref

    from motifrep.nn import backend as B

    model = dense_model(W, 0.7)
    first = B.input_gradient_fn(model, 0)
    assert B.input_gradient_fn(model, 0) is first  # compiled once (JAX re-jitted at every call before)
    np.testing.assert_array_equal(first(one_hot("ACG").astype(np.float32))[0], W)
    alive = weakref.ref(model)
    del model, first
    gc.collect()
    assert alive() is None  # the cached function does not keep the model alive


"""``motifrep filters`` on Keras models built the way other projects build them (motifrep.nn.inspect).

Each model gets filter 0 of its first Conv1D layer set to the log-odds of a JASPAR motif
(CTCF, MA0139.1, 19 columns); sequences drawn from that motif are planted in half of 300
random sequences, and the filter must come back with the motif itself as its best Tomtom
match. Bad inputs (files that are not Keras models, models that cannot work) must give one
``motifrep: error:`` line, exit status 1 and no outputs.
"""

from __future__ import annotations

import zipfile

import h5py
import keras
import numpy as np
import pandas as pd
import pytest
from conftest import JASPAR2016, REPO, write_planted_fasta
from keras import layers

from motifrep.cli import main
from motifrep.errors import MotifrepError
from motifrep.filters.scan import layer_activations, receptive_field
from motifrep.motifs.meme import read_meme
from motifrep.nn.inspect import conv_map, receptive_window

MOTIF_ID = "MA0139.1"  # CTCF: 19 columns, distinctive
LENGTH = 100
NUMBA_CACHE = str(REPO / ".numba_cache")


@pytest.fixture(scope="module")
def motif():
    """The JASPAR motif's PPM (19, 4)."""
    return next(m for m in read_meme(JASPAR2016) if m.id == MOTIF_ID).pwm


@pytest.fixture(scope="module")
def fasta(motif, tmp_path_factory):
    """300 random sequences of LENGTH nt; every other one holds a site drawn from the motif."""
    return write_planted_fasta(tmp_path_factory.mktemp("foreign") / "seqs.fa", motif, LENGTH)


def plant(conv, motif) -> None:
    """Filter 0 of ``conv`` := the motif's log-odds (base 2, background 0.25); others random."""
    weights = conv.get_weights()
    kernel = np.random.default_rng(0).normal(0, 0.1, weights[0].shape)  # (k, 4, F) for any data_format
    kernel[:, :, 0] = np.log2((motif + 0.01) / 0.25)
    conv.set_weights([kernel.astype(np.float32)] + [np.zeros_like(w) for w in weights[1:]])


# --------------------------------------------------------------------------- the model kinds


def sequential_relu(motif):
    """keras.Sequential, Conv1D(activation="relu"), no batch normalisation, default names."""
    model = keras.Sequential([keras.Input((LENGTH, 4)), layers.Conv1D(16, 19, activation="relu", padding="same"),
                              layers.MaxPooling1D(4), layers.Dropout(0.2), layers.Flatten(),
                              layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")])
    plant(model.layers[0], motif)
    return model


def functional_permute(motif):
    """Channels-first (4, L) input, Permute to channels-last, then Conv1D."""
    inp = keras.Input((4, LENGTH), name="dna")
    x = layers.Permute((2, 1))(inp)
    conv = layers.Conv1D(12, 19, padding="valid", name="filters")
    x = layers.Activation("relu")(conv(x))
    x = layers.GlobalMaxPooling1D()(x)
    model = keras.Model(inp, layers.Dense(3)(x))
    plant(conv, motif)
    return model


def functional_channels_first(motif):
    """Channels-first input read by Conv1D(data_format='channels_first'), BN on axis 1, ReLU layer."""
    inp = keras.Input((4, LENGTH))
    conv = layers.Conv1D(8, 19, padding="same", data_format="channels_first")
    x = layers.ReLU()(layers.BatchNormalization(axis=1)(conv(inp)))
    x = layers.MaxPooling1D(5, data_format="channels_first")(x)
    model = keras.Model(inp, layers.Dense(1)(layers.Flatten()(x)))
    plant(conv, motif)
    return model


def two_outputs(motif):
    """A sequence input and a covariate input; two outputs (the covariate never reaches the conv)."""
    seq, cov = keras.Input((LENGTH, 4), name="seq"), keras.Input((3,), name="covariates")
    conv = layers.Conv1D(10, 19, padding="same", activation="relu", name="c1")
    x = layers.Conv1D(6, 5, padding="same", activation="relu", name="c2")(conv(seq))
    x = layers.Flatten()(layers.MaxPooling1D(10)(x))
    both = layers.Concatenate()([x, cov])
    model = keras.Model([seq, cov], [layers.Dense(1, name="bind")(both), layers.Dense(2, name="expr")(x)])
    plant(conv, motif)
    return model


def conv_bn_activation(motif):
    """Functional Conv1D (no bias) -> BatchNormalization -> Activation, Basset-like names."""
    inp = keras.Input((LENGTH, 4))
    conv = layers.Conv1D(20, 19, padding="same", use_bias=False, name="conv1d_1")
    x = layers.Activation("relu", name="act_1")(layers.BatchNormalization(name="bn_1")(conv(inp)))
    x = layers.MaxPooling1D(3)(layers.SpatialDropout1D(0.1)(x))
    x = layers.Conv1D(8, 7, activation="relu")(x)
    model = keras.Model(inp, layers.Dense(4, activation="sigmoid")(layers.GlobalAveragePooling1D()(x)))
    plant(conv, motif)
    return model


MODELS = {"sequential_relu_no_bn": (sequential_relu, ".keras"),
          "sequential_legacy_h5": (sequential_relu, ".h5"),
          "functional_permute_channels_first": (functional_permute, ".keras"),
          "conv1d_data_format_channels_first": (functional_channels_first, ".keras"),
          "two_inputs_two_outputs": (two_outputs, ".keras"),
          "conv_bn_activation": (conv_bn_activation, ".h5")}


@pytest.mark.parametrize("kind", list(MODELS))
def test_planted_motif_is_the_top_match(kind, motif, fasta, tmp_path, capsys):
    build, suffix = MODELS[kind]
    path = tmp_path / f"model{suffix}"
    build(motif).save(path)
    out = tmp_path / "out"
    rc = main(["filters", str(path), str(fasta), "--out", str(out), "--motifs", str(JASPAR2016),
               "--numba-cache", NUMBA_CACHE])
    assert rc == 0, capsys.readouterr().err
    table = pd.read_csv(out / "filters.tsv", sep="\t", keep_default_na=False)
    row = table.iloc[0]
    assert row["filter"] == "filter0" and row["best_match"] == MOTIF_ID, table.head()
    assert row["n_sites"] >= 100  # (most of) the 150 planted sites
    assert "filter0" in capsys.readouterr().out


def test_activation_map_is_after_the_elementwise_layers(motif):
    assert conv_map(conv_bn_activation(motif)).map_layer == "act_1"
    model = sequential_relu(motif)
    assert conv_map(model).map_layer == model.layers[0].name  # relu inside Conv1D; pooling next
    cf = functional_channels_first(motif)
    cmap = conv_map(cf)
    assert cmap.channels_first and cmap.map_channels_first and cmap.map_layer.startswith("re_lu")
    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(1).integers(0, 4, (3, LENGTH))]
    acts = layer_activations(cf, X)  # (N, L', F), transposed back from channels-first
    ref = keras.Model(cf.input, cmap.tensor)(X.transpose(0, 2, 1).astype(np.float32))
    np.testing.assert_allclose(acts, np.asarray(ref).transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    assert conv_map(two_outputs(motif), "c2").index == 2


# --------------------------------------------------------------------------- receptive windows


def _deep_models():
    """Layers motifrep maps positions through: dilation, causal padding, zero padding, cropping,
    stride-1 pooling, a residual Add, a channels-first conv."""
    inp = keras.Input((40, 4))
    x = layers.Conv1D(3, 4, padding="same")(inp)
    x = layers.Conv1D(3, 3, padding="same", dilation_rate=2)(x)
    y = layers.Conv1D(3, 5, padding="causal")(x)
    x = layers.Add()([x, y])
    x = layers.AveragePooling1D(3, strides=1, padding="same")(x)
    x = layers.ZeroPadding1D((2, 1))(x)
    x = layers.Conv1D(3, 3, padding="valid")(x)
    x = layers.Cropping1D((1, 2))(x)
    x = layers.Permute((2, 1))(layers.LeakyReLU(0.3)(x))
    x = layers.Conv1D(3, 2, padding="same", data_format="channels_first")(x)
    yield keras.Model(inp, layers.Flatten()(x)), 5
    inp = keras.Input((4, 40))
    x = layers.Conv1D(3, 5, padding="valid", data_format="channels_first")(inp)
    x = layers.Conv1D(2, 3, padding="same", data_format="channels_first", dilation_rate=3)(x)
    yield keras.Model(inp, layers.Flatten()(x)), 2


@pytest.mark.parametrize("model, layer", list(_deep_models()))
def test_receptive_window_matches_the_model(model, layer):
    """Changing one input base changes position p only when it lies in p's window; every base of a
    window inside the sequence does (near the ends, some columns meet only padding)."""
    rng = np.random.default_rng(4)
    for w in model.weights:
        w.assign(rng.normal(0, 0.5, w.shape).astype(np.float32))
    width, offset = receptive_field(model, layer)
    x = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (1, 40))]
    batch = np.repeat(x, 40, axis=0)
    for j in range(40):
        batch[j, j] = np.roll(batch[j, j], 1)
    base = layer_activations(model, x, layer=layer)[0].astype(np.float64)
    changed = np.abs(layer_activations(model, batch, layer=layer) - base[None]).max(axis=2) > 1e-5
    for p in range(base.shape[0]):
        window = set(range(p + offset, p + offset + width))
        seen = set(np.flatnonzero(changed[:, p]).tolist())
        assert seen <= window, (p, offset, width)
        if 0 <= p + offset and p + offset + width <= 40:
            assert seen == window, (p, offset, width)


def test_pooled_and_strided_layers_are_refused_with_the_reason(motif):
    model = conv_bn_activation(motif)
    with pytest.raises(MotifrepError, match=r"conv1d_1 is pooled \(pool 3\) before") as err:
        receptive_window(conv_map(model, 2))
    assert "unpooled" in str(err.value)
    inp = keras.Input((40, 4))
    x = layers.Conv1D(3, 4, strides=2, name="strided")(inp)
    model = keras.Model(inp, layers.Conv1D(2, 3, name="next")(x))
    with pytest.raises(MotifrepError, match="strided has stride 2 before next"):
        receptive_field(model, "next")


# --------------------------------------------------------------------------- bad input


def _save(model, path):
    model.save(path)
    return path


def _bad_model(case, tmp_path):
    """``(model path, extra args)`` for one bad-input case."""
    inp = keras.Input((LENGTH, 4))
    if case == "text_as_keras":
        (tmp_path / "m.keras").write_text("not a model\n")
        return tmp_path / "m.keras", []
    if case == "text_as_h5":
        (tmp_path / "m.h5").write_text("not a model\n")
        return tmp_path / "m.h5", []
    if case == "zip_not_keras":
        with zipfile.ZipFile(tmp_path / "m.keras", "w") as z:
            z.writestr("readme.txt", "hello")
        return tmp_path / "m.keras", []
    if case == "hdf5_not_keras":
        with h5py.File(tmp_path / "m.h5", "w") as f:
            f["X"] = np.zeros((2, LENGTH, 4))
        return tmp_path / "m.h5", []
    if case == "other_suffix":
        return _save(sequential_relu(np.full((19, 4), 0.25)), tmp_path / "m.keras").rename(tmp_path / "m.pt"), []
    if case == "lambda_layer":
        x = layers.Lambda(lambda t: t * 2.0)(inp)
        return _save(keras.Model(inp, layers.Conv1D(2, 5)(x)), tmp_path / "m.keras"), []
    if case == "custom_layer":
        return _save(keras.Model(inp, layers.Conv1D(2, 5)(_Twice()(inp))), tmp_path / "m.keras"), []
    if case == "conv2d_only":
        inp2 = keras.Input((LENGTH, 4, 1))
        return _save(keras.Model(inp2, layers.Conv2D(2, (5, 4))(inp2)), tmp_path / "m.keras"), []
    if case == "five_channels":
        inp5 = keras.Input((LENGTH, 5))
        return _save(keras.Model(inp5, layers.Conv1D(2, 5)(inp5)), tmp_path / "m.keras"), []
    if case == "not_a_conv_layer":
        x = layers.Conv1D(2, 5, name="c")(inp)
        return _save(keras.Model(inp, layers.Dense(1, name="head")(x)), tmp_path / "m.keras"), ["--layer", "head"]
    if case == "index_out_of_range":
        return _save(keras.Model(inp, layers.Conv1D(2, 5)(inp)), tmp_path / "m.keras"), ["--layer", "3"]
    if case == "too_short_for_kernel":
        var = keras.Input((None, 4))
        x = layers.Conv1D(2, 60, padding="valid")(var)
        return _save(keras.Model(var, layers.Conv1D(2, 50)(x)), tmp_path / "m.keras"), ["--layer", "2"]
    if case == "ambiguous_input":
        a, b = keras.Input((LENGTH, 4)), keras.Input((LENGTH, 4))
        x = layers.Conv1D(2, 5)(layers.Concatenate()([a, b]))
        return _save(keras.Model([a, b], x), tmp_path / "m.keras"), []
    if case == "shared_conv":
        conv = layers.Conv1D(2, 5)  # e.g. one conv on both strands
        return _save(keras.Model(inp, layers.Add()([conv(inp), conv(layers.Dropout(0.1)(inp))])),
                     tmp_path / "m.keras"), []
    raise AssertionError(case)


@keras.saving.register_keras_serializable("elsewhere")
class _Twice(layers.Layer):
    """A custom layer of 'another project', registered only while the test runs."""

    def call(self, x):
        return 2.0 * x


BAD = {
    "text_as_keras": "not a Keras model archive (not a zip file)",
    "text_as_h5": "not a Keras model (legacy HDF5) (not an HDF5 file)",
    "zip_not_keras": "not a Keras model archive (",
    "hdf5_not_keras": "not a Keras model (legacy HDF5) (No model config",
    "other_suffix": "the name must end in .keras, or .h5",
    "lambda_layer": "Lambda layer",
    "custom_layer": "unknown layer or object",
    "conv2d_only": "has no Conv1D layer (it has Conv2D",
    "five_channels": "expected one-hot DNA with 4 channels",
    "not_a_conv_layer": "layer 'head' is a Dense, not a Conv1D layer",
    "index_out_of_range": "has no convolutional layer 3 (it has 1",
    "too_short_for_kernel": "cannot take sequences of length 100",
    "ambiguous_input": "which one holds the sequence is ambiguous",
    "shared_conv": "is applied 2 times",
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line(case, fasta, tmp_path, capsys, monkeypatch):
    path, args = _bad_model(case, tmp_path)
    if case == "custom_layer":  # the loading process does not know the other project's class
        monkeypatch.delitem(keras.saving.get_custom_objects(), "elsewhere>_Twice")
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(["filters", str(path), str(fasta), "--out", str(out), "--motifs", str(JASPAR2016),
               "--numba-cache", NUMBA_CACHE, *args])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert rc == 1 and len(err) == 1 and err[0].startswith("motifrep: error:"), err
    assert BAD[case] in err[0], err[0]
    assert not out.exists()

"""First-layer activations of Koo & Ploenzke 2021 (methods §2.6) and saving/loading models that use them."""

import keras
import numpy as np
import pytest

from motifrep.errors import ConfigError, FormatError
from motifrep.nn import activations
from motifrep.nn import zoo as models
from motifrep.nn.activations import ACTIVATIONS, get_activation
from motifrep.nn.build import build_model, load_model

# (name, x, expected), expected worked out by hand from the formulas in methods §2.6 / the authors' code:
#   e = 2.718281828459045, tanh(1) = 0.7615941559557649, sigmoid(1) = 0.7310585786300049
CASES = [
    ("exp_relu", 0.0, 0.0),                    # relu(exp(0) - 1) = 0
    ("exp_relu", 10.0, 1.718281828459045),     # relu(e - 1)
    ("exp_relu", 20.0, 6.38905609893065),      # relu(e^2 - 1)
    ("exp_relu", -5.0, 0.0),                   # relu(exp(-0.5) - 1) = relu(-0.39) = 0
    ("shift_scale_relu", 1.2, 1.0),            # relu((1.2 - 0.2)^3)
    ("shift_scale_relu", 2.2, 8.0),            # relu(2^3)
    ("shift_scale_relu", 0.1, 0.0),            # relu((-0.1)^3) = relu(-0.001)
    ("shift_scale_tanh", 6.0, 500.0),          # 500 tanh(0) + 500
    ("shift_scale_tanh", 7.0, 880.7970779778824),  # 500 * 0.7615941559557649 + 500
    ("shift_scale_tanh", -100.0, 0.0),         # 500 * (-1) + 500
    ("shift_scale_sigmoid", 8.0, 2000.0),      # 4000 * 0.5
    ("shift_scale_sigmoid", 9.0, 2924.2343145200196),  # 4000 * 0.7310585786300049
    ("shift_relu", 1.2, 1.0),                  # relu(1.2 - 0.2)
    ("shift_relu", 0.1, 0.0),                  # relu(-0.1)
    ("shift_tanh", 6.0, 0.0),                  # tanh(0)
    ("shift_tanh", 7.0, 0.7615941559557649),   # tanh(1)
    ("shift_sigmoid", 8.0, 0.5),               # sigmoid(0)
    ("shift_sigmoid", 9.0, 0.7310585786300049),  # sigmoid(1)
    ("scale_relu", -1.0, 0.0),                 # relu(-1)
    ("scale_relu", 2.0, 8.0),                  # relu(2^3)
    ("scale_tanh", 0.0, 500.0),                # 500 * 0 + 500
    ("scale_tanh", 1.0, 880.7970779778824),    # 500 * tanh(1) + 500
    ("scale_sigmoid", 0.0, 2000.0),            # 4000 * 0.5
    ("scale_sigmoid", 1.0, 2924.2343145200196),  # 4000 * sigmoid(1)
    ("relu", -2.0, 0.0),
    ("relu", 3.0, 3.0),
    ("exponential", 1.0, 2.718281828459045),   # plain exp
    ("exponential", 0.0, 1.0),
    ("sigmoid", 0.0, 0.5),
    ("tanh", 1.0, 0.7615941559557649),
    ("softplus", 0.0, 0.6931471805599453),     # log(1 + e^0) = log 2
    ("linear", -3.0, -3.0),
    ("elu", -1.0, -0.6321205588285577),        # e^-1 - 1
    ("elu", 2.0, 2.0),
]


def _apply(name, values):
    layer = keras.layers.Activation(get_activation(name))
    return np.asarray(layer(keras.ops.convert_to_tensor(np.asarray(values, dtype="float32"))))


@pytest.mark.parametrize("name, x, expected", CASES)
def test_formula(name, x, expected):
    assert _apply(name, [x])[0] == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_every_activation_is_tested_and_known_to_config():
    assert {name for name, _, _ in CASES} == set(ACTIVATIONS)
    assert set(models.ACTIVATION_NAMES) == set(ACTIVATIONS)
    for name in ("exp_relu", "shift_scale_tanh", "scale_sigmoid"):
        assert keras.saving.get_registered_name(ACTIVATIONS[name]) == f"motifrep>{name}"


def test_unknown_activation():
    with pytest.raises(ConfigError, match=r"unknown activation 'swish2' \(known: .*exp_relu.*\)"):
        get_activation("swish2")


def test_unknown_first_activation_in_build_model():
    blocks = [{"conv": {"filters": 4, "kernel": 5}}, {"dense": {"units": 4}}]
    with pytest.raises(ConfigError, match="architecture 'Tiny', first_activation: unknown activation 'nope'"):
        build_model("Tiny", blocks, 20, 1, first_activation="nope")


BLOCKS = [{"conv": {"filters": 6, "kernel": 5, "pool": 4}}, {"conv": {"filters": 8, "kernel": 3, "pool": 2}},
          {"dense": {"units": 8}}]


def test_first_activation_changes_conv1_only():
    model = build_model("Tiny", BLOCKS, 40, 2, first_activation="shift_scale_tanh")
    assert model.get_layer("conv1_act").activation is activations.shift_scale_tanh
    assert model.get_layer("conv2_act").get_config()["activation"] == "relu"
    assert model.get_layer("dense1_act").get_config()["activation"] == "relu"
    default = build_model("Tiny", BLOCKS, 40, 2)
    assert default.get_layer("conv1_act").get_config()["activation"] == "relu"
    assert models.first_activation_of(BLOCKS) == "relu"
    assert models.first_activation_of([{"conv": {"filters": 1, "kernel": 1, "activation": "exponential"}}]) \
        == "exponential"


@pytest.mark.parametrize("first", ["exp_relu", "shift_scale_sigmoid", "exponential"])
def test_saved_model_loads_back_with_identical_predictions(tmp_path, first):
    keras.utils.set_random_seed(1)
    model = build_model("Tiny", BLOCKS, 40, 2, first_activation=first)
    x = np.random.default_rng(0).random((5, 40, 4)).astype("float32")
    path = tmp_path / "tiny.keras"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.get_layer("conv1_act").get_config() == model.get_layer("conv1_act").get_config()
    # plain Keras loads it too, since importing motifrep.nn.activations registered the functions
    np.testing.assert_array_equal(keras.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_model_on_text_file(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("not a model\n")
    with pytest.raises(FormatError) as info:
        load_model(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a Keras model archive") and "\n" not in message


def test_load_model_on_zip_without_model(tmp_path):
    import zipfile

    path = tmp_path / "other.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(FormatError, match="not a Keras model archive"):
        load_model(path)


def test_load_model_missing_file(tmp_path):
    with pytest.raises(FormatError, match=r"missing\.keras: model file not found"):
        load_model(tmp_path / "missing.keras")

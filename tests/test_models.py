import keras
import pytest
from conftest import REPO

from motifrep.errors import ConfigError
from motifrep.nn.build import build_model, count_trainable
from motifrep.nn.zoo import check_model_fits, first_activation_of, load_zoo, resolve

ZOO_PATH = REPO / "resources" / "models.yaml"

# The authors' trainable parameter counts (performance_summary.tsv in their results).
AUTHORS = {
    **{f"CNN-{p}": 160048 for p in (2, 4, 10, 25, 50, 100)},
    "CNN-1": 160048,
    "CNN9-4": 158848,
    "CNN9-25": 158848,
    "CNN3-2": 158128,
    "CNN3-50": 158128,
    "CNN-50-2": 25712,
}


@pytest.fixture(scope="module")
def zoo():
    return load_zoo(ZOO_PATH)


@pytest.mark.parametrize("name, expected", sorted(AUTHORS.items()))
def test_parameter_counts_equal_authors(zoo, name, expected):
    assert count_trainable(build_model(name, zoo[name], 200, 12)) == expected


def test_invivo_parameter_count(zoo):
    assert count_trainable(build_model("CNN-2", zoo["CNN-2"], 1000, 12)) == 684336


def test_authors_summary_file_agrees(koo2019, zoo):
    import pandas as pd

    table = pd.read_csv(koo2019 / "synthetic" / "performance_summary.tsv", sep="\t")
    for row in table.itertuples():
        name = row.model.upper().replace("_", "-")
        assert count_trainable(build_model(name, zoo[name], 200, 12)) == row.num_params, name


@pytest.mark.parametrize("filters", [60, 90, 120])
def test_wide_cnn25_really_has_more_filters(zoo, filters):
    model = build_model(f"CNN-25_{filters}f", zoo[f"CNN-25_{filters}f"], 200, 12)
    assert model.get_layer("conv1").filters == filters
    assert model.get_layer("conv1").kernel.shape == (19, 4, filters)
    assert model.get_layer("conv2").kernel.shape == (5, filters, 128)


P2_MODELS = ("P2-CNN-2", "P2-CNN-50", "CNN-deep", "CNN-local", "CNN-dist")


def test_every_zoo_model_builds_and_flattens_equally(zoo):
    p2 = set(P2_MODELS) | {f"{name}-x2" for name in P2_MODELS}
    for name, blocks in zoo.items():
        model = build_model(name, blocks, 200, 12)
        assert model.output.shape == (None, 12)
        if name not in p2 | {"CNN-50-2"}:
            assert model.get_layer("flatten").output.shape[-1] == 256, name


def test_layer_names_for_analysis(zoo):
    model = build_model("CNN-1-1-100", zoo["CNN-1-1-100"], 200, 12)
    names = [layer.name for layer in model.layers]
    for n in ("conv1", "conv1_bn", "conv1_act", "conv2_act", "conv3_act", "conv3_pool", "dense1", "output"):
        assert n in names


def test_user_architecture_from_config(zoo):
    extra = {"MyNet": [{"conv": {"filters": 8, "kernel": 11, "pool": 10, "activation": "exponential"}},
                       {"dense": {"units": 16}}]}
    zoo2 = load_zoo(ZOO_PATH, extra)
    model = build_model("MyNet", resolve(zoo2, "MyNet"), 200, 3)
    assert model.get_layer("conv1").kernel.shape == (11, 4, 8)
    assert model.get_layer("conv1_act").get_config()["activation"] == "exponential"


@pytest.mark.parametrize(
    "blocks, message",
    [
        ([{"conv": {"filters": 8}}], "needs ['kernel']"),
        ([{"conv": {"filters": 8, "kernel": 3, "strides": 2}}], "unknown conv key(s) ['strides']"),
        ([{"conv": {"filters": 8, "kernel": 3, "activation": "swish2"}}], "unknown activation 'swish2'"),
        ([{"pool": {"size": 2}}], "unknown block type 'pool'"),
        ([{"dense": {"units": 8}}], "first block must be a conv block"),
        ([{"conv": {"filters": "many", "kernel": 3}}], "filters must be int"),
        ([{"conv": {"filters": 8, "kernel": 3, "dropout": 1.5}}], "dropout must be in [0, 1)"),
        ([], "non-empty list"),
    ],
)
def test_bad_architecture(blocks, message):
    with pytest.raises(ConfigError) as info:
        load_zoo(ZOO_PATH, {"Bad": blocks})
    assert message in str(info.value) and "'Bad'" in str(info.value)


def test_unknown_model_name(zoo):
    with pytest.raises(ConfigError, match="unknown model 'CNN-3'"):
        resolve(zoo, "CNN-3")


# ---- P2 zoo (methods §2.3). Counts derived by hand: conv k*in*filters (no bias), BN 2*filters
# trainable (gamma, beta), dense in*units (no bias), output in*T + T; the flattened size is
# (positions left after the last pool) x (last conv's filters).
def _conv(k, c_in, f):
    return k * c_in * f + 2 * f  # kernel + BN gamma/beta


def _dense(n_in, units):
    return n_in * units + 2 * units


HAND_COUNTS_200 = {
    # 200 -> pool 2 -> 100 -> pool 50 -> 2 positions x 124 = 248 flattened
    # 2432 + 64 + 19840 + 248 + 126976 + 1024 + 6156
    "P2-CNN-2": (12, _conv(19, 4, 32) + _conv(5, 32, 124) + _dense(2 * 124, 512) + 512 * 12 + 12, 156740),
    # 200 -> pool 50 -> 4 -> pool 2 -> 2 positions x 124 = 248: same count as P2-CNN-2
    "P2-CNN-50": (12, _conv(19, 4, 32) + _conv(5, 32, 124) + _dense(2 * 124, 512) + 512 * 12 + 12, 156740),
    # 200 (same, no pool) -> 200 (same) -> pool 4 -> 50 -> valid 7 -> 44 -> pool 4 -> 11 -> valid 3 -> 9
    # -> pool 3 -> 3 positions x 128 = 384; 2496 + 10848 + 32448 + 37120 + 197632 + 6156
    "CNN-deep": (12, _conv(19, 4, 32) + _conv(7, 32, 48) + _conv(7, 48, 96) + _conv(3, 96, 128)
                 + _dense(3 * 128, 512) + 512 * 12 + 12, 286700),
    # 200 -> pool 50 -> 4 -> (same) -> pool 2 -> 2 positions x 48 = 96; 1872 + 3552 + 9408 + 97
    "CNN-local": (1, _conv(19, 4, 24) + _conv(3, 24, 48) + _dense(2 * 48, 96) + 96 * 1 + 1, 14929),
    # 200 -> 200 -> pool 4 -> 50 -> valid 7 -> 44 -> pool 4 -> 11 -> valid 3 -> 9 -> pool 3 -> 3 x 64 = 192
    # 1872 + 5440 + 10848 + 9344 + 18624 + 97
    "CNN-dist": (1, _conv(19, 4, 24) + _conv(7, 24, 32) + _conv(7, 32, 48) + _conv(3, 48, 64)
                 + _dense(3 * 64, 96) + 96 * 1 + 1, 46225),
}

HAND_COUNTS_1000 = {
    # 1000 -> 500 -> 10 positions x 248 = 2480 flattened (P2-CNN-50-x2: 1000 -> 20 -> 10, the same)
    "P2-CNN-2-x2": (12, _conv(19, 4, 64) + _conv(5, 64, 248) + _dense(10 * 248, 1024) + 1024 * 12 + 12, 2638716),
    "P2-CNN-50-x2": (12, _conv(19, 4, 64) + _conv(5, 64, 248) + _dense(10 * 248, 1024) + 1024 * 12 + 12, 2638716),
    # 1000 -> pool 4 -> 250 -> valid 7 -> 244 -> pool 4 -> 61 -> valid 3 -> 59 -> 'valid' pool 3 -> 19 x 256
    "CNN-deep-x2": (12, _conv(19, 4, 64) + _conv(7, 64, 96) + _conv(7, 96, 192) + _conv(3, 192, 256)
                    + _dense(19 * 256, 1024) + 1024 * 12 + 12, 5320652),
    # 1000 -> pool 50 -> 20 -> pool 2 -> 10 positions x 96 = 960
    "CNN-local-x2": (1, _conv(19, 4, 48) + _conv(3, 48, 96) + _dense(10 * 96, 192) + 192 + 1, 202657),
    # ... 59 -> 'same' pool 3 -> ceil(59 / 3) = 20 positions x 128 = 2560
    "CNN-dist-x2": (1, _conv(19, 4, 48) + _conv(7, 48, 64) + _conv(7, 64, 96) + _conv(3, 96, 128)
                    + _dense(20 * 128, 192) + 192 + 1, 597793),
}


@pytest.mark.parametrize("length, name", [(200, n) for n in HAND_COUNTS_200] + [(1000, n) for n in HAND_COUNTS_1000])
def test_p2_parameter_counts_derived_by_hand(zoo, length, name):
    n_tasks, derived, written = {**HAND_COUNTS_200, **HAND_COUNTS_1000}[name]
    assert derived == written  # the arithmetic and the number quoted in resources/models.yaml agree
    assert count_trainable(build_model(name, zoo[name], length, n_tasks)) == written


@pytest.mark.parametrize("name", P2_MODELS)
def test_x2_models_double_every_width(zoo, name):
    base, double = zoo[name], zoo[f"{name}-x2"]
    assert len(base) == len(double)
    for b, d in zip(base, double):
        (kind, p), = b.items()
        (kind2, q), = d.items()
        width = "filters" if kind == "conv" else "units"
        assert kind == kind2 and q[width] == 2 * p[width]
        assert {k: v for k, v in p.items() if k != width} == {k: v for k, v in q.items() if k != width}


def test_p2_layers_and_dropout(zoo):
    model = build_model("CNN-deep", zoo["CNN-deep"], 200, 12)
    assert [model.get_layer(f"conv{i}_dropout").rate for i in (1, 2, 3, 4)] == [0.1, 0.2, 0.3, 0.4]
    assert model.get_layer("dense1_dropout").rate == 0.5
    assert "conv1_pool" not in [layer.name for layer in model.layers]
    assert [model.get_layer(f"conv{i}").padding for i in (1, 2, 3, 4)] == ["same", "same", "valid", "valid"]
    assert model.get_layer("conv4").output.shape[1] == 9


def test_block_order_is_conv_bn_act_pool_dropout(zoo):
    model = build_model("CNN-2", zoo["CNN-2"], 200, 12, first_activation="exponential")
    names = [layer.name for layer in model.layers]
    start = names.index("conv1")
    assert names[start:start + 5] == ["conv1", "conv1_bn", "conv1_act", "conv1_pool", "conv1_dropout"]
    kinds = [type(model.get_layer(n)) for n in names[start:start + 5]]
    assert kinds == [keras.layers.Conv1D, keras.layers.BatchNormalization, keras.layers.Activation,
                     keras.layers.MaxPooling1D, keras.layers.Dropout]
    # each layer takes the previous one's output (BN before the activation: what lets exp work)
    for before, after in zip(names[start:start + 4], names[start + 1:start + 5]):
        assert model.get_layer(after).input is model.get_layer(before).output, (before, after)
    assert model.get_layer("conv2").input is model.get_layer("conv1_dropout").output
    assert model.get_layer("conv1").use_bias is False


def test_first_activation_of(zoo):
    assert first_activation_of(zoo["CNN-deep"]) == "relu"
    assert first_activation_of([{"conv": {"filters": 2, "kernel": 3, "activation": "exp_relu"}}]) == "exp_relu"


def test_check_fits_zoo(zoo):
    assert check_model_fits("CNN-dist", zoo["CNN-dist"], 200) == 3
    assert check_model_fits("CNN-deep-x2", zoo["CNN-deep-x2"], 1000) == 19
    for name, blocks in zoo.items():
        check_model_fits(name, blocks, 200)


def test_check_fits_kernel_longer_than_what_pooling_left():
    blocks = [{"conv": {"filters": 4, "kernel": 19, "pool": 40}},  # 200 -> 5 positions
              {"conv": {"filters": 4, "kernel": 7, "padding": "valid"}}, {"dense": {"units": 4}}]
    message = "architecture 'X', block 2: kernel 7 longer than the 5 positions left at that layer (input 200 nt)"
    with pytest.raises(ConfigError) as info:
        check_model_fits("X", blocks, 200)
    assert str(info.value) == message
    with pytest.raises(ConfigError, match="block 2: kernel 7 longer than the 5 positions"):
        build_model("X", blocks, 200, 1)


def test_check_fits_valid_convs_shrink_cumulatively():
    blocks = [{"conv": {"filters": 4, "kernel": 15, "padding": "valid"}},  # 20 -> 6
              {"conv": {"filters": 4, "kernel": 6, "padding": "valid"}},   # 6 -> 1
              {"conv": {"filters": 4, "kernel": 2, "padding": "valid"}}]
    with pytest.raises(ConfigError, match="block 3: kernel 2 longer than the 1 positions left .*input 20 nt"):
        check_model_fits("V", blocks, 20)
    assert check_model_fits("V", blocks[:2], 20) == 1


def test_check_fits_pool_longer_than_sequence():
    blocks = [{"conv": {"filters": 4, "kernel": 5, "pool": 10}}, {"conv": {"filters": 4, "kernel": 3, "pool": 8}}]
    with pytest.raises(ConfigError, match=r"architecture 'P', block 2: pool 8 longer than the 5 positions left at "
                                          r"that layer \(input 50 nt\)"):
        check_model_fits("P", blocks, 50)
    assert check_model_fits("P", blocks, 80) == 1  # 80 -> 8 -> 1


def test_pool_padding_option():
    blocks = [{"conv": {"filters": 2, "kernel": 3, "pool": 3, "pool_padding": "valid"}}]
    assert check_model_fits("Q", blocks, 10) == 3  # floor((10 - 3) / 3) + 1
    assert build_model("Q", blocks, 10, 1).get_layer("conv1_pool").output.shape[1] == 3
    same = [{"conv": {"filters": 2, "kernel": 3, "pool": 3}}]
    assert check_model_fits("Q", same, 10) == 4  # ceil(10 / 3)
    assert build_model("Q", same, 10, 1).get_layer("conv1_pool").output.shape[1] == 4
    with pytest.raises(ConfigError, match="pool_padding must be 'same' or 'valid'"):
        load_zoo(ZOO_PATH, {"Bad": [{"conv": {"filters": 2, "kernel": 3, "pool_padding": "causal"}}]})

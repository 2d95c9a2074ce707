import pytest

from motifrep.errors import ConfigError
from motifrep.models import build_model, count_trainable, load_zoo, resolve
from conftest import REPO

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


def test_every_zoo_model_builds_and_flattens_equally(zoo):
    for name, blocks in zoo.items():
        model = build_model(name, blocks, 200, 12)
        assert model.output.shape == (None, 12)
        if name not in ("CNN-50-2",):
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

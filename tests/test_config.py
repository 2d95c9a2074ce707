import copy

import pytest
import yaml

from motifrep.config import check_models, validate
from motifrep.errors import ConfigError
from conftest import REPO

SCHEMA = REPO / "config" / "schema.yaml"


def load(name):
    return yaml.safe_load((REPO / "config" / name).read_text())


@pytest.mark.parametrize("name", ["config.yaml", "paper.yaml"])
def test_shipped_configs_are_valid(name):
    config = validate(load(name), SCHEMA)
    check_models(config, REPO / "resources" / "models.yaml")


def test_paper_config_is_the_full_grid():
    config = load("paper.yaml")
    assert config["training"]["trials"] == 5 and config["training"]["epochs"] == 100
    assert config["training"]["patience"] == 20
    zoo = check_models(validate(config, SCHEMA), REPO / "resources" / "models.yaml")
    assert set(config["models"]) == set(zoo)


def test_default_config_trains_the_three_models():
    assert {"CNN-2", "CNN-4", "CNN-25"} <= set(load("config.yaml")["models"])
    assert load("config.yaml")["simulation"]["n_sequences"] == 25000


def test_defaults_are_filled():
    config = load("config.yaml")
    del config["training"]["l2"]
    assert validate(config, SCHEMA)["training"]["l2"] == 1e-6


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c.update(trainig={}), "unknown key 'trainig' in (top level)"),
        (lambda c: c["training"].update(epoch=3), "unknown key 'epoch' in training"),
        (lambda c: c["training"].pop("epochs"), "'epochs' is a required property"),
        (lambda c: c["training"].update(epochs="ten"), "training.epochs: 'ten' is not of type 'integer'"),
        (lambda c: c["jaspar"].update(source="ftp"), "jaspar.source"),
        (lambda c: c["simulation"].update(split=[0.7, 0.3]), "simulation.split"),
        (lambda c: c.pop("models"), "'models' is a required property"),
    ],
)
def test_bad_config_one_line(edit, message):
    config = copy.deepcopy(load("config.yaml"))
    edit(config)
    with pytest.raises(ConfigError) as info:
        validate(config, SCHEMA)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_unknown_model_in_config():
    config = validate(load("config.yaml"), SCHEMA)
    config["models"] = ["CNN-2", "CNN-7"]
    with pytest.raises(ConfigError, match="config models: unknown model 'CNN-7'"):
        check_models(config, REPO / "resources" / "models.yaml")

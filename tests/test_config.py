import copy

import pytest
from conftest import REPO
from conftest import checked_config as checked
from conftest import layered_config as merged
from conftest import load_config as load

from motifrep.config import check_models, run_settings, validate
from motifrep.errors import ConfigError

SCHEMA = REPO / "config" / "schema.yaml"
ZOO = REPO / "resources" / "models.yaml"





# .test/config.yaml and .test/faults.yaml: the tiny end-to-end configs (the in vivo ones need
# the inputs their tests write)
@pytest.mark.parametrize("names", [("config.yaml",), ("config.yaml", "paper.yaml"),
                                   ("config.yaml", "../.test/config.yaml"), ("config.yaml", "../.test/faults.yaml"),
                                   ("config.yaml", "slice.yaml")])
def test_shipped_configs_are_valid(names):
    checked(merged(*names))


def test_paper_config_states_only_differences():
    paper = load("paper.yaml")
    assert "datasets" not in paper and "jaspar" not in paper and "tomtom" not in paper
    config, zoo = checked(merged("config.yaml", "paper.yaml"))
    p1 = config["experiments"]["p1"]
    assert p1["trials"] == 5 and p1["training"] == {"monitor": "val_loss", "epochs": 100, "patience": 20}
    p1_models = {m for m in zoo if not m.startswith(("P2-", "CNN-deep", "CNN-local", "CNN-dist"))}
    assert set(p1["models"]) == p1_models  # the whole P1 zoo
    task1 = config["experiments"]["p2_task1"]
    assert task1["trials"] == 10 and task1["training"]["monitor"] == "val_aupr"
    assert set(task1["activations"]) == {"relu", "exponential", "sigmoid", "tanh", "softplus", "linear", "elu"}
    assert config["datasets"]["task1"]["n_sequences"] == 30000


def test_slice_config_decides_task3_claims():
    """config/slice.yaml (issue 20): P2 task 3 only, CNN-local and CNN-dist, relu vs exponential,
    saliency and ISM, >= 3 trials, the paper's training settings (methods §3.2)."""
    config, _ = checked(merged("config.yaml", "slice.yaml"))
    assert config["run"] == ["p2_task3"]
    task3 = config["experiments"]["p2_task3"]
    assert task3["models"] == ["CNN-local", "CNN-dist"] and task3["activations"] == ["relu", "exponential"]
    assert set(task3["attribution"]) == {"saliency", "ism"} and task3["trials"] >= 3
    assert task3["training"]["epochs"] == 100 and task3["training"]["patience"] == 20
    assert task3["training"]["monitor"] == "val_auroc"
    assert task3["training"]["lr_plateau"] == {"factor": 0.2, "patience": 5, "min_lr": 1e-7}


def test_default_config_runs_p1_and_a_p2_slice():
    config, _ = checked(merged("config.yaml"))
    assert config["experiments"]["p1"]["models"] == ["CNN-2", "CNN-4", "CNN-25"]
    assert config["datasets"]["synthetic"]["n_sequences"] == 25000
    task1 = config["experiments"]["p2_task1"]
    assert task1["models"] == ["CNN-deep"] and task1["activations"] == ["relu", "exponential"]


def test_defaults_are_filled():
    config = load("config.yaml")
    del config["training"]["l2"]
    assert validate(config, SCHEMA)["training"]["l2"] == 1e-6


def test_run_settings_exclude_resources_and_merge_overrides():
    config, zoo = checked(merged("config.yaml"))
    runs = run_settings(config, zoo)
    deep = runs[("task1", "CNN-deep", "exponential", 0)]
    assert deep["training"]["monitor"] == "val_aupr" and deep["training"]["epochs"] == 25
    assert deep["filters"]["window"] == 20 and deep["filters"]["weighting"] == "uniform"
    p1 = runs[("synthetic", "CNN-2", "relu", 0)]
    assert p1["training"]["monitor"] == "val_loss" and p1["filters"]["window"] == 19
    for run in runs.values():
        assert not {"threads", "mem_mb", "runtime"} & set(run["training"])
        assert not {"threads", "batch_size", "deep_layers"} & set(run["filters"])
    # figure fig3's models are runs too (trained on request), with p1's settings
    assert runs[("synthetic", "CNN9-4", "relu", 0)]["experiment"] == "p1"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c.update(trainig={}), "unknown key 'trainig' in (top level)"),
        (lambda c: c["training"].update(epoch=3), "unknown key 'epoch' in training"),
        (lambda c: c["training"].pop("epochs"), "'epochs' is a required property"),
        (lambda c: c["training"].update(epochs="ten"), "training.epochs: 'ten' is not of type 'integer'"),
        (lambda c: c["jaspar"].update(source="ftp"), "jaspar.source"),
        (lambda c: c["datasets"]["synthetic"].update(split=[0.7, 0.3]), "datasets.synthetic.split"),
        (lambda c: c["datasets"]["synthetic"].update(kind="other"), "datasets.synthetic.kind"),
        (lambda c: c["datasets"]["task3"].update(tf_table="x.tsv"), "unknown key 'tf_table' in datasets.task3"),
        (lambda c: c["experiments"]["p1"].pop("models"), "'models' is a required property"),
        (lambda c: c["experiments"]["p1"]["training"].update(threads=2), "unknown key 'threads' in experiments.p1"),
        (lambda c: c["experiments"]["p1"]["training"].update(monitor="val_acc"), "experiments.p1.training.monitor"),
        (lambda c: c["experiments"]["p2_task3"].update(attribution=["saliency", "gradcam"]),
         "experiments.p2_task3.attribution.1: 'gradcam' is not one of"),
        (lambda c: c.update(simulation={}), "unknown key 'simulation' in (top level)"),
    ],
)
def test_bad_config_one_line(edit, message):
    config = copy.deepcopy(load("config.yaml"))
    edit(config)
    with pytest.raises(ConfigError) as info:
        validate(config, SCHEMA)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["experiments"]["p1"].update(models=["CNN-2", "CNN-7"]),
         "config experiments.p1.models: unknown model 'CNN-7'"),
        (lambda c: c["experiments"]["p1"].update(dataset="task2"),
         "config experiments.p1.dataset: unknown data set 'task2' (known: synthetic, task1, task3)"),
        (lambda c: c["experiments"]["p2_task1"].update(activations=["relu", "swish"]),
         "config experiments.p2_task1: unknown activation 'swish'"),
        (lambda c: c["experiments"]["p2_task1"].update(attribution=["saliency"]),
         "config experiments.p2_task1.attribution: data set 'task1' has no per-position ground truth"),
        (lambda c: c["experiments"]["p2_task3"].update(modisco=["saliency", "deepshap"]),
         "config experiments.p2_task3.modisco: deepshap not among the experiment's attribution methods (saliency, ism)"),
        (lambda c: c["modisco"].update(seqlet_fdr=0), "modisco.seqlet_fdr"),
        (lambda c: c["datasets"]["synthetic"].update(motif_count_probs=[0.5, 0.4]),
         "datasets.synthetic.motif_count_probs: [0.5, 0.4] must sum to 1"),
        (lambda c: c["datasets"]["synthetic"].update(split=[0.8, 0.1, 0.2]), "datasets.synthetic.split"),
        (lambda c: c["datasets"]["synthetic"].update(n_sequences=10, split=[0.9, 0.1, 0.0]),
         "leaves test empty"),
        (lambda c: c["datasets"].update(jaspar=c["datasets"]["synthetic"]), "'jaspar' is a reserved folder name"),
        (lambda c: c["datasets"]["synthetic"].update(length=30), "experiments.p1: architecture 'CNN-2'"),
        (lambda c: c["figures"]["fig2"].update(experiment="p3"), "config figures.fig2.experiment: unknown experiment"),
        (lambda c: c["figures"]["figS1"]["panels"].append({"model": "CNN-2", "layer": 3}),
         "config figures.figS1: CNN-2 has 2 conv layers, no layer 3"),
        (lambda c: c["experiments"].update(other={"dataset": "synthetic", "models": ["CNN-2"],
                                                  "training": {"epochs": 3}}),
         "run synthetic/CNN-2/relu/0 is also trained by experiment 'p1' with other training or filter settings"),
    ],
)
def test_bad_references_one_line(edit, message):
    config = validate(copy.deepcopy(load("config.yaml")), SCHEMA)
    edit(config)
    with pytest.raises(ConfigError) as info:
        check_models(validate(config, SCHEMA), ZOO)
    assert message in str(info.value) and "\n" not in str(info.value)

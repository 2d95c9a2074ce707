import json
import os
import re

import numpy as np
import pandas as pd
import pytest

from motifrep.datasets.store import Dataset
from motifrep.errors import ConfigError, MotifrepError
from motifrep.nn.metrics import per_task_scores
from motifrep.nn.train import train

BLOCKS = [{"conv": {"filters": 8, "kernel": 11, "pool": 20}}, {"dense": {"units": 16}}]


def test_train_writes_model_history_metrics(tmp_path, small_data):
    out = tmp_path / "run"
    metrics = train(small_data, "Tiny", BLOCKS, out / "model.keras", out / "history.tsv", out / "metrics.json",
                    trial=0, seed=7, epochs=6, patience=2, batch_size=50)
    history = pd.read_csv(out / "history.tsv", sep="\t")
    assert list(history.columns) == ["epoch", "loss", "val_loss", "learning_rate", "seconds", "best"]
    np.testing.assert_allclose(history.learning_rate, 1e-3, rtol=1e-6)  # train()'s default, no plateau schedule
    assert 1 <= len(history) <= 6 and metrics["epochs_run"] == len(history)
    on_disk = json.loads((out / "metrics.json").read_text())
    assert on_disk["tasks"] == ["SRF", "SP1"] and len(on_disk["auroc"]) == 2
    assert on_disk["auroc_mean"] == pytest.approx(np.mean(on_disk["auroc"]))
    assert "tensorflow-cpu" in on_disk["versions"] or "tensorflow" in on_disk["versions"]
    assert on_disk["mixed_precision"] is False
    # Best weights are restored: the saved model's validation loss is the best one seen.
    import keras

    model = keras.models.load_model(out / "model.keras")
    with Dataset(small_data) as ds:
        Xv, Yv = ds.load("valid")
        Xt, Yt = ds.load("test")
    assert model.evaluate(Xv.astype("float32"), Yv, batch_size=50, verbose=0) == pytest.approx(
        history.val_loss.min(), rel=1e-4)
    assert metrics["best_epoch"] == int(history.val_loss.idxmin()) + 1
    # Reported test metrics are those of the saved model.
    scores = per_task_scores(Yt, model.predict(Xt.astype("float32"), verbose=0))
    np.testing.assert_allclose(scores["auroc"], on_disk["auroc"], atol=1e-6)
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_early_stopping_stops(tmp_path, small_data):
    out = tmp_path / "run"
    metrics = train(small_data, "Tiny", BLOCKS, out / "m.keras", out / "h.tsv", out / "m.json",
                    trial=0, seed=7, epochs=40, patience=1, batch_size=50, learning_rate=0.05)
    assert metrics["epochs_run"] < 40
    assert metrics["epochs_run"] - metrics["best_epoch"] == 1


def test_bad_training_arguments(tmp_path, small_data):
    with pytest.raises(ConfigError):
        train(small_data, "Tiny", BLOCKS, tmp_path / "m.keras", tmp_path / "h.tsv", tmp_path / "m.json",
              trial=0, seed=1, epochs=0, patience=1)
    assert not (tmp_path / "m.keras").exists()


def test_per_task_scores_reference_values():
    y = np.array([[0, 1], [0, 0], [1, 1], [1, 0]])
    p = np.array([[0.1, 0.9], [0.4, 0.2], [0.35, 0.8], [0.8, 0.7]])
    s = per_task_scores(y, p)
    np.testing.assert_allclose(s["auroc"], [0.75, 1.0])
    constant = per_task_scores(np.array([[1], [1]]), np.array([[0.2], [0.3]]))
    assert np.isnan(constant["auroc"][0])


def test_diverging_run_fails_with_one_line_and_keeps_nothing(tmp_path, small_data):
    """An exponential first layer with an absurd learning rate overflows: the job must fail,
    naming model, activation, trial and epoch, and leave no output behind."""
    from motifrep.nn.train import TrainingError

    out = tmp_path / "run"
    with pytest.raises(TrainingError) as info:
        train(small_data, "Tiny", BLOCKS, out / "m.keras", out / "h.tsv", out / "m.json", trial=3, seed=7,
              epochs=5, patience=5, batch_size=50, learning_rate=1e9, activation="exponential")
    message = str(info.value)
    assert "model Tiny activation exponential trial 3" in message and "NaN or infinite in epoch 1" in message
    assert "\n" not in message
    assert not out.exists() or not any(out.iterdir())


def test_monitor_aupr_and_lr_plateau(tmp_path, small_data):
    """Early stopping on validation AUPR (P2) and ReduceLROnPlateau: the learning rate drops by
    the factor after `patience` epochs without a better AUPR, and never below min_lr."""
    out = tmp_path / "run"
    metrics = train(small_data, "Tiny", BLOCKS, out / "m.keras", out / "h.tsv", out / "m.json", trial=0, seed=7,
                    epochs=12, patience=12, batch_size=50, learning_rate=0.05, monitor="val_aupr",
                    lr_plateau={"factor": 0.2, "patience": 1, "min_lr": 0.003})
    history = pd.read_csv(out / "h.tsv", sep="\t")
    assert "val_aupr" in history.columns and metrics["monitor"] == "val_aupr"
    assert metrics["best_epoch"] == int(history.val_aupr.idxmax()) + 1  # the best AUPR, not the lowest loss
    rates = history.learning_rate.round(6).tolist()
    assert set(rates) <= {0.05, 0.01, 0.003}  # 0.05, x0.2 = 0.01, x0.2 = 0.002 -> clipped at min_lr 0.003
    assert rates == sorted(rates, reverse=True) and rates[-1] < 0.05


def test_too_few_positives_refused(tmp_path, small_data):
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"task 'SRF' has \d+ positive and \d+ negative test sequences"):
        train(small_data, "Tiny", BLOCKS, out / "m.keras", out / "h.tsv", out / "m.json", trial=0, seed=7,
              epochs=1, patience=1, min_positives=10_000)
    assert not out.exists()


def test_device_is_recorded_and_a_missing_gpu_is_said(tmp_path, small_data, caplog):
    """This machine has no GPU: the job warns once and records CPU; require_gpu makes it fail."""
    import tensorflow as tf

    assert tf.config.list_physical_devices("GPU") == []  # the premise of this test
    out = tmp_path / "run"
    with caplog.at_level("WARNING"):
        metrics = train(small_data, "Tiny", BLOCKS, out / "m.keras", out / "h.tsv", out / "m.json", trial=0, seed=7,
                        epochs=1, patience=1)
    assert metrics["device"] == "CPU" and json.loads((out / "m.json").read_text())["device"] == "CPU"
    warnings = [r.message for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["scheduled with gpu=1 but TensorFlow sees no GPU: training on the CPU"]
    with pytest.raises(ConfigError, match="training.require_gpu is true but TensorFlow sees no GPU"):
        train(small_data, "Tiny", BLOCKS, tmp_path / "r2/m.keras", tmp_path / "r2/h.tsv", tmp_path / "r2/m.json",
              trial=0, seed=7, epochs=1, patience=1, require_gpu=True)
    assert not (tmp_path / "r2").exists()


def test_same_seed_same_training_in_memory_or_streamed(tmp_path, small_data):
    """The batch order follows the seed (reshuffled each epoch) and is the same whether the split is
    held in memory or streamed from HDF5: three runs with one seed give the same losses."""
    losses = []
    for name, limit in (("a", 4.0), ("b", 4.0), ("streamed", 1e-9)):
        out = tmp_path / name
        train(small_data, "Tiny", BLOCKS, out / "m.keras", out / "h.tsv", out / "m.json", trial=0, seed=5, epochs=3,
              patience=3, batch_size=50, in_memory_max_gb=limit)
        losses.append(pd.read_csv(out / "h.tsv", sep="\t")[["loss", "val_loss"]].to_numpy())
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-6)
    np.testing.assert_allclose(losses[2], losses[0], rtol=1e-6)


@pytest.mark.parametrize("fails", ["model", "metrics"])
def test_full_disk_keeps_no_output(tmp_path, small_data, monkeypatch, fails):
    """Training onto a full disk: one line naming the file and the space left, and none of the three
    outputs kept (a disk of one page: the model does not fit; of the model's size and one page more:
    the model and the history fit, the metrics do not)."""
    from fsfaults import enospc, free_mb, small_filesystem

    kwargs = {"trial": 0, "seed": 7, "epochs": 1, "patience": 1, "batch_size": 50}
    page = os.sysconf("SC_PAGE_SIZE")
    pages = 1
    if fails == "metrics":  # the model's size, measured on a roomy disk
        train(small_data, "Tiny", BLOCKS, tmp_path / "m.keras", tmp_path / "h.tsv", tmp_path / "m.json", **kwargs)
        pages = -(-(tmp_path / "m.keras").stat().st_size // page) + 1
        assert (tmp_path / "h.tsv").stat().st_size <= page
    out = tmp_path / "full"
    with small_filesystem(out, pages * page // 1024) as mounted:
        if not mounted:  # where no tmpfs can be mounted: the write that would find the disk full
            monkeypatch.setattr("pathlib.Path.write_text" if fails == "metrics" else "keras.Model.save", enospc)
        with pytest.raises(MotifrepError) as err:
            train(small_data, "Tiny", BLOCKS, out / "m.keras", out / "h.tsv", out / "m.json", **kwargs)
        message = str(err.value)
        free = re.search(r": no space left on device \((\d+\.\d) MB free on that filesystem\)$", message)
        assert free and float(free[1]) <= (pages * page / 1e6 if mounted else free_mb(out) + 1000), message
        assert message.startswith(str(out / ("m.keras" if fails == "model" else "m.json"))), message
        assert "\n" not in message and list(out.iterdir()) == []

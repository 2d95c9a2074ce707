import json

import numpy as np
import pandas as pd
import pytest

from motifrep.data import Dataset, write_simulated
from motifrep.errors import ConfigError
from motifrep.metrics import per_task_scores
from motifrep.simulate import simulate, split_indices, strand_pwms
from motifrep.train import train

BLOCKS = [{"conv": {"filters": 8, "kernel": 11, "pool": 20}}, {"dense": {"units": 16}}]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory, jaspar2016_motifs):
    by_id = {m.id: m for m in jaspar2016_motifs}
    pwms, task, strand = strand_pwms([by_id["MA0083.3"].pwm, by_id["MA0079.3"].pwm])
    sim = simulate(pwms, task, 2, 600, 100, [0.7, 0.3], 3, strand)
    path = tmp_path_factory.mktemp("data") / "small.h5"
    write_simulated(path, sim, split_indices(600, [0.6, 0.2, 0.2]), ["SRF", "SP1"], ["a", "b", "c", "d"], pwms, task, 3)
    return path


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

"""Train one model for one trial, with early stopping, and evaluate it on the test set."""

from __future__ import annotations

import logging
import os
import time

import numpy as np
import pandas as pd

from .data import Dataset, batch_stream
from .errors import ConfigError
from .io import atomic_path, write_json, write_tsv
from .metrics import per_task_scores
from .models import build_model, count_trainable
from .versions import library_versions

log = logging.getLogger(__name__)


def configure_tensorflow(threads: int, seed: int, deterministic: bool = False) -> None:
    """Quiet TensorFlow, fix its thread pools and seed every generator (call before training)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(min(2, int(threads)))
    except RuntimeError:  # already initialised in this process (tests): keep what is set
        pass
    keras.utils.set_random_seed(int(seed))
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def _callbacks(patience: int, max_epochs: int):
    import keras

    class EarlyStoppingBest(keras.callbacks.Callback):
        """Stop after ``patience`` epochs without a lower val_loss; restore the best weights.

        Unlike ``keras.callbacks.EarlyStopping``, the best weights are restored also when
        training runs to ``max_epochs`` without stopping early.
        """

        def __init__(self):
            super().__init__()
            self.best, self.best_epoch, self.best_weights = np.inf, -1, None
            self.rows, self._t0 = [], 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            val = float(logs["val_loss"])
            seconds = time.perf_counter() - self._t0
            improved = val < self.best
            if improved:
                self.best, self.best_epoch = val, epoch
                self.best_weights = self.model.get_weights()
            self.rows.append({"epoch": epoch + 1, "loss": float(logs["loss"]), "val_loss": val,
                              "seconds": seconds, "best": improved})
            log.info("epoch %d/%d loss=%.4f val_loss=%.4f %.1fs%s", epoch + 1, max_epochs, logs["loss"], val,
                     seconds, " *" if improved else "")
            if epoch - self.best_epoch >= patience:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return EarlyStoppingBest()


def train(
    data_path,
    model_name: str,
    blocks,
    out_model,
    out_history,
    out_metrics,
    trial: int,
    seed: int,
    epochs: int,
    patience: int,
    batch_size: int = 100,
    learning_rate: float = 1e-3,
    l2: float = 1e-6,
    init: str = "glorot_uniform",
    threads: int = 1,
    in_memory_max_gb: float = 4.0,
    deterministic: bool = False,
) -> dict:
    """Train ``model_name`` on ``data_path`` and write model, history TSV and metrics JSON.

    Returns the metrics dictionary. Writes are atomic: nothing appears until training and
    evaluation have finished.
    """
    if epochs < 1 or patience < 1 or batch_size < 1 or learning_rate <= 0:
        raise ConfigError("training: epochs, patience and batch_size must be >= 1 and learning_rate > 0")
    configure_tensorflow(threads, seed, deterministic)
    import keras

    with Dataset(data_path) as ds:
        length, n_tasks, task_names = ds.length, ds.n_tasks, ds.task_names
    model = build_model(model_name, blocks, length, n_tasks, l2=l2, init=init)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy")
    n_params = count_trainable(model)
    log.info("model %s trial %d: %d trainable parameters, seed %d, lr %g, batch %d", model_name, trial, n_params,
             seed, learning_rate, batch_size)

    train_batches = batch_stream(data_path, "train", batch_size, seed, in_memory_max_gb)
    valid_batches = batch_stream(data_path, "valid", batch_size, None, in_memory_max_gb)
    stopper = _callbacks(patience, epochs)
    t0 = time.perf_counter()
    model.fit(train_batches, validation_data=valid_batches, epochs=epochs, callbacks=[stopper], verbose=0)
    train_seconds = time.perf_counter() - t0

    test_batches = batch_stream(data_path, "test", batch_size, None, in_memory_max_gb)
    y_pred = model.predict(test_batches, verbose=0)
    with Dataset(data_path) as ds:
        y_true = ds.load("test")[1]
    scores = per_task_scores(y_true, y_pred)
    metrics = {
        "model": model_name,
        "trial": int(trial),
        "seed": int(seed),
        "n_params": n_params,
        "epochs_run": len(stopper.rows),
        "best_epoch": stopper.best_epoch + 1,
        "best_val_loss": float(stopper.best),
        "train_seconds": round(train_seconds, 2),
        "seconds_per_epoch": round(train_seconds / max(1, len(stopper.rows)), 3),
        "n_test": int(len(y_true)),
        "tasks": task_names,
        "auroc": [None if np.isnan(v) else float(v) for v in scores["auroc"]],
        "aupr": [None if np.isnan(v) else float(v) for v in scores["aupr"]],
        "auroc_mean": float(np.nanmean(scores["auroc"])),
        "aupr_mean": float(np.nanmean(scores["aupr"])),
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "versions": library_versions(),
    }
    log.info("test: mean AUROC %.4f, mean AUPR %.4f (best epoch %d)", metrics["auroc_mean"], metrics["aupr_mean"],
             metrics["best_epoch"])
    with atomic_path(out_model) as tmp:
        model.save(tmp)
    write_tsv(out_history, pd.DataFrame(stopper.rows))
    write_json(out_metrics, metrics)
    return metrics

"""Train one model for one trial, with early stopping, and evaluate it on the test set.

:func:`train` is the workflow step: it builds the model (:func:`motifrep.nn.build.build_model`),
streams the data set's splits (:func:`motifrep.datasets.store.batch_stream`), stops early on
``val_loss``, ``val_auroc`` or ``val_aupr`` (:data:`MONITORS`) with the best weights restored,
optionally lowers the learning rate on a plateau, scores the test set
(:func:`motifrep.nn.metrics.per_task_scores`) and writes the model, the per-epoch history and
the metrics. Beside it: the device check (:func:`training_device`), the refusal of a data set
with too few test positives (:func:`check_positives`), the mixed-precision switch
(:func:`precision_policy`) and :class:`TrainingError` for a diverged run. Threads and seeds
and the Keras backend (tensorflow, jax or torch; recorded as ``backend``) are set by
:func:`motifrep.nn.runtime.configure_tensorflow`.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from motifrep.datasets.store import Dataset, batch_stream
from motifrep.errors import ConfigError, MotifrepError
from motifrep.io import atomic_path, write_json, write_tsv
from motifrep.nn.backend import backend as keras_backend
from motifrep.nn.backend import device_name, framework, model_input
from motifrep.nn.build import build_model, count_trainable
from motifrep.nn.devices import current_binding
from motifrep.nn.metrics import per_task_scores
from motifrep.nn.runtime import configure_tensorflow
from motifrep.nn.zoo import first_activation_of
from motifrep.versions import library_versions

log = logging.getLogger(__name__)


MONITORS = {"val_loss": "min", "val_auroc": "max", "val_aupr": "max"}


class TrainingError(MotifrepError):
    """Training diverged (NaN or infinite loss): the run is not kept."""


def _callbacks(patience: int, max_epochs: int, monitor: str = "val_loss"):
    """The early-stopping callback (best weights restored, divergence recorded) for one run."""
    import keras

    mode = MONITORS[monitor]

    class EarlyStoppingBest(keras.callbacks.Callback):
        """Stop after ``patience`` epochs without a better ``monitor``; restore the best weights.

        Unlike ``keras.callbacks.EarlyStopping``, the best weights are restored also when
        training runs to ``max_epochs`` without stopping early. A NaN or infinite loss stops
        training at once and is recorded in ``diverged`` (epoch, 1-based).
        """

        def __init__(self):
            super().__init__()
            self.best = np.inf if mode == "min" else -np.inf
            self.best_epoch, self.best_weights, self.diverged = -1, None, None
            self.rows, self._t0, self._epoch = [], 0.0, 0

        def on_epoch_begin(self, epoch, logs=None):
            self._t0, self._epoch = time.perf_counter(), epoch

        def on_train_batch_end(self, batch, logs=None):
            if logs and "loss" in logs and not np.isfinite(float(logs["loss"])):
                self.diverged = self._epoch + 1
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            values = [float(logs.get(k, np.nan)) for k in ("loss", "val_loss", monitor)]
            if self.diverged or not np.all(np.isfinite(values)):
                self.diverged = self.diverged or epoch + 1
                self.model.stop_training = True
                return
            loss, val_loss, val = values
            seconds = time.perf_counter() - self._t0
            improved = val < self.best if mode == "min" else val > self.best
            if improved:
                self.best, self.best_epoch = val, epoch
                self.best_weights = self.model.get_weights()
            lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            self.rows.append({"epoch": epoch + 1, "loss": loss, "val_loss": val_loss, monitor: val,
                              "learning_rate": lr, "seconds": seconds, "best": improved})
            log.info("epoch %d/%d loss=%.4f val_loss=%.4f%s lr=%.2g %.1fs%s", epoch + 1, max_epochs, loss, val_loss,
                     "" if monitor == "val_loss" else f" {monitor}={val:.4f}", lr, seconds, " *" if improved else "")
            if epoch - self.best_epoch >= patience:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.best_weights is not None and not self.diverged:
                self.model.set_weights(self.best_weights)

    return EarlyStoppingBest()


def _schedule(lr_plateau: dict | None, monitor: str) -> list:
    """ReduceLROnPlateau on ``monitor`` (P2: factor 0.2, patience 5, min 1e-7), or nothing."""
    if not lr_plateau:
        return []
    import keras

    return [keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode=MONITORS[monitor], verbose=0,
                                              factor=lr_plateau["factor"], patience=lr_plateau["patience"],
                                              min_lr=lr_plateau["min_lr"])]


def _metrics(monitor: str) -> list:
    """Keras AUC metrics (mean over tasks) when early stopping watches one of them."""
    if monitor == "val_loss":
        return []
    import keras

    return [keras.metrics.AUC(curve="ROC", multi_label=True, name="auroc"),
            keras.metrics.AUC(curve="PR", multi_label=True, name="aupr")]


def training_device(require_gpu: bool = False) -> str:
    """The device the Keras backend trains on ("GPU:0 (name)" or "CPU").

    Training jobs are scheduled with ``gpu=1``: without a visible GPU this logs one warning
    line, or fails with ``require_gpu``.

    Parameters
    ----------
    require_gpu : bool, default False
        Fail when the backend sees no GPU.

    Returns
    -------
    str
        ``"GPU:0 (device name)"`` or ``"CPU"``.

    Raises
    ------
    ConfigError
        ``require_gpu`` and no GPU visible.
    """
    name = device_name()
    if name:
        return name
    if require_gpu:
        raise ConfigError(f"training.require_gpu is true but {framework()} sees no GPU (install its CUDA build, "
                          "see the README)")
    log.warning("scheduled with gpu=1 but %s sees no GPU: training on the CPU", framework())
    return "CPU"


def check_positives(data_path, min_positives: int) -> None:
    """Refuse a data set in which a task has too few positive (or negative) test sequences.

    Such a task's AUROC/AUPR would be undefined or meaningless.

    Parameters
    ----------
    data_path : str or os.PathLike
        The HDF5 data set.
    min_positives : int
        Fewest positive test sequences per task; every task also needs one negative.

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        A task has fewer than ``min_positives`` positive or no negative test sequences.
    FormatError
        The data set file is missing or not valid.
    """
    with Dataset(data_path) as ds:
        y = ds.read_rows("Y", ds.indices("test"))
        names = ds.task_names
    positives = y.sum(axis=0).astype(int)
    negatives = len(y) - positives
    for name, pos, neg in zip(names, positives, negatives):
        if pos < min_positives or neg < 1:
            raise ConfigError(f"{data_path}: task {name!r} has {pos} positive and {neg} negative test sequences; "
                              f"training.min_positives is {min_positives}: use a larger data set")


@contextlib.contextmanager
def precision_policy(mixed: bool):
    """Keras's global dtype policy ``mixed_float16`` inside the block when ``mixed`` (the model
    keeps float32 weights and a float32 output layer), restored afterwards (``float32`` as a rule)."""
    import keras

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _compiled_model(data_path, model_name, blocks, activation, monitor, learning_rate, l2, init):
    """The Keras model for the data set's length and tasks, compiled; (model, n_params, task names)."""
    import keras

    with Dataset(data_path) as ds:
        length, n_tasks, task_names = ds.length, ds.n_tasks, ds.task_names
    model = build_model(model_name, blocks, length, n_tasks, l2=l2, init=init, first_activation=activation)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=_metrics(monitor))
    return model, count_trainable(model), task_names


def _predict_test(model, data_path, batch_size, in_memory_max_gb, run):
    """Test labels and predictions; predictions that are not finite are refused."""
    y_pred = model.predict(model_input(batch_stream(data_path, "test", batch_size, None, in_memory_max_gb)), verbose=0)
    with Dataset(data_path) as ds:
        y_true = ds.read_rows("Y", ds.indices("test")).astype(np.float32)
    if not np.all(np.isfinite(y_pred)):
        raise TrainingError(f"{run}: test predictions are not finite; nothing kept")
    return y_true, y_pred


HEALTH_SEQUENCES = 500  # validation sequences whose first-layer activations are checked after training


def _first_layer_health(model, data_path, batch_size: int, n: int = HEALTH_SEQUENCES) -> dict:
    """Checks of the kept weights' first-layer activations (after BN and activation, layer
    ``conv1_act``) on the first ``n`` validation sequences: the count of NaN / infinite values
    (e.g. an exponential overflowing), the largest finite value, and how many filters have a
    site (activation above 0 somewhere, the filter stage's condition for a PWM). Empty when the
    model has no ``conv1_act`` layer."""
    import keras

    if "conv1_act" not in {layer.name for layer in model.layers}:
        return {}
    sub = keras.Model(model.input, model.get_layer("conv1_act").output)
    with Dataset(data_path) as ds:
        X = ds.read_rows("X", ds.indices("valid")[:n])
    nonfinite, top = 0, None
    for lo in range(0, len(X), batch_size):
        acts = np.asarray(sub.predict_on_batch(X[lo:lo + batch_size].astype(np.float32)), dtype=np.float32)
        finite = np.isfinite(acts)
        nonfinite += int((~finite).sum())
        peak = np.where(finite, acts, -np.inf).max(axis=(0, 1))
        top = peak if top is None else np.maximum(top, peak)
    if top is None:
        return {}
    return {"health_sequences": len(X), "first_layer_nonfinite": nonfinite,
            "first_layer_max": float(top[np.isfinite(top)].max()) if np.isfinite(top).any() else None,
            "first_layer_filters": len(top), "first_layer_filters_with_site": int((top > 0).sum())}


def _health(model, stopper, epochs: int, lr_plateau: dict | None, data_path, batch_size: int) -> dict:
    """What the run flags (:func:`motifrep.results.tables.run_flags`) are decided from: the epoch
    cap, the final learning rate and the schedule's floor, the validation loss of the kept
    weights, non-finite values in the history (0 in any kept run: a non-finite loss raises
    :class:`TrainingError`) and :func:`_first_layer_health`."""
    import keras

    best = next((r for r in stopper.rows if r["epoch"] == stopper.best_epoch + 1), None)
    history_nonfinite = sum(int(not np.isfinite(r[k])) for r in stopper.rows for k in ("loss", "val_loss"))
    first = _first_layer_health(model, data_path, batch_size)
    return {"max_epochs": int(epochs), "min_lr": float(lr_plateau["min_lr"]) if lr_plateau else None,
            "final_learning_rate": float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)),
            "best_val_loss": None if best is None else float(best["val_loss"]),
            "history_nonfinite": history_nonfinite, **first,
            "nonfinite": history_nonfinite + first.get("first_layer_nonfinite", 0)}


def _outcome(stopper, train_seconds: float, y_true, y_pred) -> dict:
    """What a run achieved: epochs, best monitor value, timing and the per-task test scores."""
    scores = per_task_scores(y_true, y_pred)
    return {"epochs_run": len(stopper.rows), "best_epoch": stopper.best_epoch + 1, "best_monitor": float(stopper.best),
            "train_seconds": round(train_seconds, 2),
            "seconds_per_epoch": round(train_seconds / max(1, len(stopper.rows)), 3), "n_test": int(len(y_true)),
            "auroc": [None if np.isnan(v) else float(v) for v in scores["auroc"]],
            "aupr": [None if np.isnan(v) else float(v) for v in scores["aupr"]],
            "auroc_mean": float(np.nanmean(scores["auroc"])), "aupr_mean": float(np.nanmean(scores["aupr"]))}


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
    activation: str | None = None,
    dataset: str | None = None,
    monitor: str = "val_loss",
    lr_plateau: dict | None = None,
    batch_size: int = 100,
    learning_rate: float = 1e-3,
    l2: float = 1e-6,
    init: str = "glorot_uniform",
    min_positives: int = 1,
    require_gpu: bool = False,
    threads: int = 1,
    in_memory_max_gb: float = 4.0,
    deterministic: bool = False,
    mixed_precision: bool = False,
    callbacks: list | None = None,
    backend: str | None = None,
) -> dict:
    """Workflow step: train one model for one trial, evaluate it, write model, history and metrics.

    Trains ``model_name`` (first conv layer with ``activation``, default the architecture's)
    on ``data_path``; writes model, history TSV and metrics JSON.

    Early stopping watches ``monitor`` (restoring the best weights); ``lr_plateau`` adds
    ReduceLROnPlateau. ``mixed_precision`` builds, trains and evaluates the model under Keras's
    ``mixed_float16`` policy (the global policy is restored afterwards). ``callbacks``: extra
    Keras callbacks (e.g. a benchmark's batch timer). A NaN or infinite loss raises
    :class:`TrainingError` and writes nothing. Writes are atomic: nothing appears until training
    and evaluation have finished, and a failed write (a full disk: one line naming the file and
    the space left) keeps none of the three outputs.

    Parameters
    ----------
    data_path : str or os.PathLike
        The HDF5 data set (train, valid and test splits).
    model_name : str
        The architecture's name (the Keras model name).
    blocks : list of dict
        The architecture (:mod:`motifrep.nn.zoo`).
    out_model : str or os.PathLike
        The ``.keras`` model to write.
    out_history : str or os.PathLike
        TSV of one row per epoch: loss, val_loss, the monitored value, learning rate,
        seconds, whether it was the best so far.
    out_metrics : str or os.PathLike
        JSON of the run: settings, device, device binding (``device_binding``, as the log gives
        it), epochs, timings, per-task and mean test AUROC / AUPR, what the run's flags are
        decided from (``max_epochs``, ``min_lr``,
        ``final_learning_rate``, ``best_val_loss``, ``history_nonfinite``, the first-layer checks
        ``first_layer_nonfinite``, ``first_layer_max``, ``first_layer_filters``,
        ``first_layer_filters_with_site`` on ``health_sequences`` validation sequences, and
        ``nonfinite``, their sum of non-finite values), library versions.
    trial : int
        The trial number (recorded).
    seed : int
        Seed of every generator and of the training batch order.
    epochs : int
        Maximum epochs (>= 1).
    patience : int
        Epochs without improvement before stopping (>= 1).
    activation : str, optional
        First conv layer's activation (default: the architecture's).
    dataset : str, optional
        The data set's name (recorded).
    monitor : {"val_loss", "val_auroc", "val_aupr"}, default "val_loss"
        What early stopping watches.
    lr_plateau : dict, optional
        ``factor``, ``patience``, ``min_lr`` of ReduceLROnPlateau; None: constant rate.
    batch_size : int, default 100
        Sequences per batch (>= 1).
    learning_rate : float, default 1e-3
        Adam's learning rate (> 0).
    l2 : float, default 1e-6
        L2 penalty on every kernel.
    init : str, default "glorot_uniform"
        Kernel initializer.
    min_positives : int, default 1
        Fewest positive test sequences a task may have.
    require_gpu : bool, default False
        Fail instead of training on the CPU when TensorFlow sees no GPU.
    threads : int, default 1
        TensorFlow threads.
    in_memory_max_gb : float, default 4.0
        Splits up to this size are held in memory, larger ones streamed from the file.
    deterministic : bool, default False
        Enable TensorFlow's op determinism.
    mixed_precision : bool, default False
        Train under ``mixed_float16``.
    callbacks : list, optional
        Extra Keras callbacks.
    backend : {"tensorflow", "jax", "torch"}, optional
        The Keras backend (None: ``KERAS_BACKEND`` or tensorflow); Keras must not be imported
        with another one in this process.

    Returns
    -------
    dict
        The metrics written to ``out_metrics``.

    Raises
    ------
    ConfigError
        Bad training settings, an unknown ``monitor``, a task with too few positive (or no
        negative) test sequences, ``require_gpu`` without a GPU, or an invalid architecture.
    FormatError
        The data set file is missing or not valid.
    TrainingError
        The loss became NaN or infinite, or the test predictions are not finite.
    """
    _check_settings(epochs, patience, batch_size, learning_rate, monitor)
    check_positives(data_path, min_positives)
    configure_tensorflow(threads, seed, deterministic, backend)
    backend = keras_backend()
    device = training_device(require_gpu)
    activation = activation or first_activation_of(blocks)
    run = f"model {model_name} activation {activation} trial {trial}"
    with precision_policy(mixed_precision):
        model, n_params, task_names = _compiled_model(data_path, model_name, blocks, activation, monitor,
                                                      learning_rate, l2, init)
        _log_start(run, n_params, seed, learning_rate, batch_size, monitor, backend, device, mixed_precision)
        stopper = _callbacks(patience, epochs, monitor)
        train_seconds = _fit(model, stopper, data_path, seed, epochs, batch_size, in_memory_max_gb,
                             [*_schedule(lr_plateau, monitor), *(callbacks or [])], run)
        y_true, y_pred = _predict_test(model, data_path, batch_size, in_memory_max_gb, run)
        health = _health(model, stopper, epochs, lr_plateau, data_path, batch_size)
    metrics = {"dataset": dataset, "model": model_name, "activation": activation, "trial": int(trial),
               "seed": int(seed), "n_params": n_params, "monitor": monitor, "tasks": task_names,
               "learning_rate": learning_rate, "batch_size": batch_size, "mixed_precision": bool(mixed_precision),
               "backend": backend, "device": device, "device_binding": current_binding(),
               **_outcome(stopper, train_seconds, y_true, y_pred), **health,
               "versions": library_versions(backend)}
    log.info("test: mean AUROC %.4f, mean AUPR %.4f (best epoch %d)", metrics["auroc_mean"], metrics["aupr_mean"],
             metrics["best_epoch"])
    _write_outputs(model, stopper.rows, metrics, out_model, out_history, out_metrics)
    return metrics


def _check_settings(epochs: int, patience: int, batch_size: int, learning_rate: float, monitor: str) -> None:
    """ConfigError unless the training settings are in range and ``monitor`` is known."""
    if epochs < 1 or patience < 1 or batch_size < 1 or learning_rate <= 0:
        raise ConfigError("training: epochs, patience and batch_size must be >= 1 and learning_rate > 0")
    if monitor not in MONITORS:
        raise ConfigError(f"training.monitor: unknown {monitor!r} (known: {', '.join(MONITORS)})")


def _log_start(run, n_params, seed, learning_rate, batch_size, monitor, backend, device, mixed_precision) -> None:
    """Log the run's settings, device and device binding before training."""
    log.info("%s: %d trainable parameters, seed %d, lr %g, batch %d, monitor %s, backend %s, device %s%s; bound to %s",
             run, n_params, seed, learning_rate, batch_size, monitor, backend, device,
             ", mixed_float16" if mixed_precision else "",
             current_binding() or "no binding (not run by the workflow)")


def _fit(model, stopper, data_path, seed, epochs, batch_size, in_memory_max_gb, extra_callbacks, run) -> float:
    """Fit ``model`` on the train split (validated on valid); the seconds taken.

    TrainingError when ``stopper`` saw the loss diverge.
    """
    train_batches = model_input(batch_stream(data_path, "train", batch_size, seed, in_memory_max_gb))
    valid_batches = model_input(batch_stream(data_path, "valid", batch_size, None, in_memory_max_gb))
    t0 = time.perf_counter()
    model.fit(train_batches, validation_data=valid_batches, epochs=epochs, verbose=0, shuffle=False,
              callbacks=[stopper, *extra_callbacks])  # batch_stream shuffles
    train_seconds = time.perf_counter() - t0
    if stopper.diverged:
        raise TrainingError(f"{run}: the loss became NaN or infinite in epoch {stopper.diverged}; nothing kept")
    return train_seconds


def _write_outputs(model, history_rows, metrics, out_model, out_history, out_metrics) -> None:
    """Write the model, the history TSV and the metrics JSON: all three or none (e.g. on a full disk)."""
    with atomic_path(out_model) as tmp:
        model.save(tmp)
    try:
        write_tsv(out_history, pd.DataFrame(history_rows))
        write_json(out_metrics, metrics)
    except BaseException:  # e.g. a full disk: all three outputs or none
        for path in (out_model, out_history):
            Path(path).unlink(missing_ok=True)
        raise

"""Train one model for one trial, with early stopping, and evaluate it on the test set."""

from __future__ import annotations

import os


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

"""The deep-learning runtime: the one place that configures TensorFlow's threads and seeds.

:func:`configure_tensorflow` quiets TensorFlow's C++ logging, sets its thread pools, seeds
every random generator (Python, NumPy, TensorFlow, through Keras) and optionally makes ops
deterministic. The workflow steps that run a model call it first: training
(:func:`motifrep.nn.train.train`), filter extraction
(:func:`motifrep.filters.scan.extract_filters`), attribution
(:func:`motifrep.interpret.attribution.write_attribution`) and localization
(:func:`motifrep.interpret.localization.make_localization`). TensorFlow is imported only
when it is called.
"""

from __future__ import annotations

import os


def configure_tensorflow(threads: int, seed: int, deterministic: bool = False) -> None:
    """Quiet TensorFlow, fix its thread pools and seed every generator (call before training).

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless already set, ``threads`` intra-op and
    ``min(2, threads)`` inter-op threads (kept as they are when TensorFlow is already
    initialised in this process), and ``keras.utils.set_random_seed(seed)``.

    Parameters
    ----------
    threads : int
        Intra-op threads.
    seed : int
        Seed of Python's, NumPy's and TensorFlow's generators.
    deterministic : bool, default False
        Also enable TensorFlow's op determinism.

    Returns
    -------
    None
    """
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

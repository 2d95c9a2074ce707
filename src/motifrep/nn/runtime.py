"""The deep-learning runtime: the one place that configures TensorFlow's threads and seeds.

:func:`configure_tensorflow` quiets TensorFlow's C++ logging, sets its thread pools, seeds
every random generator (Python, NumPy, TensorFlow, through Keras) and optionally makes ops
deterministic. The workflow steps that run a model call it first: training
(:func:`motifrep.nn.train.train`), filter extraction
(:func:`motifrep.filters.scan.extract_filters`), attribution
(:func:`motifrep.interpret.attribution.write_attribution`) and localization
(:func:`motifrep.interpret.localization.make_localization`). TensorFlow is imported only
when it is called.

:func:`framework_environment` is the part that must come before any framework is imported
(the environment the frameworks read at import or at their first GPU use): quiet C++ start-up
logging and memory taken as needed, so that several jobs can share one GPU.
:func:`motifrep.runner.run_script` calls it, with the device binding
(:mod:`motifrep.nn.devices`), before the step runs.
"""

from __future__ import annotations

import os

# name -> value; kept where the environment already sets it (a user's choice wins)
FRAMEWORK_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ INFO and WARNING lines (errors still shown)
    "TF_FORCE_GPU_ALLOW_GROWTH": "true",  # TensorFlow: GPU memory as needed, not all at start
    "XLA_PYTHON_CLIENT_PREALLOCATE": "false",  # JAX: likewise (unless a memory fraction is set)
}


def framework_environment() -> dict[str, str]:
    """Set the environment the deep-learning frameworks read at import (call before any import).

    ``TF_CPP_MIN_LOG_LEVEL=2``, ``TF_FORCE_GPU_ALLOW_GROWTH=true`` and
    ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` (not when ``XLA_PYTHON_CLIENT_MEM_FRACTION`` is set:
    that fraction is then taken), each only where the environment does not set it already.
    PyTorch's caching allocator takes memory as needed as it is. ``TF_ENABLE_ONEDNN_OPTS`` is
    left alone: it changes numerics. TensorFlow's oneDNN start-up banner ignores
    ``TF_CPP_MIN_LOG_LEVEL`` (TensorFlow 2.21 logs it through absl before logging is set up);
    :func:`motifrep.runner.run_script` keeps it out of the console by sending the job's output
    to its log.

    Returns
    -------
    dict
        The variables this call set.
    """
    wanted = dict(FRAMEWORK_ENV)
    if "XLA_PYTHON_CLIENT_MEM_FRACTION" in os.environ:
        del wanted["XLA_PYTHON_CLIENT_PREALLOCATE"]
    set_now = {k: v for k, v in wanted.items() if k not in os.environ}
    os.environ.update(set_now)
    return set_now


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

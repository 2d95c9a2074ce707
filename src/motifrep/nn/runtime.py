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
import sys

from motifrep.errors import ConfigError

#: the Keras backends a job may run on (config ``training.backend``); the first is the default.
BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = BACKENDS[0]


def set_backend(name: str | None = None) -> str:
    """Choose the Keras backend of this process (``KERAS_BACKEND``) before Keras is imported.

    One process runs one backend: Keras reads ``KERAS_BACKEND`` at its import. ``name`` None keeps
    ``KERAS_BACKEND`` as the environment gives it (else the default, tensorflow). When Keras is
    already imported, its backend must be ``name``.

    Parameters
    ----------
    name : {"tensorflow", "jax", "torch"}, optional
        The backend.

    Returns
    -------
    str
        The backend this process runs.

    Raises
    ------
    ConfigError
        An unknown backend, or Keras already imported with another one.
    """
    if name is None:
        name = os.environ.get("KERAS_BACKEND") or DEFAULT_BACKEND
    if name not in BACKENDS:
        raise ConfigError(f"training.backend: unknown {name!r} (known: {', '.join(BACKENDS)})")
    if "keras" in sys.modules:
        have = current_backend()
        if have != name:
            raise ConfigError(f"training.backend is {name!r} but this process already runs Keras on {have!r} "
                              "(one process, one backend: run it in its own process)")
        return name
    os.environ["KERAS_BACKEND"] = name
    return name


def current_backend() -> str:
    """The Keras backend of this process (imports Keras)."""
    import keras

    return keras.backend.backend()

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


def configure_tensorflow(threads: int, seed: int, deterministic: bool = False, backend: str | None = None) -> None:
    """Choose the backend, fix its thread pools and seed every generator (call before training).

    :func:`set_backend` (``backend``), then per backend: TensorFlow: ``TF_CPP_MIN_LOG_LEVEL=2``
    unless already set, ``threads`` intra-op and ``min(2, threads)`` inter-op threads (kept as
    they are when TensorFlow is already initialised in this process; :mod:`motifrep.nn.tfonly`);
    PyTorch: ``torch.set_num_threads(threads)``; JAX: XLA's CPU client is set at its start (not
    here). Then ``keras.utils.set_random_seed(seed)``. (The name is historical: every backend.)

    Parameters
    ----------
    threads : int
        Intra-op threads.
    seed : int
        Seed of Python's, NumPy's and TensorFlow's generators.
    deterministic : bool, default False
        Also enable op determinism (TensorFlow's; PyTorch's ``use_deterministic_algorithms``;
        JAX on the CPU is deterministic as it is).
    backend : {"tensorflow", "jax", "torch"}, optional
        The Keras backend (:func:`set_backend`; None: the environment's or the default).

    Returns
    -------
    None
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    backend = set_backend(backend)
    import keras

    if backend == "tensorflow":
        from motifrep.nn import tfonly

        tfonly.set_threads(int(threads), deterministic)
    elif backend == "torch":
        import torch

        torch.set_num_threads(int(threads))
        if deterministic:
            torch.use_deterministic_algorithms(True)
    keras.utils.set_random_seed(int(seed))

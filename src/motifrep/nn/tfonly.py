"""The TensorFlow-only code of motifrep (every other module is backend-neutral Keras 3).

Imported only when the Keras backend is ``tensorflow`` (:func:`motifrep.nn.runtime.set_backend`):
thread pools and op determinism (:func:`set_threads`), the visible GPU (:func:`gpu_name`) and
the input gradient as a ``tf.function`` (:func:`input_gradient_fn`, the TensorFlow branch of
:func:`motifrep.nn.backend.input_gradient_fn`).
"""

from __future__ import annotations

import tensorflow as tf


def set_threads(threads: int, deterministic: bool = False) -> None:
    """``threads`` intra-op and ``min(2, threads)`` inter-op threads (kept when TensorFlow is
    already initialised in this process); op determinism when ``deterministic``."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(min(2, int(threads)))
    except RuntimeError:  # already initialised in this process (tests): keep what is set
        pass
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def gpu_name() -> str | None:
    """``"GPU:0 (device name)"`` of the first GPU TensorFlow sees, or None."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    details = tf.config.experimental.get_device_details(gpus[0])
    return f"GPU:0 ({details.get('device_name', gpus[0].name)})"


def input_gradient_fn(model, task: int):
    """tf.function: (rows, L, 4) float32 -> gradient of output[:, task] w.r.t. each row (numpy).

    Traced once for any number of rows (``input_signature`` with a free batch axis): a last,
    shorter batch does not trace it again (saliency of 500 sequences in batches of 256 traced it
    twice before; the trace, not the arithmetic, was most of the call; README "Benchmark").
    """
    spec = tf.TensorSpec([None, *model.inputs[0].shape[1:]], tf.float32)

    @tf.function(input_signature=[spec])
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = model(x, training=False)[:, task]
        return tape.gradient(y, x)

    return lambda x: grad(tf.convert_to_tensor(x, tf.float32)).numpy()

"""The TensorFlow-only code of motifrep (every other module is backend-neutral Keras 3).

Imported only when the Keras backend is ``tensorflow`` (:func:`motifrep.nn.runtime.set_backend`):
thread pools and op determinism (:func:`set_threads`), the visible GPU (:func:`gpu_name`) and
the input gradient as a ``tf.function`` (:func:`input_gradient_fn`, the TensorFlow branch of
:func:`motifrep.nn.backend.input_gradient_fn`), and the batch stream as a ``tf.data`` pipeline
(:func:`stream_dataset`, what :func:`motifrep.nn.backend.model_input` gives Keras on TensorFlow).
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


def stream_dataset(stream) -> tf.data.Dataset:
    """The batches of a :func:`motifrep.datasets.store.batch_stream` as a ``tf.data.Dataset``.

    The same batches in the same order as the stream itself (its seeded per-epoch orders: the
    stream's ``on_epoch_begin`` runs when an epoch asks for its batch 0, which ``map`` without
    parallel calls always fetches first), gathered as uint8 in a ``numpy_function`` and cast to
    float32 by TensorFlow, two batches prefetched. Keras feeds a ``PyDataset`` to TensorFlow
    through ``Dataset.from_generator``, whose per-batch overhead made training 10–15% slower per
    epoch than this pipeline (README "Keras backends").
    """
    x_shape, y_shape = stream.shapes

    def rows(i):
        if i == 0:
            stream.on_epoch_begin()
        return stream.rows(int(i))

    def load(i):
        x, y = tf.numpy_function(rows, [i], (tf.uint8, tf.uint8))
        x.set_shape((None, *x_shape))
        y.set_shape((None, *y_shape))
        return tf.cast(x, tf.float32), tf.cast(y, tf.float32)

    return tf.data.Dataset.range(len(stream)).map(load).prefetch(2)

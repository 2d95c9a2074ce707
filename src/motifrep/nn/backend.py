"""Backend-neutral helpers over Keras 3's backends (tensorflow, jax, torch).

:func:`input_gradient_fn` is the one place where a gradient is taken (saliency, integrated
gradients, SmoothGrad): one branch per backend (``tf.GradientTape`` in
:mod:`motifrep.nn.tfonly`, ``jax.grad`` over ``model.stateless_call``, ``torch.autograd``).
:func:`device_name` names the device the backend computes on. The backend itself is chosen by
:func:`motifrep.nn.runtime.set_backend` before Keras is imported.
"""

from __future__ import annotations

import weakref

import numpy as np


#: backend -> the framework's own name (in messages)
FRAMEWORK = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def framework() -> str:
    """The framework of this process's Keras backend, by its own name ("TensorFlow", "JAX", "PyTorch")."""
    return FRAMEWORK[backend()]


def backend() -> str:
    """The Keras backend of this process."""
    import keras

    return keras.backend.backend()


def device_name() -> str | None:
    """The accelerator the backend sees (``"GPU:0 (name)"``), or None (CPU only)."""
    name = backend()
    if name == "tensorflow":
        from motifrep.nn import tfonly

        return tfonly.gpu_name()
    if name == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform != "cpu"]
        return f"GPU:0 ({gpus[0].device_kind})" if gpus else None
    import torch

    return f"GPU:0 ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else None


#: model -> {task: gradient function}: a compiled gradient (TensorFlow's traced tf.function, JAX's jit) is
#: made once per model and task, not at every attribution call (JAX compiled it again at each call before).
#: Weak keys, and the functions hold only a weak proxy of the model: a model's entry goes with the model.
_GRADIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def input_gradient_fn(model, task: int):
    """A function ``x (rows, L, 4) float32 numpy -> d model(x)[:, task] / d x`` (float32 numpy).

    The model runs in inference mode (``training=False``); each row's gradient is that of its
    own output (the outputs are summed, rows are independent). The same function is returned for
    the same model and task while the model lives (compiled once: :data:`_GRADIENTS`).
    """
    task = int(task)
    per_task = _GRADIENTS.setdefault(model, {})
    if task not in per_task:
        per_task[task] = _make_gradient_fn(weakref.proxy(model), task)
    return per_task[task]


def _make_gradient_fn(model, task: int):
    """The gradient function of :func:`input_gradient_fn`, one branch per backend."""
    name = backend()
    if name == "tensorflow":
        from motifrep.nn import tfonly

        return tfonly.input_gradient_fn(model, task)
    if name == "jax":
        import jax

        def total(x, trainable, non_trainable):
            y, _ = model.stateless_call(trainable, non_trainable, x, training=False)
            return y[:, task].sum()

        grad = jax.jit(jax.grad(total))

        def jax_grad(x):
            trainable = [v.value for v in model.trainable_variables]
            non_trainable = [v.value for v in model.non_trainable_variables]
            return np.asarray(grad(np.asarray(x, np.float32), trainable, non_trainable), np.float32)

        return jax_grad
    import torch

    def torch_grad(x):
        xt = torch.tensor(np.asarray(x, np.float32), device=_torch_device(model), requires_grad=True)
        y = model(xt, training=False)[:, task].sum()
        (g,) = torch.autograd.grad(y, xt)
        return g.detach().cpu().numpy().astype(np.float32)

    return torch_grad


def model_input(stream):
    """What Keras is given to fit or predict on a :func:`motifrep.datasets.store.batch_stream`.

    On TensorFlow a ``tf.data`` pipeline over the same batches (:func:`motifrep.nn.tfonly.stream_dataset`:
    Keras's own route for a ``PyDataset`` there, ``Dataset.from_generator``, trained 10–15% slower
    per epoch); on JAX and PyTorch the stream itself. The batches and their order are the same.
    """
    if backend() == "tensorflow":
        from motifrep.nn import tfonly

        return tfonly.stream_dataset(stream)
    return stream


def _torch_device(model):
    """The torch device of the model's weights."""
    weights = model.weights
    return weights[0].value.device if weights else "cpu"

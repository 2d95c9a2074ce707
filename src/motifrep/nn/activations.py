"""First-layer activation functions of Koo & Ploenzke 2021 (methods §2.6).

The built-in ones (relu, exponential, sigmoid, tanh, softplus, linear, elu) are Keras's own.
The modified ones are written exactly as in the authors' code (``tfomics/utils.py``)::

    exp_relu(x)            = relu(exp(0.1 x) - 1)
    shift_scale_relu(x)    = relu((x - 0.2)^3)      shift_relu(x)    = relu(x - 0.2)
    shift_scale_tanh(x)    = 500 tanh(x - 6) + 500  shift_tanh(x)    = tanh(x - 6)
    shift_scale_sigmoid(x) = 4000 sigmoid(x - 8)    shift_sigmoid(x) = sigmoid(x - 8)
    scale_relu(x)    = relu(x^3)
    scale_tanh(x)    = 500 tanh(x) + 500
    scale_sigmoid(x) = 4000 sigmoid(x)

Importing this module registers the custom functions with Keras (package ``motifrep``), so a
saved ``.keras`` model that uses them loads with plain ``keras.models.load_model`` afterwards.
It imports Keras (and so TensorFlow); :mod:`motifrep.nn.build` imports it only when it builds or
loads a model, and the Keras-free :mod:`motifrep.nn.zoo` lists the same names
(:data:`motifrep.nn.zoo.ACTIVATION_NAMES`), so that checking a configuration stays fast.
"""

from __future__ import annotations

from typing import Callable

import keras
from keras import ops

from motifrep.errors import ConfigError
from motifrep.nn.zoo import ACTIVATION_NAMES

BUILTIN = ("relu", "exponential", "sigmoid", "tanh", "softplus", "linear", "elu")


def _register(fn: Callable) -> Callable:
    """Register ``fn`` with Keras under package ``motifrep`` and its own name."""
    return keras.saving.register_keras_serializable(package="motifrep", name=fn.__name__)(fn)


@_register
def exp_relu(x):
    """``relu(exp(0.1 x) - 1)``."""
    return ops.relu(ops.exp(0.1 * x) - 1.0)


@_register
def shift_scale_relu(x):
    """``relu((x - 0.2)^3)``."""
    return ops.relu(ops.power(x - 0.2, 3))


@_register
def shift_scale_tanh(x):
    """``500 tanh(x - 6) + 500``."""
    return 500.0 * ops.tanh(x - 6.0) + 500.0


@_register
def shift_scale_sigmoid(x):
    """``4000 sigmoid(x - 8)``."""
    return 4000.0 * ops.sigmoid(x - 8.0)


@_register
def shift_relu(x):
    """``relu(x - 0.2)``."""
    return ops.relu(x - 0.2)


@_register
def shift_tanh(x):
    """``tanh(x - 6)``."""
    return ops.tanh(x - 6.0)


@_register
def shift_sigmoid(x):
    """``sigmoid(x - 8)``."""
    return ops.sigmoid(x - 8.0)


@_register
def scale_relu(x):
    """``relu(x^3)``."""
    return ops.relu(ops.power(x, 3))


@_register
def scale_tanh(x):
    """``500 tanh(x) + 500``."""
    return 500.0 * ops.tanh(x) + 500.0


@_register
def scale_sigmoid(x):
    """``4000 sigmoid(x)``."""
    return 4000.0 * ops.sigmoid(x)


_CUSTOM = (exp_relu, shift_scale_relu, shift_scale_tanh, shift_scale_sigmoid, shift_relu, shift_tanh,
           shift_sigmoid, scale_relu, scale_tanh, scale_sigmoid)

#: name -> Keras activation name (built-ins) or registered function (modified activations).
ACTIVATIONS: dict[str, str | Callable] = {**{name: name for name in BUILTIN}, **{fn.__name__: fn for fn in _CUSTOM}}

if set(ACTIVATIONS) != set(ACTIVATION_NAMES):  # the names config validation accepts (keras-free)
    raise RuntimeError(f"motifrep.nn.zoo.ACTIVATION_NAMES {sorted(ACTIVATION_NAMES)} disagrees with "
                       f"motifrep.nn.activations.ACTIVATIONS {sorted(ACTIVATIONS)}")


def get_activation(name: str) -> str | Callable:
    """What to pass to ``keras.layers.Activation`` for ``name``; ConfigError if unknown.

    Parameters
    ----------
    name : str
        A key of :data:`ACTIVATIONS`.

    Returns
    -------
    str or callable
        The Keras name of a built-in activation, or the registered function of a modified one.

    Raises
    ------
    ConfigError
        ``name`` is not a known activation.
    """
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {name!r} (known: {', '.join(sorted(ACTIVATIONS))})")
    return ACTIVATIONS[name]

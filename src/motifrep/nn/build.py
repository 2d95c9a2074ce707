"""The one builder that turns a model description into a Keras model, and the model loader.

:func:`build_model` builds the (uncompiled) Keras model of a description checked by
:mod:`motifrep.nn.zoo` (``resources/models.yaml``): each conv block is Conv1D (no bias) ->
BatchNorm -> activation -> MaxPool -> Dropout, each dense block Dense (no bias) -> BatchNorm
-> activation -> Dropout, and a sigmoid output of one unit per task. :func:`load_model`
loads a saved ``.keras`` model with one-line errors, and :func:`count_trainable` counts its
trainable parameters.

Layers are named ``conv{i}``, ``conv{i}_bn``, ``conv{i}_act``, ``conv{i}_pool``,
``conv{i}_dropout``, ``dense{j}``..., ``output``, so later steps can read, e.g., first-layer
activations from ``conv1_act``.

Keras is imported only inside the functions that build or load a model, so that importing
this module stays fast; :mod:`motifrep.nn.activations` (which registers the custom
activations with Keras) is imported there too. Validating a configuration needs only the
Keras-free :mod:`motifrep.nn.zoo`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from motifrep.errors import ConfigError, FormatError
from motifrep.nn.zoo import INITIALIZERS, check_model_fits, validate_architecture


def _conv_block(x, tag: str, p: dict, activation, init: str, reg):
    """Conv1D (no bias) -> BatchNorm -> activation -> MaxPool -> Dropout."""
    from keras import layers

    x = layers.Conv1D(p["filters"], p["kernel"], padding=p["padding"], use_bias=False,
                      kernel_initializer=init, kernel_regularizer=reg, name=tag)(x)
    x = layers.BatchNormalization(name=f"{tag}_bn")(x)
    x = layers.Activation(activation, name=f"{tag}_act")(x)
    if p["pool"] > 1:
        x = layers.MaxPooling1D(p["pool"], strides=p.get("pool_stride", p["pool"]), padding=p["pool_padding"],
                                name=f"{tag}_pool")(x)
    if p["dropout"]:
        x = layers.Dropout(p["dropout"], name=f"{tag}_dropout")(x)
    return x


def _dense_block(x, tag: str, p: dict, activation, init: str, reg):
    """Dense (no bias) -> BatchNorm -> activation -> Dropout."""
    from keras import layers

    x = layers.Dense(p["units"], use_bias=False, kernel_initializer=init, kernel_regularizer=reg, name=tag)(x)
    x = layers.BatchNormalization(name=f"{tag}_bn")(x)
    x = layers.Activation(activation, name=f"{tag}_act")(x)
    if p["dropout"]:
        x = layers.Dropout(p["dropout"], name=f"{tag}_dropout")(x)
    return x


def build_model(name: str, blocks, input_length: int, n_tasks: int, l2: float = 1e-6, init: str = "glorot_uniform",
                first_activation: str | None = None):
    """Build (uncompiled) the Keras model that ``blocks`` describe.

    ``first_activation`` (a name from :data:`motifrep.nn.activations.ACTIVATIONS`) replaces the
    activation of the first conv block only; later blocks keep their own (ReLU by default).

    Parameters
    ----------
    name : str
        The model's name (the Keras model name, and for messages).
    blocks : list of dict
        The model description (:func:`motifrep.nn.zoo.validate_architecture`).
    input_length : int
        Sequence length in nt; the input is ``(input_length, 4)``.
    n_tasks : int
        Units of the sigmoid output layer (float32 also under a mixed-precision policy).
    l2 : float, default 1e-6
        L2 penalty on every kernel; 0 disables it.
    init : str, default "glorot_uniform"
        Kernel initializer, one of :data:`motifrep.nn.zoo.INITIALIZERS`.
    first_activation : str, optional
        Activation of the first conv block.

    Returns
    -------
    keras.Model
        The uncompiled model, input layer named ``sequence``.

    Raises
    ------
    ConfigError
        An unknown initializer or activation, an invalid description, or a kernel or pool
        that does not fit ``input_length``.
    """
    import keras  # deferred: Keras/TensorFlow take seconds to import
    from keras import layers

    from motifrep.nn.activations import get_activation  # deferred: it imports Keras (TensorFlow)

    if init not in INITIALIZERS:
        raise ConfigError(f"training.init: unknown initializer {init!r} (known: {sorted(INITIALIZERS)})")
    if first_activation is not None:
        try:
            get_activation(first_activation)
        except ConfigError as exc:
            raise ConfigError(f"architecture {name!r}, first_activation: {exc}") from None
    checked = validate_architecture(name, blocks)
    check_model_fits(name, blocks, input_length)
    reg = keras.regularizers.l2(l2) if l2 else None
    inputs = keras.Input((input_length, 4), name="sequence")
    x = inputs
    n_conv = n_dense = 0
    for kind, p in checked:
        if kind == "conv":
            n_conv += 1
            act = first_activation if n_conv == 1 and first_activation is not None else p["activation"]
            x = _conv_block(x, f"conv{n_conv}", p, get_activation(act), init, reg)
        else:
            if n_dense == 0:
                x = layers.Flatten(name="flatten")(x)
            n_dense += 1
            x = _dense_block(x, f"dense{n_dense}", p, get_activation(p["activation"]), init, reg)
    if n_dense == 0:
        x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(n_tasks, activation="sigmoid", kernel_initializer=init, kernel_regularizer=reg,
                           dtype="float32", name="output")(x)  # float32 also under a mixed_float16 policy
    return keras.Model(inputs, outputs, name=name)


def load_model(path):
    """Load a saved ``.keras`` model (custom activations included); FormatError if it is not one.

    The model is loaded without compiling it (analyses need no optimizer state).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.keras`` archive (Keras 3).

    Returns
    -------
    keras.Model
        The model, uncompiled.

    Raises
    ------
    FormatError
        The file is missing, not named ``*.keras``, not a zip file, or Keras cannot load it
        (the first line of Keras's reason is given).
    """
    import keras  # deferred: Keras/TensorFlow take seconds to import

    from motifrep.nn import activations  # noqa: F401  (deferred with Keras; registers the custom activations)

    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: model file not found")
    if path.suffix != ".keras":
        raise FormatError(f"{path}: not a Keras model archive (the name must end in .keras)")
    if not zipfile.is_zipfile(path):
        raise FormatError(f"{path}: not a Keras model archive (not a zip file)")
    try:
        return keras.models.load_model(path, compile=False)  # analyses need no optimizer state
    except (ValueError, KeyError, OSError, TypeError, zipfile.BadZipFile) as exc:
        text = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
        reason = (text.strip().splitlines() or [type(exc).__name__])[0]
        raise FormatError(f"{path}: not a Keras model archive ({reason})") from None


def count_trainable(model) -> int:
    """Number of trainable parameters (what the authors reported)."""
    return int(sum(int(w.numpy().size) for w in model.trainable_weights))

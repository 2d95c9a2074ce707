"""One entry point for "load a model and read one conv layer's activations", whatever the framework.

:func:`open_conv_layer` picks the framework from the file (and ``--torch-model``): Keras
(``.keras``, legacy ``.h5``; :mod:`motifrep.nn.inspect`) or PyTorch (a ``torch.export``
``.pt2`` program, a TorchScript file, or a state dict with a factory;
:mod:`motifrep.nn.torch_models`). Both return a conv source with the same interface, which
:func:`motifrep.filters.scan.activation_pwms` reads: ``model_name``, ``conv_name``, ``index``
(1-based among the conv layers), ``length`` (the input length the model fixes, or None),
``framework``, ``check_x(X)``, ``pwm_window(window, length)`` and ``batches(X, batch_size)``.
"""

from __future__ import annotations

from pathlib import Path

from motifrep.errors import FormatError, MotifrepError

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def is_torch(path, torch_model: str | None = None) -> bool:
    """Whether ``path`` (with ``--torch-model``) is read as a PyTorch model rather than a Keras one."""
    if torch_model is not None:
        return True
    path = Path(path)
    if path.suffix.lower() in KERAS_SUFFIXES:
        return False
    from motifrep.nn.torch_models import is_torch_file

    return is_torch_file(path)


def is_keras(path, torch_model: str | None = None) -> bool:
    """Whether ``path`` is read as a Keras model (a ``.keras`` / ``.h5`` name and no ``--torch-model``)."""
    return torch_model is None and Path(path).suffix.lower() in KERAS_SUFFIXES


def layer_spec(spec):
    """A ``--layer`` value as the libraries take it: None -> 1, digits -> int, else the name."""
    if spec is None:
        return 1
    if isinstance(spec, str):
        return int(spec) if spec.strip().isdigit() else spec
    return spec


def open_conv_layer(path, layer=None, torch_model: str | None = None):
    """Load the model at ``path`` and resolve its conv layer ``layer`` (a name or 1-based index; None: the first).

    Parameters
    ----------
    path : str or os.PathLike
        The model file (with ``torch_model``: its state dict).
    layer : int or str, optional
        The ``--layer`` value.
    torch_model : str, optional
        ``module:factory`` building the PyTorch model the state dict belongs to.

    Returns
    -------
    motifrep.filters.scan.KerasConvSource or motifrep.nn.torch_models.TorchConvSource
        The conv layer, ready for :func:`motifrep.filters.scan.activation_pwms`.

    Raises
    ------
    FormatError
        A file that is neither a Keras nor a PyTorch model, or that cannot be loaded.
    MotifrepError
        A layer that is not a conv layer, or a model motifrep cannot read (one line, why).
    """
    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: model file not found")
    spec = layer_spec(layer)
    where = f"--layer {layer}" if layer is not None else str(path)
    if is_torch(path, torch_model):
        from motifrep.nn.torch_models import TorchConvSource, load_torch_model

        model = load_torch_model(path, torch_model)
        try:
            return TorchConvSource(model, spec, where if layer is not None else None)
        except FormatError:
            raise
        except MotifrepError as exc:
            raise MotifrepError(f"{where}: {exc}") from None
    if path.suffix.lower() not in KERAS_SUFFIXES:
        raise FormatError(f"{path}: neither a Keras model (.keras, .h5) nor a PyTorch model (a torch.export .pt2 "
                          "archive, a TorchScript file, or a state dict with --torch-model)")
    from motifrep.filters.scan import KerasConvSource
    from motifrep.nn.inspect import load_keras_model

    model = load_keras_model(path)
    try:
        return KerasConvSource(model, spec)
    except MotifrepError as exc:
        raise MotifrepError(f"{where}: {exc}") from None

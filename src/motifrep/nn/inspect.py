"""Inspect any Keras model with a Conv1D layer: its conv layers, activation maps and input windows.

motifrep reads filters from models built anywhere (Sequential or functional, any layer names,
``.keras`` or legacy ``.h5`` files). This module finds, in such a model:

* the **Conv1D layers** in graph order (:func:`conv_layers`) and the one ``--layer`` names
  (a layer name or a 1-based index, :func:`find_conv`);
* the **sequence input**: the model input of shape ``(L, 4)`` (channels-last) or ``(4, L)``
  (channels-first) that the conv layer reads; other inputs and outputs are ignored when
  that input is unambiguous (:func:`sequence_input`);
* the **activation map** of a conv layer: its output after the element-wise layers that
  directly follow it (:data:`ELEMENTWISE`: normalisation, activation, dropout, noise),
  before the first pooling, conv or dense layer, or before a branch (:func:`conv_map`);
  for motifrep's own models that is ``conv{k}_act``;
* the **receptive window** of a position of that map, ``(width, offset)``, from the layers
  between the input and the conv layer (:func:`receptive_window`). Conv1D (any kernel,
  dilation, 'same' / 'valid' / 'causal' padding), stride-1 pooling, zero padding, cropping,
  element-wise layers, transposes and merges (Add, Concatenate along channels, ...) are
  followed; a pooling step or stride > 1 before the layer, or a layer of unknown effect on
  positions, is refused with the reason (positions would not map one-to-one onto windows).

Everything that cannot work is a :class:`~motifrep.errors.MotifrepError` (or
:class:`~motifrep.errors.FormatError` for files) with a one-line message. Keras is imported
inside the functions (deferred, as elsewhere in motifrep: importing it takes seconds), and
the graph is read through each tensor's ``_keras_history``, the producer record Keras 3's own
functional code uses.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motifrep.errors import FormatError, MotifrepError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

#: Layers that act on each position separately and keep the layout: the activation map of a conv
#: layer is read after a chain of these (methods §4.1).
ELEMENTWISE = ("BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
               "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "Dropout", "SpatialDropout1D",
               "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization")

#: Element-wise layers that are the identity at inference: read through, but not named as the map's layer.
INFERENCE_IDENTITY = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
                      "ActivityRegularization")

#: Layers that combine tensors position by position (the window of their output is the union).
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")

#: Per-position layers allowed between the input and a conv layer (same positions, any channels).
POSITIONWISE = ELEMENTWISE + ("Dense", "EinsumDense", "InputLayer")

POOLING = ("MaxPooling1D", "AveragePooling1D")


@dataclass(frozen=True)
class ConvMap:
    """Where to read the activation map of one conv layer of a model (see :func:`conv_map`)."""

    model: object
    conv: object            # the keras.layers.Conv1D
    index: int              # 1-based among the model's Conv1D layers
    tensor: object          # the symbolic activation map
    map_layer: str          # the last layer read through that is not the identity at inference
    seq_input: object       # the symbolic sequence input
    channels_first: bool    # sequence input is (4, L)
    map_channels_first: bool  # activation map is (F, L') (a channels_first Conv1D)

    @property
    def length(self) -> int | None:
        """The sequence length the input fixes (None: any)."""
        dim = self.seq_input.shape[2 if self.channels_first else 1]
        return None if dim is None else int(dim)


# --------------------------------------------------------------------------- loading


def _load_reason(exc: BaseException) -> tuple[str, bool]:
    """``(one line of why Keras could not load a model, whether code from elsewhere is missing)``."""
    chain, seen = [], exc
    while seen is not None and len(chain) < 10:
        chain.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    text = " ".join(chain)
    unknown = re.search(r"Could not locate (?:class|function) '([^']+)'|Unknown (?:layer|object)[^']*'([^']+)'", text)
    if unknown:
        return f"unknown layer or object {unknown.group(1) or unknown.group(2)!r}", True
    if "Lambda" in text and "safe_mode" in text:
        return "it holds a Lambda layer (Python code, which motifrep does not run)", True
    return (str(exc).strip().strip("\"'").splitlines() or [type(exc).__name__])[0], False


def load_keras_model(path):
    """Load a Keras model from a ``.keras`` archive or a legacy ``.h5`` / ``.hdf5`` file.

    motifrep's custom activations are known; other projects' custom layers or Lambda layers
    are refused with one line naming what is unknown. The model is loaded uncompiled.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    keras.Model
        The model.

    Raises
    ------
    FormatError
        The file is missing, has another suffix, is not a zip (``.keras``) or HDF5 (``.h5``)
        file, or Keras cannot load a model from it (the reason in one line; a custom or
        Lambda layer is named as such).
    """
    import keras  # deferred: Keras/TensorFlow take seconds to import

    from motifrep.nn import activations  # noqa: F401  (deferred with Keras; registers the custom activations)

    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: model file not found")
    suffix = path.suffix.lower()
    if suffix == ".keras":
        what = "Keras model archive"
        if not zipfile.is_zipfile(path):
            raise FormatError(f"{path}: not a {what} (not a zip file)")
    elif suffix in (".h5", ".hdf5"):
        what = "Keras model (legacy HDF5)"
        with open(path, "rb") as handle:
            if handle.read(len(HDF5_SIGNATURE)) != HDF5_SIGNATURE:
                raise FormatError(f"{path}: not a {what} (not an HDF5 file)")
    else:
        raise FormatError(f"{path}: not a Keras model (the name must end in .keras, or .h5 for legacy Keras files)")
    try:
        model = keras.models.load_model(path, compile=False)  # analyses need no optimizer state
    except (ValueError, TypeError, KeyError, AttributeError, ImportError, OSError, zipfile.BadZipFile) as exc:
        reason, foreign_code = _load_reason(exc)
        if foreign_code:
            raise FormatError(f"{path}: Keras cannot load this model without the code that defined it: {reason}; "
                              "motifrep reads models made of Keras's own layers") from None
        raise FormatError(f"{path}: not a {what} ({reason})") from None
    if not isinstance(model, keras.Model):
        raise FormatError(f"{path}: not a {what} (it holds a {type(model).__name__})")
    return model


# --------------------------------------------------------------------------- graph helpers


def _kind(layer) -> str:
    """The layer's class name."""
    return type(layer).__name__


def _is(layer, names) -> bool:
    """Whether ``layer`` is an instance of one of the Keras layer classes ``names``."""
    from keras import layers  # deferred: Keras import

    classes = tuple(getattr(layers, n) for n in names if hasattr(layers, n))
    return isinstance(layer, classes)


def _producer(tensor):
    """``(layer, node)`` that produced a symbolic tensor (``(None, None)`` for a graph input)."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None, None
    op = history.operation
    return op, op._inbound_nodes[history.node_index]


def _node_inputs(node) -> list:
    """The symbolic input tensors of a node."""
    import keras  # deferred: Keras import

    return [t for t in keras.tree.flatten(node.input_tensors) if hasattr(t, "shape")]


def _graph_nodes(model) -> list:
    """Every layer call (node) of the model's own graph (a Sequential's is its inner functional graph)."""
    graph = model if hasattr(model, "_nodes_by_depth") else getattr(model, "_functional", None)
    if graph is None:
        raise MotifrepError(f"model {model.name!r} has no defined input shape")
    return [node for depth in sorted(graph._nodes_by_depth) for node in graph._nodes_by_depth[depth]]


def _consumers(model, tensor) -> list:
    """``(layer, node)`` of every call in ``model`` that takes ``tensor`` as an input."""
    return [(node.operation, node) for node in _graph_nodes(model)
            if any(t is tensor for t in _node_inputs(node))]


def _call(layer, model):
    """The one node that applies ``layer`` in ``model``; MotifrepError if it is applied more than once."""
    nodes = [node for node in _graph_nodes(model) if node.operation is layer]
    if len(nodes) != 1:
        raise MotifrepError(
            f"layer {layer.name!r} of model {model.name!r} is applied {len(nodes)} times "
            "(shared weights, e.g. on both strands); motifrep reads one activation map per layer")
    return nodes[0]


def _single_output(layer, model):
    """The output tensor of the one call of ``layer`` in ``model``."""
    return _call(layer, model).output_tensors[0]


def _single_input(layer, model):
    """The (first) input tensor of the one call of ``layer`` in ``model``."""
    return _node_inputs(_call(layer, model))[0]


# --------------------------------------------------------------------------- conv layers


def conv_layers(model) -> list:
    """The model's Conv1D layers, in graph order (``model.layers``).

    Parameters
    ----------
    model : keras.Model
        Any Keras model.

    Returns
    -------
    list of keras.layers.Conv1D
        Its Conv1D layers (empty when it has none; layers of nested models are not listed).
    """
    return [lay for lay in model.layers if _is(lay, ("Conv1D",))]


def _no_conv_reason(model) -> str:
    """Why a model without a top-level Conv1D layer cannot be read."""
    nested = [lay for lay in model.layers if hasattr(lay, "layers") and conv_layers(lay)]
    if nested:
        return (f"model {model.name!r} has no Conv1D layer of its own (Conv1D layers inside nested model "
                f"{nested[0].name!r} are not supported)")
    other = sorted({_kind(lay) for lay in model.layers if _kind(lay).startswith(("Conv", "SeparableConv",
                                                                               "DepthwiseConv"))})
    extra = f" (it has {', '.join(other)}; only Conv1D filters become motifs)" if other else ""
    return f"model {model.name!r} has no Conv1D layer{extra}"


def find_conv(model, layer=1) -> tuple[int, object]:
    """The Conv1D layer that ``layer`` names: ``(1-based index, layer)``.

    Parameters
    ----------
    model : keras.Model
        Any Keras model.
    layer : int or str, default 1
        A 1-based position among the Conv1D layers, or a layer name.

    Returns
    -------
    tuple of (int, keras.layers.Conv1D)
        Its index among the Conv1D layers and the layer.

    Raises
    ------
    MotifrepError
        The model has no Conv1D layer, the index is out of range, or the name is unknown or
        names a layer that is not a Conv1D layer.
    """
    convs = conv_layers(model)
    if not convs:
        raise MotifrepError(_no_conv_reason(model))
    names = [c.name for c in convs]
    if isinstance(layer, str):
        if layer in names:
            return names.index(layer) + 1, convs[names.index(layer)]
        others = {lay.name: _kind(lay) for lay in model.layers}
        what = (f"layer {layer!r} is a {others[layer]}, not a Conv1D layer" if layer in others
                else "no Conv1D layer of that name")
        raise MotifrepError(f"model {model.name!r}: {what} (its Conv1D layers: {', '.join(names)})")
    if isinstance(layer, bool) or not isinstance(layer, int) and not hasattr(layer, "__index__") or layer < 1:
        raise MotifrepError(f"layer must be an integer >= 1 or a layer name, got {layer!r}")
    if layer > len(convs):
        raise MotifrepError(f"model {model.name!r} has no convolutional layer {layer} (it has {len(convs)}: "
                            f"{', '.join(names)})")
    return int(layer), convs[int(layer) - 1]


# --------------------------------------------------------------------------- sequence input


def _layout(tensor) -> bool | None:
    """True for a ``(4, L)`` input, False for ``(L, 4)``, None for anything else."""
    shape = tuple(tensor.shape)
    if len(shape) != 3:
        return None
    if shape[2] == 4:
        return False
    return True if shape[1] == 4 else None


def _ancestor_inputs(model, tensor) -> list:
    """The model inputs that ``tensor`` depends on."""
    inputs, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if any(t is i for i in model.inputs):
            inputs.append(t)
            continue
        _, node = _producer(t)
        if node is not None:
            stack.extend(_node_inputs(node))
    return inputs


def sequence_input(model, conv) -> tuple[object, bool]:
    """The one-hot DNA input that ``conv`` reads: ``(symbolic input, channels_first)``.

    Parameters
    ----------
    model : keras.Model
        The model.
    conv : keras.layers.Conv1D
        One of its Conv1D layers.

    Returns
    -------
    tuple of (KerasTensor, bool)
        The input, and whether it is ``(4, L)`` rather than ``(L, 4)``.

    Raises
    ------
    MotifrepError
        No input of ``conv`` has 4 channels, or several do.
    """
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):  # an unbuilt Sequential
        raise MotifrepError(f"model {model.name!r} has no defined input shape") from None
    reached = _ancestor_inputs(model, _single_input(conv, model))
    dna = [t for t in reached if _layout(t) is not None]
    shapes = ", ".join(str(tuple(t.shape[1:])) for t in (reached or inputs))
    if not dna:
        raise MotifrepError(f"model {model.name!r}: Conv1D layer {conv.name!r} reads input of shape {shapes}; "
                            "expected one-hot DNA with 4 channels, (L, 4) or (4, L)")
    if len(dna) > 1:
        raise MotifrepError(f"model {model.name!r}: Conv1D layer {conv.name!r} reads {len(dna)} inputs with 4 "
                            f"channels ({shapes}); which one holds the sequence is ambiguous")
    return dna[0], bool(_layout(dna[0]))


# --------------------------------------------------------------------------- activation map


def _map_tensor(model, conv) -> tuple[object, str]:
    """Follow ``conv``'s output through the element-wise layers that directly follow it."""
    tensor, name = _single_output(conv, model), conv.name
    while True:
        users = _consumers(model, tensor)
        if len(users) != 1 or not _is(users[0][0], ELEMENTWISE):
            return tensor, name
        layer, node = users[0]
        outs = [t for t in node.output_tensors]
        if len(outs) != 1:
            return tensor, name
        tensor = outs[0]
        if not _is(layer, INFERENCE_IDENTITY):
            name = layer.name


def conv_map(model, layer=1) -> ConvMap:
    """Where the activation map of a conv layer is read, and how the input is laid out.

    Parameters
    ----------
    model : keras.Model
        Any Keras model with a Conv1D layer.
    layer : int or str, default 1
        1-based index among the Conv1D layers, or the layer's name.

    Returns
    -------
    ConvMap
        The conv layer, its index, the activation-map tensor and its layer name, the
        sequence input and the layouts.

    Raises
    ------
    MotifrepError
        As :func:`find_conv` and :func:`sequence_input`, or the layer is applied more than once.
    """
    index, conv = find_conv(model, layer)
    seq, channels_first = sequence_input(model, conv)
    tensor, name = _map_tensor(model, conv)
    map_cf = str(conv.get_config().get("data_format", "channels_last")) == "channels_first"
    return ConvMap(model, conv, index, tensor, name, seq, channels_first, map_cf)


def activation_model(cmap: ConvMap):
    """A Keras model from the sequence input to the activation map of ``cmap``.

    Parameters
    ----------
    cmap : ConvMap
        From :func:`conv_map`.

    Returns
    -------
    keras.Model
        One input (the sequence), one output (the map, in the conv layer's layout).

    Raises
    ------
    MotifrepError
        The map also depends on another model input.
    """
    import keras  # deferred: Keras import

    try:
        return keras.Model(cmap.seq_input, cmap.tensor, name=f"{cmap.model.name}_{cmap.map_layer}")
    except ValueError:
        raise MotifrepError(f"model {cmap.model.name!r}: the activation map of {cmap.conv.name!r} depends on "
                            "another model input besides the sequence") from None


# --------------------------------------------------------------------------- receptive window


def _as_int(value) -> int:
    """A Keras config value (an int or a 1-tuple) as int."""
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)


def _upstream_conv(tensor) -> str | None:
    """Name of the nearest Conv1D above ``tensor`` through a chain of element-wise layers."""
    layer, node = _producer(tensor)
    while layer is not None and _is(layer, ELEMENTWISE):
        layer, node = _producer(_node_inputs(node)[0])
    return layer.name if layer is not None and _is(layer, ("Conv1D",)) else None


def _sliding(layer, kind: str, target: str, model) -> tuple[int, int]:
    """``(left, effective kernel)`` of a stride-1 Conv1D or pooling layer; MotifrepError otherwise."""
    cfg = layer.get_config()
    is_pool = kind in POOLING
    kernel = _as_int(cfg["pool_size"] if is_pool else cfg["kernel_size"])
    stride = _as_int(cfg.get("strides") or (kernel if is_pool else 1))
    dilation = 1 if is_pool else _as_int(cfg.get("dilation_rate", 1))
    if stride != 1:
        if is_pool:
            up = _upstream_conv(_single_input(layer, model)) or repr(layer.name)
            pool = f"pool {kernel}" + (f", stride {stride}" if stride != kernel else "")
            why = f"{up} is pooled ({pool}) before {target}"
        else:
            why = f"{layer.name} has stride {stride} before {target}" if layer.name != target else \
                f"{target} has stride {stride}"
        raise MotifrepError(
            f"model {model.name!r}: {why}; its positions are {stride} input positions apart, and mapping "
            f"{target} activations back to input windows needs unpooled, stride-1 layers")
    eff = dilation * (kernel - 1) + 1
    padding = str(cfg.get("padding", "valid")).lower()
    left = {"same": (eff - 1) // 2, "valid": 0, "causal": eff - 1}.get(padding)  # TF: pad_total // 2 left
    if left is None:
        raise MotifrepError(f"model {model.name!r}: layer {layer.name!r} has padding {padding!r}, not supported")
    return left, eff


def _shift(layer, kind: str) -> int:
    """Input position of output position 0 for ZeroPadding1D (negative) and Cropping1D."""
    cfg = layer.get_config()
    value = cfg["padding"] if kind == "ZeroPadding1D" else cfg["cropping"]
    first = value[0] if isinstance(value, (tuple, list)) else value
    return -int(first) if kind == "ZeroPadding1D" else int(first)


def _merge_span(spans, layer, model, target):
    """Union of the windows of a merge layer's inputs (Concatenate: along channels only)."""
    spans = [s for s in spans if s is not None]
    if not spans:
        return None
    if _kind(layer) == "Concatenate":
        axis, cf = layer.get_config().get("axis", -1), spans[0][2]
        if axis % 3 == (2 if cf else 1):
            raise MotifrepError(f"model {model.name!r}: layer {layer.name!r} concatenates along positions before "
                                f"{target}; no fixed input window")
    return min(s[0] for s in spans), max(s[1] for s in spans), spans[0][2]


def _span(model, tensor, seq, target, memo):
    """``(lo, hi, channels_first)``: position p of ``tensor`` sees input positions p+lo .. p+hi."""
    if id(tensor) in memo:
        return memo[id(tensor)]
    if tensor is seq:
        return (0, 0, _layout(seq))
    layer, node = _producer(tensor)
    if layer is None or _is(layer, ("InputLayer",)):
        return None  # another input: no sequence positions
    kind = _kind(layer)
    inner = [_span(model, t, seq, target, memo) for t in _node_inputs(node)]
    if kind in MERGES:
        out = _merge_span(inner, layer, model, target)
    elif inner[0] is None:
        out = None
    elif kind == "Conv1D" or kind in POOLING:
        left, eff = _sliding(layer, kind, target, model)
        lo, hi, _ = inner[0]
        cf = kind == "Conv1D" and str(layer.get_config().get("data_format")) == "channels_first" or \
            kind in POOLING and inner[0][2]
        out = (lo - left, hi - left + eff - 1, cf)
    elif kind in ("ZeroPadding1D", "Cropping1D"):
        s = _shift(layer, kind)
        out = (inner[0][0] + s, inner[0][1] + s, inner[0][2])
    elif kind == "Permute" and tuple(layer.get_config()["dims"]) == (2, 1):
        out = (inner[0][0], inner[0][1], not inner[0][2])
    elif _is(layer, POSITIONWISE):
        out = inner[0]
    else:
        raise MotifrepError(f"model {model.name!r}: layer {layer.name!r} ({kind}) lies between the input and "
                            f"{target}; motifrep cannot map {target} positions back to fixed input windows through it")
    memo[id(tensor)] = out
    return out


def receptive_window(cmap: ConvMap) -> tuple[int, int]:
    """Input window of one position of the activation map: ``(width, offset)``.

    Position ``p`` sees input positions ``p + offset`` to ``p + offset + width - 1``, from the
    layers between the sequence input and the conv layer (module docstring).

    Parameters
    ----------
    cmap : ConvMap
        From :func:`conv_map`.

    Returns
    -------
    tuple of (int, int)
        ``(width, offset)``.

    Raises
    ------
    MotifrepError
        A pooling step or stride > 1 before the layer or in it, or a layer whose effect on
        positions motifrep does not know (the message names it and why).
    """
    span = _span(cmap.model, _single_output(cmap.conv, cmap.model), cmap.seq_input, cmap.conv.name, {})
    lo, hi, _ = span
    return hi - lo + 1, lo


def window_from_field(field: tuple[int, int], first: bool, window: int | None) -> tuple[int, int]:
    """``(width, offset)`` of the columns cut around a site, from the receptive ``field`` ``(width, offset)``.

    ``window=None``: the field itself; else ``window`` columns for the first conv layer
    (``first``) and ``max(window, field width)`` for deeper ones, centred on the field
    (:func:`motifrep.filters.scan.pwm_window`).
    """
    rf_width, rf_offset = field
    if window is None:
        return rf_width, rf_offset
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise MotifrepError(f"window must be an integer >= 1 or None, got {window!r}")
    width = int(window) if first else max(int(window), rf_width)
    return width, rf_offset + (rf_width - width) // 2

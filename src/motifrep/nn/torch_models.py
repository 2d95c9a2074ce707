"""PyTorch models for ``motifrep filters`` and ``motifrep attribute``: loading, conv layers, activation maps.

Three kinds of files are read (the optional extra ``motifrep[torch]``):

* a ``torch.export`` program (``.pt2``, :func:`torch.export.load`): its FX graph is read node
  by node (``aten.conv1d`` / ``aten.convolution`` nodes are the conv layers, named by the
  module path the export recorded), and maps are read from a copy of the graph cut at the
  map's node (a fixed batch size of the program is filled up with zero rows);
* a TorchScript file (:func:`torch.jit.load`): its ``forward`` graph is followed through the
  submodule calls (recursively: an ``nn.Sequential`` is its children) and a few element-wise
  ``aten`` ops; the layers up to the activation map must form one chain from the input
  (TorchScript modules take no forward hooks), else it is refused with the reason;
* a state-dict file plus ``--torch-model module:factory`` (``module`` a ``.py`` file or an
  importable module; the factory is called without arguments and the state dict loaded with
  ``strict=True``): the module's leaf calls are recorded with forward hooks on one probe
  batch, in execution order, and the map is captured with a forward hook.

Whatever the kind, the model reads one-hot sequences ``(N, 4, L)`` (float32), the conv layers
are the ``Conv1d`` calls in execution order (named by module path; ``--layer`` takes a name or
a 1-based index), and a layer's activation map is its output after the element-wise steps that
directly consume it (:data:`ELEMENTWISE`: normalisation, activations, dropout; a parameter-free
custom module that keeps the shape, e.g. an ``Exp`` activation, counts as one), before the first
pooling, conv or linear step. The receptive window of a position of a deeper layer's map is
folded from the steps between the input and the conv (kernel, dilation, padding), as
:mod:`motifrep.nn.inspect` does for Keras; a pooling step or stride > 1 before the layer, or a
step of unknown effect on positions, is refused with the reason. Everything that cannot work
is a :class:`~motifrep.errors.MotifrepError` (or :class:`~motifrep.errors.FormatError` for
files) with a one-line message.
"""

from __future__ import annotations

import importlib
import itertools
import importlib.util
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motifrep.errors import FormatError, MotifrepError

#: Module classes (by class name) whose output at a position depends on that position only.
ELEMENTWISE = ("BatchNorm1d", "InstanceNorm1d", "ReLU", "ReLU6", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
               "LeakyReLU", "PReLU", "RReLU", "Softplus", "Sigmoid", "Tanh", "Hardtanh", "Hardswish",
               "Hardsigmoid", "Softsign", "LogSigmoid", "Threshold", "Dropout", "Dropout1d", "AlphaDropout",
               "FeatureAlphaDropout", "Identity")
#: aten ops (FX / TorchScript) that act on each position separately.
ELEMENTWISE_OPS = ("relu", "relu_", "relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "leaky_relu", "prelu",
                   "softplus", "sigmoid", "tanh", "hardtanh", "hardswish", "hardsigmoid", "exp", "batch_norm",
                   "_native_batch_norm_legit_no_training", "instance_norm", "dropout", "feature_dropout",
                   "alpha_dropout", "clone", "alias", "detach", "getitem", "contiguous")
#: TorchScript aten ops motifrep can run itself (unary, no arguments).
UNARY_OPS = {"aten::relu": "relu", "aten::relu_": "relu", "aten::exp": "exp", "aten::sigmoid": "sigmoid",
             "aten::tanh": "tanh", "aten::contiguous": None, "aten::clone": None}
POOLS = ("MaxPool1d", "AvgPool1d")
POOL_OPS = ("max_pool1d", "avg_pool1d", "max_pool1d_with_indices")
CONV_OPS = ("conv1d", "convolution")


@dataclass
class Step:
    """One operation of a torch model, in execution order.

    ``kind``: ``"conv"``, ``"pool"``, ``"elementwise"`` or ``"other"``; ``what`` is its class
    or op name; ``conv``: ``(kernel, stride, dilation, left padding)`` of a conv or pooling
    step; ``src`` / ``dst``: ids of the input and output values (the data flow).
    """

    name: str
    kind: str
    what: str
    src: object
    dst: object
    conv: tuple | None = None
    in_channels: int | None = None
    extra: dict = field(default_factory=dict)


def _torch():
    """Import torch, or a one-line error naming the extra."""
    try:
        import torch
    except ImportError:
        raise MotifrepError("PyTorch models need PyTorch: pip install 'motifrep[torch]'") from None
    return torch


def _first(value) -> int:
    """An int from an int, a 1-tuple or a list."""
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)


def _conv_geometry(kernel, stride, padding, dilation) -> tuple[int, int, int, int]:
    """``(kernel, stride, dilation, left padding)`` of a Conv1d (torch 'same' pads ``total // 2`` on the left)."""
    kernel, stride, dilation = _first(kernel), _first(stride), _first(dilation)
    if isinstance(padding, str):
        left = (dilation * (kernel - 1)) // 2 if padding == "same" else 0
    else:
        left = _first(padding)
    return kernel, stride, dilation, left


def _pool_geometry(kernel, stride, padding) -> tuple[int, int, int, int]:
    """``(kernel, stride, 1, left padding)`` of a pooling step (stride defaults to the kernel)."""
    kernel = _first(kernel)
    stride = _first(stride) if stride not in (None, [], ()) else kernel
    return kernel, stride, 1, _first(padding or 0)


# --------------------------------------------------------------------------- loading


@dataclass
class TorchModel:
    """A loaded torch model: ``module`` maps float32 ``(N, 4, L)`` to the outputs."""

    module: object
    kind: str          # "export", "torchscript" or "module"
    name: str
    path: Path
    batch: int | None = None    # the exported program's fixed batch size (None: any)
    length: int | None = None   # the exported program's fixed sequence length (None: any)


def is_torch_file(path) -> bool:
    """Whether ``path`` looks like a PyTorch file (a zip archive: ``.pt2``, TorchScript, ``torch.save``)."""
    return Path(path).suffix.lower() in (".pt2", ".pt", ".pth", ".ts", ".torchscript") or zipfile.is_zipfile(path)


def load_torch_model(path, factory: str | None = None) -> TorchModel:
    """Load a PyTorch model: a ``.pt2`` export, a TorchScript file, or ``factory`` + a state dict.

    Parameters
    ----------
    path : str or os.PathLike
        The model file (with ``factory``: the state dict, as ``torch.save(model.state_dict())``).
    factory : str, optional
        ``module:function``; ``module`` a ``.py`` file or an importable module name.

    Returns
    -------
    TorchModel
        The model in inference mode (``eval()``).

    Raises
    ------
    FormatError
        A file that is none of these, a factory that does not import or run, or a state dict
        that does not fit the model (missing and unexpected keys in one line).
    """
    torch = _torch()
    path = Path(path)
    if factory is not None:
        return _from_factory(torch, path, factory)
    if not zipfile.is_zipfile(path):
        raise FormatError(f"{path}: neither a Keras model (.keras, .h5) nor a PyTorch model (a torch.export .pt2 "
                          "archive, a TorchScript file, or a state dict with --torch-model)")
    names = zipfile.ZipFile(path).namelist()
    if "config.json" in names and "metadata.json" in names:
        raise FormatError(f"{path}: a Keras model archive under another name: the name must end in .keras, or .h5 "
                          "for legacy Keras files")
    if path.suffix.lower() == ".pt2" or any(n.endswith("archive_format") for n in names):
        return _from_export(torch, path)
    if any(re.search(r"(^|/)(code|constants\.pkl)", n) for n in names):
        try:
            module = torch.jit.load(str(path), map_location="cpu")
        except (RuntimeError, ValueError) as exc:
            raise FormatError(f"{path}: not a TorchScript model ({_line(exc)})") from None
        return TorchModel(module.eval(), "torchscript", _class_name(module), path)
    raise FormatError(f"{path}: a torch.save file (a state dict or a pickled module), not a model motifrep can load "
                      "by itself: give --torch-model module:factory to build the model it belongs to")


def _line(exc: BaseException) -> str:
    """The first line of an exception's message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _class_name(module) -> str:
    """A module's class name (TorchScript: its original name)."""
    return getattr(module, "original_name", None) or type(module).__name__


def _from_export(torch, path: Path) -> TorchModel:
    """A ``torch.export`` program as a runnable FX graph module, with its fixed input shape."""
    try:
        program = torch.export.load(str(path))
        module = program.module()
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad archive
        raise FormatError(f"{path}: not a torch.export program ({_line(exc)})") from None
    inputs = [n for n in module.graph.nodes if n.op == "placeholder"]
    if len(inputs) != 1:
        raise MotifrepError(f"{path}: the exported program takes {len(inputs)} inputs; motifrep feeds one, the "
                            "one-hot sequences (N, 4, L)")
    shape = tuple(getattr(inputs[0].meta.get("val"), "shape", ()))
    if len(shape) != 3 or shape[1] != 4:
        raise MotifrepError(f"{path}: the exported program takes input of shape {shape}; expected one-hot (N, 4, L)")
    static = [int(d) if isinstance(d, int) else None for d in shape]
    return TorchModel(module, "export", path.stem, path, batch=static[0], length=static[2])


def _import_factory(spec: str):
    """The callable ``module:function`` names; FormatError in one line otherwise."""
    module_name, _, func = spec.rpartition(":")
    if not module_name or not func:
        raise FormatError(f"--torch-model {spec}: expected module:factory (a .py file or a module name, a function)")
    try:
        if module_name.endswith(".py") or "/" in module_name:
            file = Path(module_name)
            if not file.is_file():
                raise FormatError(f"--torch-model {spec}: {file} not found")
            unit = importlib.util.spec_from_file_location(f"motifrep_user_{file.stem}", file)
            module = importlib.util.module_from_spec(unit)
            sys.modules[unit.name] = module
            unit.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's code may raise anything on import
        raise FormatError(f"--torch-model {spec}: cannot import {module_name} ({type(exc).__name__}: "
                          f"{_line(exc)})") from None
    factory = getattr(module, func, None)
    if not callable(factory):
        raise FormatError(f"--torch-model {spec}: {module_name} has no function {func!r}")
    return factory


def _from_factory(torch, path: Path, spec: str) -> TorchModel:
    """The factory's module with the state dict at ``path`` loaded (strict)."""
    factory = _import_factory(spec)
    try:
        module = factory()
    except Exception as exc:  # noqa: BLE001 - the user's code
        raise FormatError(f"--torch-model {spec}: the factory failed ({type(exc).__name__}: {_line(exc)})") from None
    if not isinstance(module, torch.nn.Module):
        raise FormatError(f"--torch-model {spec}: the factory returned a {type(module).__name__}, "
                          "not a torch.nn.Module")
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file
        raise FormatError(f"{path}: not a PyTorch state dict ({_line(exc)})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]  # a training checkpoint
    if not isinstance(state, dict):
        raise FormatError(f"{path}: holds a {type(state).__name__}, not a state dict")
    _load_state(module, state, path, spec)
    return TorchModel(module.eval(), "module", type(module).__name__, path)


def _load_state(module, state: dict, path: Path, spec: str) -> None:
    """``load_state_dict(strict=True)``; one line with the missing / unexpected / mis-shaped keys.

    A state dict saved from ``nn.DataParallel`` (every key ``module.``-prefixed) is read without the prefix.
    """
    own = module.state_dict()
    if state and all(k.startswith("module.") for k in state) and not any(k.startswith("module.") for k in own):
        state = {k[len("module."):]: v for k, v in state.items()}  # saved from nn.DataParallel / DDP
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k} {tuple(state[k].shape)} != {tuple(own[k].shape)}" for k in own
              if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:

        def few(keys):
            return ", ".join(keys[:5]) + (f" (+{len(keys) - 5} more)" if len(keys) > 5 else "")

        parts = [f"missing keys {few(missing)}" if missing else "", f"unexpected keys {few(unexpected)}"
                 if unexpected else "", f"shape mismatch {few(shapes)}" if shapes else ""]
        raise FormatError(f"{path}: the state dict does not fit the model of --torch-model {spec}: "
                          + "; ".join(p for p in parts if p))
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise FormatError(f"{path}: the state dict does not fit the model of --torch-model {spec} "
                          f"({_line(exc)})") from None


# --------------------------------------------------------------------------- steps of each kind


def _module_step(name: str, module, src, dst, out_shape=None, in_shape=None) -> Step:
    """A Step for one call of a (leaf) module, nn.Module or TorchScript."""
    what = _class_name(module)
    if what == "Conv1d":
        return Step(name, "conv", what, src, dst, _conv_geometry(module.kernel_size, module.stride, module.padding,
                                                                 module.dilation),
                    in_channels=int(module.weight.shape[1]) * int(getattr(module, "groups", 1)))
    if what in POOLS:
        return Step(name, "pool", what, src, dst, _pool_geometry(module.kernel_size, module.stride, module.padding))
    params = sum(1 for _ in module.parameters()) if hasattr(module, "parameters") else 1
    custom_pointwise = params == 0 and in_shape is not None and in_shape == out_shape
    kind = "elementwise" if what in ELEMENTWISE or custom_pointwise else "other"
    return Step(name, kind, what, src, dst)


def _module_steps(torch, module, length: int) -> list[Step]:
    """The leaf-module calls of an ``nn.Module`` on one probe batch, in execution order (forward hooks).

    A value's id is the ``id`` of the tensor (tensors are kept alive in the steps' ``extra``).
    """
    steps, handles = [], []

    def record(name, mod, inputs, output):
        src = inputs[0] if inputs and torch.is_tensor(inputs[0]) else None
        if torch.is_tensor(output):
            step = _module_step(name, mod, id(src), id(output), tuple(output.shape),
                                None if src is None else tuple(src.shape))
            step.extra = {"tensors": (src, output), "module": mod}
            steps.append(step)

    for name, mod in module.named_modules():
        if name and not any(True for _ in mod.children()):
            handles.append(mod.register_forward_hook(lambda m, i, o, n=name: record(n, m, i, o)))
    probe = torch.zeros((2, 4, length), dtype=torch.float32)
    try:
        with torch.no_grad():
            module(probe)
    except Exception as exc:  # noqa: BLE001 - a shape the model cannot take, or its own error
        raise MotifrepError(f"model {_class_name(module)!r} cannot take sequences of shape (N, 4, {length}) "
                            f"({type(exc).__name__}: {_line(exc)})") from None
    finally:
        for h in handles:
            h.remove()
    steps.insert(0, Step("input", "input", "input", None, id(probe), extra={"tensors": (None, probe)}))
    return steps


def _fx_target(node) -> str:
    """The aten op name of an FX node (``aten.conv1d.default`` -> ``conv1d``; ``getitem``)."""
    target = node.target
    name = getattr(target, "__name__", str(target))
    packet = getattr(target, "_opname", None) or name.split(".")[0]
    return packet


def _fx_name(node) -> str:
    """The module path the export recorded for a node (its FX name when none)."""
    stack = node.meta.get("nn_module_stack") or {}
    path = list(stack.values())[-1][0] if stack else ""
    return path.replace("L['self'].", "").replace("L__self___", "") or node.name


def _fx_steps(module) -> list[Step]:
    """The call_function nodes of an FX graph module as Steps (ids: the nodes)."""
    steps = []
    for node in module.graph.nodes:
        if node.op == "placeholder":
            steps.append(Step("input", "input", "input", None, node))
            continue
        if node.op != "call_function":
            continue
        op = _fx_target(node)
        args = list(node.args)
        src = next((a for a in args if hasattr(a, "op")), None)
        if op in CONV_OPS and len(tuple(getattr(node.meta.get("val"), "shape", ()))) == 3:
            weight = args[1].meta["val"].shape
            geometry = (args[3] if len(args) > 3 else [1], args[4] if len(args) > 4 else [0],
                        args[5] if len(args) > 5 else [1])
            if op == "convolution":  # (input, weight, bias, stride, padding, dilation, transposed, ...)
                if len(args) > 6 and args[6]:
                    steps.append(Step(_fx_name(node), "other", "ConvTranspose1d", src, node))
                    continue
            groups = args[6] if op == "conv1d" and len(args) > 6 else args[8] if len(args) > 8 else 1
            steps.append(Step(_fx_name(node), "conv", "Conv1d", src, node,
                              _conv_geometry(weight[2], *geometry[:1], geometry[1], geometry[2]),
                              in_channels=int(weight[1]) * int(groups)))
        elif op in POOL_OPS:
            steps.append(Step(_fx_name(node), "pool", op, src, node,
                              _pool_geometry(args[1], args[2] if len(args) > 2 else None, args[3] if len(args) > 3
                                             else 0)))
        else:
            steps.append(Step(_fx_name(node), "elementwise" if op in ELEMENTWISE_OPS else "other", op, src, node))
    return steps


def _script_const(value):
    """A TorchScript constant (or a list of constants) as Python; None for anything computed."""
    node = value.node()
    if node.kind() == "prim::Constant":
        return value.toIValue()
    if node.kind() == "prim::ListConstruct":
        return [_script_const(v) for v in node.inputs()]
    return None


def _traced_step(sub, src, dst) -> Step:
    """A Step for a traced Conv1d / pooling module (no ``kernel_size`` attributes): geometry from its graph."""
    what = _class_name(sub)
    for node in sub.graph.nodes():
        args = [_script_const(v) for v in node.inputs()]
        if node.kind() in ("aten::_convolution", "aten::conv1d") and what == "Conv1d":
            weight = sub.weight.shape
            groups = args[8] if node.kind() == "aten::_convolution" else args[6]
            return Step(sub._motifrep_name, "conv", what, src, dst,
                        _conv_geometry(int(weight[2]), args[3], args[4], args[5]),
                        in_channels=int(weight[1]) * int(groups or 1))
        if node.kind() in ("aten::max_pool1d", "aten::avg_pool1d") and what in POOLS:
            return Step(sub._motifrep_name, "pool", what, src, dst, _pool_geometry(args[1], args[2], args[3]))
    return Step(sub._motifrep_name, "other", what, src, dst)


def _script_leaf_step(sub, src, dst) -> Step:
    """A Step for a TorchScript leaf module; a parameter-free one made only of unary ops is element-wise."""
    try:
        step = _module_step(sub._motifrep_name, sub, src, dst)
    except AttributeError:  # a traced module keeps no hyper-parameters as attributes
        step = _traced_step(sub, src, dst)
    if step.kind == "other" and not any(True for _ in sub.parameters()):
        kinds = {n.kind() for n in sub.graph.nodes()} - {"prim::Constant"}
        if kinds and kinds <= set(UNARY_OPS):
            step.kind = "elementwise"
    step.extra = {"module": sub}
    return step


def _script_steps(module, inputs=None, counter=None) -> tuple[list[Step], str]:
    """The submodule calls and ops of a TorchScript ``forward`` graph, leaves first (recursive).

    Values are identified by ``"<graph id>:<debug name>"``; a submodule graph's input is mapped
    to the caller's value, so a chain across submodules stays a chain.
    """
    counter = counter if counter is not None else itertools.count()
    graph = module.graph
    gid = next(counter)
    g_inputs = list(graph.inputs())
    alias = {} if inputs is None else {g_inputs[1].debugName(): inputs}

    def key(value):
        return alias.get(value.debugName(), f"{gid}:{value.debugName()}")

    steps, attrs = [], {}
    if inputs is None:
        steps.append(Step("input", "input", "input", None, key(g_inputs[1])))
    for node in graph.nodes():
        kind, node_in = node.kind(), list(node.inputs())
        outs = [key(o) for o in node.outputs()]
        if kind == "prim::GetAttr":
            owner = attrs.get(key(node_in[0]))
            sub = getattr(module if owner is None else owner, node.s("name"), None)
            if hasattr(sub, "original_name"):
                attrs[outs[0]] = sub
                base = getattr(module, "_motifrep_name", "") if owner is None else owner._motifrep_name
                sub._motifrep_name = f"{base}.{node.s('name')}" if base else node.s("name")
            continue
        if kind == "prim::Constant":
            continue
        src = key(node_in[1]) if kind == "prim::CallMethod" and len(node_in) > 1 else \
            key(node_in[0]) if node_in else None
        if kind == "prim::CallMethod" and node.s("name") == "forward" and key(node_in[0]) in attrs:
            sub = attrs[key(node_in[0])]
            if any(True for _ in sub.children()):
                inner, ret = _script_steps(sub, src, counter)
                alias[node.outputsAt(0).debugName()] = ret
                steps.extend(inner)
                continue
            steps.append(_script_leaf_step(sub, src, outs[0]))
            continue
        steps.append(Step(kind.split("::")[-1], "elementwise" if kind in UNARY_OPS else "other", kind, src,
                          outs[0] if outs else None))
    return steps, key(next(graph.outputs()))


# --------------------------------------------------------------------------- conv layers and maps


class _Stop(Exception):
    """Raised inside a forward pass once the activation map is captured (the rest is not run)."""

    def __init__(self, value):
        super().__init__("activation map captured")
        self.value = value


def model_steps(model: TorchModel, length: int) -> list[Step]:
    """The steps of ``model`` in execution order (an ``nn.Module`` is probed with sequences of ``length``)."""
    torch = _torch()
    if model.kind == "module":
        return _module_steps(torch, model.module, length)
    if model.kind == "export":
        return _fx_steps(model.module)
    return _script_steps(model.module)[0]


def _next(steps: list[Step], step: Step) -> Step | None:
    """The first step after ``step`` that reads its output."""
    later = steps[steps.index(step) + 1:]
    return next((s for s in later if s.src == step.dst and step.dst is not None), None)


def _find_conv(model: TorchModel, steps: list[Step], layer) -> tuple[int, Step]:
    """``(1-based index, step)`` of the conv that ``layer`` (name or index) names."""
    convs = [s for s in steps if s.kind == "conv"]
    if not convs:
        kinds = sorted({s.what for s in steps if "conv" in s.what.lower()})
        extra = f" (it has {', '.join(kinds)}; only Conv1d filters become motifs)" if kinds else ""
        raise MotifrepError(f"model {model.name!r} has no Conv1d layer{extra}")
    names = [c.name for c in convs]
    listed = ", ".join(dict.fromkeys(names))
    if isinstance(layer, str):
        if names.count(layer) > 1:
            raise MotifrepError(f"model {model.name!r}: Conv1d {layer!r} is applied {names.count(layer)} times "
                                "(shared weights); motifrep reads one activation map per layer")
        if layer in names:
            return names.index(layer) + 1, convs[names.index(layer)]
        other = next((s.what for s in steps if s.name == layer), None)
        what = f"layer {layer!r} is a {other}, not a Conv1d layer" if other else "no Conv1d layer of that name"
        raise MotifrepError(f"model {model.name!r}: {what} (its Conv1d layers: {listed})")
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or layer < 1:
        raise MotifrepError(f"layer must be an integer >= 1 or a layer name, got {layer!r}")
    if layer > len(convs):
        raise MotifrepError(f"model {model.name!r} has no convolutional layer {layer} (it has {len(convs)}: {listed})")
    return int(layer), convs[int(layer) - 1]


def _map_step(steps: list[Step], conv: Step) -> Step:
    """The last of the element-wise steps that directly follow ``conv`` (``conv`` itself if none)."""
    cur = conv
    while True:
        nxt = _next(steps, cur)
        if nxt is None or nxt.kind != "elementwise":
            return cur
        cur = nxt


def _path_to(steps: list[Step], step: Step, model: TorchModel, target: str) -> list[Step]:
    """The steps from the input to ``step`` (inclusive) along its data flow; refused where it branches or hides."""
    producers = {}
    for s in steps:
        producers.setdefault(s.dst, s)  # the first producer (an in-place op re-produces the same tensor)
    path, cur = [step], step
    while cur.kind != "input":
        prev = producers.get(cur.src)
        if prev is None or prev is cur:
            raise MotifrepError(f"model {model.name!r}: the input of {cur.name!r} comes from an operation motifrep "
                                f"cannot follow (a functional call in forward?); {target} positions cannot be mapped "
                                "back to input windows")
        path.append(prev)
        cur = prev
    return path[::-1]


def receptive_field(model: TorchModel, steps: list[Step], conv: Step) -> tuple[int, int]:
    """``(width, offset)``: position p of ``conv``'s map sees input positions p+offset .. p+offset+width-1.

    Folded over the steps from the input to ``conv`` (kernel, dilation, left padding), as
    :func:`motifrep.nn.inspect.receptive_window` does for Keras; a pooling step, a stride > 1
    or another kind of step before it is refused with the reason.
    """
    lo, hi = 0, 0
    for step in _path_to(steps, conv, model, conv.name):
        if step.kind in ("input", "elementwise"):
            continue
        if step.kind == "other":
            raise MotifrepError(f"model {model.name!r}: {step.name!r} ({step.what}) lies between the input and "
                                f"{conv.name}; motifrep cannot map {conv.name} positions back to fixed input windows "
                                "through it")
        kernel, stride, dilation, left = step.conv
        if stride != 1 or (step.kind == "pool" and kernel > 1):
            why = (f"{step.name} is pooled ({step.what} {kernel}) before {conv.name}" if step.kind == "pool"
                   else f"{conv.name} has stride {stride}" if step is conv else
                   f"{step.name} has stride {stride} before {conv.name}")
            apart = max(stride, kernel if step.kind == "pool" else 1)
            raise MotifrepError(f"model {model.name!r}: {why}; its positions are {apart} "
                                f"input positions apart, and mapping {conv.name} activations back to input windows "
                                "needs unpooled, stride-1 layers")
        eff = dilation * (kernel - 1) + 1
        lo, hi = lo - left, hi - left + eff - 1
    return hi - lo + 1, lo


def _run_module(torch, model: TorchModel, steps: list[Step], map_step: Step):
    """A function ``x (B, 4, L) tensor -> map (B, F, L')``: a forward hook on the map's module call."""
    module = map_step.extra["module"]
    occurrence = sum(1 for s in steps[:steps.index(map_step)] if s.extra.get("module") is module)

    def run(x):
        seen = []

        def hook(mod, inputs, output):
            seen.append(1)
            if len(seen) == occurrence + 1:
                raise _Stop(output)

        handle = module.register_forward_hook(hook)
        try:
            model.module(x)
        except _Stop as stop:
            return stop.value
        finally:
            handle.remove()
        raise MotifrepError(f"model {model.name!r}: {map_step.name!r} was not called in the forward pass")

    return run


def _run_export(torch, model: TorchModel, map_step: Step):
    """A function ``x -> map``: the exported graph cut at the map's node (an FX graph module)."""
    graph, values = torch.fx.Graph(), {}
    graph.graph_copy(model.module.graph, values)
    graph.output(values[map_step.dst])
    cut = torch.fx.GraphModule(model.module, graph)
    cut.graph.eliminate_dead_code()  # the layers after the map are not run
    cut.recompile()
    return cut


def _run_script(torch, model: TorchModel, steps: list[Step], map_step: Step):
    """A function ``x -> map`` that runs the TorchScript chain from the input to the map step."""
    path = _path_to(steps, map_step, model, map_step.name)[1:]
    for step in path:
        if "module" not in step.extra and step.what not in UNARY_OPS:
            raise MotifrepError(f"TorchScript model {model.name!r}: {step.what} lies between the input and "
                                f"{map_step.name}; motifrep follows only submodule calls and unary ops in TorchScript "
                                "(export the model with torch.export, or use --torch-model)")

    def run(x):
        for step in path:
            if "module" in step.extra:
                x = step.extra["module"](x)
            elif UNARY_OPS[step.what] is not None:
                x = getattr(torch, UNARY_OPS[step.what])(x)
        return x

    return run


class TorchConvSource:
    """One conv layer of a torch model, as ``motifrep filters`` reads it (same interface as the Keras one).

    Parameters
    ----------
    model : TorchModel
        From :func:`load_torch_model`.
    layer : int or str
        A 1-based index among the Conv1d layers, or a Conv1d layer's name.
    """

    framework = "PyTorch"

    def __init__(self, model: TorchModel, layer=1, where: str | None = None):
        self.model, self.layer, self.where = model, layer, where
        self.model_name = self.name = model.name
        self.length = model.length
        self._at = None
        if model.kind != "module":  # the graph is fixed: resolve the layer now (bad --layer before slow steps)
            self._resolve(model.length or 0)

    def _resolve(self, length: int) -> None:
        """Steps, conv, map step and runner for sequences of ``length``."""
        if self._at == length or (self._at is not None and self.model.kind != "module"):
            return
        torch = _torch()
        steps = model_steps(self.model, length)
        try:
            self.index, self.conv = _find_conv(self.model, steps, self.layer)
        except MotifrepError as exc:
            raise MotifrepError(f"{self.where}: {exc}" if self.where else str(exc)) from None
        first = next(s for s in steps if s.kind == "conv")
        if first.in_channels != 4:
            raise MotifrepError(f"model {self.model.name!r}: its first Conv1d {first.name!r} takes {first.in_channels} "
                                "channels; motifrep feeds one-hot DNA as (N, 4, L)")
        self.steps, self.map_step = steps, _map_step(steps, self.conv)
        self.conv_name = self.conv.name
        kind = self.model.kind
        self._run = (_run_module(torch, self.model, steps, self.map_step) if kind == "module" else
                     _run_export(torch, self.model, self.map_step) if kind == "export" else
                     _run_script(torch, self.model, steps, self.map_step))
        self._at = length

    def receptive_field(self, length: int) -> tuple[int, int]:
        """``(width, offset)`` of one map position's input window (:func:`receptive_field`)."""
        self._resolve(length)
        return receptive_field(self.model, self.steps, self.conv)

    def check_x(self, X) -> tuple[int, int]:
        """``(N, L)`` of non-empty one-hot ``(N, L, 4)`` sequences of a length the model takes."""
        shape = tuple(getattr(X, "shape", ()))
        if len(shape) != 3 or shape[2] != 4:
            raise MotifrepError(f"sequences must be one-hot of shape (N, L, 4), got shape {shape}")
        if self.length is not None and shape[1] != self.length:
            raise MotifrepError(f"sequences have length {shape[1]} but model {self.model_name!r} expects {self.length}")
        if shape[0] == 0:
            raise MotifrepError("no sequences given")
        self._resolve(shape[1])
        return int(shape[0]), int(shape[1])

    def forward_map(self, x):
        """The activation map of float32 ``x`` ``(B, 4, L)`` (a tensor), ``(B, F, L')``."""
        return self._run(x)

    def batches(self, X, batch_size: int):
        """Yield ``(start, x_batch as given, activations float32 (B, L', F))`` batch by batch."""
        torch = _torch()
        n, length = self.check_x(X)
        fixed = self.model.batch
        size = fixed or batch_size
        for start in range(0, n, size):
            xb = np.asarray(X[start:start + size])
            xin = np.ascontiguousarray(xb.astype(np.float32).transpose(0, 2, 1))
            if fixed and len(xin) < fixed:  # an exported program with a static batch size
                xin = np.concatenate([xin, np.zeros((fixed - len(xin),) + xin.shape[1:], np.float32)])
            try:
                with torch.no_grad():
                    acts = self._run(torch.from_numpy(xin))
            except (RuntimeError, ValueError, AssertionError) as exc:
                raise MotifrepError(f"model {self.model_name!r} cannot take sequences of shape (N, 4, {length}) "
                                    f"({_line(exc)})") from None
            acts = acts.detach().cpu().numpy().astype(np.float32)[:len(xb)]
            if acts.ndim != 3:
                raise MotifrepError(f"model {self.model_name!r}: the map of {self.conv_name!r} has shape "
                                    f"{acts.shape}, expected (N, filters, positions)")
            yield start, xb, np.ascontiguousarray(acts.transpose(0, 2, 1))

    def pwm_window(self, window: int | None, length: int | None = None) -> tuple[int, int]:
        """Columns cut around each site (:func:`motifrep.filters.scan.pwm_window` rules)."""
        from motifrep.nn.inspect import window_from_field

        length = length or self.length
        if length is None:
            raise MotifrepError(f"model {self.model_name!r}: the sequence length is needed to read its layers")
        self._resolve(length)
        return window_from_field(self.receptive_field(length), self.index == 1, window)

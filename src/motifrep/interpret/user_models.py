"""Attribution maps of anyone's model: ``motifrep attribute`` (Keras or PyTorch, methods §6.2–6.4).

The workflow's methods (:mod:`motifrep.interpret.attribution`: saliency, ISM, integrated
gradients, SmoothGrad, DeepSHAP, with the authors' settings) run on a model that maps one-hot
``(N, L, 4)`` float32 to ``(N, T)`` outputs. This module puts the user's model in that form:

* **Keras** (any model :func:`motifrep.nn.inspect.load_keras_model` loads, one input): a
  wrapper model from ``(L, 4)`` input (transposed for a channels-first ``(4, L)`` model) to
  all outputs flattened and concatenated, so ``--target`` indexes every output unit of every
  output in order. Gradients and DeepSHAP (TensorFlow backend) are those of the workflow.
* **PyTorch** (:mod:`motifrep.nn.torch_models`: ``.pt2``, TorchScript, factory + state dict):
  :class:`TorchAttributionModel`, whose gradients are ``torch.autograd`` over whole batches and
  whose ISM is batched forward passes (the vectorised code of the workflow, fed through
  ``predict_on_batch``). DeepSHAP uses shap's ``DeepExplainer`` for torch modules, which hooks
  ``nn.Module`` calls: it works for ``--torch-model`` modules and is refused, in one line, for
  ``.pt2`` programs and TorchScript files (no module hooks there).

The outputs explained are the model's raw outputs (a sigmoid output stays a probability, a
logit output stays a logit). :func:`read_truth` reads the per-position ground truth (a BED of
sites or an HDF5 mask) that :func:`motifrep.interpret.interpretability.interpretability_scores`
scores the maps against, as the workflow does for P2 task 3.
"""

from __future__ import annotations

import warnings

import numpy as np

from motifrep.errors import FormatError, MotifrepError
from motifrep.interpret import attribution

METHODS = tuple(attribution.METHODS)


# --------------------------------------------------------------------------- Keras


def keras_attribution_model(model, length: int):
    """A Keras model ``(L, 4) -> (T,)``: the user's model with every output flattened and concatenated.

    Parameters
    ----------
    model : keras.Model
        The user's model (one input, ``(L, 4)`` or ``(4, L)``).
    length : int
        The sequence length.

    Returns
    -------
    keras.Model
        One input ``(length, 4)``, one output ``(T,)``.

    Raises
    ------
    MotifrepError
        Several inputs, an input that is not one-hot DNA, or another fixed length.
    """
    import keras

    if len(model.inputs) != 1:
        raise MotifrepError(f"model {model.name!r} takes {len(model.inputs)} inputs; attribution needs a model whose "
                            "only input is the one-hot sequence")
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 2 or 4 not in shape:
        raise MotifrepError(f"model {model.name!r} takes input of shape {shape}; expected one-hot (L, 4) or (4, L)")
    channels_first = shape[-1] != 4
    fixed = shape[1] if channels_first else shape[0]
    if fixed is not None and int(fixed) != length:
        raise MotifrepError(f"sequences have length {length} but model {model.name!r} expects {fixed}")
    x = keras.Input((length, 4), name="sequence")
    y = model(keras.layers.Permute((2, 1))(x) if channels_first else x)
    outs = list(y.values()) if isinstance(y, dict) else list(y) if isinstance(y, (list, tuple)) else [y]
    flat = [keras.layers.Reshape((-1,))(o) for o in outs]
    return keras.Model(x, flat[0] if len(flat) == 1 else keras.layers.Concatenate()(flat), name=model.name)


# --------------------------------------------------------------------------- PyTorch


def _flat_outputs(torch, y):
    """Model outputs (a tensor, tuple, list or dict of tensors) as one ``(B, T)`` tensor."""
    if isinstance(y, dict):
        y = list(y.values())
    outs = list(y) if isinstance(y, (tuple, list)) else [y]
    return torch.cat([o.reshape(o.shape[0], -1) for o in outs], dim=1)


class TorchAttributionModel:
    """A torch model as :mod:`motifrep.interpret.attribution` uses one: ``(B, L, 4)`` numpy in, ``(B, T)`` out.

    Parameters
    ----------
    model : motifrep.nn.torch_models.TorchModel
        The loaded model (inputs ``(N, 4, L)``).
    length : int
        The sequence length.
    """

    def __init__(self, model, length: int):
        import torch

        self.torch, self.model, self.length = torch, model, int(length)
        self.name = model.name
        if model.length is not None and model.length != self.length:
            raise MotifrepError(f"sequences have length {length} but model {model.name!r} expects {model.length}")
        try:
            with torch.no_grad():
                probe = self._forward(torch.zeros((1, self.length, 4)))
        except (RuntimeError, ValueError, AssertionError, IndexError) as exc:
            raise MotifrepError(f"model {model.name!r} cannot take sequences of shape (N, 4, {length}) "
                                f"({(str(exc).strip().splitlines() or [type(exc).__name__])[0]})") from None
        self.n_outputs = int(probe.shape[1])

    def _forward(self, x):
        """``(B, L, 4)`` tensor -> ``(B, T)`` tensor, in chunks of an exported program's fixed batch size."""
        torch, fixed = self.torch, self.model.batch
        xt = x.transpose(1, 2)
        if not fixed:
            return _flat_outputs(torch, self.model.module(xt))
        parts = []
        for start in range(0, len(xt), fixed):
            chunk = xt[start:start + fixed]
            pad = fixed - len(chunk)
            if pad:
                chunk = torch.cat([chunk, torch.zeros((pad,) + tuple(chunk.shape[1:]), dtype=chunk.dtype)])
            parts.append(_flat_outputs(torch, self.model.module(chunk))[:fixed - pad])
        return torch.cat(parts)

    def predict_on_batch(self, x) -> np.ndarray:
        """Outputs ``(B, T)`` float32 of one-hot ``(B, L, 4)`` rows."""
        with self.torch.no_grad():
            return self._forward(self.torch.from_numpy(np.asarray(x, np.float32))).numpy()

    def predict(self, x, verbose: int = 0, batch_size: int = 256) -> np.ndarray:
        """:meth:`predict_on_batch` over ``batch_size`` rows at a time (the Keras signature)."""
        x = np.asarray(x, np.float32)
        return np.concatenate([self.predict_on_batch(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
                              or [np.zeros((0, self.n_outputs), np.float32)])

    def input_gradient_fn(self, task: int):
        """``x (rows, L, 4) -> d output[:, task] / d x``, one autograd pass per call (float32 numpy)."""
        torch = self.torch

        def grad(x):
            xt = torch.tensor(np.asarray(x, np.float32), requires_grad=True)
            (g,) = torch.autograd.grad(self._forward(xt)[:, int(task)].sum(), xt)
            return g.detach().numpy().astype(np.float32)

        return grad


def torch_deepshap(model: TorchAttributionModel, X, task: int = 0, n_refs: int = 10, seed: int = 0,
                   refs=None, check: bool = True) -> np.ndarray:
    """DeepSHAP of a torch module: shap's ``DeepExplainer`` with 10 shuffled references per sequence.

    As :func:`motifrep.interpret.attribution.deepshap` (background = ``n_refs`` position-shuffles
    of each sequence or ``refs`` ``(N, R, L, 4)``, sequences stacked about
    :data:`~motifrep.interpret.attribution.DEEPSHAP_ROWS` rows per pass, each meeting only its own
    references, the summation-to-delta check), with shap's PyTorch explainer, which hooks the
    module's submodules (ReLU, ELU, Sigmoid, Tanh, Softplus, MaxPool1d are rescaled; Conv1d,
    Linear, BatchNorm1d are linear). A functional op shap cannot see makes the check fail.

    Raises
    ------
    MotifrepError
        A ``.pt2`` program or TorchScript file (no module hooks), or the check fails.
    """
    torch = model.torch
    if model.model.kind != "module":
        what = "a torch.export program" if model.model.kind == "export" else "a TorchScript file"
        raise MotifrepError(f"deepshap needs the model's torch.nn.Module code (shap hooks its submodules); "
                            f"{model.model.path.name} is {what}: use --torch-model module:factory with its state dict, "
                            "or another method")
    X = np.asarray(X)
    refs = attribution.shuffle_references(X, n_refs, seed) if refs is None else np.asarray(refs)
    stack, stacks = attribution.deepshap_stacks(len(X), refs.shape[1])
    wrapped = _stacked_module(torch, model.model.module, task, X.shape[1:], stack)
    out = np.zeros(X.shape, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import shap

        for sl, idx in stacks:
            background = torch.from_numpy(np.swapaxes(refs[idx], 0, 1).astype(np.float32))  # (R, stack, L, 4)
            explainer = shap.DeepExplainer(wrapped, background)
            values = explainer.shap_values(torch.from_numpy(X[idx][None].astype(np.float32)), check_additivity=False)
            out[sl] = np.asarray(values, np.float32).reshape((stack,) + X.shape[1:])[:sl.stop - sl.start]
    if check:
        attribution.check_summation(model, X, out, refs, task, "the model uses an op shap's DeepExplainer does not "
                                    "handle (e.g. a functional call instead of a module)")
    return out


def _stacked_module(torch, module, task: int, shape, stack: int):
    """``module`` as shap explains it: input ``(n, stack, L, 4)``, output the sum over the stack of
    ``module(sequence)[:, task]`` (as :func:`motifrep.interpret.attribution._stacked_task_model`:
    shap splits each submodule's input into sample and background halves along the batch axis,
    where row ``r * stack + b`` of one half meets the same row of the other)."""

    class Stacked(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            rows = x.reshape(-1, *shape).transpose(1, 2)  # (n * stack, 4, L): channels first
            y = _flat_outputs(torch, self.inner(rows))[:, task]
            return y.reshape(-1, stack).sum(1, keepdim=True)

    return Stacked(module).eval()


# --------------------------------------------------------------------------- models, sequences, ground truth


def load_attribution_model(path, length: int, torch_model: str | None = None):
    """The model at ``path`` in the form :mod:`motifrep.interpret.attribution` takes, and its framework.

    Parameters
    ----------
    path : str or os.PathLike
        A Keras (``.keras``, ``.h5``) or PyTorch (``.pt2``, TorchScript, state dict with
        ``torch_model``) model.
    length : int
        The sequence length.
    torch_model : str, optional
        ``module:factory`` for a state dict.

    Returns
    -------
    tuple of (model, str)
        A Keras model ``(L, 4) -> (T,)`` or a :class:`TorchAttributionModel`; "Keras" or "PyTorch".

    Raises
    ------
    FormatError, MotifrepError
        As :func:`motifrep.filters.conv_source.open_conv_layer` for files, and as
        :func:`keras_attribution_model` / :class:`TorchAttributionModel`.
    """
    from pathlib import Path

    from motifrep.filters.conv_source import KERAS_SUFFIXES, is_torch

    path = Path(path)
    if not path.is_file():
        raise FormatError(f"{path}: model file not found")
    if is_torch(path, torch_model):
        from motifrep.nn.torch_models import load_torch_model

        return TorchAttributionModel(load_torch_model(path, torch_model), length), "PyTorch"
    if path.suffix.lower() not in KERAS_SUFFIXES:
        raise FormatError(f"{path}: neither a Keras model (.keras, .h5) nor a PyTorch model (a torch.export .pt2 "
                          "archive, a TorchScript file, or a state dict with --torch-model)")
    from motifrep.nn.inspect import load_keras_model

    return keras_attribution_model(load_keras_model(path), length), "Keras"


def load_named_sequences(path, max_sequences: int | None = None):
    """``(X uint8 (N, L, 4), names, rows)`` from a FASTA file (rows 0..N-1) or a motifrep data set (its test split).

    Raises
    ------
    FormatError
        A malformed FASTA file or data set.
    """
    from motifrep.datasets.genome import read_fasta_onehot
    from motifrep.datasets.store import Dataset

    with open(path, "rb") as handle:
        hdf5 = handle.read(8) == b"\x89HDF\r\n\x1a\n"
    if hdf5:
        with Dataset(path) as ds:
            rows = ds.indices("test")[:max_sequences]
            X = ds.read_rows("X", rows)
        return X, [str(int(r)) for r in rows], np.asarray(rows, np.int64)
    X, names = read_fasta_onehot(path, None)
    X, names = X[:max_sequences], list(names)[:max_sequences]
    return X, names, np.arange(len(X), dtype=np.int64)


def _bed_truth(path, names: list[str], length: int) -> np.ndarray:
    """A BED of sites (chrom = sequence name, 0-based half-open start/end) as an ``(N, L)`` mask."""
    index = {name: i for i, name in enumerate(names)}
    mask, used = np.zeros((len(names), length), dtype=bool), 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.split("\t") if "\t" in line else line.split()
            try:
                name, start, end = fields[0], int(fields[1]), int(fields[2])
            except (IndexError, ValueError):
                raise FormatError(f"{path}, line {number}: expected a BED line (sequence, start, end)") from None
            if not 0 <= start < end <= length:
                raise FormatError(f"{path}, line {number}: site {start}-{end} outside the sequences' 0-{length}")
            if name in index:  # sites on other sequences (e.g. left out by --max-sequences) are skipped
                mask[index[name], start:end] = True
                used += 1
    if used == 0:
        raise FormatError(f"{path}: no site lies on the sequences given (BED names must be the FASTA record names, "
                          "or the row numbers of a data set's sequences)")
    return mask


def read_truth(path, names: list[str], rows, length: int, from_dataset: bool) -> np.ndarray:
    """Per-position ground truth ``(N, L)`` bool for the sequences given.

    ``path`` is a BED file of sites on the sequences (the FASTA record names; for a data
    set's sequences, their row numbers) or an HDF5 file: a motifrep data set (its
    ``info_mask``, rows as the sequences') or any file with an ``(M, L)`` dataset ``mask`` or
    ``info_mask`` (row ``i`` = sequence ``i``; data-set rows for a data set's sequences).

    Raises
    ------
    FormatError
        An unreadable or malformed file, a site on an unknown sequence, or a mask that does
        not cover the sequences.
    """
    import h5py

    with open(path, "rb") as handle:
        hdf5 = handle.read(8) == b"\x89HDF\r\n\x1a\n"
    if not hdf5:
        return _bed_truth(path, names, length)
    with h5py.File(path, "r") as f:
        key = next((k for k in ("info_mask", "mask") if k in f and f[k].ndim == 2), None)
        if key is None:
            raise FormatError(f"{path}: no (N, L) dataset 'mask' or 'info_mask' (ground truth per position)")
        m, width = f[key].shape
        take = np.asarray(rows if from_dataset else np.arange(len(names)), np.int64)
        if width != length or (take.size and take.max() >= m):
            raise FormatError(f"{path}: {key} has shape {(m, width)}, which does not cover {len(names)} sequences "
                              f"of length {length}")
        return f[key][()][take].astype(bool)


# --------------------------------------------------------------------------- the command


def method_settings(method: str, seed: int) -> dict:
    """The workflow's settings of ``method`` (:data:`motifrep.interpret.attribution.DEFAULTS`), seeded."""
    settings = dict(attribution.DEFAULTS[method])
    if method in ("integrated_gradients", "smoothgrad", "deepshap"):
        settings["seed"] = int(seed)
    return settings


def attribute_model(model, framework: str, method: str, X, target: int, settings: dict) -> np.ndarray:
    """float32 ``(N, L, 4)`` maps of output unit ``target`` by ``method`` (PyTorch DeepSHAP: :func:`torch_deepshap`)."""
    if method == "deepshap" and framework == "PyTorch":
        attribution._check_input(model, X, target)
        return torch_deepshap(model, X, task=target, **settings)
    return attribution.attribute(method, model, X, task=target, **settings)


def interpretability_outputs(position_scores, truth, names: list[str], method: str):
    """``(per-sequence table, one-row summary)`` of the maps against the ground truth (methods §6.4)."""
    import pandas as pd

    from motifrep.interpret.interpretability import interpretability_scores, summarise_interpretability

    per_seq = interpretability_scores(position_scores, truth)
    per_seq.insert(1, "name", names)
    summary = summarise_interpretability(per_seq)
    return per_seq, pd.DataFrame([{"method": method, "n_sequences": summary["n_total"],
                                   "n_used": summary["n_used"]} | {k: v for k, v in summary.items()
                                                                   if k not in ("n_used", "n_total")}])

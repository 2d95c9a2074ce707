"""Turn convolutional filters into motifs from the sequences that activate them (methods §4.1–4.4).

For each filter of a convolutional layer, every position whose activation exceeds
``threshold`` x (that filter's maximum over the whole set) marks a *site*; a window of the
one-hot input around that position is cut out and the windows are averaged into a position
probability matrix (PPM). The window is either the position's receptive field
(``window=None``) or a fixed number of columns centred on it, as both authors' codes do
(:data:`P1_WINDOW`, :data:`P2_WINDOW`; see :func:`pwm_window`).

The module holds the layer activations (:func:`layer_activations`), the input window of a
position (:func:`receptive_field`, :func:`pwm_window`), the PPMs (:func:`activation_pwms`),
their clipping to the informative columns (:func:`clip_ppm`, information content from
:func:`motifrep.motifs.information.information_content`) and their conversion to motifs
(:func:`filters_to_motifs`), and the workflow step :func:`extract_filters`. Models are loaded
by :func:`motifrep.nn.build.load_model`; what happens to the motifs next lives in
:mod:`motifrep.motifs.tomtom` (matching), :mod:`motifrep.filters.matching` and
:mod:`motifrep.filters.report`.

Conventions (the choices this module makes):

* **Any Keras model.** ``layer`` is a 1-based index among the model's Conv1D layers or a
  layer name; models, inputs and layers are read by :mod:`motifrep.nn.inspect` (Sequential
  or functional, any names, channels-last ``(L, 4)`` or channels-first ``(4, L)`` input: the
  ``(N, L, 4)`` data are transposed for the latter). motifrep's own models are one case.
* **Activations** are the conv layer's output after the element-wise layers that directly
  follow it (batch normalisation, activation, dropout), before pooling:
  :func:`motifrep.nn.inspect.conv_map`; for motifrep's models the output of ``conv{k}_act``.
* **Receptive field.** Position ``p`` of ``conv{k}`` sees input positions
  ``p + offset ... p + offset + width - 1`` with ``width = 1 + sum(dilation_i x (kernel_i - 1))``
  and ``offset = -sum(left_pad_i)`` over the layers between the input and ``conv{k}``
  (:func:`motifrep.nn.inspect.receptive_window`). Keras/TensorFlow 'same' padding (stride 1)
  pads ``(kernel - 1) // 2`` on the left and the rest on the right, for odd and even kernels
  alike; 'valid' pads nothing. After a pooling step (pool > 1) or a stride > 1, positions are
  no longer one input position apart, so :func:`receptive_field` refuses layers that follow one.
* **Fixed window** (``window=W``). Both authors' ``activation_pwm`` cut ``X[pos - W//2 :
  pos - W//2 + W]`` around the activation index ``pos`` of a 'same'-padded conv layer, i.e.
  ``pos-9 .. pos+9`` for P1's ``W = 19`` and ``pos-10 .. pos+9`` for P2's ``W = 20``. For their
  odd kernels that is centred on the filter (TensorFlow 'same' output ``pos`` sees
  ``pos - (k-1)//2 .. pos + k//2``, centre ``pos``). :func:`pwm_window` generalises this as
  ``start = offset + floor((width - W) / 2)`` from the receptive field ``(width, offset)``,
  which gives exactly the authors' columns for odd kernels with 'same' padding and stays
  centred on the filter for 'valid' padding. Layer 1 uses ``W`` as given, even when the
  kernel is wider (as the authors did). Deeper layers use ``max(W, width)`` columns, centred
  on the receptive field, so a window never cuts a deeper filter's own input short. This
  departs from the authors: their layer-2 analysis of CNN-1
  (``4_2ndlayer_filter_analysis_synthetic.py``) also ran ``activation_pwm(fmap, X,
  threshold=0.5, window=19)``, 19 columns of a 23-wide field; with ``W = 19`` our layer-2
  PPMs are the 23-wide field itself (the authors' 19 are its middle 19 columns).
* **Weighting.** ``"activation"`` weights each window by its activation (Koo & Eddy 2019
  code); ``"uniform"`` takes the plain mean (Koo & Ploenzke 2021 code).
* **Windows past the sequence ends.** ``"pad"``: the sequence is padded with zeros, so such
  windows contribute nothing to the columns that fall outside it; every column is then
  normalised to sum to 1 over A, C, G, T (i.e. divided by the weight of the windows that
  covered it), and a column no window covered is uniform (0.25). ``"drop"``: such windows are
  skipped (Koo & Ploenzke 2021; their code's strict ``start > 0`` / ``end < L`` test also
  skipped windows touching the first or last base, this one keeps them).
* ``n_sites`` counts the windows that went into each PPM (so in ``"drop"`` mode it excludes
  the dropped ones). A filter with no site (its maximum is <= 0, e.g. a dead ReLU, or every
  site was dropped) gets a uniform matrix and ``n_sites = 0``.

The work is batched: activations are computed ``batch_size`` sequences at a time (the uint8
one-hot data is cast to float32 one batch at a time) and the window sums are accumulated
per batch with one matrix product over the gathered windows, so memory is bounded by the
batch, not by the data set.
"""

from __future__ import annotations

import contextlib
import logging

import numpy as np

from motifrep.datasets.store import Dataset
from motifrep.errors import MotifrepError
from motifrep.io import write_tsv
from motifrep.motifs.information import information_content
from motifrep.motifs.meme import Motif, write_meme
from motifrep.nn.build import load_model
from motifrep.nn.inspect import ConvMap, activation_model, conv_map, receptive_window, window_from_field
from motifrep.nn.runtime import configure_tensorflow

log = logging.getLogger("motifrep")


WEIGHTINGS = ("activation", "uniform")


#: Koo & Eddy 2019 code: ``activation_pwm(fmap, X, threshold=0.5, window=19)`` for every model.
P1_WINDOW = 19


#: Koo & Ploenzke 2021 code: ``activation_pwm(..., window=20)``.
P2_WINDOW = 20


WINDOW_EDGES = ("pad", "drop")


# Keep pass-1 activations for pass 2 when they fit in this many bytes; else recompute them.
ACTIVATION_CACHE_BYTES = 256 * 2**20


def _conv_map(model, layer) -> ConvMap:
    """The activation map of conv layer ``layer`` (a 1-based index or a name); MotifrepError if none."""
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer, str)) or \
            not isinstance(layer, str) and layer < 1:
        raise MotifrepError(f"layer must be an integer >= 1 or a conv layer name, got {layer!r}")
    return conv_map(model, layer if isinstance(layer, str) else int(layer))


def _submodel(model, layer):
    """``(ConvMap, keras.Model)``: the model from the sequence input to the layer's activation map."""
    cmap = _conv_map(model, layer)
    return cmap, activation_model(cmap)


def _check_x(cmap: ConvMap, sub, X) -> tuple[int, int]:
    """``(N, L)`` of non-empty ``(N, L, 4)`` sequences the model can take; else MotifrepError."""
    shape = tuple(getattr(X, "shape", ()))
    name = cmap.model.name
    if len(shape) != 3 or shape[2] != 4:
        raise MotifrepError(f"sequences must be one-hot of shape (N, L, 4), got shape {shape}")
    if cmap.length is not None and shape[1] != cmap.length:
        raise MotifrepError(f"sequences have length {shape[1]} but model {name!r} expects {cmap.length}")
    if shape[0] == 0:
        raise MotifrepError("no sequences given")
    probe = (1, 4, shape[1]) if cmap.channels_first else (1, shape[1], 4)
    try:
        out = tuple(sub.compute_output_shape(probe))
    except (ValueError, TypeError, IndexError, NotImplementedError) as exc:  # a shape a layer cannot take
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise MotifrepError(f"model {name!r} cannot take sequences of length {shape[1]} ({reason})") from None
    positions = out[2] if cmap.map_channels_first else out[1]
    if positions is not None and positions < 1:
        raise MotifrepError(f"model {name!r} cannot take sequences of length {shape[1]}: {cmap.conv.name!r} "
                            "would have no output position")
    return int(shape[0]), int(shape[1])


def _check_batch_size(batch_size) -> None:
    """MotifrepError unless ``batch_size`` is an integer >= 1."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise MotifrepError(f"batch_size must be an integer >= 1, got {batch_size!r}")


def _batches(sub, X, batch_size: int, cmap: ConvMap):
    """Yield ``(start, x_batch_uint8_or_as_given, activations_float32 (B, L', F))`` batch by batch.

    Sequences are ``(B, L, 4)``; they are transposed for a channels-first input, and a
    channels-first activation map is transposed back to positions x filters.
    """
    n = X.shape[0]
    for start in range(0, n, batch_size):
        xb = np.asarray(X[start:start + batch_size])
        xin = xb.astype(np.float32)
        if cmap.channels_first:
            xin = np.ascontiguousarray(xin.transpose(0, 2, 1))
        acts = np.asarray(sub.predict_on_batch(xin), dtype=np.float32)
        if cmap.map_channels_first:
            acts = np.ascontiguousarray(acts.transpose(0, 2, 1))
        yield start, xb, acts


def layer_activations(model, X_uint8, layer: int | str = 1, batch_size: int = 512) -> np.ndarray:
    """Activations of a conv layer after its element-wise layers, before pooling: float32 (N, L', F).

    Computed ``batch_size`` sequences at a time; only one batch is ever cast to float32.

    Parameters
    ----------
    model : keras.Model
        Any Keras model with a Conv1D layer (:mod:`motifrep.nn.inspect`).
    X_uint8 : array_like, shape (N, L, 4)
        One-hot sequences (uint8, or anything castable to float32), N >= 1.
    layer : int or str, default 1
        1-based conv layer (among the Conv1D layers), or its name.
    batch_size : int, default 512
        Sequences per forward pass.

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L', F)``: positions of the layer's output, filters.

    Raises
    ------
    MotifrepError
        A bad ``layer`` or ``batch_size``, a model without that conv layer, or sequences
        that are not ``(N, L, 4)``, empty, or of another length than the model's input.
    """
    _check_batch_size(batch_size)
    cmap, sub = _submodel(model, layer)
    n, _ = _check_x(cmap, sub, X_uint8)
    out = None
    for start, _, acts in _batches(sub, X_uint8, batch_size, cmap):
        if out is None:
            out = np.empty((n,) + acts.shape[1:], dtype=np.float32)
        out[start:start + len(acts)] = acts
    return out


def receptive_field(model, layer: int | str = 1) -> tuple[int, int]:
    """Input window of one position of conv layer ``layer``'s activation map: ``(width, offset)``.

    Position ``p`` (before pooling) sees input positions ``p + offset`` to
    ``p + offset + width - 1``. Computed from the layers between the sequence input and the
    conv layer (kernel sizes, dilations, padding, stride-1 pooling, merges:
    :func:`motifrep.nn.inspect.receptive_window`); raises :class:`MotifrepError` if a layer
    before it pools (pool > 1) or strides, since then positions are not one input position
    apart, or if a layer's effect on positions is unknown.

    Parameters
    ----------
    model : keras.Model
        Any Keras model with a Conv1D layer.
    layer : int or str, default 1
        1-based conv layer, or its name.

    Returns
    -------
    tuple of (int, int)
        ``(width, offset)`` of the input window.

    Raises
    ------
    MotifrepError
        No such conv layer; a stride > 1 or pooling before or in it; a padding or layer whose
        effect on positions motifrep does not know.
    """
    return receptive_window(_conv_map(model, layer))


def pwm_window(model, layer: int | str = 1, window: int | None = None) -> tuple[int, int]:
    """Input columns cut around each site of ``conv{layer}``: ``(width, offset)``.

    Position ``p`` contributes input positions ``p + offset`` to ``p + offset + width - 1``.
    ``window=None``: the receptive field (:func:`receptive_field`). Otherwise ``window``
    columns for layer 1 and ``max(window, field width)`` for deeper layers, placed at
    ``offset = field_offset + floor((field_width - width) / 2)`` (module docstring).

    Parameters
    ----------
    model : keras.Model
        Any Keras model with a Conv1D layer.
    layer : int or str, default 1
        1-based conv layer, or its name.
    window : int, optional
        Columns to cut (>= 1); None: the receptive field.

    Returns
    -------
    tuple of (int, int)
        ``(width, offset)`` of the columns cut around each site.

    Raises
    ------
    MotifrepError
        As :func:`receptive_field`, or ``window`` is not an integer >= 1 or None.
    """
    first = _conv_map(model, layer).index == 1
    return window_from_field(receptive_field(model, layer), first, window)


class KerasConvSource:
    """One conv layer of a Keras model behind the framework-neutral interface :func:`activation_pwms` reads.

    The same interface is :class:`motifrep.nn.torch_models.TorchConvSource` for PyTorch:
    ``model_name``, ``conv_name``, ``index``, ``length``, ``check_x(X)``,
    ``pwm_window(window, length)`` and ``batches(X, batch_size)``.

    Parameters
    ----------
    model : keras.Model
        Any Keras model with a Conv1D layer.
    layer : int or str, default 1
        1-based conv layer (among the Conv1D layers), or its name.
    """

    framework = "Keras"

    def __init__(self, model, layer: int | str = 1):
        self.model, self.layer = model, layer
        self.cmap, self.sub = _submodel(model, layer)
        self.model_name = self.name = model.name
        self.conv_name, self.index = self.cmap.conv.name, self.cmap.index
        self.length = self.cmap.length

    def check_x(self, X) -> tuple[int, int]:
        """``(N, L)`` of sequences the model can take; MotifrepError otherwise."""
        return _check_x(self.cmap, self.sub, X)

    def pwm_window(self, window: int | None, length: int | None = None) -> tuple[int, int]:
        """Columns cut around each site (:func:`pwm_window`)."""
        return window_from_field(receptive_window(self.cmap), self.index == 1, window)

    def batches(self, X, batch_size: int):
        """Yield ``(start, x_batch, activations float32 (B, L', F))``."""
        return _batches(self.sub, X, batch_size, self.cmap)


def _check_pwm_args(threshold, weighting: str, window_edges: str, batch_size) -> float:
    """The threshold as float after checking every :func:`activation_pwms` setting (MotifrepError)."""
    if weighting not in WEIGHTINGS:
        raise MotifrepError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
    if window_edges not in WINDOW_EDGES:
        raise MotifrepError(f"window_edges must be one of {', '.join(WINDOW_EDGES)}, got {window_edges!r}")
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise MotifrepError(f"threshold must be a number in [0, 1], got {threshold!r}") from None
    if not 0.0 <= threshold <= 1.0:
        raise MotifrepError(f"threshold must be in [0, 1], got {threshold}")
    _check_batch_size(batch_size)
    return threshold


def _filter_maxima(source, X, batch_size: int):
    """Pass 1: per-filter maximum, output length, and the activations if they fit the cache."""
    amax, out_len = None, 0
    cache, cache_bytes = [], 0
    for start, _, acts in source.batches(X, batch_size):
        out_len = acts.shape[1]
        bmax = acts.max(axis=(0, 1)).astype(np.float64)
        amax = bmax if amax is None else np.maximum(amax, bmax)
        if cache is not None:
            cache_bytes += acts.nbytes
            if cache_bytes <= ACTIVATION_CACHE_BYTES:
                cache.append((start, acts))  # batches may differ from batch_size (a model's fixed batch)
            else:
                cache = None
    return amax, out_len, cache


def activation_pwms(model, X_uint8, layer: int | str = 1, threshold: float = 0.5, weighting: str = "activation",
                    window_edges: str = "pad", batch_size: int = 512,
                    window: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """PPMs of the filters of ``conv{layer}`` from the input windows that activate them.

    Returns ``(ppms, n_sites)``: float64 ``(F, W, 4)`` and int64 ``(F,)``. ``W`` is the
    receptive-field width for ``window=None``, else as :func:`pwm_window` says (``window``
    columns for layer 1: :data:`P1_WINDOW` = 19 as Koo & Eddy 2019, :data:`P2_WINDOW` = 20 as
    Koo & Ploenzke 2021). A site is a position whose activation is > ``threshold`` x the
    filter's maximum over all of ``X_uint8``; see the module docstring for ``weighting`` and
    ``window_edges``. Two passes over the batches: the per-filter maxima, then the sums.

    Parameters
    ----------
    model : keras.Model or conv source
        Any Keras model with a Conv1D layer (:mod:`motifrep.nn.inspect`), or one conv layer of a
        model of any framework (:func:`motifrep.filters.conv_source.open_conv_layer`; ``layer`` is
        then ignored).
    X_uint8 : array_like, shape (N, L, 4)
        One-hot sequences, N >= 1, of the model's input length.
    layer : int or str, default 1
        1-based conv layer (among the Conv1D layers), or its name.
    threshold : float, default 0.5
        In [0, 1]: a site's activation must exceed ``threshold`` x the filter's maximum.
    weighting : {"activation", "uniform"}, default "activation"
        Weight windows by activation (Koo & Eddy 2019) or equally (Koo & Ploenzke 2021).
    window_edges : {"pad", "drop"}, default "pad"
        Windows past a sequence end: zero-padded, or dropped.
    batch_size : int, default 512
        Sequences per forward pass.
    window : int, optional
        Columns per window (:func:`pwm_window`); None: the receptive field.

    Returns
    -------
    ppms : numpy.ndarray
        float64 ``(F, W, 4)``; rows sum to 1; a filter without sites is uniform.
    n_sites : numpy.ndarray
        int64 ``(F,)``: windows averaged into each PPM.

    Raises
    ------
    MotifrepError
        A bad ``threshold``, ``weighting``, ``window_edges``, ``batch_size``, ``layer`` or
        ``window``; a layer below a pooled or strided one; or sequences of the wrong shape.
    """
    threshold = _check_pwm_args(threshold, weighting, window_edges, batch_size)
    source = model if hasattr(model, "batches") else KerasConvSource(model, layer)
    n, length = source.check_x(X_uint8)
    width, offset = source.pwm_window(window, length)

    amax, out_len, cache = _filter_maxima(source, X_uint8, batch_size)
    n_filters = amax.shape[0]
    cut = np.where(amax > 0, threshold * amax, np.inf)  # dead filters: no site at all

    # Window of position p starts at p + offset; pad the sequence so every window is in range.
    pad_left = max(0, -offset)
    pad_right = max(0, (out_len - 1) + offset + width - length)
    first = pad_left + offset  # window start of position 0, in padded coordinates
    keep = np.ones(out_len, dtype=bool)
    if window_edges == "drop":
        starts = np.arange(out_len) + offset
        keep = (starts >= 0) & (starts + width <= length)

    counts = np.zeros((n_filters, 4 * width), dtype=np.float64)  # (F, 4*W), letter-major
    n_sites = np.zeros(n_filters, dtype=np.int64)

    def batches():
        if cache:
            for start, acts in cache:
                yield np.asarray(X_uint8[start:start + len(acts)]), acts
        else:
            for _, xb, acts in source.batches(X_uint8, batch_size):
                yield xb, acts

    # Pass 2: accumulate the (weighted) windows of the sites.
    with _single_threaded_blas():
        counts, n_sites = _accumulate(batches(), counts, n_sites, cut, keep, weighting, pad_left, pad_right,
                                      first, width)

    counts = counts.reshape(n_filters, 4, width).transpose(0, 2, 1)  # (F, W, 4)
    totals = counts.sum(axis=2, keepdims=True)
    ppms = np.full_like(counts, 0.25)
    np.divide(counts, totals, out=ppms, where=totals > 0)
    return ppms, n_sites


def _single_threaded_blas():
    """The per-batch products are tall and skinny (K x F by K x 4W): multi-threaded OpenBLAS gains
    little there and, on a busy machine, its spinning threads made them 5-10x slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _accumulate(batches, counts, n_sites, cut, keep, weighting, pad_left, pad_right, first, width):
    """Pass 2: add each batch's (weighted) site windows to ``counts`` and the sites to ``n_sites``."""
    for xb, acts in batches:
        hit = acts > cut  # (B, L', F); float32 vs float64 compares exactly
        hit &= keep[None, :, None]
        b_idx, p_idx = np.nonzero(hit.any(axis=2))
        if b_idx.size == 0:
            continue
        weights = hit[b_idx, p_idx].astype(np.float64)  # (K, F)
        if weighting == "activation":
            weights *= acts[b_idx, p_idx]
        n_sites += hit.sum(axis=(0, 1))
        padded = np.pad(xb, ((0, 0), (pad_left, pad_right), (0, 0)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=1)  # (B, ., 4, W) view
        gathered = windows[b_idx, first + p_idx].reshape(b_idx.size, 4 * width).astype(np.float64)
        counts += weights.T @ gathered
    return counts, n_sites


def clip_ppm(ppm, ic_threshold: float = 0.5, flank: int = 3) -> np.ndarray:
    """Keep the span from the first to the last column with IC > ``ic_threshold``, plus ``flank``.

    ``flank`` columns are kept on each side, bounded by the matrix ends. If no column exceeds
    ``ic_threshold`` the full matrix is returned unchanged (a copy): an uninformative filter is
    kept at its full width rather than dropped or shrunk to nothing, so every filter still
    yields a motif and downstream counts stay per filter.

    Parameters
    ----------
    ppm : array_like, shape (W, 4)
        A position probability matrix.
    ic_threshold : float, default 0.5
        Bits a column must exceed to count as informative.
    flank : int, default 3
        Columns kept on each side of the informative span (>= 0).

    Returns
    -------
    numpy.ndarray
        float64 ``(W', 4)``, a copy.

    Raises
    ------
    MotifrepError
        ``ppm`` is not ``(W, 4)`` with W >= 1, or ``flank`` is not an integer >= 0.
    """
    ppm = np.asarray(ppm, dtype=np.float64)
    if ppm.ndim != 2 or ppm.shape[1] != 4 or ppm.shape[0] < 1:
        raise MotifrepError(f"expected a (width, 4) matrix, got shape {ppm.shape}")
    if isinstance(flank, bool) or not isinstance(flank, (int, np.integer)) or flank < 0:
        raise MotifrepError(f"flank must be an integer >= 0, got {flank!r}")
    informative = np.flatnonzero(information_content(ppm) > ic_threshold)
    if informative.size == 0:
        return ppm.copy()
    start = max(0, int(informative[0]) - flank)
    end = min(ppm.shape[0], int(informative[-1]) + 1 + flank)
    return ppm[start:end].copy()


def filters_to_motifs(ppms, clip: bool = True, ic_threshold: float = 0.5, flank: int = 3,
                      n_sites=None) -> list[Motif]:
    """One :class:`Motif` per filter, ids ``filter0``, ``filter1``, ... (all filters kept).

    ``nsites`` is set to the motif width (the MEME convention the authors' files used). With
    ``clip`` the matrices are trimmed by :func:`clip_ppm`. If ``n_sites`` (from
    :func:`activation_pwms`) is given, each motif's ``extra["n_sites"]`` records it.

    Parameters
    ----------
    ppms : array_like, shape (F, W, 4)
        One PPM per filter.
    clip : bool, default True
        Trim each matrix with :func:`clip_ppm`.
    ic_threshold : float, default 0.5
        Passed to :func:`clip_ppm`.
    flank : int, default 3
        Passed to :func:`clip_ppm`.
    n_sites : array_like of int, shape (F,), optional
        Site counts to record in ``extra["n_sites"]``.

    Returns
    -------
    list of Motif
        ``F`` motifs, ``filter0`` first.

    Raises
    ------
    MotifrepError
        ``ppms`` is not ``(F, W, 4)``, ``n_sites`` has another length, or :func:`clip_ppm`
        refuses its arguments.
    """
    ppms = np.asarray(ppms, dtype=np.float64)
    if ppms.ndim != 3 or ppms.shape[2] != 4:
        raise MotifrepError(f"expected PPMs of shape (filters, width, 4), got shape {ppms.shape}")
    if n_sites is not None and len(n_sites) != len(ppms):
        raise MotifrepError(f"{len(n_sites)} site counts for {len(ppms)} filters")
    motifs = []
    for j, ppm in enumerate(ppms):
        pwm = clip_ppm(ppm, ic_threshold, flank) if clip else ppm.copy()
        extra = {} if n_sites is None else {"n_sites": int(n_sites[j])}
        motifs.append(Motif(f"filter{j}", pwm, nsites=int(pwm.shape[0]), extra=extra))
    return motifs


def extract_filters(model_path, data_path, out_clipped, out_full, layer, threshold, weighting, window_edges,
                    ic_threshold, flank, batch_size, threads, window: int | None = None, out_sites=None) -> None:
    """methods §4.1: filter PPMs of conv layer ``layer`` by activation alignment over the test set.

    ``window``: columns cut around each site (19 as Koo & Eddy 2019, 20 as Koo & Ploenzke
    2021; see :func:`motifrep.filters.scan.pwm_window`); ``None`` cuts the receptive field.

    Parameters
    ----------
    model_path : str or os.PathLike
        The trained ``.keras`` model.
    data_path : str or os.PathLike
        The HDF5 data set; its test split is scanned.
    out_clipped : str or os.PathLike
        MEME file of the clipped PPMs (:func:`clip_ppm`).
    out_full : str or os.PathLike
        MEME file of the full windows.
    layer : int
        1-based conv layer.
    threshold, weighting, window_edges
        As :func:`activation_pwms`.
    ic_threshold, flank
        As :func:`clip_ppm`.
    batch_size : int
        Sequences per forward pass (:func:`activation_pwms`).
    threads : int
        Threads of the Keras backend (:func:`motifrep.nn.runtime.configure_tensorflow`).
    window : int, optional
        Columns cut around each site.
    out_sites : str or os.PathLike, optional
        TSV of the site count per filter (columns ``filter``, ``n_sites``); MEME's
        ``nsites=`` holds the width instead.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        The model or data set file is missing or not valid.
    MotifrepError
        As :func:`activation_pwms` (bad settings, a model without that layer, ...).
    """


    configure_tensorflow(threads, seed=0)
    model = load_model(model_path)  # knows motifrep's custom activations; one-line errors
    with Dataset(data_path) as ds:
        X, _ = ds.load("test")
    ppms, n_sites = activation_pwms(model, X, layer=layer, threshold=threshold, weighting=weighting,
                                    window_edges=window_edges, batch_size=batch_size, window=window)
    full = filters_to_motifs(ppms, clip=False, n_sites=n_sites)
    write_meme(out_full, full)
    if out_sites is not None:  # MEME's nsites= holds the width (Tomtom's pseudocount uses it): counts go here
        import pandas as pd


        write_tsv(out_sites, pd.DataFrame({"filter": [m.id for m in full], "n_sites": n_sites.astype(np.int64)}))
    write_meme(out_clipped, filters_to_motifs(ppms, clip=True, ic_threshold=ic_threshold, flank=flank,
                                              n_sites=n_sites))
    log.info("layer %d: %d filters, %d-column windows, %d without any site above %.2f x max; %d test sequences",
             layer, len(ppms), ppms.shape[1], int((n_sites == 0).sum()), threshold, len(X))

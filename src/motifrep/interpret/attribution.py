"""Attribution maps for trained sequence models (P2 task 3, methods §6.2).

Every method explains the **sigmoid output** of one task (``task``) of a Keras model and takes a
one-hot ``uint8`` array ``X`` of shape ``(N, L, 4)``; it is cast to float32 one batch at a time.
Every method returns a float32 ``(N, L, 4)`` array. The settings follow the authors' code
(``exponential_activations/code/tfomics/explain.py``):

- ``saliency``: d output / d input, batches of 256.
- ``ism``: output of every single-base substitution minus the wild-type output (0 at the
  observed base); reduce per position with :func:`ism_position_scores` (L2 norm).
- ``integrated_gradients``: 10 position-shuffled references, 20 steps ``r + (x - r) s / 20``,
  ``s = 0 .. 19``; mean gradient, then times the input (see the function for the exact formula).
- ``smoothgrad``: mean gradient over 50 copies with Gaussian noise (sigma 0.1) added.
- ``deepshap``: ``shap.DeepExplainer`` (DeepLIFT rescale) with 10 position-shuffled copies of
  each sequence as background, one background per sequence.

:func:`position_scores` turns a map into one score per position (methods §6.3: sum over bases of
attribution x one-hot input; for ISM the L2 norm over the substitutions). Every method runs on
the Keras backend of the process (tensorflow, jax, torch): gradients through
:func:`motifrep.nn.backend.input_gradient_fn` (one branch per backend), ISM through the model's
forward pass; DeepSHAP on TensorFlow only (:data:`DEEPSHAP_BACKENDS`). The backend places the work
on a GPU when one is present; none is required.
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np

from motifrep.datasets.store import Dataset
from motifrep.errors import ConfigError, FormatError, MotifrepError
from motifrep.interpret.maps import write_maps
from motifrep.interpret.methods import DEFAULTS
from motifrep.nn.backend import backend as keras_backend
from motifrep.nn.backend import input_gradient_fn
from motifrep.nn.build import load_model
from motifrep.nn.runtime import configure_tensorflow

log = logging.getLogger("motifrep")

#: deepshap's run-time summation-to-delta check: |sum(attr) - (f(x) - mean f(ref))| <= ATOL + RTOL |delta|
#: (float32 errors measured on CNN-local/-dist/-deep: <= 2e-5 for the P2 activations of methods §2.6; tests use 1e-4 + 1e-3).
SUM_ATOL, SUM_RTOL = 1e-3, 1e-2
#: the Keras backends DeepSHAP runs on (shap.DeepExplainer's TensorFlow graph rules; its PyTorch
#: explainer hooks torch.nn modules, which Keras-on-torch layers do not call, and it has no JAX one).
DEEPSHAP_BACKENDS = ("tensorflow",)
#: rows (sequences and references) in one of deepshap's gradient passes: about 2,000 rows (100 sequences with 10
#: references each, twice: the sample half and the background half) ran 1.4x the rate of one sequence per pass
#: and no slower than larger stacks (CNN-local, 500 x 200 nt, 1 thread; README "Benchmark").
DEEPSHAP_ROWS = 2000


def _check_input(model, X, task: int) -> np.ndarray:
    """``X`` as an array: FormatError unless ``(N, L, 4)``, ConfigError if ``task`` is out of range."""
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[-1] != 4:
        raise FormatError(f"attribution: expected one-hot sequences of shape (N, L, 4), got {X.shape}")
    n_out = int(getattr(model, "n_outputs", None) or model.outputs[0].shape[-1])
    if not 0 <= task < n_out:
        raise ConfigError(f"attribution: task {task} out of range (the model has {n_out} output(s))")
    return X


def _batches(n: int, batch_size: int):
    """Slices of ``batch_size`` (at least 1) rows covering ``0 .. n - 1``."""
    for start in range(0, n, max(1, int(batch_size))):
        yield slice(start, min(n, start + max(1, int(batch_size))))


def _grad_fn(model, task: int):
    """(rows, L, 4) float32 -> gradient of output[:, task] w.r.t. each row (numpy; any backend).

    A model object with its own ``input_gradient_fn(task)`` (a PyTorch model,
    :class:`motifrep.interpret.user_models.TorchAttributionModel`) supplies it."""
    if hasattr(model, "input_gradient_fn"):
        return model.input_gradient_fn(task)
    return input_gradient_fn(model, task)


def shuffle_references(X, n_refs: int, seed: int = 0) -> np.ndarray:
    """``n_refs`` position-shuffles of every sequence: ``(N, n_refs, L, 4)``, same dtype as ``X``.

    Drawn from ``numpy.random.default_rng(seed)``: one random key per (sequence, reference,
    position), argsorted into a permutation.

    Parameters
    ----------
    X : array_like, shape (N, L, 4)
        One-hot sequences.
    n_refs : int
        Shuffles per sequence.
    seed : int, default 0
        Seed of the permutations.

    Returns
    -------
    numpy.ndarray
        ``(N, n_refs, L, 4)``, the dtype of ``X``.
    """
    X = np.asarray(X)
    n, length = X.shape[:2]
    perm = np.argsort(np.random.default_rng(seed).random((n, n_refs, length)), axis=-1)
    return np.take_along_axis(X[:, None], perm[..., None], axis=2)


def saliency(model, X, task: int = 0, batch_size: int = 256) -> np.ndarray:
    """Gradient of the sigmoid output ``task`` w.r.t. the one-hot input (float32 ``(N, L, 4)``).

    Parameters
    ----------
    model : keras.Model
        A model with one output of shape ``(None, T)``.
    X : array_like, shape (N, L, 4)
        One-hot sequences.
    task : int, default 0
        The output unit explained (0 <= task < T).
    batch_size : int, default 256
        Sequences per gradient pass.

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L, 4)``.

    Raises
    ------
    FormatError
        ``X`` is not ``(N, L, 4)``.
    ConfigError
        ``task`` is out of range.
    """
    X = _check_input(model, X, task)
    grad = _grad_fn(model, task)
    out = np.zeros(X.shape, np.float32)
    for sl in _batches(len(X), batch_size):
        out[sl] = grad(X[sl].astype(np.float32))
    return out


def _ism_rows(x: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """The wild types ``x`` (B, L, 4), then for each sequence, position l and substitute k its mutant:
    rows ``B + ((b * L) + l) * 3 + k``, written in place (one float32 copy, no temporaries)."""
    b, length = x.shape[:2]
    rows = np.empty((b + b * length * 3, length, 4), np.float32)
    rows[:b] = x
    mut = rows[b:].reshape(b, length, 3, length, 4)  # (sequence, mutated position, substitute, L, 4)
    mut[:] = x[:, None, None]
    pos = np.arange(length)
    mut[:, pos, :, pos, :] = alt.transpose(1, 0, 2, 3)  # advanced indices first: (L, B, 3, 4)
    return rows


def _ism_fn(model, task: int, length: int):
    """(B, L, 4) one-hot -> (B, L, 4) deltas; wild type and all 3L mutants in one forward pass."""

    def ism(x):
        b = len(x)
        alt = np.eye(4, dtype=np.float32)[(np.argmax(x, -1)[..., None] + np.arange(1, 4)) % 4]  # (B, L, 3, 4)
        rows = _ism_rows(x, alt)
        y = np.asarray(model.predict_on_batch(rows), np.float32)[:, task]
        delta = y[b:].reshape(b, length, 3) - y[:b, None, None]
        return np.einsum("blk,blka->bla", delta, alt)

    return ism


def ism(model, X, task: int = 0, batch_size: int | None = None) -> np.ndarray:
    """In-silico mutagenesis: output(mutant) - output(wild type) for every single-base substitution.

    Returns float32 ``(N, L, 4)``: entry ``[n, l, b]`` is the change when position ``l`` of
    sequence ``n`` is set to base ``b``; 0 at the observed base. The wild types and all ``3 L``
    mutants of ``batch_size`` sequences go through the model in one forward pass (default:
    as many sequences as fit in about 8,192 rows). ``X`` must be one-hot (one base per position).

    Parameters
    ----------
    model : keras.Model
        A model with one output of shape ``(None, T)``.
    X : array_like, shape (N, L, 4)
        One-hot sequences, exactly one base per position.
    task : int, default 0
        The output unit explained.
    batch_size : int, optional
        Sequences per forward pass.

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L, 4)`` deltas.

    Raises
    ------
    FormatError
        ``X`` is not ``(N, L, 4)`` or not one-hot.
    ConfigError
        ``task`` is out of range.
    """
    X = _check_input(model, X, task)
    if X.size and not np.all(X.sum(-1) == 1):
        raise FormatError("ism: every position must hold exactly one base (one-hot input)")
    length = X.shape[1]
    batch_size = batch_size or max(1, 8192 // (3 * length + 1))
    fn = _ism_fn(model, task, length)
    out = np.zeros(X.shape, np.float32)
    for sl in _batches(len(X), batch_size):
        out[sl] = fn(X[sl].astype(np.float32))
    return out


def ism_position_scores(deltas) -> np.ndarray:
    """Per-position ISM score: L2 norm over the 4 substitutions, float32 ``(N, L)``.

    (The authors place it at the observed base of an ``(N, L, 4)`` map; summed over bases with the
    one-hot input, as :func:`position_scores` does, that is this value.)
    """
    deltas = np.asarray(deltas, np.float32)
    return np.sqrt(np.sum(deltas**2, axis=-1))


def _ig_fn(model, task: int, steps: int, times: str):
    """(x (B, L, 4), refs (B, R, L, 4)) float32 -> integrated gradients (B, L, 4)."""
    grad = _grad_fn(model, task)
    alphas = np.arange(steps, dtype=np.float32) / np.float32(steps)  # s / steps, s = 0 .. steps - 1

    def ig(x, refs):
        shape = refs.shape  # (B, R, L, 4)
        path = refs[:, :, None] + (x[:, None, None] - refs[:, :, None]) * alphas[:, None, None]
        g = grad(path.reshape(-1, shape[2], 4)).reshape(shape[0], shape[1], steps, shape[2], 4)
        g = g.mean(axis=2, dtype=np.float32)  # (B, R, L, 4): mean gradient along each reference's path
        if times == "input":
            return g.mean(axis=1, dtype=np.float32) * x
        return (g * (x[:, None] - refs)).mean(axis=1, dtype=np.float32)

    return ig


def integrated_gradients(model, X, task: int = 0, n_refs: int = 10, steps: int = 20, seed: int = 0,
                         batch_size: int = 8, times: str = "input", refs=None) -> np.ndarray:
    """Integrated gradients with position-shuffled references (float32 ``(N, L, 4)``).

    With references ``r_1 .. r_R`` (``shuffle_references(X, n_refs, seed)``, or ``refs`` of shape
    ``(N, R, L, 4)``) and ``g_k = mean_s grad f(r_k + (x - r_k) s / steps)``, ``s = 0 .. steps - 1``:

    - ``times="input"`` (default; methods §6.2 and the authors' code: "mean gradient, then x input"):
      ``x * mean_k g_k``. For a linear model ``f = w.x`` this is ``w * x``.
    - ``times="delta"`` (textbook IG, averaged over references): ``mean_k (x - r_k) * g_k``; for
      ``f = w.x`` this is ``w * (x - mean_k r_k)`` and the map sums to ``f(x) - mean_k f(r_k)``.

    ``batch_size`` sequences (``batch_size * R * steps`` rows) go through the model at a time.

    Parameters
    ----------
    model : keras.Model
        A model with one output of shape ``(None, T)``.
    X : array_like, shape (N, L, 4)
        One-hot sequences.
    task : int, default 0
        The output unit explained.
    n_refs : int, default 10
        Shuffled references per sequence (ignored when ``refs`` is given).
    steps : int, default 20
        Points along each path.
    seed : int, default 0
        Seed of the shuffles (:func:`shuffle_references`).
    batch_size : int, default 8
        Sequences per pass.
    times : {"input", "delta"}, default "input"
        The formula (above).
    refs : array_like, shape (N, R, L, 4), optional
        References to use instead of shuffles.

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L, 4)``.

    Raises
    ------
    FormatError
        ``X`` is not ``(N, L, 4)``, or ``refs`` does not fit it.
    ConfigError
        ``task`` is out of range, or ``times`` is not "input" or "delta".
    """
    X = _check_input(model, X, task)
    if times not in ("input", "delta"):
        raise ConfigError(f"integrated_gradients: times must be 'input' or 'delta', got {times!r}")
    refs = shuffle_references(X, n_refs, seed) if refs is None else np.asarray(refs)
    if refs.shape[0] != X.shape[0] or refs.shape[2:] != X.shape[1:]:
        raise FormatError(f"integrated_gradients: refs must have shape (N, R, L, 4), got {refs.shape}")
    fn = _ig_fn(model, task, int(steps), times)
    out = np.zeros(X.shape, np.float32)
    for sl in _batches(len(X), batch_size):
        out[sl] = fn(X[sl].astype(np.float32), refs[sl].astype(np.float32))
    return out


def smoothgrad(model, X, task: int = 0, n_samples: int = 50, sigma: float = 0.1, seed: int = 0,
               batch_size: int = 32) -> np.ndarray:
    """SmoothGrad: mean gradient over ``n_samples`` copies of ``x + N(0, sigma^2)`` (float32 ``(N, L, 4)``).

    Noise comes from ``numpy.random.default_rng(seed)``, drawn batch after batch (the result does
    not depend on ``batch_size``); ``batch_size`` sequences (``batch_size * n_samples`` rows) per pass.

    Parameters
    ----------
    model : keras.Model
        A model with one output of shape ``(None, T)``.
    X : array_like, shape (N, L, 4)
        One-hot sequences.
    task : int, default 0
        The output unit explained.
    n_samples : int, default 50
        Noisy copies per sequence.
    sigma : float, default 0.1
        Standard deviation of the Gaussian noise.
    seed : int, default 0
        Seed of the noise.
    batch_size : int, default 32
        Sequences per pass.

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L, 4)``.

    Raises
    ------
    FormatError
        ``X`` is not ``(N, L, 4)``.
    ConfigError
        ``task`` is out of range.
    """
    X = _check_input(model, X, task)
    grad = _grad_fn(model, task)
    rng = np.random.default_rng(seed)
    out = np.zeros(X.shape, np.float32)
    for sl in _batches(len(X), batch_size):
        x = X[sl].astype(np.float32)
        noisy = x[:, None] + sigma * rng.standard_normal((len(x), n_samples) + x.shape[1:], dtype=np.float32)
        g = grad(noisy.reshape((-1,) + x.shape[1:]))
        out[sl] = g.reshape(noisy.shape).mean(axis=1)
    return out


def deepshap_stacks(n: int, n_refs: int):
    """DeepSHAP's stacks of ``n`` sequences with ``n_refs`` references each, about :data:`DEEPSHAP_ROWS`
    rows per gradient pass: ``(stack, [(rows slice, sequence indices), ...])``, the indices of the last
    stack padded with its last sequence to ``stack`` (the padded rows' results are dropped)."""
    stack = max(1, min(n, DEEPSHAP_ROWS // (2 * n_refs)))
    stacks = []
    for sl in _batches(n, stack):
        idx = np.arange(sl.start, sl.stop)
        stacks.append((sl, np.concatenate([idx, np.full(stack - len(idx), idx[-1])])))
    return stack, stacks


def check_summation(model, X, attr, refs, task: int, cause: str) -> None:
    """MotifrepError (naming ``cause``) unless each sequence's DeepSHAP map sums to ``f(x) - mean f(ref)``
    within ``SUM_ATOL + SUM_RTOL |delta|`` (:func:`summation_errors`)."""
    err, delta = summation_errors(model, X, attr, refs, task)
    bad = np.abs(err) > SUM_ATOL + SUM_RTOL * np.abs(delta)
    if bad.any():
        raise MotifrepError(f"deepshap: attributions of {int(bad.sum())} of {len(X)} sequence(s) do not sum to "
                            f"f(x) - mean f(ref) (max error {np.abs(err).max():.3g}); {cause}")


def _stacked_task_model(model, task: int, shape, stack: int):
    """A model explaining ``stack`` sequences at once for shap: input ``(stack, *shape)``, output the
    sum over the stack of ``model(sequence)[:, task]``.

    shap's DeepExplainer runs its sample tiled beside its background along the batch axis and
    splits every op's input there into the sample half and the background half. With the stack
    folded into the batch axis, row ``r * stack + b`` of the sample half meets row ``r * stack + b``
    of the background half: sequence ``b`` meets reference ``r`` of sequence ``b``. Rows do not mix
    (inference: BatchNorm and Dropout act per row) and the sum is linear, so each sequence's
    DeepLIFT multipliers are those of its own output: the attributions of one sequence explained
    alone with its own background (tested), from one gradient pass for ``stack`` sequences.
    """
    import keras

    inputs = keras.Input((stack, *shape))
    rows = keras.layers.Lambda(lambda t: keras.ops.reshape(t, (-1, *shape)), name="attribution_unstack")(inputs)
    y = model(rows)
    y = keras.layers.Lambda(lambda t: t[:, task:task + 1], name="attribution_task")(y)
    y = keras.layers.Lambda(lambda t: keras.ops.sum(keras.ops.reshape(t, (-1, stack)), axis=1, keepdims=True),
                            name="attribution_stack_sum")(y)
    return keras.Model(inputs, y)


def _register_shap_ops():
    """Teach shap's DeepExplainer the rescale rule for ``Pow`` (x**3 in scale_relu, shift_scale_relu)."""
    from shap.explainers._deep import deep_tf

    deep_tf.op_handlers.setdefault("Pow", deep_tf.nonlinearity_1d(0))


def summation_errors(model, X, attr, refs, task: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per sequence: (``sum(attr) - delta``, ``delta``) with ``delta = f(x) - mean_k f(r_k)`` (summation to delta)."""
    X, refs = np.asarray(X, np.float32), np.asarray(refs, np.float32)
    fx = model.predict(X, verbose=0, batch_size=256)[:, task]
    fr = model.predict(refs.reshape((-1,) + X.shape[1:]), verbose=0, batch_size=256)[:, task]
    delta = fx - fr.reshape(refs.shape[:2]).mean(axis=1)
    return np.asarray(attr, np.float64).sum(axis=(1, 2)) - delta, delta


def deepshap(model, X, task: int = 0, n_refs: int = 10, seed: int = 0, refs=None, check: bool = True) -> np.ndarray:
    """DeepSHAP: ``shap.DeepExplainer`` (DeepLIFT rescale rule) with shuffled references, per sequence.

    Implementation: shap's own ``DeepExplainer`` (shap 0.51, TF2 eager), background = the
    ``n_refs`` position-shuffles of each sequence (``shuffle_references(X, n_refs, seed)`` or
    ``refs`` ``(N, R, L, 4)``), explaining the sigmoid output ``task``. About
    :data:`DEEPSHAP_ROWS` rows go through one gradient pass: sequences are stacked into one
    shap sample (:func:`_stacked_task_model`), each meeting only its own references. shap rescales Relu, Elu,
    Sigmoid, Tanh, Softplus, Exp (and, registered here, Pow); BatchNorm and Dense/Conv are linear;
    MaxPool uses DeepExplainer's rule (gradient of the max of x and ref at the pooled positions;
    multiplier 0 where the input changes by < 1e-7). With ``check`` the result must sum to
    ``f(x) - mean f(ref)`` within ``SUM_ATOL + SUM_RTOL |delta|`` per sequence, else MotifrepError.
    (In TF2 eager an op outside shap's table fails with LookupError; the check catches numerical
    loss, e.g. units saturated below float32 resolution, as in shift_tanh / shift_sigmoid.)

    Parameters
    ----------
    model : keras.Model
        A model with one output of shape ``(None, T)``.
    X : array_like, shape (N, L, 4)
        One-hot sequences.
    task : int, default 0
        The output unit explained.
    n_refs : int, default 10
        Shuffled references per sequence (ignored when ``refs`` is given).
    seed : int, default 0
        Seed of the shuffles.
    refs : array_like, shape (N, R, L, 4), optional
        The background of each sequence.
    check : bool, default True
        Check summation to delta (:func:`summation_errors`).

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L, 4)``.

    Raises
    ------
    FormatError
        ``X`` is not ``(N, L, 4)``.
    ConfigError
        ``task`` is out of range, or the Keras backend is not one of :data:`DEEPSHAP_BACKENDS`
        (one line naming them).
    MotifrepError
        With ``check``: a sequence's attributions do not sum to ``f(x) - mean f(ref)``.
    """
    if keras_backend() not in DEEPSHAP_BACKENDS:
        raise ConfigError(f"deepshap runs on the Keras backend(s) {', '.join(DEEPSHAP_BACKENDS)} only, not "
                          f"{keras_backend()!r} (saliency, ism, integrated_gradients, smoothgrad run on every backend)")
    X = _check_input(model, X, task)
    refs = shuffle_references(X, n_refs, seed) if refs is None else np.asarray(refs)
    stack, stacks = deepshap_stacks(len(X), refs.shape[1])
    current = []
    with warnings.catch_warnings():  # shap warns on import (matplotlib) and on TF > 2.4 (eager: fine)
        warnings.simplefilter("ignore")
        import shap

        _register_shap_ops()
        explainer = shap.DeepExplainer(_stacked_task_model(model, task, X.shape[1:], stack), lambda _: current[-1])
        out = np.zeros(X.shape, np.float32)
        for sl, idx in stacks:
            current.append(np.swapaxes(refs[idx], 0, 1).astype(np.float32))  # (R, stack, L, 4)
            values = explainer.shap_values(X[idx][None].astype(np.float32), check_additivity=False)
            out[sl] = np.asarray(values, np.float32).reshape((stack,) + X.shape[1:])[:sl.stop - sl.start]
            current.clear()
    if check:
        check_summation(model, X, out, refs, task, "an op in this model is outside shap's DeepLIFT table")
    return out


#: each method of :data:`motifrep.interpret.methods.METHOD_NAMES` (same order), by name.
METHODS = {
    "saliency": saliency,
    "ism": ism,
    "integrated_gradients": integrated_gradients,
    "smoothgrad": smoothgrad,
    "deepshap": deepshap,
}


def attribute(method: str, model, X, task: int = 0, **settings) -> np.ndarray:
    """Run attribution method ``method`` (a key of :data:`METHODS`) with its keyword ``settings``.

    Parameters
    ----------
    method : {"saliency", "ism", "integrated_gradients", "smoothgrad", "deepshap"}
        The method.
    model : keras.Model
        A model with one output of shape ``(None, T)``.
    X : array_like, shape (N, L, 4)
        One-hot sequences.
    task : int, default 0
        The output unit explained.
    **settings
        Keyword arguments of the method (e.g. :data:`DEFAULTS`).

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L, 4)``.

    Raises
    ------
    ConfigError
        An unknown method, or as the method.
    FormatError, MotifrepError
        As the method.
    """
    if method not in METHODS:
        raise ConfigError(f"unknown attribution method {method!r} (known: {', '.join(METHODS)})")
    return METHODS[method](model, X, task=task, **settings)


def position_scores(attr, X, method: str) -> np.ndarray:
    """One score per position, float32 ``(N, L)`` (methods §6.3).

    Sum over bases of attribution x one-hot input (the attribution at the observed base); for
    ``ism`` the L2 norm of the substitution deltas (:func:`ism_position_scores`).

    Parameters
    ----------
    attr : array_like, shape (N, L, 4)
        An attribution map.
    X : array_like, shape (N, L, 4)
        The one-hot sequences it explains.
    method : str
        The method that made it (a key of :data:`METHODS`).

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L)``.

    Raises
    ------
    ConfigError
        An unknown method.
    """
    if method not in METHODS:
        raise ConfigError(f"unknown attribution method {method!r} (known: {', '.join(METHODS)})")
    if method == "ism":
        return ism_position_scores(attr)
    return np.sum(np.asarray(attr, np.float32) * np.asarray(X, np.float32), axis=-1)


def benchmark_methods(model, X, settings: dict | None = None, task: int = 0) -> dict[str, float]:
    """Wall-clock seconds of each method on ``X`` (default settings: :data:`DEFAULTS`).

    ``settings`` maps method name to keyword settings; only the methods it names are timed when
    it is given. Each timing includes the method's one-off tracing / compilation (as in real use).
    """
    settings = DEFAULTS if settings is None else settings
    seconds = {}
    for method, kwargs in settings.items():
        start = time.perf_counter()
        attribute(method, model, X, task=task, **kwargs)
        seconds[method] = time.perf_counter() - start
    return seconds


# --------------------------------------------------------------------------- workflow step


def select_positive_test(data_path, n_sequences: int, task: int = 0) -> np.ndarray:
    """Rows of the first ``n_sequences`` test sequences positive for ``task`` (methods §6.1)."""

    with Dataset(data_path) as ds:
        idx = ds.indices("test")
        y = ds.read_rows("Y", idx)[:, task]
    rows = idx[y > 0][:n_sequences]
    if rows.size == 0:
        raise FormatError(f"{data_path}: no positive test sequence for task {task}")
    return rows


def write_attribution(model_path, data_path, out, method: str, settings: dict, n_sequences: int,
                      threads: int = 1) -> None:
    """Workflow step: attribution maps of the first positive test sequences, as HDF5.

    ``scores`` float16 (N, L, 4) (ISM: mutant minus wild type), ``position_scores`` float32
    (N, L) (methods §6.3: Σ attribution × one-hot; ISM: L2 norm over substitutions), ``rows``
    (indices into the data set), attrs method and settings; the layout of
    :mod:`motifrep.interpret.maps`, written by :func:`motifrep.interpret.maps.write_maps`.

    Parameters
    ----------
    model_path : str or os.PathLike
        The trained ``.keras`` model.
    data_path : str or os.PathLike
        The HDF5 data set.
    out : str or os.PathLike
        The maps file to write.
    method : str
        A key of :data:`METHODS`.
    settings : dict
        Keyword settings of the method (recorded as JSON).
    n_sequences : int
        How many of the first positive test sequences (task 0) to explain.
    threads : int, default 1
        Threads of the Keras backend (TensorFlow, PyTorch).

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A missing or invalid model or data set, no positive test sequence, a model input
        length other than the data set's, or a map that is not finite or of the wrong shape.
    ConfigError
        An unknown method or bad settings.
    MotifrepError
        As the method (e.g. deepshap's summation check).
    """
    configure_tensorflow(threads, seed=0)
    model = load_model(model_path)
    rows = select_positive_test(data_path, n_sequences)
    with Dataset(data_path) as ds:
        X = ds.read_rows("X", rows)
        if X.shape[1] != model.input_shape[1]:
            raise FormatError(f"{model_path}: model input length {model.input_shape[1]} != data set length "
                              f"{X.shape[1]} ({data_path})")
    t0 = time.perf_counter()
    attr = attribute(method, model, X, **settings)
    seconds = time.perf_counter() - t0
    if attr.shape != X.shape or not np.all(np.isfinite(attr)):
        raise FormatError(f"{method}: attribution of shape {attr.shape} (finite: {bool(np.all(np.isfinite(attr)))}), "
                          f"expected finite {X.shape}")
    write_maps(out, attr, position_scores(attr, X, method), rows, method, settings)
    log.info("%s of %d sequences x %d nt in %.1f s (%.0f sequences/s)", method, len(X), X.shape[1], seconds,
             len(X) / max(seconds, 1e-9))

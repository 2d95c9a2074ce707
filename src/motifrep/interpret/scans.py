"""Per-position scans of motif localization (methods §7.1): true-PWM / PPM and first-layer scans.

The scans that motif localization scores (P2 task 1, the authors'
``code/task1_step7_PWM_scan_comparison.ipynb`` of ``p-koo/exponential_activations``):

* :func:`pwm_scan`: the generating motifs scanned over each sequence, as log-odds PWMs or as
  probabilities (:func:`motif_matrix`), max over motifs and strands per position;
* :func:`first_layer_scan`: the max over filters of a model's first-layer activations
  (:func:`motifrep.filters.scan.layer_activations`), placed on the input positions.

Both return one score per position, ``(N, L)``. Their scoring against the ground truth
(segment AUROC / AUPR) is :func:`motifrep.interpret.localization.localization_auroc`; the
per-position scoring of attribution maps is
:func:`motifrep.interpret.interpretability.interpretability_scores`.
"""

from __future__ import annotations

import numpy as np

from motifrep.errors import MotifrepError
from motifrep.filters.scan import layer_activations, receptive_field

PWM_PSEUDOCOUNT = 1e-10  # the notebook: ``np.log2(core_motifs[i]/(np.ones(...)/4)+1e-10)``


SCAN_MODES = ("pwm", "ppm")


def motif_matrix(ppm, mode: str = "pwm", pseudocount: float = PWM_PSEUDOCOUNT) -> np.ndarray:
    """The per-column scores of one motif ``(W, 4)`` (A, C, G, T) as the notebook scans it.

    ``"pwm"``: ``log2(p / 0.25 + pseudocount)`` (the notebook adds ``1e-10`` after the
    division: ``np.log2(core_motifs[i]/(np.ones(core_motifs[i].shape)/4)+1e-10)``), so a zero
    probability scores ``log2(1e-10)`` = -33.2. ``"ppm"``: the probabilities themselves.

    Parameters
    ----------
    ppm : array_like, shape (W, 4)
        A probability matrix.
    mode : {"pwm", "ppm"}, default "pwm"
        Log-odds against a uniform background, or the probabilities.
    pseudocount : float, default :data:`PWM_PSEUDOCOUNT`
        Added after the division (mode ``"pwm"``).

    Returns
    -------
    numpy.ndarray
        float64 ``(W, 4)``.

    Raises
    ------
    MotifrepError
        ``ppm`` is not ``(W, 4)`` with W >= 1, or an unknown mode.
    """
    ppm = np.asarray(ppm, dtype=np.float64)
    if ppm.ndim != 2 or ppm.shape[1] != 4 or ppm.shape[0] == 0:
        raise MotifrepError(f"a motif must be a (W, 4) matrix, got shape {ppm.shape}")
    if mode not in SCAN_MODES:
        raise MotifrepError(f"scan mode must be one of {SCAN_MODES}, got {mode!r}")
    return np.log2(ppm / 0.25 + pseudocount) if mode == "pwm" else ppm


def _scan_one(X: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Centred-window scan of one matrix ``(W, 4)`` over float ``X`` (n, L, 4): zero padding
    ``int(W/2)`` left and ``W - int(W/2)`` right; ``out[n] = sum(x_pad[n:n+W] * mat)``."""
    n, length, _ = X.shape
    width = mat.shape[0]
    left = width // 2
    xp = np.zeros((n, length + width, 4), dtype=np.float64)
    xp[:, left:left + length] = X
    per_col = xp @ mat.T  # (n, L + W, W): column j of the motif at every padded position
    out = np.zeros((n, length), dtype=np.float64)
    for j in range(width):
        out += per_col[:, j:j + length, j]
    return out


def pwm_scan(X, pwms, mode: str = "pwm", both_strands: bool = True, pseudocount: float = PWM_PSEUDOCOUNT,
             batch_size: int = 1024) -> np.ndarray:
    """Per-position motif scan, max over motifs and strands: float64 ``(N, L)``.

    As the notebook: for each motif (each of its 12 core motifs and their reverse complements,
    ``reverse = pwm[:,::-1]; reverse[::-1,:]``) the score at position ``n`` is the sum of the
    matrix entries of the bases in the window ``n - int(W/2) .. n - int(W/2) + W - 1``
    (centred; bases outside the sequence count 0)::

        M = ppm.shape[0]; pad_left = int(M/2); pad_right = M - pad_left
        x_pad = np.concatenate([np.zeros((pad_left, 4)), x, np.zeros((pad_right,4))], axis=0)
        for n in range(L): fmap.append(np.sum(x_pad[range(n,n+M),:] * pwm))
        score = np.max(fmap_pwm, axis=1)

    ``pwms``: (W, 4) probability matrices (A, C, G, T); ``mode``: see :func:`motif_matrix`;
    ``both_strands``: also scan each reverse complement (pass False if ``pwms`` holds them).

    Parameters
    ----------
    X : array_like, shape (N, L, 4)
        One-hot sequences.
    pwms : sequence of array_like, each (W, 4)
        Probability matrices (widths may differ).
    mode : {"pwm", "ppm"}, default "pwm"
        Log-odds or probabilities (:func:`motif_matrix`).
    both_strands : bool, default True
        Also scan each matrix's reverse complement.
    pseudocount : float, default :data:`PWM_PSEUDOCOUNT`
        Added inside the log-odds (mode ``"pwm"``).
    batch_size : int, default 1024
        Sequences scanned at a time.

    Returns
    -------
    numpy.ndarray
        float64 ``(N, L)``.

    Raises
    ------
    MotifrepError
        ``X`` is not ``(N, L, 4)``, no motifs, a matrix not ``(W, 4)``, or an unknown mode.
    """
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[2] != 4:
        raise MotifrepError(f"sequences must be one-hot of shape (N, L, 4), got shape {X.shape}")
    mats = [motif_matrix(p, mode, pseudocount) for p in pwms]
    if not mats:
        raise MotifrepError("pwm_scan: no motifs given")
    if both_strands:
        mats += [m[::-1, ::-1] for m in mats]
    out = np.full(X.shape[:2], -np.inf)
    for lo in range(0, X.shape[0], batch_size):
        xb = X[lo:lo + batch_size].astype(np.float64)
        for mat in mats:
            np.maximum(out[lo:lo + batch_size], _scan_one(xb, mat), out=out[lo:lo + batch_size])
    return out


def first_layer_scan(model, X, batch_size: int = 512) -> np.ndarray:
    """Max over filters of the first-layer activations: float32 ``(N, L)``.

    Activations after BN and activation, before pooling
    (:func:`motifrep.filters.scan.layer_activations`).

    The notebook keeps ``keras.Model(inputs=model.inputs, outputs=model.layers[3].output)``
    of CNN-deep (conv, BN, activation; 'same' padding, so one value per input position). With
    'valid' padding, output ``p`` is placed at the centre of its receptive field
    (``p + offset + (width - 1) // 2``) and uncovered end positions get the row's minimum.

    Parameters
    ----------
    model : keras.Model
        A model built by motifrep.
    X : array_like, shape (N, L, 4)
        One-hot sequences of the model's input length.
    batch_size : int, default 512
        Sequences per forward pass.

    Returns
    -------
    numpy.ndarray
        float32 ``(N, L)``.

    Raises
    ------
    MotifrepError
        As :func:`motifrep.filters.scan.layer_activations` and
        :func:`motifrep.filters.scan.receptive_field`.
    """

    scan = layer_activations(model, X, layer=1, batch_size=batch_size).max(axis=2)
    length = X.shape[1]
    if scan.shape[1] == length:
        return scan
    width, offset = receptive_field(model, 1)
    shift = offset + (width - 1) // 2
    out = np.repeat(scan.min(axis=1, keepdims=True), length, axis=1)
    out[:, shift:shift + scan.shape[1]] = scan[:, :length - shift]
    return out

"""Synthetic multitask sequences with embedded JASPAR motifs (Koo & Eddy 2019, methods §1.4).

Each sequence gets 1..K motifs (K = len(count_probs)), drawn with replacement from a set of
PWMs (each TF's PWM and its reverse complement), placed in draw order without overlap,
separated by ``n + 1`` random gaps; every base is sampled from its column (0.25 outside
motifs). The label of a sequence is the multi-hot set of TFs it contains, on either strand.

Everything is vectorised over sequences, and every random draw comes from one
``numpy.random.Generator`` seeded from config, so the same arguments give the same bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motifrep.datasets.store import write_simulated
from motifrep.errors import ConfigError
from motifrep.motifs.meme import read_meme
from motifrep.motifs.tf_table import load_tf_table

log = logging.getLogger("motifrep")

BASE_CHUNK = 8192  # sequences sampled per block; fixed so output does not depend on memory


@dataclass
class SimulatedSet:
    """A simulated data set and its ground truth.

    ``X`` uint8 ``(N, L, 4)`` one-hot; ``Y`` uint8 ``(N, T)`` multi-hot labels;
    ``truth`` one row per embedded motif (seq, tf, pwm, strand, start, end; end exclusive);
    ``mask`` uint8 ``(N, L)``: 1 where a position lies inside an embedded motif;
    ``info_mask`` uint8 ``(N, L)`` or None: 1 where the generating column carries information
    (:func:`motifrep.motifs.information.information_content` > 0.01 bits), set by the regulatory-code set.

    Parameters
    ----------
    X : numpy.ndarray
        uint8 ``(N, L, 4)`` one-hot sequences.
    Y : numpy.ndarray
        uint8 ``(N, T)`` labels.
    truth : pandas.DataFrame
        One row per embedded motif.
    mask : numpy.ndarray
        uint8 ``(N, L)`` motif positions.
    info_mask : numpy.ndarray, optional
        uint8 ``(N, L)`` informative motif positions.
    """

    X: np.ndarray
    Y: np.ndarray
    truth: pd.DataFrame
    mask: np.ndarray
    info_mask: np.ndarray | None = None


def strand_pwms(pwms: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Expand TF PWMs to [tf0+, tf0-, tf1+, ...]; return PWMs, task index, strand (+1/-1)."""
    out = []
    for pwm in pwms:
        pwm = np.asarray(pwm, dtype=float)
        out.extend([pwm, pwm[::-1, ::-1].copy()])
    n = len(pwms)
    return out, np.repeat(np.arange(n), 2), np.tile(np.array([1, -1], dtype=np.int8), n)


def _gaps(rng, n_motifs: np.ndarray, leftover: np.ndarray, k_max: int) -> np.ndarray:
    """Split ``leftover[i]`` into ``n_motifs[i] + 1`` non-negative integer gaps.

    As the authors did: uniform(0, 1) weights, normalised, rounded; a sequence whose rounded
    gaps do not add up exactly is redrawn (vectorised over all pending sequences).
    """
    n = len(n_motifs)
    slot_valid = np.arange(k_max + 1)[None, :] <= n_motifs[:, None]
    gaps = np.zeros((n, k_max + 1), dtype=np.int64)
    pending = np.arange(n)
    while pending.size:
        w = rng.random((pending.size, k_max + 1)) * slot_valid[pending]
        g = np.round(w / w.sum(axis=1, keepdims=True) * leftover[pending, None]).astype(np.int64)
        ok = g.sum(axis=1) == leftover[pending]
        gaps[pending[ok]] = g[ok]
        pending = pending[~ok]
    return gaps


def check_count_probs(count_probs) -> np.ndarray:
    """``count_probs`` as a float array; ConfigError unless non-negative and summing to 1."""
    probs = np.asarray(count_probs, dtype=float)
    if probs.ndim != 1 or probs.size == 0 or np.any(probs < 0) or not np.isclose(probs.sum(), 1.0, atol=1e-6):
        raise ConfigError(f"simulation.motif_count_probs: {list(count_probs)} must be non-negative and sum to 1")
    return probs


def check_motifs_fit(widths: np.ndarray, k_max: int, length: int) -> None:
    """ConfigError unless ``k_max`` of the widest motifs fit in ``length`` nt."""
    if widths.max() * k_max > length:
        raise ConfigError(
            f"simulation.length: {length} nt cannot hold {k_max} motifs of up to {widths.max()} nt"
        )


def layout(rng, widths: np.ndarray, n_sequences: int, length: int, probs: np.ndarray, min_motifs: int = 1):
    """Draw, per sequence, the motif count, the PWMs (indices into ``widths``) and their starts.

    ``probs[k]`` is P(min_motifs + k motifs). Motifs are placed in draw order without overlap,
    separated by random gaps (:func:`_gaps`). Returns ``(seq, pwm, start)`` arrays, one entry per
    embedded motif, in (sequence, draw) order, i.e. sorted by sequence then start.
    """
    k_max = min_motifs + probs.size - 1
    n_motifs = rng.choice(np.arange(min_motifs, k_max + 1), size=n_sequences, p=probs / probs.sum())
    pwm_idx = rng.integers(0, len(widths), size=(n_sequences, k_max))
    valid = np.arange(k_max)[None, :] < n_motifs[:, None]
    motif_w = np.where(valid, widths[pwm_idx], 0)
    leftover = length - motif_w.sum(axis=1)
    gaps = _gaps(rng, n_motifs, leftover, k_max)
    starts = np.cumsum(gaps[:, :k_max], axis=1) + np.cumsum(motif_w, axis=1) - motif_w
    seq_of, slot = np.nonzero(valid)
    return seq_of, pwm_idx[seq_of, slot], starts[seq_of, slot]


def motif_positions(occ_seq: np.ndarray, occ_start: np.ndarray, occ_w: np.ndarray):
    """Every column of every embedded motif: ``(seq, position, column-in-motif)`` arrays."""
    col = np.arange(occ_w.sum()) - np.repeat(np.cumsum(occ_w) - occ_w, occ_w)
    return np.repeat(occ_seq, occ_w), np.repeat(occ_start, occ_w) + col, col


def pwm_stack(pwms: list[np.ndarray]) -> np.ndarray:
    """``(P, Wmax, 4)`` array of the PWMs, padded with uniform 0.25 rows."""
    widths = np.array([p.shape[0] for p in pwms])
    stack = np.full((len(pwms), widths.max(), 4), 0.25)
    for p, pwm in enumerate(pwms):
        stack[p, : pwm.shape[0]] = pwm
    return stack


def sample_bases(rng, stack: np.ndarray, n_sequences: int, length: int, pos_seq, pos, pos_pwm, col) -> np.ndarray:
    """One-hot ``(N, L, 4)`` uint8 sequences: each motif column ``(pos_seq, pos)`` sampled from
    ``stack[pos_pwm, col]``, every other base uniform. Sampled in fixed blocks of
    :data:`BASE_CHUNK` sequences (uniform draws compared with cumulative columns), so the
    bytes depend only on the generator state, not on memory.
    """
    cum = np.cumsum(stack, axis=2)[:, :, :3]  # thresholds between A|C, C|G, G|T
    X = np.empty((n_sequences, length, 4), dtype=np.uint8)
    eye = np.eye(4, dtype=np.uint8)
    background = np.array([0.25, 0.5, 0.75])
    order = np.argsort(pos_seq, kind="stable")  # block slicing needs positions grouped by sequence
    pos_seq, pos, pos_pwm, col = pos_seq[order], pos[order], pos_pwm[order], col[order]
    bounds = np.searchsorted(pos_seq, np.arange(0, n_sequences + BASE_CHUNK, BASE_CHUNK))
    for b, lo in enumerate(range(0, n_sequences, BASE_CHUNK)):
        hi = min(lo + BASE_CHUNK, n_sequences)
        thresholds = np.broadcast_to(background, (hi - lo, length, 3)).copy()
        sel = slice(bounds[b], bounds[b + 1])
        thresholds[pos_seq[sel] - lo, pos[sel]] = cum[pos_pwm[sel], col[sel]]
        u = rng.random((hi - lo, length, 1))
        X[lo:hi] = eye[(u >= thresholds).sum(axis=2)]
    return X


def ground_truth_frame(occ_seq, occ_pwm, occ_start, widths, pwm_task, pwm_strand) -> pd.DataFrame:
    """The ground-truth table: one row per embedded motif (end exclusive)."""
    return pd.DataFrame(
        {
            "seq": occ_seq.astype(np.int64),
            "tf": pwm_task[occ_pwm].astype(np.int64),
            "pwm": occ_pwm.astype(np.int64),
            "strand": np.where(pwm_strand[occ_pwm] > 0, "+", "-"),
            "start": occ_start.astype(np.int64),
            "end": (occ_start + widths[occ_pwm]).astype(np.int64),
        }
    )


def simulate(
    pwms: list[np.ndarray],
    pwm_task: np.ndarray,
    n_tasks: int,
    n_sequences: int,
    length: int,
    count_probs,
    seed: int,
    pwm_strand: np.ndarray | None = None,
) -> SimulatedSet:
    """Simulate ``n_sequences`` sequences of ``length`` nt (see module docstring).

    ``pwms``: list of ``(width, 4)`` probability matrices to draw from; ``pwm_task[p]`` is
    the task (TF) of PWM ``p``; ``count_probs[k]`` is P(k + 1 motifs in a sequence).

    Parameters
    ----------
    pwms : list of numpy.ndarray
        ``(width, 4)`` probability matrices (e.g. from :func:`strand_pwms`).
    pwm_task : array_like of int
        Task of each PWM.
    n_tasks : int
        Label columns.
    n_sequences : int
        Sequences to simulate.
    length : int
        Sequence length in nt.
    count_probs : sequence of float
        Probabilities of 1, 2, ... motifs per sequence (non-negative, summing to 1).
    seed : int
        Seed of the one ``numpy.random.Generator`` every draw comes from.
    pwm_strand : array_like of int, optional
        +1 / -1 per PWM (default all +1), recorded in the truth table.

    Returns
    -------
    SimulatedSet
        Without ``info_mask``.

    Raises
    ------
    ConfigError
        ``count_probs`` is not a distribution, or the most motifs of the widest PWM do not
        fit in ``length``.
    """
    probs = check_count_probs(count_probs)
    pwm_task = np.asarray(pwm_task)
    if pwm_strand is None:
        pwm_strand = np.ones(len(pwms), dtype=np.int8)
    widths = np.array([p.shape[0] for p in pwms])
    check_motifs_fit(widths, probs.size, length)
    rng = np.random.default_rng(seed)

    seq_of, occ_pwm, occ_start = layout(rng, widths, n_sequences, length, probs)
    truth = ground_truth_frame(seq_of, occ_pwm, occ_start, widths, pwm_task, pwm_strand)
    pos_seq, pos, col = motif_positions(seq_of, occ_start, widths[occ_pwm])

    mask = np.zeros((n_sequences, length), dtype=np.uint8)
    mask[pos_seq, pos] = 1
    Y = np.zeros((n_sequences, n_tasks), dtype=np.uint8)
    Y[seq_of, pwm_task[occ_pwm]] = 1
    X = sample_bases(rng, pwm_stack(pwms), n_sequences, length, pos_seq, pos, np.repeat(occ_pwm, widths[occ_pwm]),
                     col)
    return SimulatedSet(X=X, Y=Y, truth=truth, mask=mask)


def split_indices(n: int, fractions) -> dict[str, np.ndarray]:
    """Contiguous train/valid/test index ranges (sequences are i.i.d., so order is random)."""
    fractions = np.asarray(fractions, dtype=float)
    if fractions.shape != (3,) or np.any(fractions < 0) or not np.isclose(fractions.sum(), 1.0, atol=1e-6):
        raise ConfigError(f"simulation.split: {list(fractions)} must be three fractions summing to 1")
    n_train = int(round(fractions[0] * n))
    n_valid = int(round(fractions[1] * n))
    edges = [0, n_train, n_train + n_valid, n]
    return {name: np.arange(edges[i], edges[i + 1]) for i, name in enumerate(("train", "valid", "test"))}


# --------------------------------------------------------------------------- workflow step


def simulate_synthetic(jaspar_meme, tf_table, out, n_sequences, length, motif_count_probs, split, seed,
                       config=None) -> None:
    """Workflow step, methods §1.4: the synthetic multitask set from the TF table's JASPAR matrices.

    Each TF's matrix and its reverse complement are drawn from (:func:`simulate`), one task
    per TF in table order; the set is split into contiguous train, valid and test ranges
    (:func:`split_indices`) and written as HDF5 (:func:`motifrep.datasets.store.write_simulated`).

    Parameters
    ----------
    jaspar_meme : str or os.PathLike
        MEME file holding every ``jaspar_id`` of the TF table.
    tf_table : str or os.PathLike
        The TF table (:func:`motifrep.motifs.tf_table.load_tf_table`).
    out : str or os.PathLike
        The HDF5 file to write.
    n_sequences : int
        Sequences to simulate.
    length : int
        Sequence length in nt.
    motif_count_probs : sequence of float
        Probabilities of 1, 2, ... motifs per sequence.
    split : sequence of 3 float
        Train, valid, test fractions summing to 1.
    seed : int
        Simulation seed.
    config : dict, optional
        Recorded in the file.

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        A TF's JASPAR ID is not in ``jaspar_meme``, or bad ``motif_count_probs``, ``split``
        or ``length``.
    FormatError
        A malformed TF table or MEME file.
    """

    tfs = load_tf_table(tf_table)
    motifs = {m.id: m for m in read_meme(jaspar_meme)}
    pwms = []
    for row in tfs.itertuples():
        if row.jaspar_id not in motifs:
            raise ConfigError(f"{tf_table}: JASPAR ID {row.jaspar_id!r} ({row.tf}) is not in {jaspar_meme}")
        pwms.append(motifs[row.jaspar_id].pwm)
    stranded, pwm_task, pwm_strand = strand_pwms(pwms)
    sim = simulate(stranded, pwm_task, len(tfs), n_sequences, length, motif_count_probs, seed, pwm_strand)
    splits = split_indices(n_sequences, split)
    motif_ids = [f"{i}{s}" for i in tfs.jaspar_id for s in ("+", "-")]
    write_simulated(out, sim, splits, list(tfs.tf), motif_ids, stranded, pwm_task, seed, config)
    log.info("simulated %d sequences x %d nt, %d motifs embedded; split %s -> %s", n_sequences, length,
             len(sim.truth), list(split), {k: len(v) for k, v in splits.items()})

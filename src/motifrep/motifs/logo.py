"""Sequence-logo drawing and figure saving: the drawing primitives every figure shares.

:func:`info_logo_frame` and :func:`draw_logo` draw one information logo on a Matplotlib axes
(logomaker); :func:`short_label` shortens a title; :func:`output_paths` checks figure paths
and :func:`save_figure` writes a figure to all of them; :func:`shade_positions` shades the
ground-truth positions of one sequence. The figures built from them live with their stage:
the filter-logo grid (Fig 2, S1 Fig) in :mod:`motifrep.filters.logos`, the localization
figure in :mod:`motifrep.interpret.localization`, and the result figures (match-fraction
and activation bars, interpretability scatter, attribution logos) in
:mod:`motifrep.results.plots`.

Figures are bare :class:`matplotlib.figure.Figure` objects (never ``pyplot``), so nothing is
registered with a GUI backend or pyplot's figure manager: the code runs headless, PNG output
is rendered with Agg, and a figure is freed as soon as the returned object is dropped (no
figure accumulates across calls). Every output path is written through
:func:`motifrep.io.atomic_path`; its suffix picks the format (:data:`FORMATS`).

Logos show information content in bits against a uniform background: at each position
the stack height is ``2 + sum_b p_b log2 p_b`` (:func:`motifrep.motifs.information.information_content`)
and letter ``b`` gets ``p_b`` of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import logomaker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from motifrep.errors import MotifrepError
from motifrep.io import atomic_path
from motifrep.motifs.information import information_content

ALPHABET = "ACGT"


FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


PNG_DPI = 150


MAX_LABEL_CHARS = 28


MIN_BITS = 0.01  # letters lower than this are skipped (1 px at 150 dpi in the grid is ~0.02 bits)


def info_logo_frame(pwm) -> pd.DataFrame:
    """Information-content letter heights (bits) of a ``(W, 4)`` ACGT probability matrix.

    Returns a DataFrame with columns A, C, G, T and index 0..W-1, as logomaker wants.
    Negative entries are clipped to 0 and rows renormalised; ``pwm`` may also be a Motif.
    """
    pwm = np.asarray(getattr(pwm, "pwm", pwm), dtype=float)
    if pwm.ndim != 2 or pwm.shape[1] != 4 or pwm.shape[0] < 1:
        raise MotifrepError(f"logo needs a (width, 4) probability matrix, got shape {pwm.shape}")
    pwm = np.clip(pwm, 0.0, None)
    totals = pwm.sum(axis=1, keepdims=True)
    if np.any(totals <= 0) or not np.all(np.isfinite(pwm)):
        raise MotifrepError("logo matrix has a row that is all zero or not finite")
    pwm = pwm / totals
    info = np.clip(information_content(pwm), 0.0, 2.0)
    return pd.DataFrame(pwm * info[:, None], columns=list(ALPHABET))


def draw_logo(ax, pwm, title=None, *, width=None, fontsize=8, yticklabels=True, min_bits=MIN_BITS):
    """Draw an information logo of ``pwm`` on ``ax`` (logomaker, classic colours, 0-2 bits).

    ``width`` fixes the x range to that many positions, logo left-aligned, so logos of
    different widths share a scale. Only the left spine (0-2 bits) is kept. Letters lower
    than ``min_bits`` (sub-pixel at the grid size) are not drawn: logomaker spends ~5 ms on
    each letter it draws. Returns ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    pwm : array_like, shape (W, 4), or Motif
        Probabilities over A, C, G, T (see :func:`info_logo_frame`).
    title : str, optional
        Left-aligned axes title.
    width : int, optional
        Positions on the x axis (at least the logo's width).
    fontsize : int, default 8
        Font size of the title (tick labels one smaller).
    yticklabels : bool, default True
        Label the 0, 1, 2 bits ticks.
    min_bits : float, default :data:`MIN_BITS`
        Letters lower than this are not drawn.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    MotifrepError
        ``pwm`` is not a ``(width, 4)`` matrix, or a row is all zero or not finite.
    """
    frame = info_logo_frame(pwm)
    frame = frame.where(frame >= min_bits, 0.0)
    logomaker.Logo(frame, ax=ax, color_scheme="classic", baseline_width=0)
    width = max(int(width or 0), len(frame))
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(0, 2)
    ax.set_xticks([])
    ax.set_yticks([0, 1, 2])
    ax.tick_params(axis="y", labelsize=fontsize - 1, length=2, pad=1, labelleft=yticklabels)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_bounds(0, 2)
    if title:
        ax.set_title(title, loc="left", fontsize=fontsize, pad=2)
    return ax


def short_label(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def output_paths(out_paths) -> list[Path]:
    """``out_paths`` (one path or several) as Paths, after checking every suffix."""
    if isinstance(out_paths, (str, os.PathLike)):
        out_paths = [out_paths]
    paths = [Path(p) for p in out_paths]
    if not paths:
        raise MotifrepError("no output path given for the figure")
    for path in paths:
        if path.suffix.lower() not in FORMATS:
            raise MotifrepError(f"{path}: unknown figure format {path.suffix!r} (use {', '.join(FORMATS)})")
    return paths


def save_figure(fig: Figure, out_paths, dpi: int = PNG_DPI) -> list[Path]:
    """Write ``fig`` atomically to every path in ``out_paths``; the suffix picks the format.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    out_paths : str or os.PathLike, or a sequence of them
        Output files ending in ``.png``, ``.pdf`` or ``.svg``.
    dpi : int, default :data:`PNG_DPI`
        Resolution of raster output.

    Returns
    -------
    list of pathlib.Path
        The paths written.

    Raises
    ------
    MotifrepError
        No path given, or a suffix that is not a known figure format.
    """
    paths = output_paths(out_paths)
    for path in paths:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=FORMATS[path.suffix.lower()], dpi=dpi)
    return paths


def shade_positions(ax, truth_row) -> None:
    """Shade the ground-truth positions of one sequence."""
    pos = np.flatnonzero(truth_row)
    if pos.size:
        starts = pos[np.r_[True, np.diff(pos) > 1]]
        ends = pos[np.r_[np.diff(pos) > 1, True]]
        for a, b in zip(starts, ends):
            ax.axvspan(a - 0.5, b + 0.5, color="#ffe08a", alpha=0.5, lw=0, zorder=0)

"""Sequence logos as inline SVG, for HTML pages: no image files, no Matplotlib figure per logo.

:func:`glyph_defs` is an ``<svg>`` holding the four letters once, as ``<symbol>`` outlines
(DejaVu Sans Bold, from Matplotlib's :class:`~matplotlib.textpath.TextPath`) each filling a
unit box; :func:`logo_svg` draws one logo by stretching those letters (``<use>``) to their
heights. A page holds :func:`glyph_defs` once and any number of logos. Heights are those of
:func:`motifrep.motifs.logo.info_logo_frame` (information content in bits, uniform
background, 0-2 bits), colours the classic ones of the PDF logos (logomaker ``classic``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from motifrep.errors import MotifrepError
from motifrep.motifs.information import information_content

ALPHABET = "ACGT"
#: logomaker's "classic" colours.
COLOURS = {"A": "#008000", "C": "#0000ff", "G": "#ffa500", "T": "#ff0000"}
MIN_BITS = 0.01  # letters lower than this are not drawn


def _path_d(vertices: np.ndarray, codes: np.ndarray) -> str:
    """SVG path data of a Matplotlib path (MOVETO, LINETO, CURVE3, CURVE4, CLOSEPOLY)."""
    out, i = [], 0
    while i < len(codes):
        code = int(codes[i])
        if code == 1:
            out.append("M%.4f %.4f" % tuple(vertices[i]))
            i += 1
        elif code == 2:
            out.append("L%.4f %.4f" % tuple(vertices[i]))
            i += 1
        elif code == 3:
            out.append("Q%.4f %.4f %.4f %.4f" % (*vertices[i], *vertices[i + 1]))
            i += 2
        elif code == 4:
            out.append("C%.4f %.4f %.4f %.4f %.4f %.4f" % (*vertices[i], *vertices[i + 1], *vertices[i + 2]))
            i += 3
        else:  # CLOSEPOLY (79) or STOP
            out.append("Z")
            i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _glyphs() -> dict[str, str]:
    """Letter -> SVG path data of its outline, scaled to the unit box (y down, as in SVG)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    glyphs = {}
    for letter in ALPHABET:
        path = TextPath((0, 0), letter, size=1, prop=FontProperties(family="DejaVu Sans", weight="bold"))
        v = path.vertices.copy()
        lo, hi = v.min(axis=0), v.max(axis=0)
        v[:, 0] = (v[:, 0] - lo[0]) / (hi[0] - lo[0])
        v[:, 1] = (hi[1] - v[:, 1]) / (hi[1] - lo[1])
        glyphs[letter] = _path_d(v, path.codes)
    return glyphs


def glyph_defs() -> str:
    """A hidden ``<svg>`` defining the letters ``logo-A`` ... ``logo-T``; put it once on the page."""
    symbols = "".join(
        f'<symbol id="logo-{b}" viewBox="0 0 1 1" preserveAspectRatio="none">'
        f'<path d="{d}" fill="{COLOURS[b]}"/></symbol>'
        for b, d in _glyphs().items())
    return f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{symbols}</defs></svg>'


def letter_heights(pwm) -> np.ndarray:
    """``(W, 4)`` letter heights in bits: ``p_b x information``, information clipped to [0, 2]."""
    pwm = np.asarray(getattr(pwm, "pwm", pwm), dtype=float)
    if pwm.ndim != 2 or pwm.shape[1] != 4 or pwm.shape[0] < 1 or not np.all(np.isfinite(pwm)):
        raise MotifrepError(f"logo needs a finite (width, 4) probability matrix, got shape {pwm.shape}")
    pwm = np.clip(pwm, 0.0, None)
    totals = pwm.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise MotifrepError("logo matrix has a row that is all zero")
    pwm = pwm / totals
    return pwm * np.clip(information_content(pwm), 0.0, 2.0)[:, None]


def logo_svg(pwm, column_px: float = 12.0, height_px: float = 48.0, title: str = "", pad: int = 0) -> str:
    """One logo as an inline ``<svg>`` (needs :func:`glyph_defs` on the page).

    Letters are stacked smallest at the bottom, each ``p_b x information`` bits high; the box
    is 2 bits high, ``column_px`` per position wide.

    Parameters
    ----------
    pwm : array_like, shape (W, 4), or Motif
        Probabilities over A, C, G, T.
    column_px, height_px : float
        Width of one position and height of 2 bits, in pixels.
    title : str, optional
        Accessible title (escaped here).
    pad : int, default 0
        Empty positions drawn before the first (to align two logos).

    Returns
    -------
    str
        The ``<svg>`` element.

    Raises
    ------
    MotifrepError
        ``pwm`` is not a finite ``(width, 4)`` matrix, or a row is all zero.
    """
    import html

    heights = letter_heights(pwm)
    scale = height_px / 2.0
    parts = []
    for col, row in enumerate(heights, start=max(int(pad), 0)):
        y = height_px
        for b in np.argsort(row, kind="stable"):
            h = row[b] * scale
            if row[b] < MIN_BITS:
                continue
            y -= h
            parts.append(f'<use href="#logo-{ALPHABET[b]}" x="{col * column_px + 0.5:.2f}" y="{y:.2f}" '
                         f'width="{column_px - 1:.2f}" height="{h:.2f}"/>')
    width = (len(heights) + max(int(pad), 0)) * column_px
    label = f"<title>{html.escape(title)}</title>" if title else ""
    return (f'<svg class="logo" width="{width:.0f}" height="{height_px:.0f}" viewBox="0 0 {width:.2f} '
            f'{height_px:.2f}" role="img">{label}{"".join(parts)}</svg>')

"""The logo grid of a run's filters: sequence logos of first-layer filters (Fig 2, S1 Fig).

:func:`filter_logo_figure` draws one titled section per model (its filters' logos, each
titled with the filter ID and its best JASPAR match), optionally followed by the
ground-truth motifs, and writes it; :func:`build_filter_logo_figure` builds the same figure
without saving it. ``motifrep filters`` and the workflow's logo figures
(:func:`motifrep.results.plots.make_logo_figure`) both use it. The match-fraction bars
(Fig 3) and the other result figures live in :mod:`motifrep.results.plots`.

The logos are drawn and saved by :mod:`motifrep.motifs.logo`: information content in bits
against a uniform background, on a bare :class:`matplotlib.figure.Figure` (never
``pyplot``; headless, freed when dropped), every output written atomically with its suffix
picking the format.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from motifrep.errors import MotifrepError
from motifrep.motifs.logo import draw_logo, output_paths, save_figure, short_label

# Logo-grid layout, in inches.
_MARGIN_L, _MARGIN_R, _MARGIN_B = 0.45, 0.15, 0.1
_CELL_W = 2.2  # column pitch


_AXES_W = 1.95  # logo axes width


_LOGO_H = 0.7  # logo axes height


_ROW_H = 1.12  # row pitch: logo + its one-line title + gap


_SECTION_H = 0.55  # section heading


_TITLE_H = 0.55  # figure title


def _check_panels(panels, ground_truth, ncols) -> list[dict]:
    """The figure's sections (panels, then the ground truth); MotifrepError if one is empty."""
    if ncols < 1:
        raise MotifrepError(f"ncols must be at least 1, got {ncols}")
    sections = []
    for i, panel in enumerate(panels or []):
        label = str(panel.get("label", f"panel {i + 1}"))
        if not panel.get("motifs"):
            raise MotifrepError(f"figure panel {label!r} has no motifs to draw")
        sections.append({"label": label, "motifs": list(panel["motifs"]), "labels": panel.get("labels")})
    if ground_truth is not None:
        if not ground_truth:
            raise MotifrepError("ground_truth was given but holds no motifs")
        names = {m.id: f"{m.name} ({m.id})" if m.name else m.id for m in ground_truth}
        sections.append({"label": "ground-truth motifs (JASPAR)", "motifs": list(ground_truth), "names": names})
    if not sections:
        raise MotifrepError("no motifs to draw: the figure has no panels")
    return sections


def _section_heading(section: dict) -> str:
    """A section's label, with the count of its motifs (``unit``: filters, patterns) matching a JASPAR motif."""
    labels = section.get("labels")
    if labels is None:
        return section["label"]
    n_matched = sum(1 for m in section["motifs"] if labels.get(m.id))
    unit = section.get("unit", "filters")
    return f"{section['label']}   ({n_matched}/{len(section['motifs'])} {unit} match a JASPAR motif)"


def _cell_title(motif, section: dict) -> str:
    """A logo's title: the ground-truth name, or the filter ID and its match, shortened."""
    if "names" in section:
        return short_label(section["names"][motif.id])
    match = (section.get("labels") or {}).get(motif.id)
    return short_label(f"{motif.id}  {match}" if match else motif.id)


def build_filter_logo_figure(panels, ground_truth=None, ncols: int = 6, title=None) -> Figure:
    """The logo grid of :func:`filter_logo_figure`, unsaved. Logo axes have gid ``"logo"``.

    Parameters
    ----------
    panels, ground_truth, ncols, title
        As :func:`filter_logo_figure`.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (pyplot-free).

    Raises
    ------
    MotifrepError
        ``ncols`` < 1, a panel without motifs, an empty ``ground_truth`` list, or nothing
        to draw; or a matrix :func:`motifrep.motifs.logo.draw_logo` refuses.
    """
    sections = _check_panels(panels, ground_truth, ncols)
    rows = [-(-len(s["motifs"]) // ncols) for s in sections]
    fig_w = _MARGIN_L + ncols * _CELL_W + _MARGIN_R
    fig_h = (_TITLE_H if title else 0.1) + len(sections) * _SECTION_H + sum(rows) * _ROW_H + _MARGIN_B
    fig = Figure(figsize=(fig_w, fig_h))
    if title:
        fig.text(0.5, 1 - 0.3 / fig_h, title, ha="center", va="center", fontsize=15, weight="bold")
    top = _TITLE_H if title else 0.1  # inches from the top edge
    for section, n_rows in zip(sections, rows):
        fig.text(_MARGIN_L / fig_w, 1 - (top + 0.38) / fig_h, _section_heading(section),
                 ha="left", va="center", fontsize=12, weight="bold")
        width = max(m.width for m in section["motifs"])
        for k, motif in enumerate(section["motifs"]):
            row, col = divmod(k, ncols)
            bottom = top + _SECTION_H + row * _ROW_H + (_ROW_H - _LOGO_H - 0.12)
            ax = fig.add_axes([(_MARGIN_L + col * _CELL_W) / fig_w, 1 - (bottom + _LOGO_H) / fig_h,
                               _AXES_W / fig_w, _LOGO_H / fig_h], gid="logo")
            draw_logo(ax, motif.pwm, _cell_title(motif, section), width=width, yticklabels=col == 0)
            if col == 0:
                ax.set_ylabel("bits", fontsize=7, labelpad=1)
        top += _SECTION_H + n_rows * _ROW_H
    return fig


def filter_logo_figure(panels, out_paths, ground_truth=None, ncols: int = 6, title=None) -> Figure:
    """Draw first-layer filter logos per model (Fig 2) and write every path in ``out_paths``.

    ``panels``: one dict per model, in drawing order, ``{"label": "CNN-25", "motifs":
    [Motif, ...], "labels": {"filter3": "MA0083.3 SRF", ...}}``; ``labels`` (optional) maps a
    filter id to its best significant JASPAR match, filters without one are absent. Each
    model gets a titled section with ``ncols`` logos per row, each titled with the filter id
    and its match; all logos of a section share the x range of its widest filter (logos
    left-aligned) so clipped filters of different widths compare. ``ground_truth`` (list of
    Motif) adds a last section of those logos titled by name. Output suffixes .png (150
    dpi), .pdf, .svg. Returns the (saved, pyplot-free) Figure; dropping it frees it.

    Parameters
    ----------
    panels : list of dict
        One dict per model: ``label`` (str), ``motifs`` (list of Motif), optional ``labels``
        (filter ID -> best match text).
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``); checked before drawing.
    ground_truth : list of Motif, optional
        Motifs for a last section titled "ground-truth motifs (JASPAR)".
    ncols : int, default 6
        Logos per row.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        The saved figure.

    Raises
    ------
    MotifrepError
        A bad output suffix, or as :func:`build_filter_logo_figure`.
    """
    output_paths(out_paths)  # fail on a bad suffix before the slow drawing
    fig = build_filter_logo_figure(panels, ground_truth, ncols, title)
    save_figure(fig, out_paths)
    return fig

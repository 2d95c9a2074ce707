"""Figures: sequence logos of first-layer filters (Fig 2, S1 Fig) and match-fraction bars (Fig 3).

Everything here draws on a bare :class:`matplotlib.figure.Figure` (never ``pyplot``), so
nothing is registered with a GUI backend or pyplot's figure manager: the code runs
headless, PNG output is rendered with Agg, and a figure is freed as soon as the returned
object is dropped (no figure accumulates across calls). Every output path is written
through :func:`motifrep.io.atomic_path`; its suffix picks the format.

Logos show information content in bits against a uniform background: at each position
the stack height is ``2 + sum_b p_b log2 p_b`` and letter ``b`` gets ``p_b`` of it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import logomaker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .errors import MotifrepError
from .io import atomic_path

log = logging.getLogger("motifrep")

ALPHABET = "ACGT"
FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
PNG_DPI = 150
MAX_LABEL_CHARS = 28
MIN_BITS = 0.01  # letters lower than this are skipped (1 px at 150 dpi in the grid is ~0.02 bits)

# Logo-grid layout, in inches.
_CELL_W = 2.2  # column pitch
_AXES_W = 1.95  # logo axes width
_LOGO_H = 0.7  # logo axes height
_ROW_H = 1.12  # row pitch: logo + its one-line title + gap
_SECTION_H = 0.55  # section heading
_TITLE_H = 0.55  # figure title
_MARGIN_L, _MARGIN_R, _MARGIN_B = 0.45, 0.15, 0.1


# ----------------------------------------------------------------------------- logos


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
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(pwm > 0, pwm * np.log2(pwm), 0.0)
    info = np.clip(2.0 + plogp.sum(axis=1), 0.0, 2.0)
    return pd.DataFrame(pwm * info[:, None], columns=list(ALPHABET))


def draw_logo(ax, pwm, title=None, *, width=None, fontsize=8, yticklabels=True, min_bits=MIN_BITS):
    """Draw an information logo of ``pwm`` on ``ax`` (logomaker, classic colours, 0-2 bits).

    ``width`` fixes the x range to that many positions, logo left-aligned, so logos of
    different widths share a scale. Only the left spine (0-2 bits) is kept. Letters lower
    than ``min_bits`` (sub-pixel at the grid size) are not drawn: logomaker spends ~5 ms on
    each letter it draws. Returns ``ax``.
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


def _short(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# ----------------------------------------------------------------------------- saving


def _output_paths(out_paths) -> list[Path]:
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
    """Write ``fig`` atomically to every path in ``out_paths``; the suffix picks the format."""
    paths = _output_paths(out_paths)
    for path in paths:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=FORMATS[path.suffix.lower()], dpi=dpi)
    return paths


# ----------------------------------------------------------------------------- logo grids


def _check_panels(panels, ground_truth, ncols) -> list[dict]:
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
    labels = section.get("labels")
    if labels is None:
        return section["label"]
    n_matched = sum(1 for m in section["motifs"] if labels.get(m.id))
    return f"{section['label']}   ({n_matched}/{len(section['motifs'])} filters match a JASPAR motif)"


def _cell_title(motif, section: dict) -> str:
    if "names" in section:
        return _short(section["names"][motif.id])
    match = (section.get("labels") or {}).get(motif.id)
    return _short(f"{motif.id}  {match}" if match else motif.id)


def build_filter_logo_figure(panels, ground_truth=None, ncols: int = 6, title=None) -> Figure:
    """The logo grid of :func:`filter_logo_figure`, unsaved. Logo axes have gid ``"logo"``."""
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
    """
    _output_paths(out_paths)  # fail on a bad suffix before the slow drawing
    fig = build_filter_logo_figure(panels, ground_truth, ncols, title)
    save_figure(fig, out_paths)
    return fig


# ----------------------------------------------------------------------------- bars

_BAR_COLUMNS = ("model", "match_any_mean", "match_any_std", "match_ground_truth_mean", "match_ground_truth_std")
_BAR_SERIES = (("match_any", "any JASPAR motif", "#7f7f7f"), ("match_ground_truth", "ground-truth motif", "#1f77b4"))


def match_fraction_barplot(table: pd.DataFrame, out_paths, x: str = "pool", title=None) -> Figure:
    """Grouped bars of the fraction of filters matching any JASPAR motif vs a ground-truth one.

    ``table`` has one row per model with columns model, ``x`` (default pool, the first-layer
    pool size), match_any_mean/_std and match_ground_truth_mean/_std. Models are ordered by
    ``x`` and ticked "model (x value)"; error bars are the std (missing std drawn as 0); y 0-1.
    Writes every path in ``out_paths`` and returns the Figure.
    """
    paths = _output_paths(out_paths)
    missing = [c for c in (*_BAR_COLUMNS, x) if c not in table.columns]
    if missing:
        raise MotifrepError(f"match-fraction table lacks column(s) {', '.join(missing)}")
    if table.empty:
        raise MotifrepError("match-fraction table is empty: nothing to plot")
    table = table.sort_values([x, "model"], kind="stable").reset_index(drop=True)
    pos = np.arange(len(table))
    fig = Figure(figsize=(max(4.5, 0.9 * len(table) + 2.5), 3.6), layout="constrained")
    ax = fig.add_subplot()
    for k, (col, name, colour) in enumerate(_BAR_SERIES):
        ax.bar(pos + (k - 0.5) * 0.38, table[f"{col}_mean"], 0.38, yerr=table[f"{col}_std"].fillna(0),
               capsize=3, color=colour, label=name, error_kw={"elinewidth": 1})
    ax.set_xticks(pos, [f"{m}\n({x} {v:g})" if isinstance(v, (int, float, np.number)) else f"{m}\n({x} {v})"
                        for m, v in zip(table["model"], table[x])], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction of first-layer filters")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    if title:
        ax.set_title(title)
    save_figure(fig, paths)
    return fig


# ----------------------------------------------------------------------------- activations (P2 Fig 1)


def activation_barplot(summary: pd.DataFrame, out_paths, title=None) -> Figure:
    """P2 Fig 1: per model (columns) and first-layer activation (bars), the fraction of
    first-layer filters matching any JASPAR / a ground-truth motif (top) and the test AUPR
    (bottom); error bars are the std over trials (none with one trial)."""
    paths = _output_paths(out_paths)
    needed = ["model", "activation", "layer", "aupr_mean", "aupr_std"]
    needed += [f"{c}_{s}" for c, _, _ in _BAR_SERIES for s in ("mean", "std")]
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise MotifrepError(f"summary table lacks column(s) {', '.join(missing)}")
    table = summary[summary.layer == 1]
    if table.empty:
        raise MotifrepError("summary table has no first-layer rows: nothing to plot")
    models = list(dict.fromkeys(table.model))
    fig = Figure(figsize=(max(4.0, 3.2 * len(models)), 5.2), layout="constrained")
    axes = fig.subplots(2, len(models), squeeze=False)
    for j, model in enumerate(models):
        rows = table[table.model == model].reset_index(drop=True)
        pos = np.arange(len(rows))
        top, bottom = axes[0, j], axes[1, j]
        for k, (col, name, colour) in enumerate(_BAR_SERIES):
            top.bar(pos + (k - 0.5) * 0.38, rows[f"{col}_mean"], 0.38, yerr=rows[f"{col}_std"].fillna(0),
                    capsize=2, color=colour, label=name, error_kw={"elinewidth": 1})
        bottom.bar(pos, rows["aupr_mean"], 0.6, yerr=rows["aupr_std"].fillna(0), capsize=2, color="#2ca02c")
        for ax, label in ((top, "fraction of filters"), (bottom, "test AUPR")):
            ax.set_xticks(pos, rows["activation"], rotation=45, ha="right", fontsize=8)
            ax.set_ylim(0, 1)
            ax.spines[["top", "right"]].set_visible(False)
            if j == 0:
                ax.set_ylabel(label)
        top.set_title(model, fontsize=10)
    axes[0, -1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    save_figure(fig, paths)
    return fig


def make_activation_plot(summary_tsv, out_paths, title=None) -> None:
    """Workflow step: :func:`activation_barplot` of an experiment's summary table."""
    import logging

    activation_barplot(pd.read_csv(summary_tsv, sep="\t"), out_paths, title=title)
    logging.getLogger("motifrep").info("wrote %s", ", ".join(map(str, out_paths)))


# --------------------------------------------------------------------------- workflow step


def _motif_names(jaspar_meme) -> tuple[dict, dict]:
    from .meme import read_meme

    motifs = read_meme(jaspar_meme)
    return {m.id: m for m in motifs}, {m.id: m.name for m in motifs}


def make_logo_figure(panels, jaspar_meme, tf_table, ground_truth, out_paths, title=None) -> None:
    """Filter logos per panel, each labelled with its best significant JASPAR match.

    ``panels``: dicts with label, filters (MEME), tomtom (TSV); ``ground_truth``: add the
    TF table's JASPAR motifs as a last row.
    """
    from .errors import ConfigError
    from .matching import filter_best_matches, load_tf_table
    from .meme import Motif, read_meme
    from .tomtom import read_tomtom_tsv

    by_id, names = _motif_names(jaspar_meme)
    sections = []
    for panel in panels:
        best = filter_best_matches(read_tomtom_tsv(panel["tomtom"]))
        labels = {q: f"{t} {names.get(t, '')}".strip() for q, t in zip(best["Query_ID"], best["Target_ID"])}
        sections.append({"label": panel["label"], "motifs": read_meme(panel["filters"]), "labels": labels})
    truth = None
    if ground_truth:
        truth = []
        for row in load_tf_table(tf_table).itertuples():
            if row.jaspar_id not in by_id:
                raise ConfigError(f"{tf_table}: JASPAR ID {row.jaspar_id!r} ({row.tf}) is not in {jaspar_meme}")
            truth.append(Motif(row.jaspar_id, by_id[row.jaspar_id].pwm, name=row.tf))
    filter_logo_figure(sections, out_paths, ground_truth=truth, title=title)
    log.info("wrote %s", ", ".join(map(str, out_paths)))


def make_match_plot(matches_summary_tsv, pools: dict, out_paths, title=None) -> None:
    """Bar plot of the first-layer match fractions against the first-layer pool size."""
    summary = pd.read_csv(matches_summary_tsv, sep="\t")
    summary = summary[(summary.layer == 1) & summary.model.isin(list(pools))].copy()
    summary["pool"] = summary.model.map(pools)
    match_fraction_barplot(summary, out_paths, x="pool", title=title)
    log.info("wrote %s for %d models", ", ".join(map(str, out_paths)), len(summary))


# ----------------------------------------------------------------------------- attribution (P2 Fig 2)

_ACT_COLOURS = {"relu": "#1f77b4", "exponential": "#d62728", "sigmoid": "#2ca02c", "tanh": "#9467bd",
                "softplus": "#8c564b", "linear": "#7f7f7f", "elu": "#ff7f0e"}


def interpretability_scatter(interp: pd.DataFrame, classification: pd.DataFrame, out_paths) -> Figure:
    """P2 Fig 2b/c: per method a panel; interpretability AUROC (y) against classification AUROC
    (x), one point per model × activation (means over trials, std as error bars)."""
    paths = _output_paths(out_paths)
    cls = classification[["model", "activation", "auroc_mean", "auroc_std"]].rename(
        columns={"auroc_mean": "cls_mean", "auroc_std": "cls_std"})
    table = interp.merge(cls, on=["model", "activation"], how="left")
    if table.empty:
        raise MotifrepError("interpretability table is empty: nothing to plot")
    methods = list(dict.fromkeys(table.method))
    markers = dict(zip(dict.fromkeys(table.model), "os^Dv<>"))
    fig = Figure(figsize=(3.2 * len(methods) + 1.6, 3.4), layout="constrained")
    axes = fig.subplots(1, len(methods), squeeze=False, sharey=True)[0]
    for ax, method in zip(axes, methods):
        for row in table[table.method == method].itertuples():
            ax.errorbar(row.cls_mean, row.interp_auroc_mean, xerr=np.nan_to_num(row.cls_std),
                        yerr=np.nan_to_num(row.interp_auroc_std), fmt=markers[row.model], capsize=2,
                        color=_ACT_COLOURS.get(row.activation, "black"), label=f"{row.model} {row.activation}")
        ax.set_title(method, fontsize=10)
        ax.set_xlabel("classification AUROC")
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_ylabel("interpretability AUROC")
    axes[-1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7)
    save_figure(fig, paths)
    return fig


def make_interpretability_plot(interp_tsv, classification_tsv, out_paths) -> None:
    """Workflow step: :func:`interpretability_scatter` of an experiment's summaries."""
    interpretability_scatter(pd.read_csv(interp_tsv, sep="\t"), pd.read_csv(classification_tsv, sep="\t"), out_paths)
    log.info("wrote %s", ", ".join(map(str, out_paths)))


def _shade(ax, truth_row) -> None:
    """Shade the ground-truth positions of one sequence."""
    pos = np.flatnonzero(truth_row)
    if pos.size:
        starts = pos[np.r_[True, np.diff(pos) > 1]]
        ends = pos[np.r_[np.diff(pos) > 1, True]]
        for a, b in zip(starts, ends):
            ax.axvspan(a - 0.5, b + 0.5, color="#ffe08a", alpha=0.5, lw=0, zorder=0)


def attribution_logo_figure(maps: list[dict], X: np.ndarray, truth: np.ndarray, out_paths) -> Figure:
    """P2 Fig 2d: rows = sequences, columns = runs (``maps``: label, scores (n, L, 4)); each cell is
    the attribution × one-hot logo of the sequence, ground-truth positions shaded."""
    paths = _output_paths(out_paths)
    n = len(X)
    fig = Figure(figsize=(7.5 * len(maps), 1.5 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, len(maps), squeeze=False)
    for j, m in enumerate(maps):
        for i in range(n):
            ax = axes[i, j]
            values = m["scores"][i].astype(np.float64) * X[i]
            frame = pd.DataFrame(values, columns=list("ACGT"))
            logomaker.Logo(frame, ax=ax, color_scheme="classic")
            _shade(ax, truth[i])
            ax.set_xticks([])
            ax.spines[["top", "right"]].set_visible(False)
            if i == 0:
                ax.set_title(m["label"], fontsize=10)
    save_figure(fig, paths)
    return fig


def make_attribution_logos(panels, data_path, out_paths, n_sequences: int = 4) -> None:
    """Workflow step: the first ``n_sequences`` maps of each panel (same sequences in every panel)."""
    from .attribution import read_attribution
    from .data import Dataset

    maps, rows = [], None
    with Dataset(data_path) as ds:
        for panel in panels:
            a = read_attribution(panel["path"], ds.length)
            if rows is not None and not np.array_equal(a["rows"][:n_sequences], rows):
                raise MotifrepError(f"{panel['path']}: attributes other sequences than {panels[0]['path']}")
            rows = a["rows"][:n_sequences]
            maps.append({"label": f"{panel['model']} {panel['activation']} ({panel['method']})",
                         "scores": a["scores"][:n_sequences]})
        X, truth = ds.read_rows("X", rows), ds.position_truth()[rows]
    attribution_logo_figure(maps, X, truth, out_paths)
    log.info("wrote %s", ", ".join(map(str, out_paths)))


def localization_figure(scans: list[dict], truth: np.ndarray, out_paths) -> Figure:
    """Scans (``scans``: label, scores (n, L)) of a few sequences, one row per sequence, each scan
    scaled to its own maximum; the embedded motifs shaded."""
    paths = _output_paths(out_paths)
    n = len(truth)
    fig = Figure(figsize=(9, 1.4 * n + 0.8), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    for i, ax in enumerate(axes):
        for k, scan in enumerate(scans):
            s = scan["scores"][i].astype(np.float64)
            span = np.ptp(s) or 1.0
            ax.plot((s - s.min()) / span, lw=1, label=scan["label"], color=f"C{k}")
        _shade(ax, truth[i])
        ax.set_ylim(-0.05, 1.05)
        ax.set_yticks([])
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=len(scans), frameon=False, fontsize=8)
    axes[-1].set_xlabel("position (nt)")
    save_figure(fig, paths)
    return fig

"""The experiment figures, each with its workflow step.

* Match-fraction bars against the first-layer pool size (Fig 3):
  :func:`match_fraction_barplot`, :func:`make_match_plot`.
* Per model and first-layer activation, match fractions and test AUPR (P2 Fig 1):
  :func:`activation_barplot`, :func:`make_activation_plot`.
* Filter logos per run labelled with their best JASPAR match (Fig 2, S1 Fig):
  :func:`make_logo_figure`, which draws with :func:`motifrep.filters.logos.filter_logo_figure`.
* Interpretability AUROC against classification AUROC (P2 Fig 2b/c):
  :func:`interpretability_scatter`, :func:`make_interpretability_plot`.
* Attribution logos of a few sequences (P2 Fig 2d): :func:`attribution_logo_figure`,
  :func:`make_attribution_logos`.

The drawing primitives (logos, figure saving, shading of ground-truth positions) are
:mod:`motifrep.motifs.logo`; the localization figure is
:func:`motifrep.interpret.localization.localization_figure`.

Everything here draws on a bare :class:`matplotlib.figure.Figure` (never ``pyplot``), so
nothing is registered with a GUI backend or pyplot's figure manager: the code runs
headless, PNG output is rendered with Agg, and a figure is freed as soon as the returned
object is dropped (no figure accumulates across calls). Every output path is written
through :func:`motifrep.io.atomic_path`; its suffix picks the format.
"""

from __future__ import annotations

import logging

import logomaker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from motifrep.datasets.store import Dataset
from motifrep.errors import ConfigError, MotifrepError
from motifrep.filters.logos import filter_logo_figure
from motifrep.filters.matching import filter_best_matches
from motifrep.interpret.maps import read_attribution
from motifrep.motifs.logo import output_paths, save_figure, shade_positions
from motifrep.motifs.meme import Motif, read_meme
from motifrep.motifs.tf_table import load_tf_table
from motifrep.motifs.tomtom import read_tomtom_tsv

log = logging.getLogger("motifrep")




_BAR_COLUMNS = ("model", "match_any_mean", "match_any_std", "match_ground_truth_mean", "match_ground_truth_std")


_BAR_SERIES = (("match_any", "any JASPAR motif", "#7f7f7f"), ("match_ground_truth", "ground-truth motif", "#1f77b4"))


def match_fraction_barplot(table: pd.DataFrame, out_paths, x: str = "pool", title=None) -> Figure:
    """Grouped bars of the fraction of filters matching any JASPAR motif vs a ground-truth one.

    ``table`` has one row per model with columns model, ``x`` (default pool, the first-layer
    pool size), match_any_mean/_std and match_ground_truth_mean/_std. Models are ordered by
    ``x`` and ticked "model (x value)"; error bars are the std (missing std drawn as 0); y 0-1.
    Writes every path in ``out_paths`` and returns the Figure.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model (columns above).
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).
    x : str, default "pool"
        The column models are ordered and ticked by.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        The saved figure.

    Raises
    ------
    MotifrepError
        A bad output path, a missing column, or an empty table.
    """
    paths = output_paths(out_paths)
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


def activation_barplot(summary: pd.DataFrame, out_paths, title=None) -> Figure:
    """P2 Fig 1: per model and first-layer activation, match fractions and test AUPR.

    Per model (columns) and first-layer activation (bars), the fraction of first-layer
    filters matching any JASPAR / a ground-truth motif (top) and the test AUPR (bottom);
    error bars are the std over trials (none with one trial).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`motifrep.results.tables.summary_table` output; its layer-1 rows are drawn.
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        The saved figure.

    Raises
    ------
    MotifrepError
        A bad output path, a missing column, or no layer-1 rows.
    """
    paths = output_paths(out_paths)
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
    """Workflow step: :func:`activation_barplot` of an experiment's summary table.

    Parameters
    ----------
    summary_tsv : str or os.PathLike
        The summary table (:func:`motifrep.results.tables.make_summary`).
    out_paths : sequence of str or os.PathLike
        Output files (``.png``, ``.pdf``, ``.svg``).
    title : str, optional
        Figure title.

    Returns
    -------
    None

    Raises
    ------
    MotifrepError
        As :func:`activation_barplot`.
    """
    import logging

    activation_barplot(pd.read_csv(summary_tsv, sep="\t"), out_paths, title=title)
    logging.getLogger("motifrep").info("wrote %s", ", ".join(map(str, out_paths)))


def _motif_names(jaspar_meme) -> tuple[dict, dict]:
    """``(id -> Motif, id -> name)`` of a MEME file."""
    motifs = read_meme(jaspar_meme)
    return {m.id: m for m in motifs}, {m.id: m.name for m in motifs}


def make_logo_figure(panels, jaspar_meme, tf_table, ground_truth, out_paths, title=None,
                     database_meme=None) -> None:
    """Filter logos per panel, each labelled with its best significant JASPAR match.

    ``panels``: dicts with label, filters (MEME), tomtom (TSV); ``ground_truth``: add the
    TF table's JASPAR motifs as a last row.

    Drawn by :func:`motifrep.filters.logos.filter_logo_figure`.

    Parameters
    ----------
    panels : iterable of dict
        ``label``, ``filters`` (MEME path), ``tomtom`` (hit TSV path) per panel; optional ``unit``,
        what the motifs are called in the section heading (default "filters").
    jaspar_meme : str or os.PathLike
        The simulation's JASPAR motifs (the ground-truth matrices; the names of the matches too
        unless ``database_meme`` is given).
    tf_table : str or os.PathLike
        The TF table (read only with ``ground_truth``).
    ground_truth : bool
        Add a last section of the TF table's motifs, titled by TF.
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).
    title : str, optional
        Figure title.
    database_meme : str or os.PathLike, optional
        The motifs the filters were compared with (config ``tomtom.database``): the names of
        the matches.

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        A TF's JASPAR ID is not in ``jaspar_meme``.
    FormatError
        A malformed MEME, Tomtom or TF table file.
    MotifrepError
        A bad output path or a panel without motifs.
    """

    by_id, names = _motif_names(jaspar_meme)
    if database_meme is not None:
        names = _motif_names(database_meme)[1]
    sections = []
    for panel in panels:
        best = filter_best_matches(read_tomtom_tsv(panel["tomtom"]))
        labels = {q: f"{t} {names.get(t, '')}".strip() for q, t in zip(best["Query_ID"], best["Target_ID"])}
        sections.append({"label": panel["label"], "motifs": read_meme(panel["filters"]), "labels": labels,
                         "unit": panel.get("unit", "filters")})
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
    """Workflow step: bar plot of the first-layer match fractions against the first-layer pool size.

    Parameters
    ----------
    matches_summary_tsv : str or os.PathLike
        Match summary (:func:`motifrep.filters.matching.match_table`); its layer-1 rows of the
        models in ``pools`` are drawn.
    pools : dict
        Model name -> first-layer pool size.
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).
    title : str, optional
        Axes title.

    Returns
    -------
    None

    Raises
    ------
    MotifrepError
        As :func:`match_fraction_barplot` (e.g. none of the models is in the summary).
    """
    summary = pd.read_csv(matches_summary_tsv, sep="\t")
    summary = summary[(summary.layer == 1) & summary.model.isin(list(pools))].copy()
    summary["pool"] = summary.model.map(pools)
    match_fraction_barplot(summary, out_paths, x="pool", title=title)
    log.info("wrote %s for %d models", ", ".join(map(str, out_paths)), len(summary))


_ACT_COLOURS = {"relu": "#1f77b4", "exponential": "#d62728", "sigmoid": "#2ca02c", "tanh": "#9467bd",
                "softplus": "#8c564b", "linear": "#7f7f7f", "elu": "#ff7f0e"}


def interpretability_scatter(interp: pd.DataFrame, classification: pd.DataFrame, out_paths) -> Figure:
    """P2 Fig 2b/c: interpretability AUROC against classification AUROC, one panel per method.

    Interpretability AUROC (y) against classification AUROC (x), one point per model ×
    activation (means over trials, std as error bars).

    Parameters
    ----------
    interp : pandas.DataFrame
        Interpretability summary: model, activation, method, interp_auroc_mean / _std.
    classification : pandas.DataFrame
        Classification summary: model, activation, auroc_mean, auroc_std.
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).

    Returns
    -------
    matplotlib.figure.Figure
        The saved figure.

    Raises
    ------
    MotifrepError
        A bad output path or an empty interpretability table.
    """
    paths = output_paths(out_paths)
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
    """Workflow step: :func:`interpretability_scatter` of an experiment's summaries.

    Parameters
    ----------
    interp_tsv : str or os.PathLike
        Interpretability summary
        (:func:`motifrep.interpret.interpretability.make_interpretability_table`).
    classification_tsv : str or os.PathLike
        Classification summary (:func:`motifrep.results.tables.aggregate_classification`).
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).

    Returns
    -------
    None

    Raises
    ------
    MotifrepError
        As :func:`interpretability_scatter`.
    """
    interpretability_scatter(pd.read_csv(interp_tsv, sep="\t"), pd.read_csv(classification_tsv, sep="\t"), out_paths)
    log.info("wrote %s", ", ".join(map(str, out_paths)))


def attribution_logo_figure(maps: list[dict], X: np.ndarray, truth: np.ndarray, out_paths) -> Figure:
    """P2 Fig 2d: attribution logos, rows = sequences, columns = runs.

    ``maps``: label, scores (n, L, 4) per run; each cell is the attribution × one-hot logo of
    the sequence, ground-truth positions shaded.

    Parameters
    ----------
    maps : list of dict
        ``label`` (str) and ``scores`` (array ``(n, L, 4)``) per run.
    X : numpy.ndarray
        ``(n, L, 4)`` one-hot sequences.
    truth : numpy.ndarray
        ``(n, L)`` per-position ground truth.
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).

    Returns
    -------
    matplotlib.figure.Figure
        The saved figure.

    Raises
    ------
    MotifrepError
        A bad output path.
    """
    paths = output_paths(out_paths)
    n = len(X)
    fig = Figure(figsize=(7.5 * len(maps), 1.5 * n + 0.6), layout="constrained")
    axes = fig.subplots(n, len(maps), squeeze=False)
    for j, m in enumerate(maps):
        for i in range(n):
            ax = axes[i, j]
            values = m["scores"][i].astype(np.float64) * X[i]
            frame = pd.DataFrame(values, columns=list("ACGT"))
            logomaker.Logo(frame, ax=ax, color_scheme="classic")
            shade_positions(ax, truth[i])
            ax.set_xticks([])
            ax.spines[["top", "right"]].set_visible(False)
            if i == 0:
                ax.set_title(m["label"], fontsize=10)
    save_figure(fig, paths)
    return fig


def make_attribution_logos(panels, data_path, out_paths, n_sequences: int = 4) -> None:
    """Workflow step: the first ``n_sequences`` maps of each panel (same sequences in every panel).

    Parameters
    ----------
    panels : sequence of dict
        ``model``, ``activation``, ``method``, ``path`` (maps file) per column.
    data_path : str or os.PathLike
        The data set the maps explain (with ``info_mask``).
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).
    n_sequences : int, default 4
        Sequences (rows) drawn.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        A missing or invalid data set (or one without ``info_mask``) or maps file.
    MotifrepError
        Panels that attribute other sequences, or a bad output path.
    """

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


def modisco_barplot(summary: pd.DataFrame, out_paths) -> Figure:
    """TF-MoDISco by activation and method: ground-truth TFs recovered and seqlet precision (mean ± sd).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`motifrep.interpret.discovery_score.make_modisco_table`'s summary (``model``,
        ``activation``, ``method``, ``mod_recovered_*``, ``mod_precision_*``, ``mod_false_*``).
    out_paths : str or os.PathLike, or a sequence of them
        Output files (``.png``, ``.pdf``, ``.svg``).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    MotifrepError
        An empty summary or a bad output path.
    """
    if summary.empty:
        raise MotifrepError("TF-MoDISco summary has no rows")
    output_paths(out_paths)
    groups = list(dict.fromkeys(zip(summary["model"], summary["method"])))
    acts = list(dict.fromkeys(summary["activation"]))
    metrics = [("mod_recovered", "ground-truth TFs recovered"), ("mod_false", "false patterns"),
               ("mod_precision", "seqlet precision")]
    fig = Figure(figsize=(3.2 * len(metrics), 3.2))
    width = 0.8 / len(acts)
    for k, (metric, label) in enumerate(metrics):
        ax = fig.add_subplot(1, len(metrics), k + 1)
        for j, act in enumerate(acts):
            rows = [summary[(summary.model == m) & (summary.method == meth) & (summary.activation == act)]
                    for m, meth in groups]
            mean = [r[f"{metric}_mean"].iloc[0] if len(r) else np.nan for r in rows]
            sd = [r[f"{metric}_std"].iloc[0] if len(r) else np.nan for r in rows]
            ax.bar(np.arange(len(groups)) + j * width, mean, width, yerr=np.nan_to_num(sd), label=act, capsize=2)
        ax.set_xticks(np.arange(len(groups)) + width * (len(acts) - 1) / 2)
        ax.set_xticklabels([f"{m}\n{meth}" for m, meth in groups], fontsize=7)
        ax.set_title(label, fontsize=9)
        if metric == "mod_precision":
            ax.set_ylim(0, 1)
    fig.axes[0].legend(fontsize=7, title="first layer", title_fontsize=7)
    fig.tight_layout()
    save_figure(fig, out_paths)
    return fig


def make_modisco_plot(summary_tsv, out_paths) -> None:
    """Workflow step: :func:`modisco_barplot` of an experiment's TF-MoDISco summary."""
    modisco_barplot(pd.read_csv(summary_tsv, sep="\t"), out_paths)
    log.info("wrote %s", ", ".join(map(str, output_paths(out_paths))))


def make_modisco_logos(runs, jaspar_meme, tf_table, out_paths) -> None:
    """Pattern logos of trial 0 of each model, activation and method, labelled with their best JASPAR
    match, beside the ground-truth logos (:func:`make_logo_figure`); runs without patterns are left out.

    Parameters
    ----------
    runs : iterable of dict
        :func:`motifrep.targets.modisco_runs` entries (``model``, ``activation``, ``trial``,
        ``method``, ``dir``).
    jaspar_meme, tf_table, out_paths
        As :func:`make_logo_figure`.

    Returns
    -------
    None
    """
    panels = []
    for r in runs:
        if int(r["trial"]) != 0:
            continue
        n = len(pd.read_csv(f"{r['dir']}/patterns.tsv", sep="\t"))
        if n:
            panels.append({"label": f"{r['model']} {r['activation']} {r['method']}: {n} TF-MoDISco pattern"
                                    f"{'s' if n != 1 else ''}",
                           "filters": f"{r['dir']}/patterns.meme", "tomtom": f"{r['dir']}/tomtom.tsv",
                           "unit": "patterns"})
    make_logo_figure(panels, jaspar_meme, tf_table, True, out_paths,
                     title=None if panels else "TF-MoDISco found no pattern in any run")

"""Figures from the authors' clipped filters and tomtom hits (Koo & Eddy 2019 fixtures)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import JASPAR2016, KOO2019, REPO

from motifrep.errors import MotifrepError
from motifrep.filters.logos import filter_logo_figure
from motifrep.motifs.logo import info_logo_frame
from motifrep.motifs.meme import Motif, read_meme
from motifrep.results.plots import match_fraction_barplot

FIXTURES = KOO2019
SYNTHETIC = FIXTURES / "synthetic"
JASPAR = JASPAR2016
TF_TABLE = REPO / "resources" / "tfs.tsv"
MODELS = (("CNN-2", "cnn_2"), ("CNN-4", "cnn_4"), ("CNN-25", "cnn_25"))


def _best_labels(tomtom: Path, jaspar_names: dict[str, str]) -> dict[str, str]:
    """Filter id -> 'JASPARID name' of its lowest-E-value tomtom hit."""
    hits = pd.read_csv(tomtom, sep="\t", dtype={"#Query ID": str, "Target ID": str})
    hits = hits.dropna(subset=["E-value"])
    best = hits.sort_values("E-value").drop_duplicates("#Query ID")
    return {q: f"{t} {jaspar_names[t]}".strip() for q, t in zip(best["#Query ID"], best["Target ID"])}


@pytest.fixture(scope="module")
def fig2_inputs():
    jaspar = {m.id: m for m in read_meme(JASPAR)}
    names = {k: m.name for k, m in jaspar.items()}
    panels = [
        {"label": label, "motifs": read_meme(SYNTHETIC / f"{stem}_clip.meme"),
         "labels": _best_labels(SYNTHETIC / f"{stem}_tomtom.tsv", names)}
        for label, stem in MODELS
    ]
    tfs = pd.read_csv(TF_TABLE, sep="\t", comment="#", dtype=str)
    ground_truth = [jaspar[i] for i in tfs["jaspar_id"]]
    return panels, ground_truth


def test_fig2_from_authors_filters(fig2_inputs, tmp_path):
    panels, ground_truth = fig2_inputs
    assert [len(p["motifs"]) for p in panels] == [30, 30, 30]
    assert panels[2]["labels"]["filter0"] == "MA0083.3 SRF"
    assert len(ground_truth) == 12
    png, pdf = tmp_path / "fig" / "fig2.png", tmp_path / "fig" / "fig2.pdf"

    fig = filter_logo_figure(panels, [png, pdf], ground_truth=ground_truth, title="Fig 2")

    for path in (png, pdf):
        assert path.is_file() and path.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in png.parent.iterdir()) == ["fig2.pdf", "fig2.png"]  # no temp files left
    height, width = mpimg.imread(png).shape[:2]
    assert 1500 < width < 3000 and 2500 < height < 5000 and height > width
    logos = [ax for ax in fig.axes if ax.get_gid() == "logo"]
    assert len(logos) == 90 + 12
    assert all(ax.get_ylim() == (0, 2) for ax in logos)
    titles = [ax.get_title(loc="left") for ax in logos]
    assert titles[60] == "filter0  MA0083.3 SRF"  # CNN-25 filter0
    assert titles[-1].startswith("YY1")
    assert plt.get_fignums() == []  # nothing left registered with pyplot


def test_info_logo_frame_heights():
    pwm = np.array([[0, 0, 1, 0], [0.25, 0.25, 0.25, 0.25], [0.5, 0, 0, 0.5]])
    frame = info_logo_frame(pwm)
    assert list(frame.columns) == ["A", "C", "G", "T"] and len(frame) == 3
    assert frame.loc[0].tolist() == pytest.approx([0, 0, 2, 0])
    assert frame.loc[1].tolist() == pytest.approx([0, 0, 0, 0])
    assert frame.loc[2].tolist() == pytest.approx([0.5, 0, 0, 0.5])
    assert info_logo_frame(Motif("m", pwm)).equals(frame)


def test_barplot_writes_files(tmp_path):
    table = pd.DataFrame({
        "model": ["CNN-25", "CNN-2", "CNN-4"], "pool": [25, 2, 4],
        "match_any_mean": [0.9, 0.6, 0.7], "match_any_std": [0.05, 0.1, float("nan")],
        "match_ground_truth_mean": [0.5, 0.1, 0.2], "match_ground_truth_std": [0.1, 0.05, 0.05],
    })
    paths = [tmp_path / "fig3.png", tmp_path / "fig3.svg"]
    fig = match_fraction_barplot(table, paths, title="match fraction")
    assert all(p.is_file() and p.stat().st_size > 1000 for p in paths)
    assert paths[0].read_bytes()[:4] == b"\x89PNG"
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["CNN-2\n(pool 2)", "CNN-4\n(pool 4)", "CNN-25\n(pool 25)"]
    assert ax.get_ylim() == (0, 1)
    with pytest.raises(MotifrepError, match="match_any_std"):
        match_fraction_barplot(table.drop(columns="match_any_std"), tmp_path / "x.png")


def test_two_layer_sections(tmp_path):  # S1 Fig: CNN-1 layer 1 vs layer 2, as the workflow builds it
    rng = np.random.default_rng(0)
    layer1 = [Motif(f"filter{i}", rng.dirichlet(np.full(4, 0.3), 8)) for i in range(4)]
    layer2 = [Motif(f"filter{i}", rng.dirichlet(np.full(4, 0.3), 12)) for i in range(3)]
    panels = [{"label": "layer 1", "motifs": layer1, "labels": {"filter1": "MA0083.3 SRF"}},
              {"label": "layer 2", "motifs": layer2}]
    fig = filter_logo_figure(panels, tmp_path / "s1.png")
    assert (tmp_path / "s1.png").is_file()
    assert fig.texts[0].get_text().startswith("layer 1") and fig.texts[1].get_text() == "layer 2"
    logos = [ax for ax in fig.axes if ax.get_gid() == "logo"]
    assert len(logos) == 7
    assert logos[0].get_xlim() == (-0.5, 7.5) and logos[4].get_xlim() == (-0.5, 11.5)


def test_errors(tmp_path):
    motif = Motif("m", np.full((5, 4), 0.25))
    with pytest.raises(MotifrepError, match="no motifs"):
        filter_logo_figure([{"label": "CNN-2", "motifs": []}], tmp_path / "a.png")
    with pytest.raises(MotifrepError, match="no motifs"):
        filter_logo_figure([{"label": "CNN-2", "motifs": [motif]}], tmp_path / "a.png", ground_truth=[])
    with pytest.raises(MotifrepError, match="no panels"):
        filter_logo_figure([], tmp_path / "a.png")
    with pytest.raises(MotifrepError, match="unknown figure format"):
        filter_logo_figure([{"label": "CNN-2", "motifs": [motif]}], [tmp_path / "a.png", tmp_path / "a.jpeg2"])
    with pytest.raises(MotifrepError):
        info_logo_frame(np.zeros((3, 5)))
    assert not any(tmp_path.iterdir())  # nothing written when the call fails


def test_modisco_barplot_writes_and_refuses_an_empty_summary(tmp_path):
    from motifrep.results.plots import modisco_barplot

    rows = [{"model": "CNN-local", "activation": a, "method": "saliency", "n_trials": 1,
             **{f"{m}_{s}": v for m in ("mod_recovered", "mod_false", "mod_precision") for s, v in
                (("mean", 1.0), ("std", float("nan")))}} for a in ("relu", "exponential")]
    fig = modisco_barplot(pd.DataFrame(rows), [tmp_path / "m.png"])
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG" and len(fig.axes) == 3
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["relu", "exponential"]
    with pytest.raises(MotifrepError, match="no rows"):
        modisco_barplot(pd.DataFrame(rows).iloc[:0], [tmp_path / "e.png"])


def test_section_heading_counts_filters_or_patterns():
    """The logo-grid heading counts the section's motifs with a JASPAR label, named by its unit."""
    from motifrep.filters.logos import _section_heading
    from motifrep.motifs.meme import Motif

    motifs = [Motif(f"m{i}", np.full((4, 4), 0.25)) for i in range(3)]
    labels = {"m0": "MA0079.3 SP1", "m2": "MA0095.2 YY1"}  # m1 has no match
    assert _section_heading({"label": "CNN-2", "motifs": motifs, "labels": labels}) == \
        "CNN-2   (2/3 filters match a JASPAR motif)"
    assert _section_heading({"label": "modisco", "motifs": motifs, "labels": labels, "unit": "patterns"}) == \
        "modisco   (2/3 patterns match a JASPAR motif)"
    assert _section_heading({"label": "truth", "motifs": motifs}) == "truth"

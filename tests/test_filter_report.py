"""motifrep.filters.report: per-filter and per-TF tables, on hand-made inputs and the authors' files."""

import logging
import math

import numpy as np
import pandas as pd
import pytest
from conftest import JASPAR2016, KOO2019, REPO

from motifrep.errors import FormatError
from motifrep.filters.report import (
    FILTER_COLUMNS,
    TF_COLUMNS,
    filter_table,
    make_filter_report,
    recovered_tfs,
)
from motifrep.motifs.meme import Motif, read_meme
from motifrep.motifs.tf_table import load_tf_table
from motifrep.motifs.tomtom import read_tomtom_tsv

SYNTH = KOO2019 / "synthetic"
TFS = REPO / "resources" / "tfs.tsv"

UNIFORM = [0.25, 0.25, 0.25, 0.25]
PURE_A = [1.0, 0.0, 0.0, 0.0]


def _hits(rows):
    return pd.DataFrame(rows, columns=["Query_ID", "Target_ID", "E-value"])


@pytest.fixture(scope="module")
def tiny():
    """Two filters (filter1 had no site), three JASPAR motifs, a two-TF table."""
    unclipped = [Motif("filter0", np.array([PURE_A, UNIFORM, UNIFORM]), nsites=12),
                 Motif("filter1", np.array([UNIFORM, UNIFORM, UNIFORM]), nsites=0)]
    clipped = [Motif("filter0", np.array([PURE_A, UNIFORM]), nsites=2),
               Motif("filter1", np.array([UNIFORM, UNIFORM, UNIFORM]), nsites=3)]
    jaspar = [Motif(i, np.array([PURE_A]), name) for i, name in
              [("MA0001.1", "AAA"), ("MA0002.1", "BBB"), ("MA0003.1", "CCC")]]
    tfs = pd.DataFrame({"tf": ["TFa", "TFb"], "jaspar_id": ["MA0001.1", "MA0003.1"],
                        "accepted_ids": [["MA0001.1"], ["MA0003.1", "MA0002.1"]]})
    return unclipped, clipped, jaspar, tfs


def test_tiny_table_by_hand(tiny):
    unclipped, clipped, jaspar, tfs = tiny
    hits = _hits([("filter0", "MA0002.1", 0.01), ("filter0", "MA0001.1", 1e-5)])
    table = filter_table(unclipped, clipped, hits, jaspar, tfs)
    assert list(table.columns) == FILTER_COLUMNS
    assert list(table["filter"]) == ["filter0", "filter1"]
    f0, f1 = table.iloc[0], table.iloc[1]
    # one column [1,0,0,0] = 2 bits, one uniform column = 0 bits
    assert f0["information_bits"] == pytest.approx(2.0) and f1["information_bits"] == pytest.approx(0.0)
    assert (f0["clipped_width"], f1["clipped_width"]) == (2, 3)
    assert (f0["n_sites"], f1["n_sites"]) == (12, 0)
    assert (bool(f0["no_sites"]), bool(f1["no_sites"])) == (False, True)
    assert (f0["best_match"], f0["best_match_name"], f0["best_evalue"], f0["n_hits"]) == ("MA0001.1", "AAA", 1e-5, 2)
    assert f0["ground_truth_tf"] == "TFa,TFb" and bool(f0["matches_ground_truth"])
    assert (f1["best_match"], f1["best_match_name"], f1["n_hits"], f1["ground_truth_tf"]) == ("", "", 0, "")
    assert math.isnan(f1["best_evalue"]) and not f1["matches_ground_truth"]


def test_tiny_recovered_tfs(tiny):
    unclipped, clipped, jaspar, tfs = tiny
    both = [Motif("filter2", np.array([PURE_A])), Motif("filter3", np.array([PURE_A]))]
    unclipped, clipped = unclipped + both, clipped + both
    # TFb: filter0 through MA0002.1 (E 0.01, not its best hit), filter2 through MA0003.1 (E 0.05)
    hits = _hits([("filter0", "MA0001.1", 1e-5), ("filter0", "MA0002.1", 0.01),
                  ("filter2", "MA0003.1", 0.05), ("filter3", "MA0001.1", 0.002)])
    table = filter_table(unclipped, clipped, hits, jaspar, tfs)
    assert list(table["ground_truth_tf"]) == ["TFa,TFb", "", "TFb", "TFa"]
    rec = recovered_tfs(table, tfs, hits)
    assert list(rec.columns) == TF_COLUMNS
    assert rec.to_dict("records") == [
        {"tf": "TFa", "recovered": True, "n_filters": 2, "best_evalue": 1e-5},
        {"tf": "TFb", "recovered": True, "n_filters": 2, "best_evalue": 0.01},
    ]
    rec = recovered_tfs(table.iloc[[1]], tfs, hits.iloc[[]])  # no hits at all
    assert list(rec["recovered"]) == [False, False] and list(rec["n_filters"]) == [0, 0]
    assert rec["best_evalue"].isna().all()


def test_unknown_filter_or_target_is_a_format_error(tiny):
    unclipped, clipped, jaspar, tfs = tiny
    with pytest.raises(FormatError, match="filter 'filter7'") as err:
        filter_table(unclipped, clipped, _hits([("filter7", "MA0001.1", 0.01)]), jaspar, tfs)
    assert "\n" not in str(err.value)
    with pytest.raises(FormatError, match="target 'MA0999.1'"):
        filter_table(unclipped, clipped, _hits([("filter0", "MA0999.1", 0.01)]), jaspar, tfs)
    with pytest.raises(FormatError, match="clipped filter file"):
        filter_table(unclipped, clipped[::-1], _hits([]), jaspar, tfs)
    table = filter_table(unclipped, clipped, _hits([]), jaspar, tfs)
    with pytest.raises(FormatError, match="filter 'filter7'"):
        recovered_tfs(table, tfs, _hits([("filter7", "MA0001.1", 0.01)]))


@pytest.fixture(scope="module")
def jaspar2016():
    return read_meme(JASPAR2016)


def _authors(name, jaspar):
    unclipped, clipped = read_meme(SYNTH / f"{name}.meme"), read_meme(SYNTH / f"{name}_clip.meme")
    hits = read_tomtom_tsv(SYNTH / f"{name}_tomtom.tsv")
    return filter_table(unclipped, clipped, hits, jaspar, load_tf_table(TFS)), unclipped, clipped


@pytest.mark.parametrize("name", ["cnn_25", "cnn_2"])
def test_authors_hits_per_filter(name, jaspar2016):
    table, unclipped, clipped = _authors(name, jaspar2016)
    assert list(table["filter"]) == [m.id for m in unclipped] and len(table) == 30
    raw = pd.read_csv(SYNTH / f"{name}_tomtom.tsv", sep="\t")
    with_hit = set(raw.loc[raw["E-value"] <= 0.1, "#Query ID"])
    assert set(table.loc[table["n_hits"] > 0, "filter"]) == with_hit
    assert table["n_hits"].sum() == len(raw)
    assert list(table["clipped_width"]) == [m.pwm.shape[0] for m in clipped]
    # the authors wrote nsites= width (19) in the unclipped file, as filters_to_motifs does
    assert (table["n_sites"] == 19).all() and not table["no_sites"].any()


def test_authors_cnn25_best_matches(jaspar2016):
    table, _, clipped = _authors("cnn_25", jaspar2016)
    row = table.set_index("filter")
    # cnn_25_tomtom.tsv: "filter0  MA0083.3 ... 2.9657e-09" (SRF), and filter5's first line
    # "filter5  MA0062.2 ... 7.68013e-16" (JASPAR name Gabpa), each the lowest E-value of its filter
    assert (row.at["filter0", "best_match"], row.at["filter0", "best_match_name"]) == ("MA0083.3", "SRF")
    assert row.at["filter0", "best_evalue"] == pytest.approx(2.9657e-09, rel=1e-9)
    assert "SRF" in row.at["filter0", "ground_truth_tf"].split(",")
    assert (row.at["filter5", "best_match"], row.at["filter5", "best_match_name"]) == ("MA0062.2", "Gabpa")
    assert row.at["filter5", "best_evalue"] == pytest.approx(7.68013e-16, rel=1e-9)
    assert "Gabpa" in row.at["filter5", "ground_truth_tf"].split(",")
    # IC of the clipped filter0 recomputed here from its matrix
    p = clipped[0].pwm
    bits = sum(2 + sum(x * math.log2(x) for x in col if x > 0) for col in p)
    assert row.at["filter0", "information_bits"] == pytest.approx(bits)


def test_make_filter_report_writes_both_tables(tmp_path, caplog):
    out_f, out_t = tmp_path / "filters.tsv", tmp_path / "tfs.tsv"
    with caplog.at_level(logging.INFO, logger="motifrep"):
        make_filter_report(SYNTH / "cnn_2.meme", SYNTH / "cnn_2_clip.meme", SYNTH / "cnn_2_tomtom.tsv", JASPAR2016,
                           TFS, out_f, out_t)
    filters = pd.read_csv(out_f, sep="\t", keep_default_na=False)
    tfs = pd.read_csv(out_t, sep="\t")
    assert list(filters.columns) == FILTER_COLUMNS and len(filters) == 30
    assert list(tfs.columns) == TF_COLUMNS and list(tfs["tf"]) == list(load_tf_table(TFS)["tf"])
    raw = pd.read_csv(SYNTH / "cnn_2_tomtom.tsv", sep="\t")
    assert (filters["n_hits"] > 0).sum() == raw["#Query ID"].nunique()
    for tf, n in zip(tfs["tf"], tfs["n_filters"]):
        assert n == sum(tf in g.split(",") for g in filters["ground_truth_tf"])
    assert (tfs["recovered"] == (tfs["n_filters"] > 0)).all()
    assert len([r for r in caplog.records if r.name == "motifrep"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filters.tsv", "tfs.tsv"]  # no temporary files left


def test_make_filter_report_unknown_filter(tmp_path):
    bad = tmp_path / "bad_tomtom.tsv"
    lines = (SYNTH / "cnn_2_tomtom.tsv").read_text().splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace(lines[1].split("\t")[0], "filter99", 1)]) + "\n")
    with pytest.raises(FormatError, match="filter 'filter99'") as err:
        make_filter_report(SYNTH / "cnn_2.meme", SYNTH / "cnn_2_clip.meme", bad, JASPAR2016, TFS,
                           tmp_path / "f.tsv", tmp_path / "t.tsv")
    assert "\n" not in str(err.value) and not (tmp_path / "f.tsv").exists()

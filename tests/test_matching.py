"""Tests of motifrep.filters.matching: TF table, match fractions and best matches per filter."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import KOO2019, REPO

from motifrep.errors import FormatError, MotifrepError
from motifrep.filters.matching import filter_best_matches, match_statistics
from motifrep.motifs.tf_table import load_tf_table
from motifrep.motifs.tomtom import read_tomtom_tsv

TF_TABLE = REPO / "resources" / "tfs.tsv"
FIXTURES = KOO2019


def _stored_outputs():
    """(tsv path, clipped-filter MEME path) for every stored tomtom output."""
    out = []
    for tsv in sorted(FIXTURES.glob("*/*_tomtom.tsv")):
        stem = tsv.name[: -len("_tomtom.tsv")]
        meme = tsv.with_name(f"{stem}_clip.meme")
        if not meme.exists():  # cnn_100_2_tomtom.tsv goes with cnn_100_clip.meme
            meme = tsv.with_name(f"{stem.rsplit('_', 1)[0]}_clip.meme")
        out.append((tsv, meme))
    return out


def _hits(rows):
    return pd.DataFrame(rows, columns=["Query_ID", "Target_ID", "E-value"])


@pytest.fixture(scope="module")
def tf_table():
    return load_tf_table(TF_TABLE)


# --------------------------------------------------------------------------- TF table


def test_load_tf_table(tf_table):
    assert list(tf_table.columns) == ["tf", "jaspar_id", "accepted_ids"]
    assert len(tf_table) == 12
    assert tf_table["tf"].iloc[0] == "Arid3a" and tf_table["tf"].iloc[-1] == "YY1"
    row = tf_table.set_index("tf").loc["NFYB"]
    assert row["jaspar_id"] == "MA0502.1"
    assert row["accepted_ids"] == ["MA0502.1", "MA0060.1", "MA0060.2"]
    stat1 = tf_table.set_index("tf").loc["STAT1", "accepted_ids"]
    assert "MA0660.1" not in stat1 and "MA0773.1" not in stat1


@pytest.mark.parametrize(
    "text,message",
    [
        ("tf\tjaspar_id\nA\tMA1\n", "lacks column"),
        ("# c\ntf\tjaspar_id\taccepted_ids\nA\tMA1\tMA1\nA\tMA2\tMA2\n", ":4: TF 'A' listed twice"),
        ("tf\tjaspar_id\taccepted_ids\nA\tMA1\t ,\n", "no accepted_ids"),
        ("tf\tjaspar_id\taccepted_ids\nA\tMA1\n", ":2: 2 tab-separated fields"),
        ("# only comments\n", "no rows"),
    ],
)
def test_load_tf_table_errors(tmp_path, text, message):
    path = tmp_path / "tfs.tsv"
    path.write_text(text)
    with pytest.raises(FormatError, match=message):
        load_tf_table(path)


def test_load_tf_table_missing_file(tmp_path):
    with pytest.raises(FormatError, match="not found"):
        load_tf_table(tmp_path / "nope.tsv")


# --------------------------------------------------------------------------- statistics


def test_match_statistics_hand_made(tf_table):
    hits = _hits(
        [
            ("filter0", "MA0083.3", 1e-9),  # SRF: ground truth
            ("filter0", "MA9999.1", 1e-3),
            ("filter2", "MA0002.2", 0.05),  # RUNX1: not one of the 12 TFs
            ("filter3", "MA0999.9", 0.01),
            ("filter3", "MA0052.1", 0.02),  # MEF2A (accepted older version)
        ]
    )
    stats = match_statistics(hits, 5, tf_table)
    assert stats == {
        "n_filters": 5,
        "n_match_any": 3,
        "n_match_ground_truth": 2,
        "match_any": 0.6,
        "match_ground_truth": 0.4,
    }
    # path instead of table; threshold
    stats = match_statistics(hits, 5, TF_TABLE, evalue_thresh=0.015)
    assert (stats["n_match_any"], stats["n_match_ground_truth"]) == (2, 1)
    # no hits at all
    assert match_statistics(hits.iloc[:0], 30, tf_table)["match_any"] == 0.0


def test_match_statistics_errors(tf_table):
    hits = _hits([("filter0", "MA0083.3", 1e-9), ("filter1", "MA0083.3", 1e-9)])
    with pytest.raises(MotifrepError, match="more than n_filters"):
        match_statistics(hits, 1, tf_table)
    with pytest.raises(MotifrepError, match="positive integer"):
        match_statistics(hits, 0, tf_table)
    with pytest.raises(MotifrepError, match="lack column"):
        match_statistics(hits.drop(columns="Target_ID"), 2, tf_table)
    with pytest.raises(MotifrepError, match="tf_table"):
        match_statistics(hits, 2, {"SRF": ["MA0083.3"]})


@pytest.mark.parametrize("tsv,meme", _stored_outputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_match_statistics_on_authors_outputs(tf_table, tsv, meme):
    # expectation from the raw files with plain Python
    with open(TF_TABLE) as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    accepted = {a for row in csv.DictReader(lines, delimiter="\t") for a in row["accepted_ids"].split(",")}
    n_filters = sum(1 for ln in meme.read_text().splitlines() if ln.startswith("MOTIF "))
    any_q, gt_q = set(), set()
    for ln in tsv.read_text().splitlines():
        if not ln or ln.startswith("#"):
            continue
        fields = ln.split("\t")
        any_q.add(fields[0])
        if fields[1] in accepted:
            gt_q.add(fields[0])

    stats = match_statistics(read_tomtom_tsv(tsv), n_filters, tf_table)
    assert stats["n_filters"] == n_filters == 30
    assert stats["match_any"] == len(any_q) / n_filters
    assert stats["match_ground_truth"] == len(gt_q) / n_filters


def test_match_statistics_known_values(tf_table):
    syn = FIXTURES / "synthetic"
    cnn25 = match_statistics(read_tomtom_tsv(syn / "cnn_25_tomtom.tsv"), 30, tf_table)
    cnn2 = match_statistics(read_tomtom_tsv(syn / "cnn_2_tomtom.tsv"), 30, tf_table)
    assert cnn25["match_any"] == 1.0  # every CNN-25 filter matches JASPAR
    assert cnn2["n_match_any"] == 9  # CNN-2: 9 of 30 filters have a hit
    assert cnn25["match_ground_truth"] > cnn2["match_ground_truth"]


# --------------------------------------------------------------------------- best matches


def test_filter_best_matches_hand_made(tf_table):
    hits = _hits(
        [
            ("filter3", "MA0001.1", 0.02),
            ("filter0", "MA9999.1", 1e-3),
            ("filter0", "MA0083.3", 1e-9),
            ("filter3", "MA0052.1", 0.02),  # tie with MA0001.1: the first row wins
        ]
    )
    best = filter_best_matches(hits)
    assert best.to_dict("list") == {
        "Query_ID": ["filter3", "filter0"],
        "Target_ID": ["MA0001.1", "MA0083.3"],
        "E-value": [0.02, 1e-9],
    }
    with_tf = filter_best_matches(hits, tf_table)
    assert with_tf["tf"].tolist() == ["", "SRF"]
    empty = filter_best_matches(hits.iloc[:0])
    assert empty.empty and list(empty.columns) == ["Query_ID", "Target_ID", "E-value"]


def test_filter_best_matches_on_authors_output(tf_table):
    tsv = FIXTURES / "synthetic" / "cnn_25_tomtom.tsv"
    best = filter_best_matches(read_tomtom_tsv(tsv), tf_table)
    expected: dict[str, tuple[str, float]] = {}
    for ln in tsv.read_text().splitlines():
        if ln.startswith("#"):
            continue
        q, t, e = ln.split("\t")[0], ln.split("\t")[1], float(ln.split("\t")[4])
        if q not in expected or e < expected[q][1]:
            expected[q] = (t, e)
    assert len(best) == len(expected) == 30
    for q, t, e in zip(best["Query_ID"], best["Target_ID"], best["E-value"]):
        assert (t, e) == expected[q]
    assert list(best.columns) == ["Query_ID", "Target_ID", "E-value", "p-value", "q-value", "tf"]
    assert best.set_index("Query_ID").loc["filter0", "tf"] == "SRF"  # MA0083.3


def _run(tmp_path, tomtom_tsv, filters_meme, trial=0):
    return {"model": "CNN-25", "activation": "relu", "trial": trial, "layer": 1, "filters": str(filters_meme),
            "tomtom": str(tomtom_tsv)}


def test_match_table_on_authors_files(tmp_path):
    """The workflow step on the authors' CNN-25 files: 30 filters; counts from their own Tomtom table."""
    from motifrep.filters.matching import match_table

    tsv, meme = KOO2019 / "synthetic/cnn_25_tomtom.tsv", KOO2019 / "synthetic/cnn_25_clip.meme"
    hits = read_tomtom_tsv(tsv)
    hits = hits[hits["E-value"] <= 0.1]
    n_any = hits["Query_ID"].nunique()
    match_table([_run(tmp_path, tsv, meme, 0), _run(tmp_path, tsv, meme, 1)], REPO / "resources/tfs.tsv",
                tmp_path / "t.tsv", tmp_path / "s.tsv", ["CNN-25"])
    table = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert list(table.n_filters) == [30, 30] and list(table.n_match_any) == [n_any, n_any]
    summary = pd.read_csv(tmp_path / "s.tsv", sep="\t")
    assert list(summary.columns[:4]) == ["model", "activation", "layer", "n_trials"] and summary.n_trials[0] == 2
    assert summary.match_any_std[0] == 0


def test_match_table_refuses_a_tomtom_table_naming_an_unknown_filter(tmp_path):
    from motifrep.filters.matching import match_table

    tsv = tmp_path / "hits.tsv"
    text = (KOO2019 / "synthetic/cnn_25_tomtom.tsv").read_text()
    tsv.write_text(text.replace("filter3\t", "filter99\t", 1))
    meme = KOO2019 / "synthetic/cnn_25_clip.meme"
    with pytest.raises(FormatError, match=f"{tsv}: names filter 'filter99', which is not in {meme}"):
        match_table([_run(tmp_path, tsv, meme)], REPO / "resources/tfs.tsv", tmp_path / "t.tsv", tmp_path / "s.tsv",
                    ["CNN-25"])
    assert not (tmp_path / "t.tsv").exists()

"""Any motif database, matched by base ID (issue 18 item 4), and the page of ``motifrep filters``
(item 5).

Names of databases (``JASPAR<year>[:COLLECTION[:TAX_GROUP]]`` or a MEME file, HOCOMOCO IDs named
by their TF), ground truth by JASPAR base ID (a TF table written for JASPAR 2016 counts hits to
JASPAR 2024's versions; a TF the database lacks is one line), the workflow's ``tomtom.database``
(checked at parse time, planned as its own export), and ``report.html`` (logos inline, links to
JASPAR, every name escaped). The expected values are read off JASPAR itself or set by hand here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import JASPAR2016, REPO

from motifrep.errors import ConfigError
from motifrep.filters.html_report import filter_report_html
from motifrep.filters.matching import filter_best_matches, match_statistics, match_table
from motifrep.filters.report import filter_table, make_filter_report, recovered_tfs
from motifrep.motifs.database import jaspar_base, load_database, parse_database
from motifrep.motifs.meme import Motif, read_meme, write_meme
from motifrep.motifs.tf_table import check_database, load_tf_table
from motifrep.motifs.tomtom import TOMTOM_COLUMNS, write_tomtom_tsv
from motifrep.targets import JASPAR_MEME, comparison_database

TFS = REPO / "resources" / "tfs.tsv"
TASK3 = REPO / "resources" / "task3_core.tsv"
NUMBA_CACHE = str(REPO / ".numba_cache")
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

# JASPAR 2024 CORE vertebrates versions of the 12 TFs' matrices, read off jaspar.elixir.no (and
# pyjaspar 4.0.0's JASPAR2024.sqlite): the 2016 table's IDs are older versions of these bases.
JASPAR2024_VERSIONS = {
    "Arid3a": "MA0151.1", "CEBPB": "MA0466.4", "FOSL1": "MA0477.3", "Gabpa": "MA0062.4", "MAFK": "MA0496.4",
    "MAX": "MA0058.4", "MEF2A": "MA0052.5", "NFYB": "MA0502.3", "SP1": "MA0079.5", "SRF": "MA0083.3",
    "STAT1": "MA0137.4", "YY1": "MA0095.4",
}

HOCOMOCO_MEME = """MEME version 5

ALPHABET= ACGT

strands: + -

Background letter frequencies
A 0.25 C 0.25 G 0.25 T 0.25

MOTIF SP1.H12CORE.0.P.B
letter-probability matrix: alength= 4 w= 3 nsites= 500 E= 0
0.1 0.1 0.7 0.1
0.1 0.1 0.7 0.1
0.1 0.7 0.1 0.1
URL https://hocomoco12.autosome.org/motif/SP1.H12CORE.0.P.B

MOTIF NKX2-1.H13CORE.1.SM.B
letter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0
0.7 0.1 0.1 0.1
0.1 0.1 0.1 0.7

MOTIF CTCF_HUMAN.H11MO.0.A
letter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0
0.1 0.7 0.1 0.1
0.1 0.1 0.1 0.7

MOTIF mine1 My own motif
letter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0
0.25 0.25 0.25 0.25
0.7 0.1 0.1 0.1
"""


def _hits(rows):
    """A Tomtom table from (query, target, E-value, orientation) rows."""
    frame = pd.DataFrame([{c: 0 for c in TOMTOM_COLUMNS} | {"Query_ID": q, "Target_ID": t, "E-value": e,
                                                             "p-value": e / 519, "Orientation": o}
                          for q, t, e, o in rows], columns=TOMTOM_COLUMNS)
    return frame.astype({"Query_ID": str, "Target_ID": str, "E-value": float})


@pytest.fixture(scope="module")
def jaspar2024():
    return load_database("JASPAR2024")


# ------------------------------------------------------------------------------ database names


@pytest.mark.parametrize("spec, expect", [
    ("JASPAR2024", ("JASPAR2024", "CORE", "vertebrates")),
    ("jaspar2022:core:plants", ("JASPAR2022", "CORE", "plants")),
    ("JASPAR2026:CORE", ("JASPAR2026", "CORE", "vertebrates")),
    ("JASPAR2014:CORE:insects", ("JASPAR2014", "CORE", "insects")),
])
def test_jaspar_names_parse(spec, expect):
    db = parse_database(spec)
    assert db.kind == "jaspar" and (db.release, db.collection, db.tax_group) == expect
    assert db.label == " ".join(expect)


@pytest.mark.parametrize("spec, words", [
    ("JASPAR2099", ["JASPAR2099 is not a JASPAR release shipped with pyjaspar", "JASPAR2014", "JASPAR2026"]),
    ("JASPAR2024:COR", ["unknown JASPAR collection 'COR'"]),
    ("JASPAR2024:CORE:martians", ["unknown JASPAR tax group 'martians'"]),
    ("JASPAR24", ["expected JASPAR<year>[:COLLECTION[:TAX_GROUP]]"]),
    ("no_such.meme", ["neither a MEME file nor a JASPAR release name"]),
])
def test_bad_names_are_one_line(spec, words):
    with pytest.raises(ConfigError) as exc:
        parse_database(spec, "--motifs")
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"--motifs {spec}:")
    for word in words:
        assert word in message


def test_a_hocomoco_style_meme_file_parses_with_tf_names(tmp_path):
    path = tmp_path / "H12CORE_meme_format.meme"
    path.write_text(HOCOMOCO_MEME)
    motifs = load_database(str(path))
    assert [(m.id, m.name) for m in motifs] == [
        ("SP1.H12CORE.0.P.B", "SP1"), ("NKX2-1.H13CORE.1.SM.B", "NKX2-1"), ("CTCF_HUMAN.H11MO.0.A", "CTCF"),
        ("mine1", "My own motif")]
    assert motifs[0].url == "https://hocomoco12.autosome.org/motif/SP1.H12CORE.0.P.B" and motifs[0].width == 3
    # Non-JASPAR IDs match exactly: a TF table in HOCOMOCO IDs works against it, the JASPAR table does not.
    own = tmp_path / "tfs_h12.tsv"
    own.write_text("tf\tjaspar_id\taccepted_ids\nSP1\tSP1.H12CORE.0.P.B\tSP1.H12CORE.0.P.B\n")
    check_database(load_tf_table(own), [m.id for m in motifs], own, path)
    stats = match_statistics(_hits([("f0", "SP1.H12CORE.0.P.B", 1e-5, "+"), ("f1", "mine1", 1e-3, "+")]), 2, own)
    assert (stats["n_match_any"], stats["n_match_ground_truth"]) == (2, 1)
    with pytest.raises(ConfigError, match=r"Arid3a's ID MA0151\.1 \(nor any other version of MA0151\) is not in"):
        check_database(load_tf_table(TFS), [m.id for m in motifs], TFS, path)


# ------------------------------------------------------------------------------ base IDs


def test_jaspar_base():
    assert [jaspar_base(i) for i in ("MA0079.3", "MA0079.5", "MA0079", "PB0001.1", "SP1.H12CORE.0.P.B")] == [
        "MA0079", "MA0079", "MA0079", "PB0001", "SP1.H12CORE.0.P.B"]


def test_jaspar2024_has_every_base_of_the_tf_tables(jaspar2024):
    ids = {m.id for m in jaspar2024}
    table = load_tf_table(TFS)
    for tf, version in JASPAR2024_VERSIONS.items():
        assert version in ids, (tf, version)
        assert jaspar_base(version) == jaspar_base(table.set_index("tf").at[tf, "jaspar_id"])
    assert "MA0079.3" not in ids  # SP1's 2016 version is gone: exact IDs alone would find nothing
    check_database(table, ids, TFS, "JASPAR2024")
    check_database(load_tf_table(TASK3), ids, TASK3, "JASPAR2024")


def test_a_2016_table_counts_2024_versions():
    """Hits named by JASPAR 2024 IDs: SP1 (MA0079.5) and YY1 (MA0095.4) are ground truth for the 2016
    table (MA0079.3, MA0095.2); a KLF hit (MA0039.4, not accepted) is not. By hand: 3 of 4 filters match
    anything, 2 of 4 a ground-truth TF."""
    hits = _hits([("f0", "MA0039.4", 1e-6, "+"), ("f0", "MA0079.5", 1e-4, "-"), ("f1", "MA0095.4", 0.01, "+"),
                  ("f2", "MA0039.4", 1e-3, "+")])
    stats = match_statistics(hits, 4, TFS)
    assert stats["n_match_any"] == 3 and stats["n_match_ground_truth"] == 2 and stats["match_ground_truth"] == 0.5
    best = filter_best_matches(hits, TFS)
    assert list(best["tf"]) == ["", "YY1", ""]  # f0's best is the KLF, f1's YY1's 2024 matrix
    names = {"MA0039.4": "KLF4", "MA0079.5": "SP1", "MA0095.4": "YY1"}
    jaspar = [Motif(i, np.full((4, 4), 0.25), name=n) for i, n in names.items()]
    filters = [Motif(f"f{j}", np.full((6, 4), 0.25)) for j in range(4)]
    table = filter_table(filters, filters, hits, jaspar, load_tf_table(TFS))
    assert list(table["ground_truth_tf"]) == ["SP1", "YY1", "", ""]
    tfs = recovered_tfs(table, load_tf_table(TFS), hits).set_index("tf")
    assert tfs.loc["SP1", "recovered"] and tfs.loc["SP1", "best_evalue"] == 1e-4
    assert tfs.loc["YY1", "n_filters"] == 1 and not tfs.loc["SRF", "recovered"]


def test_a_bare_base_id_in_a_table_is_accepted(tmp_path):
    table = tmp_path / "tfs.tsv"
    table.write_text("tf\tjaspar_id\taccepted_ids\nSP1\tMA0079\tMA0079\n")
    stats = match_statistics(_hits([("f0", "MA0079.5", 1e-4, "+"), ("f1", "MA0079.3", 1e-4, "+")]), 2, table)
    assert stats["n_match_ground_truth"] == 2


def test_workflow_steps_refuse_a_tf_the_database_lacks(tmp_path):
    """The filter report and the match table name the TF and the database in one line."""
    db = tmp_path / "db.meme"
    write_meme(db, [Motif("MA0079.5", np.full((4, 4), 0.25), name="SP1")])
    filters = tmp_path / "f.meme"
    write_meme(filters, [Motif("f0", np.full((6, 4), 0.25))])
    tomtom = tmp_path / "t.tsv"
    write_tomtom_tsv(tomtom, _hits([("f0", "MA0079.5", 1e-4, "+")]))
    table = tmp_path / "tfs.tsv"
    table.write_text("tf\tjaspar_id\taccepted_ids\nSP1\tMA0079.3\tMA0079.3\nSRF\tMA0083.3\tMA0083.3\n")
    message = r"SRF's ID MA0083\.3 \(nor any other version of MA0083\) is not in the motif database"
    with pytest.raises(ConfigError, match=message):
        make_filter_report(filters, filters, tomtom, db, table, tmp_path / "r.tsv", tmp_path / "tfs_out.tsv")
    assert not (tmp_path / "r.tsv").exists()
    runs = [{"model": "m", "trial": 0, "layer": 1, "filters": filters, "tomtom": tomtom}]
    with pytest.raises(ConfigError, match=message):
        match_table(runs, table, tmp_path / "m.tsv", tmp_path / "s.tsv", None, database=db)
    table.write_text("tf\tjaspar_id\taccepted_ids\nSP1\tMA0079.3\tMA0079.3\n")  # SP1 alone: 2024's version counts
    match_table(runs, table, tmp_path / "m.tsv", tmp_path / "s.tsv", None, database=db)
    assert pd.read_csv(tmp_path / "m.tsv", sep="\t").at[0, "match_ground_truth"] == 1.0


# ------------------------------------------------------------------------------ workflow config


def test_comparison_database_paths(tmp_path):
    from conftest import load_config

    config = load_config("config.yaml")
    assert config["tomtom"]["database"] is None and comparison_database(config) == JASPAR_MEME
    config["tomtom"]["database"] = "JASPAR2016:CORE:vertebrates"  # what jaspar: exports already
    assert comparison_database(config) == JASPAR_MEME
    config["tomtom"]["database"] = "jaspar2024"
    assert comparison_database(config) == "results/motifdb/JASPAR2024_CORE_vertebrates.meme"
    (tmp_path / "h12.meme").write_text(HOCOMOCO_MEME)
    config["tomtom"]["database"] = str(tmp_path / "h12.meme")
    assert comparison_database(config) == str(tmp_path / "h12.meme")


def _snakemake(workdir, database, *args):
    cmd = [SNAKEMAKE, *args, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "1",
           "--config", f"tomtom={{database: {database}}}", "--configfile", str(REPO / "config" / "config.yaml")]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def test_snakemake_n_refuses_a_bad_database_and_exports_a_good_one(tmp_path):
    bad = _snakemake(tmp_path, "JASPAR2099", "-n")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    lines = [line for line in bad.stderr.splitlines() if line.startswith("motifrep: error:")]
    assert lines == ["motifrep: error: config tomtom.database: JASPAR2099: JASPAR2099 is not a JASPAR release "
                     "shipped with pyjaspar (JASPAR2014, JASPAR2016, JASPAR2018, JASPAR2020, JASPAR2022, "
                     "JASPAR2024, JASPAR2026) nor an existing MEME file"], bad.stderr[-2000:]
    target = "results/motifdb/JASPAR2024_CORE_vertebrates.meme"
    good = _snakemake(tmp_path, "JASPAR2024", target)  # the rule the workflow's Tomtom jobs need
    assert good.returncode == 0, good.stderr[-2000:]
    assert re.search(r"^motif_database\s+1\b", good.stdout + good.stderr, re.M)
    motifs = read_meme(tmp_path / target)
    assert len(motifs) == 879 and {"MA0079.5", "MA0095.4"} <= {m.id for m in motifs}  # JASPAR 2024 CORE vertebrates
    assert (tmp_path / "logs/jaspar/motif_database.log").is_file()


# ------------------------------------------------------------------------------ report.html


def test_report_html_escapes_names_and_links_jaspar():
    """A motif named <script> comes out as text; JASPAR IDs link to their page, others do not."""
    evil = "<script>alert(1)</script>"
    motifs = [Motif("MA0079.5", np.eye(4)[[2, 2, 1, 2]] * 0.9 + 0.025, name="SP1"),
              Motif("X.H12CORE.0.P.B", np.full((3, 4), 0.25), name=evil)]
    filters = [Motif("filter0", np.eye(4)[[2, 2, 1, 2, 0]] * 0.9 + 0.025), Motif("filter1", np.full((5, 4), 0.25)),
               Motif("filter2", np.full((5, 4), 0.25))]
    hits = _hits([("filter0", "MA0079.5", 2e-6, "-"), ("filter1", "X.H12CORE.0.P.B", 0.05, "+")])
    table = filter_table(filters, filters, hits, motifs, load_tf_table(TFS), n_sites={"filter0": 120, "filter1": 7,
                                                                                         "filter2": 0})
    page = filter_report_html(table, filters, motifs, hits, f"What did {evil} learn?", [("model", evil)],
                              with_truth=True)
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('<a href="https://jaspar.elixir.no/matrix/MA0079.5/"') == 1
    assert "X.H12CORE.0.P.B</td>" in page  # no URL of its own: plain text
    assert page.count('<svg class="logo"') == 3 + 2  # three filters, two matches
    assert "no match" in page and ">2e-06<" in page and ">SP1<" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


# ------------------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    """A tiny motifrep model whose filter 0 is SP1's JASPAR 2016 matrix (MA0079.3) as log-odds, on 300
    sequences half of which hold an SP1 site; compared with JASPAR 2024 with the 2016 TF table."""
    from motifrep.cli import main
    from motifrep.nn.build import build_model

    sp1 = next(m for m in read_meme(JASPAR2016) if m.id == "MA0079.3").pwm
    tmp = tmp_path_factory.mktemp("motifdb")
    model = build_model("planted", [{"conv": {"filters": 4, "kernel": 12, "pool": 4}}, {"dense": {"units": 8}}], 80, 1)
    conv = model.get_layer("conv1")
    kernel = np.random.default_rng(0).normal(0, 0.1, conv.get_weights()[0].shape)
    kernel[:, :, 0] = -2.0
    kernel[:len(sp1), :, 0] = np.log2((sp1 + 0.01) / 0.25)
    conv.set_weights([kernel.astype(np.float32)])
    model.save(tmp / "planted.keras")
    rng = np.random.default_rng(5)
    records = []
    for i in range(300):
        seq = rng.choice(list("ACGT"), 80)
        if i % 2 == 0:
            at = int(rng.integers(0, 80 - len(sp1) + 1))
            seq[at:at + len(sp1)] = ["ACGT"[rng.choice(4, p=col / col.sum())] for col in sp1]
        records.append(f">s{i}\n{''.join(seq)}\n")
    (tmp / "seqs.fa").write_text("".join(records))
    out = tmp / "out"
    rc = main(["filters", str(tmp / "planted.keras"), str(tmp / "seqs.fa"), "--out", str(out), "--motifs",
               "JASPAR2024", "--tf-table", str(TFS), "--numba-cache", NUMBA_CACHE])
    return rc, tmp, out


def test_planted_2016_motif_is_recovered_against_jaspar2024(planted_run):
    rc, _, out = planted_run
    assert rc == 0
    table = pd.read_csv(out / "filters.tsv", sep="\t", keep_default_na=False)
    hits = pd.read_csv(out / "tomtom.tsv", sep="\t")
    f0 = hits[hits.iloc[:, 0] == "filter0"]
    assert "MA0079.5" in set(f0.iloc[:, 1])  # SP1's 2024 matrix; its 2016 ID MA0079.3 is not in JASPAR 2024
    assert "SP1" in table.at[0, "ground_truth_tf"].split(",")
    tfs = pd.read_csv(out / "tfs.tsv", sep="\t").set_index("tf")
    assert bool(tfs.at["SP1", "recovered"])


def test_planted_run_writes_a_self_contained_page(planted_run):
    _, _, out = planted_run
    page = (out / "report.html").read_text()
    table = pd.read_csv(out / "filters.tsv", sep="\t", keep_default_na=False)
    matched = table[table["best_match"] != ""]
    assert page.count('<svg class="logo"') == len(table) + len(matched)  # every filter, every match
    for best in matched["best_match"]:  # JASPAR 2024 IDs, each linked to its page
        assert f'<a href="https://jaspar.elixir.no/matrix/{best}/"' in page
    assert "JASPAR2024 CORE vertebrates (879 motifs)" in page
    assert not re.search(r'(src|href)="(?!https://jaspar\.elixir\.no/matrix/|#logo-)', page)  # nothing else fetched


def test_cli_refuses_a_tf_table_the_database_lacks(planted_run, tmp_path, capsys):
    from motifrep.cli import main

    _, tmp, _ = planted_run
    db = tmp_path / "h12.meme"
    db.write_text(HOCOMOCO_MEME)
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(["filters", str(tmp / "planted.keras"), str(tmp / "seqs.fa"), "--out", str(out), "--motifs", str(db),
               "--tf-table", str(TFS), "--numba-cache", NUMBA_CACHE])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and err[0].startswith("motifrep: error: TF table ")
    assert "Arid3a's ID MA0151.1" in err[0] and str(db) in err[0]
    assert not out.exists()


def test_report_html_draws_the_match_aligned_below_the_filter():
    """Tomtom's offset o: the filter's first column sits over the target's column o (of the reverse
    complement for '-'). o = 3: the filter is drawn 3 columns in; o = -2: the match is."""
    target = Motif("MA0079.5", np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]] * 0.9 + 0.025, name="SP1")
    filters = [Motif("filter0", np.full((5, 4), 0.25) + np.eye(4)[[1, 2, 3, 0, 1]]),
               Motif("filter1", np.full((5, 4), 0.25) + np.eye(4)[[0, 0, 0, 1, 2]])]
    hits = _hits([("filter0", "MA0079.5", 1e-5, "+"), ("filter1", "MA0079.5", 1e-3, "-")])
    hits["Optimal_offset"] = [3, -2]
    table = filter_table(filters, filters, hits, [target], load_tf_table(TFS))
    page = filter_report_html(table, filters, [target], hits, "t", [])
    svgs = re.findall(r'<svg class="logo" width="(\d+)".*?<title>([^<]*)</title>(.*?)</svg>', page)
    first_x = {title: float(re.search(r'x="([\d.]+)"', body).group(1)) for _, title, body in svgs}
    widths = {title: int(w) for w, title, _ in svgs}
    assert first_x["filter0"] == 3 * 12 + 0.5 and widths["filter0"] == (3 + 5) * 12
    assert first_x["MA0079.5 (+)"] == 0.5 and widths["MA0079.5 (+)"] == 8 * 12
    assert first_x["filter1"] == 0.5 and first_x["MA0079.5 (-)"] == 2 * 12 + 0.5 and widths["MA0079.5 (-)"] == 10 * 12

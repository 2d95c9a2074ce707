"""End-to-end: run the Snakemake workflow on a tiny config in a temporary directory."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from motifrep.data import Dataset
from motifrep.meme import read_meme
from motifrep.tomtom import read_tomtom_tsv
from conftest import REPO

pytestmark = pytest.mark.slow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
TINY = f"""\
simulation:
  n_sequences: 500
models: [CNN-25, CNN9-25]
training:
  trials: 2
  epochs: 2
  patience: 1
tomtom:
  numba_cache: {REPO / ".numba_cache"}
figures:
  mini:
    panels: [{{model: CNN-25}}, {{model: CNN9-25}}]
match_plot:
  models: [CNN-25, CNN9-25]
"""


def snakemake(workdir, *args, config="tiny.yaml"):
    # Targets go before --configfile, which takes several values and would swallow them.
    cmd = [SNAKEMAKE, *args, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2",
           "--configfile", str(REPO / "config" / "config.yaml"), str(workdir / config)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("wf")
    (workdir / "tiny.yaml").write_text(TINY)
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_outputs(run):
    table = pd.read_csv(run / "results/tables/classification.tsv", sep="\t")
    assert sorted(zip(table.model, table.trial)) == [("CNN-25", 0), ("CNN-25", 1), ("CNN9-25", 0), ("CNN9-25", 1)]
    assert table.auroc.between(0, 1).all() and table.aupr.between(0, 1).all()
    summary = pd.read_csv(run / "results/tables/classification_summary.tsv", sep="\t")
    assert list(summary.model) == ["CNN-25", "CNN9-25"] and (summary.n_trials == 2).all()
    assert summary.auroc_std.notna().all()
    versions = pd.read_csv(run / "results/versions.tsv", sep="\t")
    assert {"numpy", "keras", "snakemake"} <= set(versions.package)
    with Dataset(run / "results/synthetic/data.h5") as ds:
        assert ds.file["X"].shape == (500, 200, 4) and ds.file["X"].dtype == np.uint8
        assert [len(ds.indices(s)) for s in ("train", "valid", "test")] == [350, 50, 100]
        assert len(ds.truth()) > 500
    assert (run / "results/jaspar/motifs.meme").read_text().count("MOTIF") == 519


def test_filters_tomtom_table1_figures(run):
    for model in ("CNN-25", "CNN9-25"):
        for trial in (0, 1):
            base = run / f"results/synthetic/models/{model}/trial_{trial}"
            clipped = read_meme(base / "filters/layer1.meme")
            full = read_meme(base / "filters/layer1_unclipped.meme")
            assert len(clipped) == len(full) == 30
            assert all(f.width == (19 if model == "CNN-25" else 9) for f in full)
            assert all(c.width <= f.width for c, f in zip(clipped, full))
            hits = read_tomtom_tsv(base / "tomtom/layer1.tsv")
            assert (hits["E-value"] <= 0.1).all()
    matches = pd.read_csv(run / "results/tables/match_statistics.tsv", sep="\t")
    assert len(matches) == 4 and (matches.n_filters == 30).all() and (matches.layer == 1).all()
    assert matches.match_ground_truth.le(matches.match_any).all()
    table1 = pd.read_csv(run / "results/tables/table1.tsv", sep="\t")
    assert list(table1.model) == ["CNN-25", "CNN9-25"]
    assert table1.loc[0, "match_ground_truth_published"] == "0.980 ± 0.027"
    assert table1.loc[0, "match_ground_truth_diff"] == pytest.approx(table1.loc[0, "match_ground_truth_mean"] - 0.980)
    md = (run / "results/tables/table1.md").read_text()
    assert md.startswith("| model | layer |") and "CNN9-25" in md
    for name in ("mini", "match_vs_pool"):
        assert (run / f"results/figures/{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (run / f"results/figures/{name}.pdf").read_bytes()[:5] == b"%PDF-"


def test_report(run):
    result = snakemake(run, "--report", "results/report.html")
    assert result.returncode == 0, result.stderr[-2000:]
    html = (run / "results/report.html").read_text(errors="replace")
    assert "table1.tsv" in html and "mini.png" in html


def test_one_log_line_per_epoch(run):
    for log in (run / "logs/train").rglob("*.log"):
        history = pd.read_csv(run / "results/synthetic/models" / log.parent.name / log.stem / "history.tsv", sep="\t")
        epochs = [line for line in log.read_text().splitlines() if re.search(r" epoch \d+/\d+ ", line)]
        assert len(epochs) == len(history) >= 1


def test_rerun_is_a_no_op_and_resumes_only_missing_work(run):
    assert "Nothing to be done" in snakemake(run, "-n").stdout
    # As after an interruption: one training and the tables had not been written yet.
    (run / "results/synthetic/models/CNN9-25/trial_1/metrics.json").unlink()
    (run / "results/tables/classification.tsv").unlink()
    dry = snakemake(run, "-n", "--quiet", "rules")
    assert dry.returncode == 0
    jobs = dict(line.split()[:2] for line in dry.stdout.splitlines()
                if line.strip() and line.split()[0] in ("train", "simulate_synthetic", "classification_table"))
    assert jobs == {"train": "1", "classification_table": "1"}


def test_single_target_builds_only_what_it_needs(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    dry = snakemake(tmp_path, "results/synthetic/models/CNN-25/trial_0/metrics.json", "-n", "--quiet", "rules")
    names = [line.split()[0] for line in dry.stdout.splitlines() if line.strip()]
    assert "train" in names and "classification_table" not in names and "versions" not in names
    dry = snakemake(tmp_path, "results/figures/mini.pdf", "-n", "--quiet", "rules")
    names = [line.split()[0] for line in dry.stdout.splitlines() if line.strip()]
    assert {"train", "filter_pwms", "tomtom", "logo_figure"} <= set(names)
    assert not {"classification_table", "table1", "match_statistics", "versions"} & set(names)


@pytest.mark.parametrize(
    "config, message",
    [
        ("models: [CNN-25, CNN-X]\n", "config models: unknown model 'CNN-X'"),
        ("trainig:\n  epochs: 3\n", "config: unknown key 'trainig'"),
        ("training:\n  epochs: ten\n", "training.epochs: 'ten' is not of type 'integer'"),
        ("architectures:\n  Bad: [{conv: {filters: 8}}]\n", "architecture 'Bad', block 1: conv block needs ['kernel']"),
    ],
)
def test_bad_config_is_one_line(tmp_path, config, message):
    (tmp_path / "bad.yaml").write_text(config)
    result = snakemake(tmp_path, "-n", config="bad.yaml")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "motifrep: error:" in line]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_jaspar_id_fails_cleanly(tmp_path):
    table = (REPO / "resources/tfs.tsv").read_text().replace("MA0083.3", "MA9999.1")
    (tmp_path / "tfs.tsv").write_text(table)
    (tmp_path / "tiny.yaml").write_text(TINY + f"  \nsimulation:\n  n_sequences: 500\n  tf_table: {tmp_path / 'tfs.tsv'}\n")
    result = snakemake(tmp_path, "results/synthetic/data.h5")
    assert result.returncode != 0
    assert "JASPAR ID 'MA9999.1' (SRF) is not in results/jaspar/motifs.meme" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results/synthetic/data.h5").exists()
    assert not list((tmp_path / "results/synthetic").glob(".*"))


def test_missing_tomtom_binary_fails_cleanly(tmp_path, koo2019):
    (tmp_path / "meme.yaml").write_text("tomtom:\n  engine: meme\n")
    base = tmp_path / "results/synthetic/models/CNN-25/trial_0"
    (base / "filters").mkdir(parents=True)
    (tmp_path / "results/jaspar").mkdir(parents=True)
    shutil.copy(koo2019 / "JASPAR_CORE_2016_vertebrates.meme", tmp_path / "results/jaspar/motifs.meme")
    shutil.copy(koo2019 / "synthetic/cnn_25_clip.meme", base / "filters/layer1.meme")
    target = "results/tomtom_engine.tsv"
    env_path = ":".join(p for p in os.environ["PATH"].split(":") if not Path(p, "tomtom").exists())
    cmd = [SNAKEMAKE, "results/synthetic/models/CNN-25/trial_0/tomtom/layer1.tsv", "--allowed-rules", "tomtom",
           "tomtom_engine", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
           "--cores", "1", "--configfile", str(REPO / "config/config.yaml"), str(tmp_path / "meme.yaml")]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=dict(os.environ, PATH=env_path))
    assert result.returncode != 0
    assert "tomtom engine 'meme': the 'tomtom' binary is not on PATH" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / target).exists()
    assert not (base / "tomtom/layer1.tsv").exists()


def test_wrong_hdf5_shapes_fail_cleanly(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    data = tmp_path / "results/synthetic/data.h5"
    data.parent.mkdir(parents=True)
    with h5py.File(data, "w") as f:
        f["X"] = np.zeros((10, 200, 5), dtype=np.uint8)
        f["Y"] = np.zeros((10, 12), dtype=np.uint8)
    target = "results/synthetic/models/CNN-25/trial_0/metrics.json"
    result = snakemake(tmp_path, target, "--allowed-rules", "train")
    assert result.returncode != 0
    assert "'X' has shape (10, 200, 5), expected (N, L, 4) one-hot" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / target).exists()
    assert not (tmp_path / "results/synthetic/models/CNN-25/trial_0/model.keras").exists()

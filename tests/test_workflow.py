"""End-to-end: run the Snakemake workflow on a tiny config in a temporary directory."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from conftest import NUMBA_CACHE_CONFIG, REPO, TEST_CONFIGS

from motifrep.datasets.store import Dataset
from motifrep.motifs.meme import read_meme
from motifrep.motifs.tomtom import read_tomtom_tsv

pytestmark = pytest.mark.slow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# The tiny end-to-end config: the default experiments on two small data sets in one call (the
# P1 multitask set and the P2 task-3 regulatory set), the default's P2 task-1 slice shrunk to one
# small model. The tests' own variations are layered over it (`extra`).
TINY = TEST_CONFIGS / "config.yaml"
P1 = "results/experiments/p1"
RUN = "results/synthetic/models/{model}/relu/trial_{trial}"


def snakemake(workdir, *args, extra=()):
    """The tiny config over the default, then the files ``extra`` (in workdir) over it."""
    # Targets go before --config/--configfile, which take several values and would swallow them.
    cmd = [SNAKEMAKE, *args, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2",
           "--config", NUMBA_CACHE_CONFIG,
           "--configfile", str(REPO / "config" / "config.yaml"), str(TINY), *(str(workdir / e) for e in extra)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("wf")
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_outputs(run):
    table = pd.read_csv(run / P1 / "classification.tsv", sep="\t")
    assert sorted(zip(table.model, table.activation, table.trial)) == [
        ("CNN-25", "relu", 0), ("CNN-25", "relu", 1), ("CNN9-25", "relu", 0), ("CNN9-25", "relu", 1)]
    summary = pd.read_csv(run / P1 / "classification_summary.tsv", sep="\t")
    assert list(summary.model) == ["CNN-25", "CNN9-25"] and (summary.n_trials == 2).all()
    np.testing.assert_allclose(summary.auroc_mean, table.groupby("model", sort=False).auroc.mean().to_numpy(), atol=2e-6)
    versions = pd.read_csv(run / "results/versions.tsv", sep="\t")
    assert {"numpy", "keras", "snakemake"} <= set(versions.package)
    # the default backend, recorded (the other backends: tests/test_backends.py)
    assert versions.set_index("package").version["keras-backend"] == "tensorflow"
    assert json.loads((run / RUN.format(model="CNN-25", trial=0) / "metrics.json").read_text())["backend"] == "tensorflow"
    with Dataset(run / "results/synthetic/data.h5") as ds:
        assert ds.file["X"].shape == (500, 200, 4) and ds.file["X"].dtype == np.uint8
        assert [len(ds.indices(s)) for s in ("train", "valid", "test")] == [350, 50, 100]
        assert len(ds.truth()) > 500 and ds.n_tasks == 12
    assert (run / "results/jaspar/motifs.meme").read_text().count("MOTIF") == 519


def test_second_data_set_task3(run):
    with Dataset(run / "results/task3/data.h5") as ds:
        assert ds.file["X"].shape == (500, 200, 4) and ds.task_names == ["regulatory"]
        y = ds.file["Y"][()]
        assert y.sum() == 250 and ds.file["info_mask"].shape == (500, 200)
    table = pd.read_csv(run / "results/experiments/p2_task3/classification.tsv", sep="\t")
    assert sorted(zip(table.model, table.activation)) == [("CNN-local", "exponential"), ("CNN-local", "relu")]
    for act in ("relu", "exponential"):
        metrics = json.loads((run / f"results/task3/models/CNN-local/{act}/trial_0/metrics.json").read_text())
        assert metrics["activation"] == act and metrics["dataset"] == "task3" and metrics["monitor"] == "val_auroc"
        history = pd.read_csv(run / f"results/task3/models/CNN-local/{act}/trial_0/history.tsv", sep="\t")
        assert "val_auroc" in history.columns
    md = (run / "results/experiments/p2_task3/summary.md").read_text()
    assert "| CNN-local | exponential | 1 | 1 |" in md
    assert (run / "results/experiments/p2_task3/activations.png").read_bytes()[:4] == b"\x89PNG"


def test_attribution_and_localization(run):
    with Dataset(run / "results/task3/data.h5") as ds:
        test_rows = ds.indices("test")
        positives = test_rows[ds.file["Y"][()][test_rows, 0] == 1]
    for method in ("saliency", "ism"):
        path = run / f"results/task3/models/CNN-local/exponential/trial_0/attribution/{method}.h5"
        with h5py.File(path, "r") as f:
            assert f["scores"].shape == (len(positives), 200, 4) and f["scores"].dtype == np.float16
            assert list(f["rows"][()]) == list(positives[:500])  # the first positive test sequences
            if method == "ism":  # 0 at the observed base: the score of the wild type minus itself
                with Dataset(run / "results/task3/data.h5") as ds:
                    X = ds.read_rows("X", f["rows"][()])
                assert np.all(f["scores"][()][X == 1] == 0)
    interp = pd.read_csv(run / "results/experiments/p2_task3/interpretability_summary.tsv", sep="\t")
    assert sorted(zip(interp.activation, interp.method)) == [
        ("exponential", "ism"), ("exponential", "saliency"), ("relu", "ism"), ("relu", "saliency")]
    claims = pd.read_csv(run / "results/experiments/p2_task3/claims.tsv", sep="\t").set_index("id")
    # one trial per side: a comparison is never decided on means alone (methods §8.2)
    assert claims.status["exp_vs_relu_interpretability_cnn_local"] == "too few trials"
    assert "2 of 5 methods run" in claims.ours["exp_vs_relu_interpretability_cnn_local"]
    # TF-MoDISco on the saliency maps (methods §6.5), and our own claim, marked as ours
    mod = pd.read_csv(run / "results/experiments/p2_task3/modisco_summary.tsv", sep="\t")
    assert sorted(zip(mod.activation, mod.method)) == [("exponential", "saliency"), ("relu", "saliency")]
    score = pd.read_csv(run / "results/task3/models/CNN-local/exponential/trial_0/modisco/saliency/score.tsv",
                        sep="\t")
    assert score.n_sequences[0] == len(positives) and score.n_tfs[0] == 5  # the 5 core TFs
    assert claims.origin["exp_vs_relu_modisco_cnn_local"] == "extension"
    assert claims.status["exp_vs_relu_modisco_cnn_local"] == "too few trials"
    loc = pd.read_csv(run / "results/experiments/p2_task1/localization_summary.tsv", sep="\t")
    pwm = loc[(loc.model == "true PWM") & (loc.activation == "log-odds")].iloc[0]
    assert pwm.published_auroc == 0.884 and pwm.n_sequences >= 90  # 100 test sequences, a few without motif
    assert pwm.loc_auroc_mean > 0.75  # the generating PWMs find their own motifs (authors: 0.884)
    assert set(loc.model) == {"true PWM", "CNN-local"}


def test_per_filter_report(run):
    base = run / RUN.format(model="CNN-25", trial=0) / "filters"
    sites = pd.read_csv(base / "layer1_sites.tsv", sep="\t")
    report = pd.read_csv(base / "layer1_report.tsv", sep="\t", keep_default_na=False)
    hits = read_tomtom_tsv(base.parent / "tomtom/layer1.tsv")
    assert list(report["filter"]) == [f"filter{j}" for j in range(30)] == list(sites["filter"])
    assert list(report.n_sites) == list(sites.n_sites) and (sites.n_sites >= 0).all()
    assert list(report.no_sites) == list(sites.n_sites == 0)
    assert set(report["filter"][report.n_hits > 0]) == set(hits.Query_ID)  # read from the Tomtom table itself
    for row in report[report.n_hits > 0].itertuples():
        own = hits[hits.Query_ID == row.filter]
        assert row.best_match == own.loc[own["E-value"].idxmin(), "Target_ID"]
    tfs = pd.read_csv(base / "layer1_tfs.tsv", sep="\t")
    assert len(tfs) == 12 and tfs.recovered.sum() == tfs[tfs.n_filters > 0].shape[0]


def test_scorecard(run):
    card = pd.read_csv(run / "results/scorecard.tsv", sep="\t")
    assert set(card.experiment) == {"p1", "p2_task1", "p2_task3"}
    table1 = pd.read_csv(run / P1 / "table1.tsv", sep="\t")
    n_published = sum(table1[f"{m}_published"].notna().sum() for m in ("auroc", "aupr", "match_any",
                                                                        "match_ground_truth"))
    loc = pd.read_csv(run / "results/experiments/p2_task1/localization_summary.tsv", sep="\t")
    assert (card.kind == "number").sum() == n_published + loc.published_auroc.notna().sum()
    n_claims = sum(len(pd.read_csv(run / f"results/experiments/{e}/claims.tsv", sep="\t")) for e in ("p2_task1",
                                                                                                    "p2_task3"))
    assert (card.kind == "claim").sum() == n_claims
    assert set(card.status) <= {"holds", "does not hold", "inconclusive", "too few trials", "not run"}


def test_filters_tomtom_table1_figures(run):
    for model in ("CNN-25", "CNN9-25"):
        for trial in (0, 1):
            base = run / RUN.format(model=model, trial=trial)
            clipped = read_meme(base / "filters/layer1.meme")
            full = read_meme(base / "filters/layer1_unclipped.meme")
            assert len(clipped) == len(full) == 30
            assert all(f.width == 19 for f in full)  # P1's fixed 19-nt window, whatever the filter size
            assert all(c.width <= f.width for c, f in zip(clipped, full))
            hits = read_tomtom_tsv(base / "tomtom/layer1.tsv")
            assert (hits["E-value"] <= 0.1).all()
    # P2 experiments cut 20-nt windows (the P2 code)
    full = read_meme(run / "results/task1/models/CNN-local/relu/trial_0/filters/layer1_unclipped.meme")
    assert len(full) == 24 and all(f.width == 20 for f in full)
    matches = pd.read_csv(run / P1 / "match_statistics.tsv", sep="\t")
    assert len(matches) == 4 and (matches.n_filters == 30).all() and (matches.layer == 1).all()
    table1 = pd.read_csv(run / P1 / "table1.tsv", sep="\t")
    assert list(table1.model) == ["CNN-25", "CNN9-25"]
    assert table1.loc[0, "match_ground_truth_published"] == "0.980 ± 0.027"
    assert table1.loc[0, "auroc_published"] == "0.954 (task sd 0.094)"
    md = (run / P1 / "table1.md").read_text()
    assert md.startswith("# Table 1\n\n| model | layer |") and "CNN9-25" in md and "spread over the 12 tasks" in md
    claims = pd.read_csv(run / "results/experiments/p2_task1/claims.tsv", sep="\t")
    assert set(claims.status) == {"not run"}  # the tiny config trains no CNN-deep / P2-CNN-2
    for path in ("results/figures/mini", f"{P1}/match_vs_pool", "results/figures/p2_fig1_logos",
                 "results/experiments/p2_task1/activations"):
        assert (run / f"{path}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (run / f"{path}.pdf").read_bytes()[:5] == b"%PDF-"


def test_report(run):
    result = snakemake(run, "--report", "results/report.html")
    assert result.returncode == 0, result.stderr[-2000:]
    html = (run / "results/report.html").read_text(errors="replace")
    assert "table1.tsv" in html and "mini.png" in html and "claims.tsv" in html and "activations.png" in html
    assert "scorecard.tsv" in html and "interpretability_summary.tsv" in html and "localization.png" in html
    # tables are also rendered (the report shows HTML in place; TSV only as a download), grouped per experiment
    for path in (f"{P1}/table1.html", f"{P1}/summary.html", "results/experiments/p2_task3/claims.html",
                 "results/experiments/p2_task3/interpretability_summary.html",
                 "results/experiments/p2_task3/modisco_summary.html", "results/scorecard.html"):
        assert path in html
        assert "<table>" in (run / path).read_text()
    assert '"Tables"' in html
    table1 = (run / f"{P1}/table1.html").read_text()
    assert "<caption>p1: Table 1: ours beside the published values</caption>" in table1 and "0.980 ± 0.027" in table1


def test_one_log_line_per_epoch(run):
    logs = list((run / "logs/train").rglob("*.log"))
    assert len(logs) == 8
    for log in logs:
        dataset, model, act = log.relative_to(run / "logs/train").parts[:3]
        history = pd.read_csv(run / f"results/{dataset}/models/{model}/{act}/{log.stem}/history.tsv", sep="\t")
        epochs = [line for line in log.read_text().splitlines() if re.search(r" epoch \d+/\d+ ", line)]
        assert len(epochs) == len(history) >= 1


def planned_jobs(workdir, *args, extra=()):
    dry = snakemake(workdir, *args, "-n", "--quiet", "rules", extra=extra)  # targets first
    assert dry.returncode == 0, dry.stderr[-2000:]
    if "Nothing to be done" in dry.stdout + dry.stderr:
        return {}
    rows = [line.split() for line in dry.stdout.splitlines() if line.strip()]
    return {r[0]: int(r[1]) for r in rows if len(r) == 2 and r[1].isdigit() and r[0] != "total"}


def test_resource_settings_never_rerun(run):
    """Threads, memory, runtime, batch size and the numba cache change no result: nothing reruns."""
    (run / "resources.yaml").write_text("""\
training: {threads: 2, mem_mb: 9999, runtime: 999, in_memory_max_gb: 0.001}
filters: {threads: 2, batch_size: 64}
tomtom: {threads: 2}
""")
    assert planned_jobs(run, extra=["resources.yaml"]) == {}


def test_more_trials_train_only_the_new_ones(run):
    (run / "more.yaml").write_text("experiments:\n  p2_task3:\n    trials: 2\n")
    dry = snakemake(run, "-n", "--quiet", "all", extra=["more.yaml"])
    trained = sorted(re.findall(r"rule train:\n(?:\s+\w+: .*\n)*?\s+output: results/task3/models/CNN-local/(\w+)/"
                                r"trial_(\d+)/model.keras", dry.stdout))
    assert trained == [("exponential", "1"), ("relu", "1")], dry.stdout[-3000:]


def test_rerun_is_a_no_op_and_resumes_only_missing_work(run):
    assert planned_jobs(run) == {}
    # As after an interruption: one training and the tables had not been written yet.
    (run / RUN.format(model="CNN9-25", trial=1) / "metrics.json").unlink()
    (run / P1 / "classification.tsv").unlink()
    jobs = planned_jobs(run)
    assert jobs["train"] == 1 and jobs["classification_table"] == 1
    assert "simulate_multitask" not in jobs and "jaspar_pyjaspar" not in jobs
    assert jobs.get("filter_pwms", 0) <= 1  # only the retrained model's filters


def test_single_target_builds_only_what_it_needs(tmp_path):
    names = planned_jobs(tmp_path, RUN.format(model="CNN-25", trial=0) + "/metrics.json")
    assert "train" in names and "classification_table" not in names and "versions" not in names
    names = planned_jobs(tmp_path, "results/figures/mini.pdf")
    assert {"train", "filter_pwms", "tomtom", "logo_figure"} <= set(names)
    assert not {"classification_table", "published_table", "match_statistics", "versions"} & set(names)
    assert "simulate_regulatory" not in names


def test_jobs_run_the_code_of_their_own_checkout(tmp_path):
    """Two checkouts sharing one venv: the jobs of each import that checkout's motifrep
    (the venv's editable install points at only one of them)."""
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copy(REPO / "Snakefile", clone / "Snakefile")
    for part in ("src", "workflow", "config", "resources", "profiles", "envs"):
        shutil.copytree(REPO / part, clone / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    work = tmp_path / "work"
    work.mkdir()
    cmd = [SNAKEMAKE, "results/versions.tsv", "-s", str(clone / "Snakefile"), "-d", str(work), "--cores", "1",
           "--configfile", str(clone / "config/config.yaml")]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    versions = pd.read_csv(work / "results/versions.tsv", sep="\t").set_index("package").version
    assert versions["motifrep-source"] == str(clone / "src" / "motifrep")


def test_deleted_intermediate_files_are_rebuilt(run):
    """A deleted Tomtom table or data set is not hidden by the tables built from it."""
    before = planned_jobs(run)  # earlier tests may have left work to do
    tsv = run / "results/task3/models/CNN-local/relu/trial_0/tomtom/layer1.tsv"
    kept = tsv.read_bytes()
    tsv.unlink()
    jobs = planned_jobs(run)
    assert jobs.get("tomtom", 0) == before.get("tomtom", 0) + 1 and jobs.get("train", 0) == before.get("train", 0)
    assert jobs.get("match_statistics", 0) >= 1
    tsv.write_bytes(kept)
    data = run / "results/task3/data.h5"
    data.rename(data.with_suffix(".kept"))
    jobs = planned_jobs(run)
    assert jobs.get("simulate_regulatory") == 1
    assert jobs.get("train", 0) == before.get("train", 0) + 2  # task 3's two runs depend on it
    data.with_suffix(".kept").rename(data)


def test_missing_input_table_is_an_error_not_nothing_to_do(run):
    (run / "gone.yaml").write_text(f"datasets:\n  synthetic: {{tf_table: {run / 'gone.tsv'}}}\n")
    dry = snakemake(run, "-n", extra=["gone.yaml"])
    assert dry.returncode != 0 and "Nothing to be done" not in dry.stdout
    assert f"motifrep: error: config datasets.synthetic.tf_table: file {run / 'gone.tsv'} not found" in dry.stderr

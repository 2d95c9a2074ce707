"""Fault injection on a tiny config: interrupted runs, bad config, bad input files, results that
cannot be right. Each case must end with one `motifrep: error:` line (or, for an interruption,
resume to the same tables), a non-zero exit, no traceback and nothing left that looks complete."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from conftest import NUMBA_CACHE_CONFIG, REPO, TEST_CONFIGS

pytestmark = pytest.mark.slow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# One experiment, one model, deterministic training so two runs can be compared.
TINY = TEST_CONFIGS / "faults.yaml"
TABLES = ("classification.tsv", "match_statistics.tsv", "summary.tsv", "table1.tsv")
RUN = "results/synthetic/models/CNN-25/relu/trial_0"
TRAIN_LOG = "logs/train/synthetic/CNN-25/relu/trial_0.log"


def command(workdir, *args, configs=(TINY,)):
    """Targets and options first: --config/--configfile take several values and would swallow them."""
    return [SNAKEMAKE, *args, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "1",
            "--config", NUMBA_CACHE_CONFIG, "--configfile", str(REPO / "config/config.yaml"), *map(str, configs)]


def snakemake(workdir, *args, base=TINY, extra=None, **kwargs):
    """Run on the default config, ``base`` over it (None: none) and the YAML text ``extra`` over that."""
    configs = [base] if base else []
    if extra is not None:
        (workdir / "extra.yaml").write_text(extra)
        configs.append(workdir / "extra.yaml")
    return subprocess.run(command(workdir, *args, configs=configs), capture_output=True, text=True, timeout=600,
                          **kwargs)


def assert_one_line_error(result, message):
    """Exactly one error message (a failed job's log is also echoed by Snakemake: the same line)."""
    assert result.returncode != 0
    errors = {line.split("motifrep: error:", 1)[1] for line in result.stderr.splitlines() if "motifrep: error:" in line}
    assert len(errors) == 1 and message in errors.pop(), result.stderr[-3000:]
    assert "Traceback" not in result.stderr


def tables(workdir):
    out = {}
    for name in TABLES:
        frame = pd.read_csv(workdir / "results/experiments/p1" / name, sep="\t")
        out[name] = frame.drop(columns=[c for c in frame.columns if "seconds" in c])
    return out


# ------------------------------------------------------------------------------ interruptions


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("clean")
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def start_and_interrupt(workdir, sig):
    """Start the workflow and send ``sig`` to Snakemake once the training job has logged an epoch."""
    # A shell's background job (``cmd &`` without job control) ignores SIGINT, and an ignored signal
    # stays ignored across exec: give Snakemake the default handler a terminal's Ctrl-C meets.
    proc = subprocess.Popen(command(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        log = workdir / TRAIN_LOG
        if log.exists() and " epoch 1/" in log.read_text():
            break
        assert proc.poll() is None, "the workflow ended before training started"
        time.sleep(0.2)
    else:
        pytest.fail("training never started")
    proc.send_signal(sig)
    proc.wait(timeout=120)
    assert not (workdir / "results/experiments/p1/classification.tsv").exists()
    return proc


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_interrupted_run_resumes_to_the_same_tables(tmp_path, uninterrupted, sig):
    proc = start_and_interrupt(tmp_path, sig)
    for _ in range(600):  # after kill -9 the orphaned training job may still run: let it end
        if subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True).returncode != 0:
            break
        time.sleep(0.2)
    # The README's recipe: unlock (needed after kill -9), then the plain command again.
    unlock = subprocess.run(command(tmp_path, "--unlock"), capture_output=True, text=True, timeout=120)
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    result = subprocess.run(command(tmp_path), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    resumed, clean = tables(tmp_path), tables(uninterrupted)
    for name in TABLES:
        pd.testing.assert_frame_equal(resumed[name], clean[name], check_exact=False, rtol=1e-6)
    assert not [p for p in (tmp_path / "results").rglob(".*") if p.is_file()]  # no temporary files left


# ------------------------------------------------------------------------------ bad config


@pytest.mark.parametrize(
    "config, message",
    [
        ("experiments:\n  p1:\n    models: [CNN-25, CNN-X]\n", "config experiments.p1.models: unknown model 'CNN-X'"),
        ("trainig:\n  epochs: 3\n", "config: unknown key 'trainig'"),
        ("training:\n  epochs: ten\n", "training.epochs: 'ten' is not of type 'integer'"),
        ("experiments:\n  p1:\n    dataset: task9\n", "unknown data set 'task9'"),
        ("experiments:\n  p1:\n    activations: [relu, gelu]\n", "unknown activation 'gelu'"),
        ("datasets:\n  synthetic:\n    split: [0.7, 0.2, 0.2]\n", "datasets.synthetic.split: [0.7, 0.2, 0.2] must sum to 1"),
        ("datasets:\n  synthetic:\n    motif_count_probs: [0.5, 0.4]\n", "must sum to 1"),
        ("datasets:\n  synthetic:\n    n_sequences: 20\n    split: [0.9, 0.1, 0.0]\n", "of 20 sequences leaves test empty"),
        ("datasets:\n  synthetic:\n    length: 40\n", "longer than"),
        ("figures:\n  figS1:\n    panels: [{model: CNN-2, layer: 3}]\n", "CNN-2 has 2 conv layers, no layer 3"),
        ("architectures:\n  Bad: [{conv: {filters: 8}}]\n", "architecture 'Bad', block 1: conv block needs ['kernel']"),
        ("run: [p3]\n", "config run: unknown experiment 'p3'"),
    ],
)
def test_bad_config_is_one_line_at_parse_time(tmp_path, config, message):
    result = snakemake(tmp_path, "-n", base=None, extra=config)  # over the default config alone
    assert_one_line_error(result, message)


# ------------------------------------------------------------------------------ bad input files


def test_unknown_jaspar_id_fails_cleanly(tmp_path):
    (tmp_path / "tfs.tsv").write_text((REPO / "resources/tfs.tsv").read_text().replace("MA0083.3", "MA9999.1"))
    text = f"datasets:\n  synthetic: {{tf_table: {tmp_path / 'tfs.tsv'}}}\n"
    result = snakemake(tmp_path, "results/synthetic/data.h5", extra=text)
    assert_one_line_error(result, "JASPAR ID 'MA9999.1' (SRF) is not in results/jaspar/motifs.meme")
    assert not (tmp_path / "results/synthetic/data.h5").exists()
    assert not list((tmp_path / "results/synthetic").glob(".*"))


def test_unknown_pool_id_fails_cleanly(tmp_path):
    pool = (REPO / "resources/task3_pool.tsv").read_text().splitlines()
    first = next(i for i, line in enumerate(pool) if line.startswith(("MA", "PB")))
    pool[first] = "MA9998.1\tNOPE"
    (tmp_path / "pool.tsv").write_text("\n".join(pool) + "\n")
    text = f"datasets:\n  task3: {{pool: {tmp_path / 'pool.tsv'}}}\n"
    result = snakemake(tmp_path, "results/task3/data.h5", extra=text)
    assert_one_line_error(result, "MA9998.1")
    assert not (tmp_path / "results/task3/data.h5").exists()


def test_missing_config_file_is_an_error_at_parse_time(tmp_path):
    text = f"datasets:\n  synthetic: {{tf_table: {tmp_path / 'gone.tsv'}}}\n"
    result = snakemake(tmp_path, "-n", extra=text)
    assert_one_line_error(result, f"config datasets.synthetic.tf_table: file {tmp_path / 'gone.tsv'} not found")


def test_missing_tomtom_binary_fails_cleanly(tmp_path, koo2019):
    base = tmp_path / RUN
    (base / "filters").mkdir(parents=True)
    (tmp_path / "results/jaspar").mkdir(parents=True)
    shutil.copy(koo2019 / "JASPAR_CORE_2016_vertebrates.meme", tmp_path / "results/jaspar/motifs.meme")
    shutil.copy(koo2019 / "synthetic/cnn_25_clip.meme", base / "filters/layer1.meme")
    env_path = ":".join(p for p in os.environ["PATH"].split(":") if not Path(p, "tomtom").exists())
    result = snakemake(tmp_path, f"{RUN}/tomtom/layer1.tsv", "--allowed-rules", "tomtom", "tomtom_engine",
                       extra="tomtom: {engine: meme}\n", env=dict(os.environ, PATH=env_path))
    assert_one_line_error(result, "tomtom engine 'meme': the 'tomtom' binary is not on PATH")
    assert not (tmp_path / "results/tomtom_engine.tsv").exists() and not (base / "tomtom/layer1.tsv").exists()


def write_h5(path, X, n_tasks=12):
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(X)
    with h5py.File(path, "w") as f:
        f["X"] = X
        f["Y"] = (np.arange(n * n_tasks).reshape(n, n_tasks) % 3 == 0).astype(np.uint8)
        for name, (lo, hi) in zip(("train", "valid", "test"), ((0, n // 2), (n // 2, 3 * n // 4), (3 * n // 4, n))):
            f[f"splits/{name}"] = np.arange(lo, hi)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: np.zeros((40, 200, 5), np.uint8), "'X' has shape (40, 200, 5), expected (N, L, 4) one-hot"),
        (lambda: np.zeros((40, 200, 4), np.uint8), "'X' is not one-hot: sequence 0, position 0 has [0, 0, 0, 0]"),
    ],
    ids=["shape", "not-one-hot"],
)
def test_bad_hdf5_is_refused_before_training(tmp_path, make, message):
    write_h5(tmp_path / "results/synthetic/data.h5", make())
    result = snakemake(tmp_path, f"{RUN}/metrics.json", "--allowed-rules", "train")
    assert_one_line_error(result, message)
    assert not (tmp_path / RUN / "metrics.json").exists() and not (tmp_path / RUN / "model.keras").exists()


def test_too_few_positive_test_sequences_is_refused(tmp_path):
    X = np.zeros((40, 200, 4), np.uint8)
    X[:, :, 2] = 1
    write_h5(tmp_path / "results/synthetic/data.h5", X)  # test rows: 10; tasks with 3-4 positives
    result = snakemake(tmp_path, f"{RUN}/metrics.json", "--allowed-rules", "train")
    assert_one_line_error(result, "positive and")
    assert "training.min_positives is 5" in result.stderr
    assert not (tmp_path / RUN / "metrics.json").exists()


def test_model_file_that_is_not_keras_is_named(tmp_path):
    X = np.zeros((40, 200, 4), np.uint8)
    X[:, :, 0] = 1
    write_h5(tmp_path / "results/synthetic/data.h5", X)
    (tmp_path / RUN).mkdir(parents=True)
    (tmp_path / RUN / "model.keras").write_text("not a model\n")
    result = snakemake(tmp_path, f"{RUN}/filters/layer1.meme", "--allowed-rules", "filter_pwms")
    assert_one_line_error(result, f"{RUN}/model.keras: not a Keras model archive")
    assert not (tmp_path / RUN / "filters/layer1.meme").exists()


def _killed_after(code: str, seconds: float, cwd) -> None:
    """Run ``code`` in a fresh Python process and SIGKILL it after ``seconds`` (it must still be running)."""
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(seconds)
    assert proc.poll() is None, f"the job ended before it could be interrupted: {proc.stdout.read().decode()[-1000:]}"
    proc.kill()
    proc.wait(timeout=30)


def test_killed_attribution_and_tomtom_jobs_leave_nothing_complete(tmp_path, koo2019):
    """kill -9 in the middle of an attribution job (SmoothGrad on 500 sequences) and of a Tomtom
    job (during memelite's numba compilation, cold cache): no output file, and a rerun writes a
    complete one."""
    rng = np.random.default_rng(0)
    from motifrep.datasets.store import ChunkedWriter
    from motifrep.io import atomic_path
    from motifrep.nn.build import build_model
    from motifrep.nn.zoo import load_zoo

    data, model = tmp_path / "data.h5", tmp_path / "model.keras"
    X = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (1200, 200))]
    with atomic_path(data) as tmp, ChunkedWriter(tmp, 200, ["regulatory"]) as w:
        for split, (lo, hi) in {"train": (0, 400), "valid": (400, 500), "test": (500, 1200)}.items():
            w.append(X[lo:hi], np.ones((hi - lo, 1), np.uint8), split)
    build_model("CNN-local", load_zoo(REPO / "resources/models.yaml")["CNN-local"], 200, 1).save(model)
    out = tmp_path / "attribution" / "smoothgrad.h5"
    code = (f"from motifrep.interpret.attribution import write_attribution; write_attribution({str(model)!r}, {str(data)!r}, "
            f"{str(out)!r}, 'smoothgrad', {{'n_samples': 2000, 'sigma': 0.1, 'seed': 0}}, 500)")
    _killed_after(code, 12, tmp_path)
    assert not out.exists() and not any(p.suffix == ".h5" and p.name == out.name for p in out.parent.glob("*"))
    subprocess.run([sys.executable, "-c", code.replace("'n_samples': 2000", "'n_samples': 2")], check=True,
                   cwd=tmp_path, timeout=300)
    with h5py.File(out) as f:
        assert f["position_scores"].shape == (500, 200)

    tsv = tmp_path / "tomtom" / "layer1.tsv"
    code = (f"from motifrep.motifs.tomtom import compare_filters; compare_filters({str(koo2019 / 'synthetic/cnn_25_clip.meme')!r}, "
            f"{str(koo2019 / 'JASPAR_CORE_2016_vertebrates.meme')!r}, {str(tsv)!r}, 'memelite', 0.1, 0.1, "
            f"{str(tmp_path / 'cold_numba')!r}, 1)")
    _killed_after(code, 8, tmp_path)
    assert not tsv.exists()

"""Fault injection on a tiny config: an interrupted run resumes with the README's command and
ends with the same tables as an uninterrupted one."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO

pytestmark = pytest.mark.slow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# One experiment, one model, deterministic training so two runs can be compared.
TINY = f"""\
datasets:
  synthetic: {{n_sequences: 400}}
experiments:
  p1:
    models: [CNN-25]
    trials: 1
    training: {{epochs: 4, patience: 4}}
    match_plot: []
run: [p1]
training: {{deterministic: true}}
tomtom:
  numba_cache: {REPO / ".numba_cache"}
"""
TABLES = ("classification.tsv", "match_statistics.tsv", "summary.tsv", "table1.tsv")
TRAIN_LOG = "logs/train/synthetic/CNN-25/relu/trial_0.log"


def command(workdir, *args):
    return [SNAKEMAKE, *args, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "1",
            "--configfile", str(REPO / "config/config.yaml"), str(workdir / "tiny.yaml")]


def tables(workdir):
    out = {}
    for name in TABLES:
        frame = pd.read_csv(workdir / "results/experiments/p1" / name, sep="\t")
        out[name] = frame.drop(columns=[c for c in frame.columns if "seconds" in c])
    return out


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("clean")
    (workdir / "tiny.yaml").write_text(TINY)
    result = subprocess.run(command(workdir), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return tables(workdir)


def start_and_interrupt(workdir, sig):
    """Start the workflow and send ``sig`` to Snakemake once the training job has logged an epoch."""
    (workdir / "tiny.yaml").write_text(TINY)
    proc = subprocess.Popen(command(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
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
    if sig == signal.SIGKILL:  # the orphaned training job may still be running: let it end
        time.sleep(1)
        for _ in range(600):
            alive = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True).returncode == 0
            if not alive:
                break
            time.sleep(0.2)
    # The README's recipe: unlock (needed after kill -9), then the plain command again.
    unlock = subprocess.run(command(tmp_path, "--unlock"), capture_output=True, text=True, timeout=120)
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    result = subprocess.run(command(tmp_path), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    resumed = tables(tmp_path)
    for name in TABLES:
        pd.testing.assert_frame_equal(resumed[name], uninterrupted[name], check_exact=False, rtol=1e-6)
    assert not list((tmp_path / "results").rglob(".*.keras")) and not list((tmp_path / "results").rglob(".*.tmp"))

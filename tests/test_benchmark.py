"""Smoke test of the benchmark script (bench/benchmark.py) at its smallest settings.

It is a measurement script, not a timed test: this checks that it runs from the repository on
the installed package and prints the rows it promises, with counts derived here by hand.
"""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "benchmark.py"


def run_bench(*args, cwd):
    out = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_training_benchmark_smallest(tmp_path):
    stdout = run_bench("--models", "CNN-25", "--threads", "1", "--epochs", "2", "--sequences", "600",
                       "--repeats", "1", "--analysis", cwd=tmp_path)
    rows = {line.split("  ")[0].strip(): line.split() for line in stdout.splitlines()[1:] if line.strip()}
    assert set(rows) == {"simulate", "simulate task 3", "simulate + write HDF5", "train CNN-25 (1 thread)"}
    assert rows["simulate"][1] == "600"
    # 600 sequences split 0.7 / 0.1 / 0.2 -> 420 training sequences per epoch
    assert "420/epoch" in rows["train CNN-25 (1 thread)"]
    seconds_per_epoch = float(rows["train CNN-25 (1 thread)"][-3])
    assert 0 < seconds_per_epoch < 60
    assert not list(tmp_path.iterdir())  # it works in a temporary folder and leaves nothing behind


def test_build_benchmark_smallest(tmp_path):
    stdout = run_bench("--build", "1", cwd=tmp_path)
    # a 1 Mb random genome: 3 chromosomes of 333,300 nt (1,000,000 // 3 in whole 60-nt lines) in 200 nt
    # bins: 3 * 333,300 // 200 = 4,999 bins
    assert stdout.startswith("encode set, 1 Mb genome, 12 x 10 peaks: 4,999 bins in ")
    assert "sequences written" in stdout


def test_backend_comparison_smallest(tmp_path):
    """--backends: every backend in its own 1-CPU process, ratios to TensorFlow, and the peer tangermeme."""
    stdout = run_bench("--backends", "--backend-models", "CNN-local", "--sequences", "300", "--task3-each", "100",
                       "--epochs", "2", "--attribution-n", "8", cwd=tmp_path)
    lines = stdout.splitlines()
    header = next(l for l in lines if l.startswith("model "))
    assert header.split() == ["model", "tensorflow", "jax", "torch", "jax/te", "torch/te"]
    cnn_local = next(l for l in lines if l.startswith("CNN-local ")).split()
    seconds = [float(v) for v in cnn_local[1:4]]
    assert all(0 < s < 60 for s in seconds)
    # the ratio columns are each backend's s/epoch over TensorFlow's: within what the printed
    # values' rounding (+-0.005 each) allows
    for s, ratio in zip(seconds[1:], cnn_local[4:6]):
        low, high = max(0, s - 0.005) / (seconds[0] + 0.005), (s + 0.005) / max(1e-9, seconds[0] - 0.005)
        assert low - 0.005 <= float(ratio) <= high + 0.005
    methods = {l.split()[0]: l for l in lines if l.split()[:1] in (["saliency"], ["ism"], ["deepshap"])}
    assert set(methods) == {"saliency", "ism", "deepshap"}
    assert methods["deepshap"].count("n/a (TF only)") == 2  # jax and torch
    assert "tangermeme" in next(l for l in lines if l.startswith("method "))
    assert "8 x 200 nt" in stdout
    assert "DeepSHAP runs on the TensorFlow backend only" in stdout
    assert "peer: tangermeme 1.6.0" in stdout
    assert not list(tmp_path.iterdir())

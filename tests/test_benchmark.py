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

"""Benchmark: simulation throughput and training throughput, printed as a table.

    python -m motifrep.benchmark                      # CNN-2 and CNN-25, 1 and 2 threads
    python -m motifrep.benchmark --models CNN-25 --threads 1 --epochs 3

Training runs the workflow's own code path (HDF5 set -> batch stream -> Keras fit) on the
full-size P1 synthetic set; seconds per epoch are the median of epochs 2.. (epoch 1
includes graph tracing). This is a measurement script, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def _tf_pwms(release="JASPAR2016"):
    import pandas as pd

    from .jaspar import fetch_by_ids

    table = pd.read_csv(REPO / "resources" / "tfs.tsv", sep="\t", comment="#")
    return [m.pwm for m in fetch_by_ids(list(table.jaspar_id), release)]


def bench_simulation(n_sequences: int, repeats: int) -> dict:
    from .simulate import simulate, strand_pwms

    pwms, task, strand = strand_pwms(_tf_pwms())
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        simulate(pwms, task, 12, n_sequences, 200, [0.5, 0.25, 0.17, 0.05, 0.03], r, strand)
        times.append(time.perf_counter() - t0)
    t = float(np.median(times))
    return {"stage": "simulate", "n": n_sequences, "seconds": t, "per_second": n_sequences / t}


def make_dataset(path: Path, n_sequences: int) -> None:
    from .data import write_simulated
    from .simulate import simulate, split_indices, strand_pwms

    pwms, task, strand = strand_pwms(_tf_pwms())
    sim = simulate(pwms, task, 12, n_sequences, 200, [0.5, 0.25, 0.17, 0.05, 0.03], 33, strand)
    write_simulated(path, sim, split_indices(n_sequences, [0.7, 0.1, 0.2]), [str(i) for i in range(12)],
                    [str(i) for i in range(24)], pwms, task, 33)


def bench_training_child(data: str, model: str, threads: int, epochs: int, batch_size: int) -> None:
    """Runs in a fresh process (TensorFlow's thread pools are fixed once it starts)."""
    import pandas as pd

    from .models import load_zoo
    from .train import train

    zoo = load_zoo(REPO / "resources" / "models.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        metrics = train(data, model, zoo[model], tmp / "m.keras", tmp / "h.tsv", tmp / "m.json", trial=0, seed=1,
                        epochs=epochs, patience=epochs, batch_size=batch_size, threads=threads)
        history = pd.read_csv(tmp / "h.tsv", sep="\t")
    per_epoch = float(history.seconds.iloc[1:].median()) if len(history) > 1 else float(history.seconds.iloc[0])
    n_train = round(0.7 * metrics["n_test"] / 0.2)
    print(f"RESULT\t{per_epoch}\t{n_train / per_epoch}\t{history.seconds.iloc[0]}")


def bench_training(data: Path, model: str, threads: int, epochs: int, batch_size: int) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-m", "motifrep.benchmark", "--child", str(data), model, str(threads),
                          str(epochs), str(batch_size)], capture_output=True, text=True, env=env, check=True)
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT"))
    _, per_epoch, per_second, first = line.split("\t")
    return {"stage": f"train {model} ({threads} thread{'s' if threads > 1 else ''})", "n": "17,500/epoch",
            "seconds": float(per_epoch), "per_second": float(per_second), "first_epoch": float(first)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m motifrep.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["CNN-2", "CNN-25"], help="zoo models to time")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="TensorFlow thread counts to try")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per timing run (median of epochs 2..)")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--sequences", type=int, default=25000, help="size of the simulated set")
    parser.add_argument("--repeats", type=int, default=3, help="simulation repeats (median)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        data, model, threads, epochs, batch = args.child
        bench_training_child(data, model, int(threads), int(epochs), int(batch))
        return

    rows = [bench_simulation(args.sequences, args.repeats)]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bench.h5"
        t0 = time.perf_counter()
        make_dataset(data, args.sequences)
        rows.append({"stage": "simulate + write HDF5", "n": args.sequences, "seconds": time.perf_counter() - t0,
                     "per_second": args.sequences / (time.perf_counter() - t0)})
        for model in args.models:
            for threads in args.threads:
                rows.append(bench_training(data, model, threads, args.epochs, args.batch_size))
    print(f"{'stage':32} {'n':>14} {'seconds':>9} {'per second':>11} {'1st epoch s':>12}")
    for r in rows:
        first = f"{r['first_epoch']:.1f}" if "first_epoch" in r else ""
        print(f"{r['stage']:32} {r['n']!s:>14} {r['seconds']:9.2f} {r['per_second']:11.0f} {first:>12}")


if __name__ == "__main__":
    main()

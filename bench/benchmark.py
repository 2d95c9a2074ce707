"""Benchmark: simulation throughput and training throughput, printed as a table.

    python bench/benchmark.py                      # CNN-2 and CNN-25, 1 and 2 threads
    python bench/benchmark.py --models CNN-25 --threads 1 --epochs 3 --analysis
    python bench/benchmark.py --models CNN-deep:relu CNN-deep:exponential --task3-models CNN-local CNN-dist \
        --threads 1 --analysis                        # P2: task-1 CNN-deep, task-3 models and simulation
    python bench/benchmark.py --streamed --threads 1   # in vivo size: 1,000 nt streamed / in memory vs 200 nt
    python bench/benchmark.py --backends                # TensorFlow vs JAX vs PyTorch (+ tangermeme), 1 thread
    python bench/benchmark.py --modisco 500 --threads 1  # TF-MoDISco on 500 planted-motif 200-nt maps

A model is NAME or NAME:ACTIVATION (first-layer activation). ``--task3-models`` are trained on
a simulated P2 task-3 set (20,000 sequences: 10,000 positive, 10,000 negative).

The filter -> PWM stage (5,000 test sequences) and Tomtom (30 filters x 519 JASPAR 2016
motifs, memelite) are timed on randomly initialised models, with an empty numba cache
(cold: includes the one-off compilation), a filled one in a new process (warm), and a
second call in the same process.

``--streamed [N_TRAIN]`` (only this) writes a random one-hot set of N_TRAIN training sequences
(default 270,382, the in vivo set of Koo & Eddy 2019; test set in proportion, 2,000 valid) of
``--length`` nt and one of 200 nt, and runs one CNN-2 training job on each way of feeding it (HDF5
streamed, in memory, 200 nt in memory), each in a fresh process that stops after ``--batches``
timed batches and then validates, predicts the test set and saves as the workflow does; it
reports sequences/s, nucleotides/s (and relative to 200 nt) and the job's peak RSS.

``--backends [B ...]`` (only this) compares the Keras backends (default tensorflow, jax, torch), each
in its own process pinned to one CPU: s/epoch of ``--backend-models`` (default CNN-2, CNN-deep,
CNN-local; task-3 models on the task-3 set) and attribution sequences/s of CNN-local (saliency,
ISM, DeepSHAP on TensorFlow only) on ``--attribution-n`` sequences, with ratios; and the peer
tangermeme (PyTorch; ``pip install .[bench]``) on the same architecture (``--no-peer``: skip).
See bench/backends.py.

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

from motifrep.datasets.encode import build_encode_set
from motifrep.datasets.regulatory import load_pool, simulate_regulatory
from motifrep.datasets.simulate import simulate, split_indices, strand_pwms
from motifrep.datasets.store import ChunkedWriter, Dataset, write_simulated
from motifrep.filters.scan import activation_pwms, filters_to_motifs
from motifrep.io import atomic_path
from motifrep.motifs.jaspar import fetch_by_ids, fetch_collection
from motifrep.motifs.tf_table import load_tf_table
from motifrep.motifs.tomtom import run_tomtom
from motifrep.nn.build import build_model
from motifrep.nn.runtime import configure_tensorflow
from motifrep.nn.train import train
from motifrep.nn.zoo import load_zoo

import backends  # bench/backends.py, beside this script

REPO = Path(__file__).resolve().parents[1]


def _tf_pwms(release="JASPAR2016"):

    table = load_tf_table(REPO / "resources" / "tfs.tsv")
    return [m.pwm for m in fetch_by_ids(list(table.jaspar_id), release)]


def bench_simulation(n_sequences: int, repeats: int) -> dict:

    pwms, task, strand = strand_pwms(_tf_pwms())
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        simulate(pwms, task, 12, n_sequences, 200, [0.5, 0.25, 0.17, 0.05, 0.03], r, strand)
        times.append(time.perf_counter() - t0)
    t = float(np.median(times))
    return {"stage": "simulate", "n": n_sequences, "seconds": t, "per_second": n_sequences / t}


def _task3_pwms():

    core = load_tf_table(REPO / "resources" / "task3_core.tsv")
    pool = load_pool(REPO / "resources" / "task3_pool.tsv")
    return [m.pwm for m in fetch_by_ids(list(core.jaspar_id))], [m.pwm for m in fetch_by_ids(list(pool.jaspar_id))]


def bench_regulatory(n_each: int, repeats: int) -> dict:

    core, pool = _task3_pwms()
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        simulate_regulatory(core, pool, n_each, n_each, 200, [0.5, 0.25, 0.17, 0.05, 0.03], 3, r)
        times.append(time.perf_counter() - t0)
    t = float(np.median(times))
    return {"stage": "simulate task 3", "n": 2 * n_each, "seconds": t, "per_second": 2 * n_each / t}


def make_task3_dataset(path: Path, n_each: int) -> None:

    core, pool = _task3_pwms()
    sim = simulate_regulatory(core, pool, n_each, n_each, 200, [0.5, 0.25, 0.17, 0.05, 0.03], 3, 22)
    pwms, task, _ = strand_pwms(core + pool)
    write_simulated(path, sim, split_indices(2 * n_each, [0.7, 0.1, 0.2]), ["regulatory"],
                    [str(i) for i in range(len(pwms))], pwms, task, 22)


def make_dataset(path: Path, n_sequences: int) -> None:

    pwms, task, strand = strand_pwms(_tf_pwms())
    sim = simulate(pwms, task, 12, n_sequences, 200, [0.5, 0.25, 0.17, 0.05, 0.03], 33, strand)
    write_simulated(path, sim, split_indices(n_sequences, [0.7, 0.1, 0.2]), [str(i) for i in range(12)],
                    [str(i) for i in range(24)], pwms, task, 33)


#: The in vivo set of Koo & Eddy 2019 (train / test sequences, 1,000 nt, 12 tasks) that --streamed stands in for.
IN_VIVO_TRAIN, IN_VIVO_TEST, IN_VIVO_VALID = 270_382, 23_768, 2_000


def make_random_dataset(path: Path, n_train: int, length: int, n_tasks: int = 12, n_valid: int = IN_VIVO_VALID,
                        n_test: int | None = None, block: int = 8192, seed: int = 5) -> None:
    """A random one-hot set in the common layout (train, valid, test rows in that order), written
    block by block with :class:`~motifrep.datasets.store.ChunkedWriter`; ``n_test`` defaults to the in vivo
    test / train ratio. Labels are random (20 % positive): for timing and memory only."""

    n_test = max(200, round(n_train * IN_VIVO_TEST / IN_VIVO_TRAIN)) if n_test is None else n_test
    rng, eye = np.random.default_rng(seed), np.eye(4, dtype=np.uint8)
    with atomic_path(path) as tmp, ChunkedWriter(tmp, length, [f"task{i}" for i in range(n_tasks)]) as w:
        for split, n in (("train", n_train), ("valid", n_valid), ("test", n_test)):
            for lo in range(0, n, block):
                rows = min(block, n - lo)
                w.append(eye[rng.integers(0, 4, (rows, length), dtype=np.uint8)],
                         (rng.random((rows, n_tasks)) < 0.2).astype(np.uint8), split)


def bench_training_child(data: str, model: str, threads: int, epochs: int, batch_size: int) -> None:
    """Runs in a fresh process (TensorFlow's thread pools are fixed once it starts)."""
    import pandas as pd


    zoo = load_zoo(REPO / "resources" / "models.yaml")
    name, _, activation = model.partition(":")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        metrics = train(data, name, zoo[name], tmp / "m.keras", tmp / "h.tsv", tmp / "m.json", trial=0, seed=1,
                        epochs=epochs, patience=epochs, batch_size=batch_size, threads=threads,
                        activation=activation or None)
        history = pd.read_csv(tmp / "h.tsv", sep="\t")
    per_epoch = float(history.seconds.iloc[1:].median()) if len(history) > 1 else float(history.seconds.iloc[0])
    n_train = round(0.7 * metrics["n_test"] / 0.2)  # the benchmark sets split 0.7 / 0.1 / 0.2
    print(f"RESULT\t{per_epoch}\t{n_train / per_epoch}\t{history.seconds.iloc[0]}")


def bench_training(data: Path, model: str, threads: int, epochs: int, batch_size: int) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(data), model, str(threads),
                          str(epochs), str(batch_size)], capture_output=True, text=True, env=env, check=True)
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT"))
    _, per_epoch, per_second, first = line.split("\t")

    with Dataset(data) as ds:
        n_train = len(ds.indices("train"))
    return {"stage": f"train {model} ({threads} thread{'s' if threads > 1 else ''})", "n": f"{n_train:,}/epoch",
            "seconds": float(per_epoch), "per_second": float(per_second), "first_epoch": float(first)}


def _batch_clock(warmup: int, batches: int):
    """A Keras callback that times training batches ``warmup + 1 .. warmup + batches`` and then stops."""
    import keras

    class BatchClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.t0 = self.t1 = None

        def on_train_batch_end(self, batch, logs=None):
            if batch + 1 == warmup:
                self.t0 = time.perf_counter()
            elif batch + 1 == warmup + batches:
                self.t1 = time.perf_counter()
                self.model.stop_training = True

    return BatchClock()


def bench_stream_child(data: str, in_memory_max_gb: float, batches: int, threads: int, batch_size: int) -> None:
    """One training job (workflow code path: validation, test predictions, saving) on ``data`` that
    stops after ``batches`` timed batches (after 20 warm-up ones); prints sequences/s and peak RSS."""

    zoo = load_zoo(REPO / "resources" / "models.yaml")
    clock = _batch_clock(20, batches)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        train(data, "CNN-2", zoo["CNN-2"], tmp / "m.keras", tmp / "h.tsv", tmp / "m.json", trial=0, seed=1, epochs=1,
              patience=1, batch_size=batch_size, threads=threads, in_memory_max_gb=in_memory_max_gb,
              callbacks=[clock])
    if clock.t1 is None:
        raise SystemExit(f"{data}: fewer than {20 + batches} training batches; use a larger set or fewer --batches")
    with Dataset(data) as ds:
        length = ds.length
    per_second = batches * batch_size / (clock.t1 - clock.t0)
    print(f"RESULT\t{per_second}\t{per_second * length}\t{_peak_rss() / 2**30}")


def _peak_rss() -> int:
    """Peak resident memory of this process in bytes: VmHWM (Linux), else ru_maxrss (which on
    Linux also counts the parent's peak when this process was forked and exec'ed)."""
    import resource

    try:
        with open("/proc/self/status") as f:
            return int(next(l for l in f if l.startswith("VmHWM")).split()[1]) * 1024
    except (OSError, StopIteration):
        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kilobytes elsewhere
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def bench_streamed(n_train: int, length: int, batches: int, threads: int, batch_size: int, tmp: Path) -> list[dict]:
    """CNN-2 on a random in vivo-sized set: ``length`` nt streamed from HDF5 and in memory, and
    200 nt in memory (baseline), each in a fresh process; per-nucleotide rate relative to 200 nt."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    sets = {length: tmp / f"random_{length}.h5", 200: tmp / "random_200.h5"}
    for size, path in sets.items():
        if not path.exists():
            make_random_dataset(path, n_train, size)
    rows = []
    for label, size, limit in ((f"{length} nt streamed (HDF5)", length, 1e-9), (f"{length} nt in memory", length, 1e3),
                               ("200 nt in memory", 200, 1e3)):
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--stream-child", str(sets[size]), str(limit),
                              str(batches), str(threads), str(batch_size)], capture_output=True, text=True, env=env,
                             check=True)
        line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT"))
        per_second, nt_per_second, peak_gb = (float(v) for v in line.split("\t")[1:])
        rows.append({"run": f"CNN-2 {label}", "n_train": n_train, "sequences/s": per_second, "nt/s": nt_per_second,
                     "peak RSS GB": peak_gb})
    for r in rows:
        r["nt/s vs 200 nt"] = r["nt/s"] / rows[-1]["nt/s"]
    return rows


def bench_analysis_child(data: str, model_name: str, cache_dir: str) -> None:
    """Filter -> PWM and Tomtom timings for one model (random weights: timing only)."""

    configure_tensorflow(1, 1)
    zoo = load_zoo(REPO / "resources" / "models.yaml")
    model = build_model(model_name, zoo[model_name], 200, 12)
    with Dataset(data) as ds:
        X, _ = ds.load("test")
    t0 = time.perf_counter()
    ppms, _ = activation_pwms(model, X)
    t_filters = time.perf_counter() - t0

    queries, targets = filters_to_motifs(ppms), fetch_collection()
    t0 = time.perf_counter()
    run_tomtom(queries, targets, numba_cache_dir=cache_dir, threads=1)
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_tomtom(queries, targets, numba_cache_dir=cache_dir, threads=1)
    t_again = time.perf_counter() - t0
    print(f"RESULT\t{t_filters}\t{t_first}\t{t_again}\t{len(X)}")


def bench_analysis(data: Path, model: str, cache_dir: Path) -> list[dict]:
    """Cold (empty numba cache), warm (cache on disk, new process) and in-process timings."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    rows = []
    for label in ("cold cache", "warm cache"):
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--analysis-child", str(data), model,
                              str(cache_dir)], capture_output=True, text=True, env=env, check=True)
        line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT"))
        t_filters, t_first, t_again, n = (float(v) for v in line.split("\t")[1:])
        if label == "cold cache":
            rows.append({"stage": f"filters {model} (layer 1)", "n": int(n), "seconds": t_filters,
                         "per_second": n / t_filters})
        rows.append({"stage": f"tomtom {model}, {label}", "n": "30 x 519", "seconds": t_first, "per_second": 0})
    rows.append({"stage": f"tomtom {model}, in process", "n": "30 x 519", "seconds": t_again, "per_second": 0})
    return rows


def bench_attribution_child(data: str, model_spec: str, n: str) -> None:
    """Attribution timings of one task-3 model (random weights: timing only), methods §6.2 settings."""
    from motifrep.interpret.attribution import benchmark_methods

    configure_tensorflow(1, 1)
    name, _, activation = model_spec.partition(":")
    zoo = load_zoo(REPO / "resources" / "models.yaml")
    model = build_model(name, zoo[name], 200, 1, first_activation=activation or None)
    with Dataset(data) as ds:
        X = ds.read_rows("X", ds.indices("test")[: int(n)])
    for method, seconds in benchmark_methods(model, X).items():
        print(f"RESULT\t{method}\t{seconds}\t{len(X)}")


def bench_attribution(data: Path, model: str, n: int) -> list[dict]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--attribution-child", str(data), model,
                          str(n)], capture_output=True, text=True, env=env, check=True)
    rows = []
    for line in (l for l in out.stdout.splitlines() if l.startswith("RESULT")):
        _, method, seconds, count = line.split("\t")
        rows.append({"stage": f"attribution {method} {model}", "n": int(count), "seconds": float(seconds),
                     "per_second": int(count) / float(seconds)})
    return rows


def bench_modisco(n: int, leiden_runs: int, threads: int) -> list[dict]:
    """TF-MoDISco (methods §6.5) on ``n`` planted-motif 200-nt maps: each of the 5 task-3 core TFs' JASPAR 2016
    matrices sampled once per sequence at a random place, attribution = its log-odds there, N(0, 0.05) elsewhere.
    Timed twice in one process: the first call includes loading (or compiling) the numba kernels."""
    from motifrep.interpret.discovery import run_modisco

    rng = np.random.default_rng(0)
    pwms = [m.pwm for m in fetch_by_ids(list(load_tf_table(REPO / "resources" / "task3_core.tsv").jaspar_id),
                                        "JASPAR2016")]
    seq = rng.integers(0, 4, size=(n, 200))
    hyp = rng.normal(0, 0.05, size=(n, 200, 4)).astype(np.float32)
    for i in range(n):
        pwm = pwms[i % len(pwms)]
        at = rng.integers(0, 200 - len(pwm))
        seq[i, at:at + len(pwm)] = [rng.choice(4, p=col / col.sum()) for col in pwm]
        hyp[i, at:at + len(pwm)] = np.log2((pwm + 0.01) / 0.25)
    one_hot = np.eye(4, dtype=np.float32)[seq]
    rows = []
    for label in ("first call", "second call"):
        t0 = time.perf_counter()
        found = run_modisco(one_hot, hyp, {"n_leiden_runs": leiden_runs}, allow_empty=True, threads=threads)
        seconds = time.perf_counter() - t0
        rows.append({"stage": f"modisco {label} ({len(found)} patterns)", "n": n, "seconds": seconds,
                     "per_second": n / seconds})
    return rows


def _write_random_genome(path: Path, chroms: dict, rng) -> None:
    """A FASTA of random ACGT chromosomes (name -> length), 60 nt per line, written in blocks."""
    bases = np.frombuffer(b"ACGT", np.uint8)
    with open(path, "wb") as out:
        for name, size in chroms.items():
            out.write(f">{name}\n".encode())
            for lo in range(0, size, 6_000_000):
                seq = bases[rng.integers(0, 4, min(6_000_000, size - lo))]
                lines = np.concatenate([seq.reshape(-1, 60), np.full((len(seq) // 60, 1), 10, np.uint8)], axis=1)
                out.write(lines.tobytes())


def bench_encode_build(megabases: int, peaks_per_experiment: int, tmp: Path) -> dict:
    """The encode route on a random genome of ``megabases`` Mb (chr1 / chr7 / chr8 = train / valid / test) and
    12 experiments of random 300 nt peaks: genome bins labelled and sequences written per second."""

    rng = np.random.default_rng(0)
    size = megabases * 1_000_000 // 3 // 60 * 60
    chroms = {"chr1": size, "chr7": size, "chr8": size}
    _write_random_genome(tmp / "genome.fa", chroms, rng)
    peaks = {}
    for e in range(12):
        peaks[f"exp{e}"] = tmp / f"exp{e}.narrowPeak"
        with open(peaks[f"exp{e}"], "w") as out:
            for c in chroms:
                for start in np.sort(rng.integers(1000, size - 2000, peaks_per_experiment // 3)):
                    out.write(f"{c}\t{start}\t{start + 300}\tp\t0\t.\t1\t-1\t-1\t150\n")
    t0 = time.perf_counter()
    counts = build_encode_set(tmp / "encode.h5", tmp / "genome.fa", peaks, list(peaks), valid_chroms=["chr7"],
                              test_chroms=["chr8"])
    seconds = time.perf_counter() - t0
    n_bins = 3 * size // 200
    n_seq = sum(counts["rows"].values())
    return {"stage": f"encode set, {megabases} Mb genome, 12 x {peaks_per_experiment} peaks", "n": f"{n_bins:,} bins",
            "seconds": seconds, "per_second": n_bins / seconds, "sequences": n_seq}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python bench/benchmark.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="*", default=["CNN-2", "CNN-25"],
                        help="zoo models (NAME or NAME:ACTIVATION) trained on the P1 / P2 task-1 set")
    parser.add_argument("--task3-models", nargs="*", default=[],
                        help="models (NAME or NAME:ACTIVATION) trained on a P2 task-3 set, e.g. CNN-local CNN-dist")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="TensorFlow thread counts to try")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per timing run (median of epochs 2..)")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--sequences", type=int, default=25000, help="size of the simulated set")
    parser.add_argument("--repeats", type=int, default=3, help="simulation repeats (median)")
    parser.add_argument("--analysis", nargs="*", default=["CNN-2", "CNN-25"],
                        help="models whose filter and Tomtom stages are timed (none: skip)")
    parser.add_argument("--attribution", nargs="*", default=[],
                        help="task-3 models (NAME or NAME:ACTIVATION) whose attribution methods are timed on 500 "
                             "sequences (methods §6.2 settings; includes tf.function tracing)")
    parser.add_argument("--streamed", nargs="?", type=int, const=IN_VIVO_TRAIN, metavar="N_TRAIN",
                        help="only this: CNN-2 on a random set of N_TRAIN training sequences (default the in vivo "
                             f"{IN_VIVO_TRAIN:,}) of --length nt, streamed from HDF5 vs in memory vs 200 nt in "
                             "memory: sequences/s, nucleotides/s, peak RSS")
    parser.add_argument("--length", type=int, default=1000, help="sequence length for --streamed")
    parser.add_argument("--batches", type=int, default=300,
                        help="--streamed: training batches timed per run (after 20 warm-up batches)")
    parser.add_argument("--build", type=int, metavar="MEGABASES",
                        help="only this: build an in vivo (encode route) set from a random genome of MEGABASES Mb "
                             "and 12 experiments of 10 random 300 nt peaks per Mb (ENCODE's density): genome bins "
                             "per second (reading, labelling, N/edge checks, one-hot writing included)")
    parser.add_argument("--backends", nargs="*", choices=backends.BACKENDS,
                        help="only this: compare the Keras backends (none named: all three) at 1 thread, and the "
                             "peer tangermeme (see --no-peer); uses --sequences, --epochs, --backend-models, "
                             "--attribution-n")
    parser.add_argument("--backend-models", nargs="+", default=list(backends.DEFAULT_MODELS),
                        help="--backends: models timed per backend (CNN-local / CNN-dist on the task-3 set)")
    parser.add_argument("--attribution-n", type=int, default=500,
                        help="--backends: test sequences explained per method")
    parser.add_argument("--task3-each", type=int, default=10000,
                        help="positive (and negative) sequences of the task-3 set")
    parser.add_argument("--no-peer", action="store_true", help="--backends: leave tangermeme out")
    parser.add_argument("--backend-child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--peer-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--modisco", type=int, metavar="N_SEQUENCES",
                        help="only this: TF-MoDISco on N planted-motif 200-nt maps (--leiden-runs, --threads' max)")
    parser.add_argument("--leiden-runs", type=int, default=10, help="TF-MoDISco Leiden runs for --modisco")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--stream-child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--attribution-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--analysis-child", nargs=3, help=argparse.SUPPRESS)
    return parser


def run_backends(args) -> None:
    """``--backends``: build the two sets, run the comparison, print its tables."""
    names = args.backends or list(backends.BACKENDS)
    with tempfile.TemporaryDirectory() as tmp:
        p1, task3 = Path(tmp) / "bench.h5", Path(tmp) / "task3.h5"
        make_dataset(p1, args.sequences)
        make_task3_dataset(task3, args.task3_each)
        t0 = time.perf_counter()
        result = backends.compare(p1, task3, names, args.backend_models, args.epochs, args.attribution_n,
                                  not args.no_peer)
    print(backends.format_comparison(result, names, args.backend_models))
    print(f"(P1 set {args.sequences:,} sequences, task-3 set {2 * args.task3_each:,}; {args.epochs} epochs per model; "
          f"{time.perf_counter() - t0:.0f} s)")


def _backend_child(argv: list[str]) -> None:
    backend, p1, task3, epochs, n, *models = argv
    backends.backend_child(backend, p1, task3, int(epochs), int(n), models,
                           lambda data, model, threads, e: bench_training_child(data, model, threads, e, 100))


def main(argv=None) -> None:
    """Run the benchmark the command line asks for (see ``--help``) and print its table."""
    args = _parser().parse_args(argv)
    if _run_child(args) or _run_single_benchmark(args):
        return
    _print_rows(_default_rows(args))


def _run_child(args) -> bool:
    """Run the child process (or the backend comparison) the arguments ask for; False if none."""
    if args.backend_child:
        _backend_child(args.backend_child)
    elif args.peer_child:
        backends.peer_child(args.peer_child[0], int(args.peer_child[1]))
    elif args.backends is not None:
        run_backends(args)
    elif args.attribution_child:
        bench_attribution_child(*args.attribution_child)
    elif args.analysis_child:
        bench_analysis_child(*args.analysis_child)
    elif args.child:
        data, model, threads, epochs, batch = args.child
        bench_training_child(data, model, int(threads), int(epochs), int(batch))
    elif args.stream_child:
        data, limit, batches, threads, batch = args.stream_child
        bench_stream_child(data, float(limit), int(batches), int(threads), int(batch))
    else:
        return False
    return True


def _run_single_benchmark(args) -> bool:
    """Run and print ``--build``, ``--modisco`` or ``--streamed``; False if none is asked for."""
    if args.build:
        with tempfile.TemporaryDirectory() as tmp:
            r = bench_encode_build(args.build, 10 * args.build, Path(tmp))  # ~10 peaks per Mb, as ENCODE sets
        print(f"{r['stage']}: {r['n']} in {r['seconds']:.1f} s = {r['per_second']:,.0f} bins/s; "
              f"{r['sequences']:,} sequences written ({r['sequences'] / r['seconds']:,.0f} per s)")
    elif args.modisco:
        for r in bench_modisco(args.modisco, args.leiden_runs, max(args.threads)):
            print(f"{r['stage']}: {r['n']} sequences in {r['seconds']:.1f} s")
    elif args.streamed is not None:
        with tempfile.TemporaryDirectory() as tmp:
            rows = bench_streamed(args.streamed, args.length, args.batches, max(args.threads), args.batch_size,
                                  Path(tmp))
        print(f"{'run':36} {'n_train':>9} {'sequences/s':>12} {'nt/s':>10} {'vs 200 nt':>10} {'peak RSS GB':>12}")
        for r in rows:
            print(f"{r['run']:36} {r['n_train']:>9,} {r['sequences/s']:12.1f} {r['nt/s']:10.0f} "
                  f"{r['nt/s vs 200 nt']:10.3f} {r['peak RSS GB']:12.2f}")
    else:
        return False
    return True


def _default_rows(args) -> list[dict]:
    """The default benchmark's rows: simulation, data set writing, training, attribution, analysis."""
    rows = [bench_simulation(args.sequences, args.repeats), bench_regulatory(10000, args.repeats)]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bench.h5"
        t0 = time.perf_counter()
        make_dataset(data, args.sequences)
        rows.append({"stage": "simulate + write HDF5", "n": args.sequences, "seconds": time.perf_counter() - t0,
                     "per_second": args.sequences / (time.perf_counter() - t0)})
        for model in args.models:
            for threads in args.threads:
                rows.append(bench_training(data, model, threads, args.epochs, args.batch_size))
        task3 = Path(tmp) / "task3.h5"
        if args.task3_models or args.attribution:
            make_task3_dataset(task3, args.task3_each)
        for model in args.attribution:
            rows += bench_attribution(task3, model, 500)
        if args.task3_models:
            for model in args.task3_models:
                for threads in args.threads:
                    row = bench_training(task3, model, threads, args.epochs, args.batch_size)
                    rows.append({**row, "stage": row["stage"].replace("train", "train task3")})
        for model in args.analysis:
            rows += bench_analysis(data, model, Path(tmp) / f"numba_{model}")
    return rows


def _print_rows(rows: list[dict]) -> None:
    """Print the default benchmark's table."""
    print(f"{'stage':46} {'n':>14} {'seconds':>9} {'per second':>11} {'1st epoch s':>12}")
    for r in rows:
        first = f"{r['first_epoch']:.1f}" if "first_epoch" in r else ""
        rate = f"{r['per_second']:.0f}" if r["per_second"] else ""
        print(f"{r['stage']:46} {r['n']!s:>14} {r['seconds']:9.2f} {rate:>11} {first:>12}")

if __name__ == "__main__":
    main()

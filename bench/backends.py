"""Backend comparison for bench/benchmark.py ``--backends``: Keras on TensorFlow, JAX and PyTorch,
and the peer tangermeme (PyTorch) on the same CNN-local architecture.

A Keras backend is fixed per process, so each backend runs in its own child process
(``benchmark.py --backend-child``), and so does the peer (``--peer-child``). Every child is
pinned to one CPU (``os.sched_setaffinity``) and told to use one thread (TensorFlow's and
PyTorch's thread pools through :func:`motifrep.nn.runtime.configure_tensorflow`, XLA's through
``XLA_FLAGS``, OpenMP's through ``OMP_NUM_THREADS``): "1 thread" is one core, whatever a
framework's own pools do.

Per backend: seconds per epoch of each model (the workflow's ``train``, median of epochs 2..)
and attribution sequences/s of a randomly initialised CNN-local (task 3, 1 output) on ``n``
test sequences: saliency, ISM (all 3 L mutants) and DeepSHAP (10 shuffled references; the
TensorFlow backend only: shap's DeepExplainer, see README "Keras backends"). Each method is
called twice on the same sequences; the first call (tracing / compilation included) and the
second (warm) are both reported; sequences/s is the warm one.

The peer: the same CNN-local layers written in PyTorch (``torch.nn``; conv without bias, batch
norm, ReLU, max-pool, dropout; dense, batch norm, ReLU, dropout; sigmoid output), in eval mode,
explained with tangermeme's ``saliency``, ``saturation_mutagenesis`` and ``deep_lift_shap``
(10 position shuffles as references, like ours), on the same sequences, called twice likewise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

#: backend -> the models the comparison trains by default (task-3 models train on the task-3 set)
DEFAULT_MODELS = ("CNN-2", "CNN-deep", "CNN-local")
TASK3_MODELS = {"CNN-local", "CNN-dist"}
BACKENDS = ("tensorflow", "jax", "torch")
METHODS = ("saliency", "ism", "deepshap")
#: methods §6.2 settings of the methods compared here (ours; the peer gets the same)
SETTINGS = {"saliency": {}, "ism": {}, "deepshap": {"n_refs": 10}}
PEER_BATCH = {"saliency": 256, "ism": 256, "deepshap": 32}


def one_core_env(backend: str | None = None) -> dict:
    """The environment of a 1-thread child (and its Keras backend, if given)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    if backend:
        env["KERAS_BACKEND"] = backend
    return env


def _pin_to_one_cpu() -> None:
    """preexec_fn: run the child on the first CPU this process may use."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_child(args: list[str], env: dict) -> list[list[str]]:
    """Run ``benchmark.py ARGS`` on one CPU; its ``RESULT`` lines, split on tabs (without the tag)."""
    script = Path(__file__).resolve().parent / "benchmark.py"
    out = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env,
                         preexec_fn=_pin_to_one_cpu)
    if out.returncode:
        raise SystemExit(f"benchmark child {' '.join(args[:2])} failed:\n{out.stderr[-3000:]}")
    return [line.split("\t")[1:] for line in out.stdout.splitlines() if line.startswith("RESULT")]


def _timed_twice(fn) -> tuple[float, float]:
    """Seconds of a first and a second call of ``fn()``."""
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times[0], times[1]


def backend_child(backend: str, p1_data: str, task3_data: str, epochs: int, n: int, models: list[str],
                  train_one) -> None:
    """In a child whose ``KERAS_BACKEND`` is ``backend``: s/epoch per model, then attribution rates.

    ``train_one(data, model, threads, epochs)`` is benchmark.py's training timer (it prints a
    RESULT line of its own: s/epoch, sequences/s, first epoch s); this adds the model's name.
    """
    from motifrep.datasets.store import Dataset
    from motifrep.interpret.attribution import attribute
    from motifrep.nn.backend import backend as keras_backend
    from motifrep.nn.build import build_model
    from motifrep.nn.runtime import configure_tensorflow
    from motifrep.nn.zoo import load_zoo

    configure_tensorflow(1, 1, backend=backend)
    if keras_backend() != backend:
        raise SystemExit(f"asked for {backend}, Keras runs {keras_backend()}")
    for model in models:
        print(f"RESULT\tmodel\t{model}", flush=True)
        train_one(task3_data if model.partition(":")[0] in TASK3_MODELS else p1_data, model, 1, epochs)
    zoo = load_zoo(Path(__file__).resolve().parents[1] / "resources" / "models.yaml")
    net = build_model("CNN-local", zoo["CNN-local"], 200, 1)
    with Dataset(task3_data) as ds:
        X = ds.read_rows("X", ds.indices("test")[:n]).astype(np.float32)
    for method in METHODS:
        if method == "deepshap" and backend != "tensorflow":
            print(f"RESULT\tattr\t{method}\tnan\tnan\t{len(X)}")
            continue
        first, warm = _timed_twice(lambda: attribute(method, net, X, **SETTINGS[method]))
        print(f"RESULT\tattr\t{method}\t{first}\t{warm}\t{len(X)}")


def cnn_local_torch():
    """CNN-local (resources/models.yaml) as a ``torch.nn.Sequential`` on (N, 4, 200) input."""
    import torch.nn as nn

    return nn.Sequential(
        nn.Conv1d(4, 24, 19, padding="same", bias=False), nn.BatchNorm1d(24), nn.ReLU(), nn.MaxPool1d(50),
        nn.Dropout(0.1),
        nn.Conv1d(24, 48, 3, padding="same", bias=False), nn.BatchNorm1d(48), nn.ReLU(), nn.MaxPool1d(2),
        nn.Dropout(0.2),
        nn.Flatten(), nn.Linear(96, 96, bias=False), nn.BatchNorm1d(96), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(96, 1), nn.Sigmoid(),
    )


def peer_child(task3_data: str, n: int) -> None:
    """tangermeme 1.6 on CNN-local in PyTorch, 1 thread: saliency, ISM, DeepSHAP (first and warm call)."""
    import torch
    from tangermeme import __version__
    from tangermeme.deep_lift_shap import deep_lift_shap
    from tangermeme.ersatz import shuffle
    from tangermeme.saliency import saliency
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis

    from motifrep.datasets.store import Dataset

    torch.set_num_threads(1)
    torch.manual_seed(1)
    model = cnn_local_torch().eval()
    with Dataset(task3_data) as ds:
        X = torch.tensor(ds.read_rows("X", ds.indices("test")[:n]).astype(np.float32)).permute(0, 2, 1).contiguous()
    calls = {
        "saliency": lambda: saliency(model, X, target=0, batch_size=PEER_BATCH["saliency"], device="cpu"),
        "ism": lambda: saturation_mutagenesis(model, X, target=0, batch_size=PEER_BATCH["ism"], device="cpu"),
        "deepshap": lambda: deep_lift_shap(model, X, target=0, batch_size=PEER_BATCH["deepshap"], references=shuffle,
                                           n_shuffles=SETTINGS["deepshap"]["n_refs"], random_state=0, device="cpu"),
    }
    print(f"RESULT\tversion\t{__version__}")
    for method, call in calls.items():
        first, warm = _timed_twice(call)
        print(f"RESULT\tattr\t{method}\t{first}\t{warm}\t{len(X)}")


def _parse(rows: list[list[str]]) -> tuple[dict, dict]:
    """Child RESULT rows -> ({model: s/epoch}, {method: (first s, warm s, n)})."""
    epochs, attr, model = {}, {}, None
    for row in rows:
        if row[0] == "model":
            model = row[1]
        elif row[0] == "attr":
            attr[row[1]] = (float(row[2]), float(row[3]), int(row[4]))
        elif row[0] != "version" and model is not None:
            epochs[model] = float(row[0])
    return epochs, attr


def compare(p1_data: Path, task3_data: Path, backends, models, epochs: int, n: int, peer: bool) -> dict:
    """Run every backend's child and the peer's; ``{"epochs": {backend: {model: s}}, "attr": {who: {...}}}``."""
    result = {"epochs": {}, "attr": {}, "peer_version": None}
    for backend in backends:
        rows = run_child(["--backend-child", backend, str(p1_data), str(task3_data), str(epochs), str(n), *models],
                         one_core_env(backend))
        result["epochs"][backend], result["attr"][backend] = _parse(rows)
    if peer:
        rows = run_child(["--peer-child", str(task3_data), str(n)], one_core_env())
        result["peer_version"] = next(r[1] for r in rows if r[0] == "version")
        result["attr"]["tangermeme"] = _parse(rows)[1]
    return result


def _rate(t) -> float:
    first, warm, n = t
    return n / warm if warm == warm else float("nan")  # nan: not run (DeepSHAP off TensorFlow)


def format_comparison(result: dict, backends, models) -> str:
    """The two tables (s/epoch with ratios to TensorFlow; attribution sequences/s with ratios)."""
    base = "tensorflow" if "tensorflow" in backends else backends[0]
    lines = [f"s/epoch, 1 thread (ratio: backend / {base}; < 1 is faster)",
             f"{'model':14}" + "".join(f"{b:>12}" for b in backends) + "".join(
                 f"{b + '/' + base[:2]:>12}" for b in backends if b != base)]
    for m in models:
        s = [result["epochs"][b].get(m, float("nan")) for b in backends]
        ratios = [result["epochs"][b][m] / result["epochs"][base][m] for b in backends if b != base]
        lines.append(f"{m:14}" + "".join(f"{v:12.2f}" for v in s) + "".join(f"{r:12.2f}" for r in ratios))
    who = list(backends) + (["tangermeme"] if "tangermeme" in result["attr"] else [])
    n = next(iter(result["attr"][who[0]].values()))[2]
    lines += ["", f"attribution, CNN-local (random weights), {n} x 200 nt, 1 thread: sequences/s of a warm call "
                  f"(first call in s in brackets)",
              f"{'method':10}" + "".join(f"{w:>20}" for w in who) + (
                  f"{'best ours / peer':>18}" if "tangermeme" in who else "")]
    for method in METHODS:
        cells, rates = [], {}
        for w in who:
            t = result["attr"][w].get(method)
            rates[w] = _rate(t)
            cells.append("n/a (TF only)" if rates[w] != rates[w] else f"{rates[w]:,.0f} ({t[0]:.2f} s)")
        best = max((rates[b] for b in backends if rates[b] == rates[b]), default=float("nan"))
        tail = f"{best / rates['tangermeme']:18.2f}" if "tangermeme" in who else ""
        lines.append(f"{method:10}" + "".join(f"{c:>20}" for c in cells) + tail)
    lines.append("DeepSHAP runs on the TensorFlow backend only (shap's DeepExplainer; README, Keras backends).")
    if result.get("peer_version"):
        lines.append(f"peer: tangermeme {result['peer_version']} (PyTorch), the same CNN-local in torch.nn, "
                     f"batch sizes {PEER_BATCH}, DeepSHAP with 10 position shuffles")
    return "\n".join(lines)

"""The P1 paper grid on one GPU machine in one call: train, filters, Tomtom, Table 1, timings.

Run by bench/gpu_check.sh (which installs the carried wheels first); see its header and README
"GPU check". Steps, each printed with its wall time:

1. simulate P1's synthetic set (config/config.yaml ``datasets.synthetic``) from the carried
   JASPAR 2016 MEME file; start the memelite (Tomtom) numba compilation in the background;
2. CNN-2 alone on the GPU for ``--probe-epochs`` epochs (s/epoch, sequences/s), and the same
   training on the CPU in a 2-core job (``CUDA_VISIBLE_DEVICES=''``, pinned to 2 CPUs, 2 threads):
   the GPU / CPU speed-up;
3. the grid (config/paper.yaml ``experiments.p1``: models x trials, epochs, patience) in
   ``--workers`` worker processes, each bound to a GPU slot by motifrep's own device binding
   (:func:`motifrep.nn.devices.bind_device`, ``--jobs-per-gpu`` slots per device) and training
   with the workflow's :func:`motifrep.nn.train.train`. Jobs go trial by trial (every model's
   trial 0 first), and a job starts only while its expected duration (the median of the jobs done
   so far, else the probe's s/epoch x ``--expect-epochs``; the first ``--workers`` jobs always start)
   fits in ``--budget`` seconds; jobs
   still running at budget + ``--grace`` are stopped. What ran is "the slice", printed;
4. filters (layer 1 and config ``filters.deep_layers``) and Tomtom (memelite) of every finished
   run, on the CPU in a process pool;
5. the workflow's P1 tables: classification, match statistics, Table 1 beside the published
   values (resources/published_p1.tsv);
6. a summary: wall times, s/epoch per model, GPU memory / utilisation samples (``nvidia-smi``,
   every 2 s, where it exists), Table 1. Written to ``--out`` (at most 8 files).

``--tiny`` runs the same path small (2 models x 1 trial, 2 epochs, 600 sequences) on the CPU.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
T0 = time.perf_counter()
#: --tiny: packages the GPU machine lacks, refused at import in this process and its children (workers, probes)
#: so that the CPU check runs the device's import path
WITHOUT_ENV = "MOTIFREP_GPU_CHECK_WITHOUT"


class _Without:
    """A meta-path finder that refuses the top-level packages named in ``$MOTIFREP_GPU_CHECK_WITHOUT``."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{name}: not on the GPU machine (gpu_check --tiny emulates its package set)")
        return None


if os.environ.get(WITHOUT_ENV):
    sys.meta_path.insert(0, _Without(os.environ[WITHOUT_ENV].split()))


def say(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f} s] {msg}", flush=True)


def load_settings(tiny: bool) -> dict:
    """P1's settings: config/config.yaml with config/paper.yaml's p1 over it (what the workflow runs)."""
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    exp = {**base["experiments"]["p1"], **paper["experiments"]["p1"]}
    training = {**base["training"], **(base["experiments"]["p1"].get("training") or {}),
                **(paper["experiments"]["p1"].get("training") or {})}
    filters = {**base["filters"], **(exp.get("filters") or {})}
    data = dict(base["datasets"][exp["dataset"]])
    if tiny:
        exp = {**exp, "models": ["CNN-2", "CNN-1"], "trials": 1}
        training = {**training, "epochs": 2, "patience": 2}
        data["n_sequences"] = 600
    return {"experiment": exp, "training": training, "filters": filters, "tomtom": base["tomtom"], "data": data}


# --------------------------------------------------------------------------- one training job


def train_job(job: dict, backend: str, threads: int) -> dict:
    """Train one run with the workflow's ``train``; its s/epoch and wall time."""
    from motifrep.nn.train import train
    from motifrep.nn.zoo import load_zoo

    zoo = load_zoo(REPO / "resources" / "models.yaml")
    t, run = job["training"], Path(job["run"])
    run.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    train(data_path=job["data"], model_name=job["model"], blocks=zoo[job["model"]], out_model=run / "model.keras",
          out_history=run / "history.tsv", out_metrics=run / "metrics.json", trial=job["trial"],
          seed=t["seed"] + job["trial"], activation=job["activation"], dataset="synthetic", epochs=job["epochs"],
          patience=job["patience"], monitor=t["monitor"], lr_plateau=t["lr_plateau"], batch_size=t["batch_size"],
          learning_rate=t["learning_rate"], l2=t["l2"], init=t["init"], min_positives=t["min_positives"],
          threads=threads, in_memory_max_gb=t["in_memory_max_gb"], deterministic=t["deterministic"],
          mixed_precision=t["mixed_precision"], backend=backend)
    history = pd.read_csv(run / "history.tsv", sep="\t")
    seconds = history.seconds.to_numpy()
    metrics = json.loads((run / "metrics.json").read_text())
    return {"model": job["model"], "trial": job["trial"], "epochs": len(seconds), "wall_s": time.perf_counter() - t0,
            "s_per_epoch": float(np.median(seconds[1:] if len(seconds) > 1 else seconds)),
            "first_epoch_s": float(seconds[0]), "device": metrics.get("device"),
            "binding": metrics.get("device_binding"), "run": str(run)}


def worker(index: int, tasks, results, args: dict) -> None:
    """A worker process: bind a GPU slot once (motifrep.nn.devices), then train jobs from ``tasks``."""
    from motifrep.nn.devices import bind_device
    from motifrep.nn.runtime import framework_environment

    binding = bind_device(args["gpu"], "auto", args["jobs_per_gpu"], args["lock_dir"])
    framework_environment()
    os.environ["KERAS_BACKEND"] = args["backend"]
    results.put(("bound", index, str(binding)))
    while (job := tasks.get()) is not None:
        try:
            results.put(("done", index, train_job(job, args["backend"], args["threads"])))
        except Exception as exc:  # report and go on: one failed run must not stop the grid
            results.put(("failed", index, {"model": job["model"], "trial": job["trial"], "error": repr(exc)[:300]}))


# --------------------------------------------------------------------------- the grid


def grid_jobs(settings: dict, data: Path, runs_dir: Path) -> list[dict]:
    """Every (model, trial) of P1, trial-major (every model's trial 0 first)."""
    from motifrep.nn.zoo import first_activation_of, load_zoo

    zoo = load_zoo(REPO / "resources" / "models.yaml")
    exp, t = settings["experiment"], settings["training"]
    return [{"model": m, "trial": k, "activation": first_activation_of(zoo[m]) or "relu", "data": str(data),
             "run": str(runs_dir / m / f"trial_{k}"), "epochs": t["epochs"], "patience": t["patience"],
             "training": t} for k in range(exp["trials"]) for m in exp["models"]]


def run_grid(jobs: list[dict], args, expect_s: float) -> tuple[list[dict], list[dict], list[dict]]:
    """Run ``jobs`` in worker processes within the budget; (done, failed, not started or stopped)."""
    ctx = mp.get_context("spawn")
    tasks, results = ctx.Queue(), ctx.Queue()
    wargs = {"gpu": not args.cpu, "jobs_per_gpu": args.jobs_per_gpu, "lock_dir": str(args.work / "gpu_locks"),
             "backend": args.backend, "threads": args.threads}
    procs = [ctx.Process(target=worker, args=(i, tasks, results, wargs), daemon=True) for i in range(args.workers)]
    for p in procs:
        p.start()
    start, queue, running, done, failed = time.perf_counter(), list(jobs), {}, [], []
    idle, launched = list(range(args.workers)), 0
    while queue or running:
        # the first wave always starts; later jobs only while their expected time fits the budget
        while idle and queue and (launched < args.workers
                                  or time.perf_counter() - start + _expected(done, expect_s) <= args.budget):
            job, launched = queue.pop(0), launched + 1
            running[idle.pop(0)] = job
            tasks.put(job)
        if not running:
            break
        if time.perf_counter() - start > args.budget + args.grace:
            say(f"budget + grace reached: stopping {len(running)} running job(s)")
            break
        try:
            kind, index, payload = results.get(timeout=2)
        except Exception:  # queue.Empty
            continue
        if kind == "bound":
            say(f"worker {index}: {payload}")
            continue
        (done if kind == "done" else failed).append(payload)
        running.pop(index, None)
        idle.append(index)
        say(f"{kind} {payload['model']} trial {payload['trial']}"
            + (f": {payload['epochs']} epochs, {payload['s_per_epoch']:.2f} s/epoch" if kind == "done" else
               f": {payload['error']}"))
    for _ in procs:
        tasks.put(None)
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    return done, failed, list(running.values()) + queue


def _expected(done: list[dict], fallback: float) -> float:
    return float(np.median([d["wall_s"] for d in done])) if done else fallback


# --------------------------------------------------------------------------- probe and CPU comparison


def probe(data: Path, work: Path, settings: dict, args, cpu: bool) -> dict:
    """CNN-2 alone for ``--probe-epochs`` epochs: on the GPU (a worker-like child), or on 2 CPUs."""
    job = grid_jobs({**settings, "experiment": {"models": ["CNN-2"], "trials": 1}}, data, work / ("probe_cpu" if cpu
                                                                                                 else "probe_gpu"))[0]
    job.update(epochs=args.probe_epochs, patience=args.probe_epochs)
    env = dict(os.environ, KERAS_BACKEND=args.backend)
    if cpu:
        env.update(CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--job", json.dumps(job), "--backend", args.backend,
           "--threads", "2" if cpu else str(args.threads)]
    cpus = sorted(os.sched_getaffinity(0))
    pin = (lambda: os.sched_setaffinity(0, set(cpus[-2:]))) if cpu and len(cpus) > 2 else None
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True, preexec_fn=pin)


def probe_result(proc) -> dict | None:
    out, _ = proc.communicate()
    line = next((l for l in out.splitlines() if l.startswith("JOB\t")), None)
    return json.loads(line.split("\t", 1)[1]) if proc.returncode == 0 and line else None


# --------------------------------------------------------------------------- filters, Tomtom, tables


def analyse_run(item: dict) -> list[dict]:
    """Filters (every layer asked for) and Tomtom of one finished run (CPU)."""
    from motifrep.filters.scan import extract_filters
    from motifrep.motifs.tomtom import compare_filters

    f, tt, run = item["filters"], item["tomtom"], Path(item["run"])
    rows = []
    for layer in item["layers"]:
        out = run / "filters"
        out.mkdir(exist_ok=True)
        meme, hits = out / f"layer{layer}.meme", out / f"layer{layer}_tomtom.tsv"
        extract_filters(model_path=run / "model.keras", data_path=item["data"], out_clipped=meme,
                        out_full=out / f"layer{layer}_unclipped.meme", out_sites=out / f"layer{layer}_sites.tsv",
                        layer=layer, threshold=f["threshold"], weighting=f["weighting"],
                        window_edges=f["window_edges"], window=f["window"], ic_threshold=f["ic_threshold"],
                        flank=f["flank"], batch_size=f["batch_size"], threads=1)
        compare_filters(filters_meme=meme, jaspar_meme=item["jaspar"], out_tsv=hits, engine="memelite",
                        thresh=tt["thresh"], pseudocount=tt["pseudocount"], min_overlap=tt["min_overlap"],
                        numba_cache=item["numba_cache"], threads=1)
        rows.append({"model": item["model"], "activation": item["activation"], "trial": item["trial"],
                     "layer": layer, "filters": str(meme), "tomtom": str(hits)})
    return rows


def _cpu_only_init(backend: str) -> None:
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    os.environ["KERAS_BACKEND"] = backend
    if backend == "jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")


def analyse(done: list[dict], jobs: list[dict], settings: dict, jaspar: Path, numba_cache: Path, workers: int,
            backend: str):
    """Filters and Tomtom of every finished run in a CPU process pool; the match_table runs."""
    by_run = {j["run"]: j for j in jobs}
    deep = settings["filters"].get("deep_layers") or {}
    items = [{**by_run[d["run"]], "layers": [1, *deep.get(d["model"], [])], "filters": settings["filters"],
              "tomtom": settings["tomtom"], "jaspar": str(jaspar), "numba_cache": str(numba_cache)} for d in done]
    with mp.get_context("spawn").Pool(max(1, workers), initializer=_cpu_only_init,
                                              initargs=(backend,)) as pool:
        return [row for rows in pool.map(analyse_run, items) for row in rows]


def tables(done: list[dict], runs: list[dict], settings: dict, out: Path, work: Path) -> Path:
    """The workflow's P1 tables (classification, match statistics, Table 1) for the finished runs."""
    from motifrep.filters.matching import match_table
    from motifrep.results.tables import aggregate_classification, make_table1

    exp = settings["experiment"]
    order = exp["models"]
    aggregate_classification([Path(d["run"]) / "metrics.json" for d in done], out / "classification.tsv",
                             work / "classification_summary.tsv", order)
    match_table(runs, REPO / settings["data"]["tf_table"], out / "match_statistics.tsv", work / "match_summary.tsv",
                order)
    make_table1(out / "classification.tsv", out / "match_statistics.tsv", REPO / exp["published"],
                out / "table1.tsv", out / "table1.md", order, "table1")
    return out / "table1.md"


# --------------------------------------------------------------------------- GPU samples, summary


def start_gpu_samples(path: Path):
    """``nvidia-smi`` every 2 s into ``path`` (CSV), or None where there is no nvidia-smi."""
    if not shutil.which("nvidia-smi"):
        return None
    return subprocess.Popen(["nvidia-smi", "--query-gpu=timestamp,index,utilization.gpu,memory.used,memory.total",
                             "--format=csv,noheader,nounits", "-l", "2"], stdout=open(path, "w"),
                            stderr=subprocess.DEVNULL)


def gpu_summary(path: Path) -> str:
    """Utilisation and memory over the samples: median, max, and a few samples."""
    if not path.exists() or not path.stat().st_size:
        return "GPU samples: none (no nvidia-smi on this machine)"
    s = pd.read_csv(path, header=None, names=["time", "gpu", "util", "mem_mib", "total_mib"], skipinitialspace=True)
    step = max(1, len(s) // 8)
    lines = [f"GPU samples ({len(s)}, every 2 s): utilisation median {s.util.median():.0f} %, max {s.util.max():.0f} %;"
             f" memory used median {s.mem_mib.median():,.0f} MiB, max {s.mem_mib.max():,.0f} of "
             f"{s.total_mib.max():,.0f} MiB", "  time, gpu, util %, memory MiB:"]
    lines += [f"  {r.time}, {r.gpu}, {r.util}, {r.mem_mib}" for r in s.iloc[::step].itertuples()]
    return "\n".join(lines)


def per_model(done: list[dict], order: list[str]) -> pd.DataFrame:
    """s/epoch (median over trials of each run's median epoch), epochs run, jobs, per model."""
    d = pd.DataFrame(done)
    if d.empty:
        return d
    g = d.groupby("model").agg(jobs=("trial", "size"), epochs_median=("epochs", "median"),
                               epochs_max=("epochs", "max"), s_per_epoch=("s_per_epoch", "median"),
                               wall_s_median=("wall_s", "median"))
    return g.reindex([m for m in order if m in g.index])


def speedup_line(gpu: dict | None, cpu: dict | None, n_train: int) -> str:
    if not gpu or not cpu:
        return "CNN-2 GPU vs 2-core CPU: not measured (a probe failed; see above)"
    g, c = n_train / gpu["s_per_epoch"], n_train / cpu["s_per_epoch"]
    return (f"CNN-2 training, same script, alone: {gpu['device'] or 'CPU'} {g:,.0f} sequences/s "
            f"({gpu['s_per_epoch']:.2f} s/epoch) vs 2-core CPU job {c:,.0f} sequences/s "
            f"({cpu['s_per_epoch']:.2f} s/epoch): {g / c:.1f}x (target >= 10x)")


# --------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench/gpu_check.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jaspar", type=Path, required=False, help="JASPAR 2016 MEME file (bench/gpu_check.sh --prepare)")
    p.add_argument("--out", type=Path, default=Path("gpu_check_out"), help="summary files (at most 8)")
    p.add_argument("--work", type=Path, default=Path("/tmp/gpu_check"), help="data set, models, filters")
    p.add_argument("--backend", default="jax", choices=["jax", "torch", "tensorflow"])
    p.add_argument("--workers", type=int, default=12, help="training jobs at once")
    p.add_argument("--jobs-per-gpu", type=int, default=12, help="GPU slots per device (config gpu.jobs_per_device)")
    p.add_argument("--threads", type=int, default=1, help="threads per training job")
    p.add_argument("--budget", type=float, default=330, help="seconds for the grid: no job starts that would end later")
    p.add_argument("--grace", type=float, default=40, help="seconds after the budget before running jobs are stopped")
    p.add_argument("--expect-epochs", type=float, default=60, help="expected epochs per job before any has ended")
    p.add_argument("--probe-epochs", type=int, default=4)
    p.add_argument("--trials", type=int, help="trials per model (default the paper's 5)")
    p.add_argument("--models", nargs="+", help="models (default the paper's 17)")
    p.add_argument("--numba-cache", type=Path, help="memelite's numba cache (default WORK/numba_cache; a warm one "
                                                     "saves its first compilation, about a minute)")
    p.add_argument("--cpu", action="store_true", help="train on the CPU (no GPU binding)")
    p.add_argument("--tiny", action="store_true", help="2 models x 1 trial, 2 epochs, 600 sequences, on the CPU")
    p.add_argument("--job", help=argparse.SUPPRESS)
    return p


def prepare_data(settings: dict, jaspar: Path, work: Path) -> Path:
    from motifrep.datasets.simulate import simulate_synthetic

    d, data = settings["data"], work / "synthetic.h5"
    simulate_synthetic(jaspar_meme=jaspar, tf_table=REPO / d["tf_table"], out=data, n_sequences=d["n_sequences"],
                       length=d["length"], motif_count_probs=d["motif_count_probs"], split=d["split"], seed=d["seed"],
                       config=dict(d))
    return data


def start_tomtom_compile(numba_cache: Path, engine: Path):
    """memelite's numba compilation (about a minute cold) in the background, CPU only."""
    code = ("import sys; from motifrep.motifs.tomtom import prepare_tomtom; "
            "prepare_tomtom('memelite', sys.argv[1], sys.argv[2])")
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    return subprocess.Popen([sys.executable, "-c", code, str(numba_cache), str(engine)], env=env)


def run(args) -> int:
    settings = load_settings(args.tiny)
    if args.tiny:
        args.cpu, args.workers, args.probe_epochs = True, 1, 2
    if args.trials:
        settings["experiment"]["trials"] = args.trials
    if args.models:
        settings["experiment"]["models"] = args.models
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    samples = start_gpu_samples(args.out / "gpu_samples.csv")
    numba_cache = args.numba_cache or args.work / "numba_cache"
    compiling = start_tomtom_compile(numba_cache, args.work / "tomtom_engine.tsv")
    data = prepare_data(settings, args.jaspar, args.work)
    say(f"simulated {settings['data']['n_sequences']:,} sequences: {data}")
    gpu_probe, cpu_probe = probe(data, args.work, settings, args, cpu=args.cpu), probe(data, args.work, settings,
                                                                                        args, cpu=True)
    gpu_p, cpu_p = probe_result(gpu_probe), probe_result(cpu_probe)
    say(f"probe CNN-2, {args.probe_epochs} epochs: " + ", ".join(
        f"{k} {p['s_per_epoch']:.2f} s/epoch on {p['device']}" for k, p in (("GPU", gpu_p), ("CPU", cpu_p)) if p))
    expect = (gpu_p["s_per_epoch"] if gpu_p else 10.0) * args.expect_epochs
    jobs = grid_jobs(settings, data, args.work / "runs")
    t_grid = time.perf_counter()
    done, failed, left = run_grid(jobs, args, expect)
    t_grid = time.perf_counter() - t_grid
    compiling.wait()
    t_an = time.perf_counter()
    runs = analyse(done, jobs, settings, args.jaspar, numba_cache, min(len(done), args.workers, os.cpu_count() or 1),
                   args.backend)
    table_md = tables(done, runs, settings, args.out, args.work) if done else None
    t_an = time.perf_counter() - t_an
    if samples:
        samples.terminate()
    n_train = round(settings["data"]["n_sequences"] * settings["data"]["split"][0])
    write_summary(args, settings, done, failed, left, t_grid, t_an, table_md, speedup_line(gpu_p, cpu_p, n_train))
    return 0 if done and not failed else 1


def write_summary(args, settings, done, failed, left, t_grid, t_an, table_md, speedup) -> None:
    exp = settings["experiment"]
    n_jobs = len(exp["models"]) * exp["trials"]
    trials_done = {m: sum(d["model"] == m for d in done) for m in exp["models"]}
    full = min(trials_done.values()) if trials_done else 0
    slice_line = (f"slice: the whole grid ({n_jobs} jobs)" if len(done) == n_jobs else
                  f"slice: {len(done)} of {n_jobs} jobs finished ({full} complete trial(s) of every model; "
                  f"trials finished per model: {trials_done}); {len(left)} not started or stopped at the budget, "
                  f"{len(failed)} failed")
    pd.DataFrame(done).to_csv(args.out / "jobs.tsv", sep="\t", index=False)
    lines = [f"P1 grid check: backend {args.backend}, {args.workers} workers, {args.jobs_per_gpu} jobs per GPU, "
             f"<= {settings['training']['epochs']} epochs, patience {settings['training']['patience']}, "
             f"{settings['data']['n_sequences']:,} sequences",
             slice_line,
             f"wall: total {time.perf_counter() - T0:.0f} s; grid training {t_grid:.0f} s; filters + Tomtom + tables "
             f"{t_an:.0f} s", speedup, "", "s/epoch per model (median over its jobs; jobs ran side by side):",
             per_model(done, exp["models"]).to_string(float_format=lambda v: f"{v:.2f}"), "",
             gpu_summary(args.out / "gpu_samples.csv"), ""]
    lines += [f"failed: {f}" for f in failed]
    lines += ["Table 1 (ours beside the published values):", table_md.read_text() if table_md else "(no finished run)"]
    text = "\n".join(lines)
    (args.out / "summary.txt").write_text(text + "\n")
    print(text, flush=True)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.job:
        from motifrep.nn.runtime import framework_environment

        framework_environment()
        os.environ["KERAS_BACKEND"] = args.backend
        print("JOB\t" + json.dumps(train_job(json.loads(args.job), args.backend, args.threads)), flush=True)
        return 0
    if args.jaspar is None or not args.jaspar.exists():
        raise SystemExit(f"gpu_check: --jaspar {args.jaspar}: no such file (run bench/gpu_check.sh --prepare)")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

"""GPU isolation and binding (README "GPU"), tested on the CPU with fake device lists.

Concurrent jobs are real processes, each binding through :func:`motifrep.nn.devices.bind_device`
and holding its lock until it is killed; the console test runs a step that imports TensorFlow
through :func:`motifrep.runner.run_script` in a fresh process.
"""

from __future__ import annotations

import ast
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest
import yaml
from conftest import REPO

from motifrep import config as cfg
from motifrep.errors import ConfigError
from motifrep.nn import devices

FRAMEWORKS = ("tensorflow", "keras", "jax", "torch")

JOB = """
import json, sys, time
from motifrep.nn.devices import bind_device
b = bind_device(True, {devices!r}, {per_device}, {lock_dir!r}, poll_seconds=0.1)
print(json.dumps({{"visible": __import__("os").environ.get("CUDA_VISIBLE_DEVICES"), "device": b.device,
                   "slot": b.slot, "text": str(b)}}), flush=True)
time.sleep(600)
"""


def job_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def start_job(lock_dir, devices_=("0", "1", "2", "3"), per_device=2) -> subprocess.Popen:
    code = JOB.format(devices=list(devices_), per_device=per_device, lock_dir=str(lock_dir))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=job_env())


def binding_of(proc: subprocess.Popen) -> dict:
    line = proc.stdout.readline()
    assert line, f"job {proc.pid} ended without binding (rc {proc.poll()})"
    return json.loads(line)


def test_six_jobs_on_four_devices_two_each_then_full_then_a_killed_slot_is_reused(tmp_path):
    locks = tmp_path / "locks"
    jobs: list[subprocess.Popen] = []
    try:
        jobs = [start_job(locks) for _ in range(6)]  # started together: they bind concurrently
        bound = [binding_of(p) for p in jobs]
        table = "\n".join(f"job {i}: CUDA_VISIBLE_DEVICES={b['visible']} slot {b['slot']}" for i, b in enumerate(bound))
        print(table)
        pairs = [(b["device"], b["slot"]) for b in bound]
        assert len(set(pairs)) == 6, table
        assert all(b["visible"] == b["device"] for b in bound), table
        per_device = Counter(b["device"] for b in bound)
        assert set(per_device) == {"0", "1", "2", "3"}, table
        assert set(per_device.values()) <= {1, 2} and max(per_device.values()) - min(per_device.values()) <= 1, table

        jobs += [start_job(locks) for _ in range(2)]  # 8 of 8 slots
        bound += [binding_of(p) for p in jobs[6:]]
        assert Counter(b["device"] for b in bound) == {"0": 2, "1": 2, "2": 2, "3": 2}
        assert len({(b["device"], b["slot"]) for b in bound}) == 8

        waiting = start_job(locks)  # a ninth job: every slot is held, it waits
        jobs.append(waiting)
        time.sleep(2.0)
        assert waiting.poll() is None
        assert not select.select([waiting.stdout], [], [], 0)[0], "the ninth job bound although every slot is held"

        victim = 3
        os.kill(jobs[victim].pid, signal.SIGKILL)  # kill -9: no clean-up runs in it
        jobs[victim].wait(timeout=30)
        again = binding_of(waiting)
        assert (again["device"], again["slot"]) == (bound[victim]["device"], bound[victim]["slot"])
        assert again["visible"] == bound[victim]["device"]
        assert "slot" in again["text"] and str(locks) in again["text"]
    finally:
        for p in jobs:
            if p.poll() is None:
                p.kill()
            p.wait(timeout=30)
            p.stdout.close()


def _reset(monkeypatch):
    monkeypatch.setattr(devices, "_binding", None)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "sentinel")  # restored after the test, whatever the code sets
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)


def test_a_job_without_gpu_sees_none_slurm_or_not(monkeypatch, tmp_path):
    _reset(monkeypatch)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    b = devices.bind_device(False, ["0", "1"], 2, tmp_path)
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "" and b.how == "no-gpu" and not list(tmp_path.iterdir())
    monkeypatch.setenv("SLURM_JOB_ID", "77")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    devices.bind_device(False, "auto", 1, tmp_path)
    assert os.environ["CUDA_VISIBLE_DEVICES"] == ""
    assert "no GPU (the job declares none)" in devices.current_binding()


def test_under_slurm_a_gpu_job_keeps_the_schedulers_assignment(monkeypatch, tmp_path):
    _reset(monkeypatch)
    monkeypatch.setenv("SLURM_JOB_ID", "1234")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    b = devices.bind_device(True, ["0", "1", "2"], 2, tmp_path / "locks")
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "0" and b.how == "slurm" and not (tmp_path / "locks").exists()
    assert "SLURM job 1234" in str(b)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    b = devices.bind_device(True, "auto", 1, tmp_path / "locks")
    assert "CUDA_VISIBLE_DEVICES" not in os.environ and b.visible is None


def test_no_device_found_leaves_the_environment(monkeypatch, tmp_path):
    _reset(monkeypatch)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    b = devices.bind_device(True, "auto", 1, tmp_path)
    assert b.how == "none-found" and os.environ["CUDA_VISIBLE_DEVICES"] == ""
    b = devices.bind_device(True, [], 1, tmp_path)
    assert b.how == "none-found"


def test_discovery(monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, 3")
    assert devices.discover_devices("auto") == ["2", "3"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-1a2b")
    assert devices.discover_devices("auto") == ["GPU-1a2b"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert devices.discover_devices("auto") == []
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\ncat <<'EOF'\n"
                   "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)\n"
                   "GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-bbbb)\n"
                   "  MIG 3g.20gb     Device  0: (UUID: MIG-cccc)\n"
                   "  MIG 3g.20gb     Device  1: (UUID: MIG-dddd)\n"
                   "GPU 2: NVIDIA L4 (UUID: GPU-eeee)\nEOF\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert devices.discover_devices("auto") == ["0", "MIG-cccc", "MIG-dddd", "2"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert devices.discover_devices("auto") == []
    assert devices.discover_devices([0, "GPU-ffff"]) == ["0", "GPU-ffff"]
    for bad in ([0, 0], ["a b"], [True], "0,1"):
        with pytest.raises(ConfigError, match="gpu.devices"):
            devices.discover_devices(bad)


def test_config_gpu_section():
    schema = REPO / "config" / "schema.yaml"
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    del base["gpu"]
    done = cfg.validate(base, schema)
    assert done["gpu"] == {"devices": "auto", "jobs_per_device": 1, "lock_dir": ".snakemake/gpu_locks"}
    good = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    good["gpu"] = {"devices": [0, 1, "GPU-aaaa"], "jobs_per_device": 3}
    assert cfg.validate(good, schema)["gpu"]["jobs_per_device"] == 3
    for bad in ({"devices": "all"}, {"devices": [0, 0]}, {"jobs_per_device": 0}, {"lock": "x"}, {"devices": [-1]}):
        config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
        config["gpu"] = bad
        with pytest.raises(ConfigError, match="gpu"):
            cfg.validate(config, schema)


STEP = """
import json, os, sys
from types import SimpleNamespace
from motifrep.runner import run_script
from motifrep.errors import MotifrepError

def step(sm):
    seen = os.environ.get("CUDA_VISIBLE_DEVICES")
    print("step sees CUDA_VISIBLE_DEVICES=%r" % seen, flush=True)
    import tensorflow as tf  # its C++ start-up logging must land in the log, not the console
    tf.constant(1.0) + 1.0
    print("growth=" + os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] + " level=" + os.environ["TF_CPP_MIN_LOG_LEVEL"])
    if {fail!r}:
        raise MotifrepError("the step refuses")

sm = SimpleNamespace(log=[sys.argv[1]], output=["out.txt"], resources={{"_cores": 1, "gpu": {gpu}}},
                     config={{"gpu": {{"devices": [5, 6], "jobs_per_device": 1, "lock_dir": sys.argv[2]}}}})
run_script(sm, step)
"""


@pytest.mark.parametrize("gpu,fail", [(0, False), (1, True)])
def test_run_script_binds_first_and_keeps_the_console_quiet(tmp_path, gpu, fail):
    log = tmp_path / "job.log"
    env = job_env()
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # as in a workflow job: run_script sets it
    done = subprocess.run([sys.executable, "-c", STEP.format(gpu=gpu, fail=fail), str(log), str(tmp_path / "locks")],
                          capture_output=True, text=True, env=env, timeout=300)
    text = log.read_text()
    assert "oneDNN" not in done.stderr + done.stdout and "absl" not in done.stderr, done.stderr
    assert "oneDNN" in text  # TensorFlow 2.21 prints its banner whatever TF_CPP_MIN_LOG_LEVEL says: it is in the log
    assert "growth=true level=2" in text
    first = text.splitlines()[0]
    if gpu:
        assert "device: GPU 5, slot 0 (1 per device; lock " in first, text
        assert "step sees CUDA_VISIBLE_DEVICES='5'" in text, text
        assert done.returncode == 1
        assert [line for line in done.stderr.splitlines() if line] == \
            [line for line in text.splitlines() if "motifrep: error: the step refuses" in line], done.stderr
    else:
        assert "device: no GPU (the job declares none)" in first and "step sees CUDA_VISIBLE_DEVICES=''" in text
        assert done.returncode == 0 and done.stderr == "" and done.stdout == "", done.stderr


def test_no_workflow_script_imports_a_framework_before_run_script():
    """Device binding and the frameworks' environment must precede any framework import: the
    modules a workflow script imports at its top import none (a step that does is imported
    inside ``main``)."""
    modules = []
    for script in sorted((REPO / "workflow" / "scripts").glob("*.py")):
        for node in ast.parse(script.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.append((script.name, node.module))
            elif isinstance(node, ast.Import):
                modules += [(script.name, alias.name) for alias in node.names]
    code = textwrap.dedent(f"""
        import importlib, json, sys
        for script, module in {modules!r}:
            importlib.import_module(module)
            loaded = [f for f in {FRAMEWORKS!r} if f in sys.modules]
            if loaded:
                print(json.dumps([script, module, loaded]))
                break
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=job_env(), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "", f"a framework imported at a script's top (script, module, frameworks): {done.stdout}"

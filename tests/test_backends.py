"""The backend-neutral core on each Keras backend (tensorflow, jax, torch), each in its own process.

A process runs one Keras backend (``KERAS_BACKEND`` is read when Keras is imported), so every
backend's work runs in a subprocess: ``tests/backend_job.py`` trains the tiny model of this
module on the 600-sequence set (10 epochs of 360 sequences, about a second each), and analyses
its own model and the model TensorFlow saved (first-layer PWMs, first-layer scan, predictions,
saliency, ISM, integrated gradients, SmoothGrad, DeepSHAP or its refusal). Then the workflow runs
end to end on JAX and PyTorch (``.test/backends.yaml``: the P2 task-3 experiment, one model;
TensorFlow's end-to-end run is tests/test_workflow.py's).

Tolerances (measured on this machine's CPU builds, 2026-12-06):

- The same saved model on another backend: every output agrees to float32 rounding. Measured
  largest differences relative to the largest value: predictions 1.8e-7, first-layer scan 1.5e-7,
  saliency 3.3e-7, ISM 1.5e-6 (a difference of two outputs), IG 2.5e-7, SmoothGrad 2.3e-7, PPMs
  1.3e-8 with the same site counts. Allowed: ``1e-5 * max|x| + 1e-6`` (about 100 float32 ulps of
  the largest value, 7x the worst measured), PPMs 1e-6 with equal site counts (a site flips only
  when an activation lies within float32 rounding of its threshold: none here).
- Models trained on each backend: not the same weights (each backend draws its own initial
  weights from the seed), so the AUROCs differ as seeds do. TensorFlow over seeds 1-6: 0.65, 0.83,
  0.86, 0.91, 0.92, 0.92 (one run stuck near its start); the five that learned span 0.09 (sd
  0.04). Allowed: every backend's mean test AUROC >= 0.75 and within 0.15 (about 4 sd) of
  TensorFlow's, seed 7 on all three (measured: 0.92, JAX 0.90, PyTorch 0.86).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import NUMBA_CACHE_CONFIG, REPO, TEST_CONFIGS

BACKENDS = ("tensorflow", "jax", "torch")
OTHERS = BACKENDS[1:]
JOB = Path(__file__).with_name("backend_job.py")
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
AUROC_MIN, AUROC_SPREAD = 0.75, 0.15
REL, ABS = 1e-5, 1e-6
PPM_ATOL = 1e-6


def _job(backend, data, out, reference=None):
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(JOB), backend, str(data), str(out)] + ([str(reference)] if reference else [])
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(proc, what):
    output, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"{what}:\n{output[-4000:]}"


@pytest.fixture(scope="module")
def results(tmp_path_factory, small_data):
    """backend -> (arrays, info): TensorFlow first (its model is the reference), then JAX and PyTorch side by side."""
    root = tmp_path_factory.mktemp("backends")
    _wait(_job("tensorflow", small_data, root / "tensorflow"), "tensorflow")
    procs = {b: _job(b, small_data, root / b, root / "tensorflow" / "model.keras") for b in OTHERS}
    for b, proc in procs.items():
        _wait(proc, b)
    return {b: (np.load(root / b / "result.npz"), json.loads((root / b / "result.json").read_text()),
                json.loads((root / b / "metrics.json").read_text())) for b in BACKENDS}


@pytest.mark.parametrize("backend", BACKENDS)
def test_trains_and_records_its_backend(results, backend):
    arrays, info, metrics = results[backend]
    assert metrics["backend"] == backend and metrics["versions"]["keras-backend"] == backend
    assert metrics["epochs_run"] >= 1 and np.isfinite(metrics["best_val_loss"])
    assert arrays["own_ppm"].shape == (8, 11, 4) and np.allclose(arrays["own_ppm"].sum(-1), 1, atol=1e-6)
    for method in ("saliency", "ism", "ig", "smoothgrad", "scan"):
        assert np.all(np.isfinite(arrays[f"own_{method}"])), method
    assert info["own_gradient_reused"] and info.get("ref_gradient_reused", True)


@pytest.mark.parametrize("backend", OTHERS)
def test_auroc_within_tolerance_of_tensorflow(results, backend):
    tf_auroc, auroc = results["tensorflow"][2]["auroc_mean"], results[backend][2]["auroc_mean"]
    assert tf_auroc >= AUROC_MIN and auroc >= AUROC_MIN, (tf_auroc, auroc)
    assert abs(auroc - tf_auroc) <= AUROC_SPREAD, (tf_auroc, auroc)


@pytest.mark.parametrize("backend", OTHERS)
def test_tensorflow_model_loads_and_agrees(results, backend):
    """The model TensorFlow saved, loaded on another backend: the same PWMs, predictions and maps."""
    ref, arrays = results["tensorflow"][0], results[backend][0]
    assert np.array_equal(arrays["ref_n_sites"], ref["own_n_sites"])
    assert np.abs(arrays["ref_ppm"] - ref["own_ppm"]).max() <= PPM_ATOL
    for key in ("pred", "scan", "saliency", "ism", "ig", "smoothgrad"):
        want, got = ref[f"own_{key}"], arrays[f"ref_{key}"]
        assert got.shape == want.shape
        tol = REL * np.abs(want).max() + ABS
        assert np.abs(got - want).max() <= tol, (key, np.abs(got - want).max(), tol)


def test_deepshap_on_tensorflow_refused_elsewhere_with_one_line(results):
    assert results["tensorflow"][1]["own_deepshap"] == "ok"
    assert np.all(np.isfinite(results["tensorflow"][0]["own_deepshap"]))
    for backend in OTHERS:
        message = results[backend][1]["own_deepshap"]
        assert "\n" not in message and message.startswith("ConfigError: deepshap runs on the Keras backend(s) "
                                                          f"tensorflow only, not '{backend}'"), message


def _workflow(workdir, backend, cores):
    # targets first: --config / --configfile take several values and would swallow them
    cmd = [SNAKEMAKE, *TARGETS, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", str(cores),
           "--config", NUMBA_CACHE_CONFIG, f"training={{backend: {backend}}}",
           "--configfile", str(REPO / "config" / "config.yaml"), str(TEST_CONFIGS / "config.yaml"),
           str(TEST_CONFIGS / "backends.yaml")]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


RUN = "results/task3/models/CNN-local/exponential/trial_0"
TARGETS = [f"{RUN}/metrics.json", f"{RUN}/filters/layer1_unclipped.meme", f"{RUN}/attribution/saliency.h5", f"{RUN}/attribution/ism.h5",
           "results/versions.tsv"]


@pytest.mark.slow
def test_workflow_end_to_end_on_each_backend(tmp_path):
    """Simulation, training, filters, attribution and versions.tsv on JAX and PyTorch side by side
    (2 epochs, 200 sequences); TensorFlow's run is tests/test_workflow.py's (which checks the
    backend recorded too)."""
    procs = {b: _workflow(tmp_path / b, b, 1) for b in OTHERS}
    for b, proc in procs.items():
        _wait(proc, f"workflow on {b}")
    for b in OTHERS:
        metrics = json.loads((tmp_path / b / RUN / "metrics.json").read_text())
        assert metrics["backend"] == b
        versions = dict(line.split("\t") for line in (tmp_path / b / "results/versions.tsv").read_text().splitlines())
        assert versions["keras-backend"] == b
        assert "MOTIF" in (tmp_path / b / RUN / "filters/layer1_unclipped.meme").read_text()
        for method in ("saliency", "ism"):
            assert (tmp_path / b / RUN / "attribution" / f"{method}.h5").stat().st_size > 0


def test_config_backend_checked_at_parse_time():
    """DeepSHAP asked for on a backend without it is refused in one line; an unknown backend is a schema error."""
    from motifrep.config import check_backend, validate
    from motifrep.errors import ConfigError

    config = {"training": {"backend": "jax"}, "experiments": {"p2_task3": {"attribution": ["saliency", "deepshap"]}}}
    with pytest.raises(ConfigError, match=r"^config experiments.p2_task3.attribution: deepshap runs on the backend\(s\) "
                                          r"tensorflow only, not training.backend 'jax'$"):
        check_backend(config)
    config["experiments"]["p2_task3"]["attribution"] = ["saliency", "ism"]
    check_backend(config)
    import yaml

    full = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    full["training"]["backend"] = "mxnet"
    with pytest.raises(ConfigError, match="training.backend"):
        validate(full, REPO / "config" / "schema.yaml")


def test_one_process_one_backend():
    """A process whose Keras runs on one backend refuses another in one line."""
    backend = "torch"
    code = ("from motifrep.nn.runtime import set_backend\nset_backend('tensorflow')\nimport keras\n"
            f"set_backend({backend!r})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and (f"ConfigError: training.backend is {backend!r} but this process already runs "
                                    "Keras on 'tensorflow'") in out.stderr

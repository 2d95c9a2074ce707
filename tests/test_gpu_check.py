"""bench/gpu_check.sh --tiny: the GPU machine's P1 grid check, run small on the CPU.

The same path as on the device (simulate from an exported JASPAR MEME file, CNN-2 probes,
worker processes bound by motifrep's device binding, filters, Tomtom, the workflow's P1 tables,
the summary), with the packages the device lacks (TensorFlow, pyjaspar, shap, ...) refused at
import, at 2 models x 1 trial, 2 epochs, 600 sequences. Expected rows and counts derived here.
"""

import os
import subprocess
import sys

import pandas as pd

from conftest import REPO


def test_gpu_check_tiny(tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, PYTHON=sys.executable, OUT=str(out))
    proc = subprocess.run(["bash", str(REPO / "bench" / "gpu_check.sh"), "--tiny", "--numba-cache",
                           str(REPO / ".numba_cache")], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    stdout = proc.stdout

    # the summary files the device call copies back: at most 8 (the device tool's limit)
    names = {p.name for p in out.iterdir()}
    assert {"summary.txt", "jobs.tsv", "table1.tsv", "table1.md", "classification.tsv",
            "match_statistics.tsv"} <= names and len(names) <= 8

    # Table 1: --tiny trains CNN-2 and CNN-1, one trial each; config filters.deep_layers adds
    # CNN-1's layer 2 -> rows (CNN-2, 1), (CNN-1, 1), (CNN-1, 2), in the order the grid names them
    table = pd.read_csv(out / "table1.tsv", sep="\t")
    assert list(zip(table.model, table.layer)) == [("CNN-2", 1), ("CNN-1", 1), ("CNN-1", 2)]
    assert (table.n_trials == 1).all()
    for column in ("auroc_mean", "aupr_mean", "match_any_mean", "match_ground_truth_mean",
                   "auroc_published", "match_any_published"):
        assert column in table.columns
    assert table.auroc_mean.between(0, 1).all()
    # CNN-2's published AUROC is the authors' 0.968 (resources/published_p1.tsv)
    assert table.set_index("model").loc["CNN-2", "auroc_published"].startswith("0.968")

    # two jobs of 2 epochs, on the CPU, unbound (no GPU declared)
    jobs = pd.read_csv(out / "jobs.tsv", sep="\t")
    assert sorted(jobs.model) == ["CNN-1", "CNN-2"] and (jobs.epochs == 2).all()
    assert (jobs.s_per_epoch > 0).all()

    # timings and the slice are printed
    assert "slice: the whole grid (2 jobs)" in stdout
    assert "wall: total " in stdout and "grid training " in stdout
    assert "probe CNN-2, 2 epochs: GPU " in stdout and " s/epoch on CPU" in stdout
    assert "sequences/s" in stdout and "2-core CPU job" in stdout
    assert "GPU samples: none" in stdout
    per_model = stdout.split("s/epoch per model")[1].split("GPU samples")[0]
    assert "CNN-2" in per_model and "CNN-1" in per_model
    assert "# Table 1" in stdout

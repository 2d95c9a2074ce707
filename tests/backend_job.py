"""One Keras backend's part of tests/test_backends.py, run in its own process (one process, one backend).

    python backend_job.py BACKEND DATA.h5 OUTDIR [REFERENCE.keras]

Trains the tiny model of the test on DATA.h5 (2 epochs) with ``motifrep.nn.train.train``, then
for its own model and for REFERENCE.keras (a model saved by another backend, when given):
predictions on the test split, first-layer PWMs (``activation_pwms``), the first-layer scan,
saliency, ISM, integrated gradients, SmoothGrad and DeepSHAP (or the one-line refusal) on 8
test sequences. Writes OUTDIR/result.npz and OUTDIR/result.json.
"""

import json
import sys
from pathlib import Path

import numpy as np

from motifrep.nn.runtime import set_backend

BLOCKS = [{"conv": {"filters": 8, "kernel": 11, "pool": 20, "activation": "relu"}}, {"dense": {"units": 16}}]
N_ATTR = 8  # test sequences explained
EPOCHS = 10  # enough for the tiny model to learn (AUROC well above chance), a second or so per epoch


def analyse(model, X, Xa, prefix, out, info):
    from motifrep.filters.scan import activation_pwms
    from motifrep.interpret import attribution as A
    from motifrep.interpret.scans import first_layer_scan
    from motifrep.nn.backend import input_gradient_fn

    out[f"{prefix}pred"] = np.asarray(model.predict(X.astype(np.float32), verbose=0, batch_size=256), np.float32)
    ppms, n_sites = activation_pwms(model, X)
    out[f"{prefix}ppm"], out[f"{prefix}n_sites"] = np.asarray(ppms, np.float64), np.asarray(n_sites)
    out[f"{prefix}scan"] = first_layer_scan(model, Xa)
    out[f"{prefix}saliency"] = A.saliency(model, Xa)
    info[f"{prefix}gradient_reused"] = input_gradient_fn(model, 0) is input_gradient_fn(model, 0)
    out[f"{prefix}ism"] = A.ism(model, Xa)
    out[f"{prefix}ig"] = A.integrated_gradients(model, Xa, n_refs=3, steps=8)
    out[f"{prefix}smoothgrad"] = A.smoothgrad(model, Xa, n_samples=8)
    try:
        out[f"{prefix}deepshap"] = A.deepshap(model, Xa, n_refs=5)
        info[f"{prefix}deepshap"] = "ok"
    except Exception as exc:  # the refusal off TensorFlow: one line
        info[f"{prefix}deepshap"] = f"{type(exc).__name__}: {exc}"


def main(backend, data, outdir, reference=None):
    set_backend(backend)
    from motifrep.datasets.store import Dataset
    from motifrep.nn.build import load_model
    from motifrep.nn.train import train

    outdir = Path(outdir)
    metrics = train(data, "Tiny", BLOCKS, outdir / "model.keras", outdir / "history.tsv", outdir / "metrics.json",
                    trial=0, seed=int(sys.argv[5]) if len(sys.argv) > 5 else 7, epochs=EPOCHS, patience=EPOCHS,
                    learning_rate=0.01, batch_size=50)
    with Dataset(data) as ds:
        X = ds.read_rows("X", ds.indices("test"))
    out, info = {}, {"backend": metrics["backend"], "auroc_mean": metrics["auroc_mean"],
                     "keras_backend": metrics["versions"]["keras-backend"]}
    analyse(load_model(outdir / "model.keras"), X, X[:N_ATTR], "own_", out, info)
    if reference:
        analyse(load_model(reference), X, X[:N_ATTR], "ref_", out, info)
    np.savez(outdir / "result.npz", **out)
    (outdir / "result.json").write_text(json.dumps(info))


if __name__ == "__main__":
    main(*sys.argv[1:5])

"""How the batch stream is fed to Keras on TensorFlow: s/epoch of one training process, either way.

    python bench/stream_feed.py DATA.h5 MODEL pydataset     # the PyDataset as it is (Keras: from_generator)
    python bench/stream_feed.py DATA.h5 MODEL model_input   # what training gives Keras (tf.data on TensorFlow)

DATA.h5 is a motifrep data set (e.g. the default run's ``results/synthetic/data.h5``), MODEL a
zoo model (resources/models.yaml). One thread, batch 100, 4 epochs of the train split validated
on the valid split; prints each epoch's seconds and the median of epochs 2-4 (epoch 1 traces).
Alternate the two modes in separate processes to compare (README "Keras backends").
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from motifrep.nn.runtime import configure_tensorflow

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="a motifrep HDF5 data set")
    parser.add_argument("model", help="a model of resources/models.yaml, e.g. CNN-25")
    parser.add_argument("mode", choices=("pydataset", "model_input"))
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    configure_tensorflow(1, 1)
    import keras

    from motifrep.datasets.store import batch_stream
    from motifrep.nn.backend import model_input
    from motifrep.nn.train import _compiled_model
    from motifrep.nn.zoo import load_zoo

    blocks = load_zoo(REPO / "resources" / "models.yaml")[args.model]
    model, _, _ = _compiled_model(args.data, args.model, blocks, None, "val_loss", 1e-3, 1e-6, "glorot_uniform")
    feed = (lambda s: s) if args.mode == "pydataset" else model_input
    train = feed(batch_stream(args.data, "train", 100, 1))
    valid = feed(batch_stream(args.data, "valid", 100, None))
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    model.fit(train, validation_data=valid, epochs=args.epochs, verbose=0, shuffle=False, callbacks=[EpochTimer()])
    print(f"{args.model} {args.mode}: s/epoch " + " ".join(f"{t:.2f}" for t in times)
          + f"; median of epochs 2..: {np.median(times[1:]):.2f}")


if __name__ == "__main__":
    main()

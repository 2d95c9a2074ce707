import h5py
import numpy as np
import pytest

from motifrep.datasets.store import Dataset, batch_stream, nbytes_limit
from motifrep.errors import FormatError


def make(path, X=None, Y=None, splits=True, n=20):
    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(0).integers(0, 4, (n, 30))] if X is None else X
    Y = np.zeros((len(X), 3), dtype=np.uint8) if Y is None else Y
    with h5py.File(path, "w") as f:
        f["X"], f["Y"] = X, Y
        if splits:
            f["splits/train"], f["splits/valid"], f["splits/test"] = np.arange(0, 14), np.arange(14, 16), np.arange(16, 20)
    return path


def test_valid_file(tmp_path):
    with Dataset(make(tmp_path / "ok.h5")) as ds:
        assert ds.length == 30 and ds.n_tasks == 3
        X, Y = ds.load("train")
        assert X.shape == (14, 30, 4) and Y.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"X": np.zeros((20, 30), np.uint8)}, "'X' has shape (20, 30), expected (N, L, 4)"),
        ({"X": np.zeros((20, 30, 5), np.uint8)}, "expected (N, L, 4)"),
        ({"X": np.zeros((20, 30, 4), np.float32)}, "dtype float32, expected uint8"),
        ({"Y": np.zeros((19, 3), np.uint8)}, "'Y' has shape (19, 3), expected (20, n_tasks)"),
        ({"splits": False}, "'splits/train' is missing"),
    ],
)
def test_wrong_shapes_are_one_line_errors(tmp_path, kwargs, message):
    path = make(tmp_path / "bad.h5", **kwargs)
    with pytest.raises(FormatError) as info:
        Dataset(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_not_hdf5_and_missing(tmp_path):
    (tmp_path / "x.h5").write_text("hello")
    with pytest.raises(FormatError, match="not a readable HDF5 file"):
        Dataset(tmp_path / "x.h5")
    with pytest.raises(FormatError, match="not found"):
        Dataset(tmp_path / "y.h5")


def test_split_index_out_of_range(tmp_path):
    path = make(tmp_path / "bad.h5")
    with h5py.File(path, "a") as f:
        del f["splits/test"]
        f["splits/test"] = np.array([16, 25])
    with pytest.raises(FormatError, match="sorted, unique row indices below 20"):
        Dataset(path)


@pytest.mark.parametrize("limit_gb", [4.0, 1e-9])  # in memory, and streamed from HDF5
def test_batches_cover_split_once_per_epoch(tmp_path, limit_gb):
    path = make(tmp_path / "ok.h5", n=20)
    stream = batch_stream(path, "train", 4, seed=1, in_memory_max_gb=limit_gb)
    with Dataset(path) as ds:  # the two parameters cover both modes of batch_stream
        assert (ds.split_nbytes("train") > nbytes_limit(limit_gb)) == (limit_gb < 1)
    with Dataset(path) as ds:
        X_all, _ = ds.load("train")
    key = lambda a: sorted(map(bytes, a.astype(np.uint8).reshape(len(a), -1)))  # noqa: E731
    epochs = []
    for _ in range(2):
        batches = list(stream)
        assert len(batches) == 4 and all(x.dtype == np.float32 for x, _ in batches)
        seen = np.concatenate([x for x, _ in batches])
        assert key(seen) == key(X_all)  # every training row exactly once per epoch
        epochs.append(seen)
    assert not np.array_equal(epochs[0], epochs[1])  # reshuffled between epochs


def test_evaluation_stream_keeps_order(tmp_path):
    path = make(tmp_path / "ok.h5", n=20)
    with Dataset(path) as ds:
        X_all, _ = ds.load("test")
    for limit in (4.0, 1e-9):
        seen = np.concatenate([x for x, _ in batch_stream(path, "test", 3, seed=None, in_memory_max_gb=limit)])
        np.testing.assert_array_equal(seen, X_all)


@pytest.mark.parametrize("value, message", [(0, "has [0, 0, 0, 0]"), (2, "has [2, 0, 0, 0]")])
def test_x_that_is_not_one_hot_is_refused(tmp_path, value, message):
    X = np.zeros((30, 10, 4), np.uint8)
    X[:, :, 1] = 1
    X[17, 4] = [value, 0, 0, 0]
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f["X"] = X
        f["Y"] = np.zeros((30, 1), np.uint8)
        for name, idx in (("train", range(0, 20)), ("valid", range(20, 25)), ("test", range(25, 30))):
            f[f"splits/{name}"] = np.array(idx)
    with pytest.raises(FormatError) as info:
        Dataset(path)
    assert str(info.value) == f"{path}: 'X' is not one-hot: sequence 17, position 4 {message}"


def make_ids(path, n=20):
    """A set whose label column 0 is the row number (so batches show which rows they hold)."""
    Y = np.zeros((n, 3), dtype=np.uint8)
    Y[:, 0] = np.arange(n)
    return make(path, Y=Y, n=n)


def epoch_rows(stream):
    """Row numbers (label column 0) of one pass over ``stream``, batch by batch."""
    return [y[:, 0].astype(int).tolist() for _, y in stream]


@pytest.mark.parametrize("limit_gb", [4.0, 1e-9])  # in memory, and streamed from HDF5
def test_batch_order_reshuffles_each_epoch_and_repeats_per_seed(tmp_path, limit_gb):
    path = make_ids(tmp_path / "ids.h5")
    a = batch_stream(path, "train", 4, seed=3, in_memory_max_gb=limit_gb)
    b = batch_stream(path, "train", 4, seed=3, in_memory_max_gb=limit_gb)
    epochs_a = [epoch_rows(a) for _ in range(3)]
    epochs_b = [epoch_rows(b) for _ in range(3)]
    assert epochs_a == epochs_b  # the same seed: the same batches, epoch by epoch
    for rows in epochs_a:
        assert [len(r) for r in rows] == [4, 4, 4, 2]
        assert sorted(r for batch in rows for r in batch) == list(range(14))  # every training row exactly once
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]  # reshuffled every epoch
    other = batch_stream(path, "train", 4, seed=4, in_memory_max_gb=limit_gb)
    assert epoch_rows(other) != epochs_a[0]


@pytest.mark.parametrize("limit_gb", [4.0, 1e-9])  # in memory, and streamed from HDF5
def test_tensorflow_pipeline_gives_the_streams_batches_epoch_by_epoch(tmp_path, limit_gb):
    """motifrep.nn.tfonly.stream_dataset (what training feeds TensorFlow): the stream's own batches
    and per-epoch orders, as float32; Keras's fit re-reads it every epoch, so each epoch reshuffles."""
    import keras
    import tensorflow as tf

    from motifrep.nn import tfonly

    path = make_ids(tmp_path / "ids.h5")
    reference = batch_stream(path, "train", 4, seed=3, in_memory_max_gb=limit_gb)
    expected = [epoch_rows(reference) for _ in range(3)]
    data = tfonly.stream_dataset(batch_stream(path, "train", 4, seed=3, in_memory_max_gb=limit_gb))
    got = [[y[:, 0].numpy().astype(int).tolist() for _, y in data] for _ in range(3)]
    assert got == expected and expected[0] != expected[1]
    x, y = next(iter(data))
    assert x.dtype == tf.float32 and tuple(x.shape) == (4, 30, 4) and tuple(y.shape) == (4, 3)
    stream = batch_stream(path, "train", 4, seed=3, in_memory_max_gb=limit_gb)
    model = keras.Sequential([keras.Input((30, 4)), keras.layers.Flatten(), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(tfonly.stream_dataset(stream), epochs=3, verbose=0, shuffle=False)
    assert stream.epoch == 3  # one new order per epoch


def test_in_memory_and_streamed_batches_are_the_same(tmp_path):
    path = make_ids(tmp_path / "ids.h5")
    memory = batch_stream(path, "train", 5, seed=8, in_memory_max_gb=4.0)
    streamed = batch_stream(path, "train", 5, seed=8, in_memory_max_gb=1e-9)
    for _ in range(2):
        for (xm, ym), (xs, ys) in zip(memory, streamed, strict=True):
            np.testing.assert_array_equal(xm, xs)
            np.testing.assert_array_equal(ym, ys)


def test_evaluation_rows_come_in_file_order(tmp_path):
    path = make_ids(tmp_path / "ids.h5")
    for limit in (4.0, 1e-9):
        stream = batch_stream(path, "train", 3, seed=None, in_memory_max_gb=limit)
        assert epoch_rows(stream) == epoch_rows(stream) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12, 13]]


def test_scattered_split_rows_are_read_exactly(tmp_path):
    """Splits need not be contiguous: loading (block reads) and streaming (row reads) give the
    rows of the index array, in its order."""
    from motifrep.datasets.store import _load_rows, _read_sorted

    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(1).integers(0, 4, (50, 7))]
    idx = np.array([0, 1, 2, 5, 9, 10, 11, 12, 30, 31, 49])
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("X", data=X, chunks=(8, 7, 4))
        for block in (1, 3, 4096):
            np.testing.assert_array_equal(_load_rows(f["X"], idx, block=block), X[idx])
        np.testing.assert_array_equal(_read_sorted(f["X"], idx), X[idx])
        np.testing.assert_array_equal(_read_sorted(f["X"], np.arange(3, 9)), X[3:9])


# VmHWM, not ru_maxrss: after fork + exec, Linux's ru_maxrss keeps the parent's (pytest's) peak.
RSS_CHILD = """
import sys
import numpy as np
from motifrep.datasets.store import Dataset, _batch_stream_class, batch_stream

def rss(key="VmRSS"):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1]) * 1024

path = sys.argv[1]
Dataset(path).close()  # the one-hot check runs once per process: not part of what is measured
_batch_stream_class()(lambda pos: (np.zeros((len(pos), 4, 4), np.uint8),) * 2, 4, 2, 1)  # Keras imported
before = rss()
stream = batch_stream(path, "train", 100, seed=1, in_memory_max_gb=4.0)
n = sum(len(x) for x, _ in stream)
print(n, rss("VmHWM") - before)
"""


def test_in_memory_split_is_held_once(tmp_path):
    """Peak memory of a fresh process over one shuffled epoch of a 153 MiB split grows by about the
    split's size (uint8 X held once), not by 3 times (as a tf.data copy plus a shuffle buffer did)."""
    import subprocess
    import sys

    from motifrep.datasets.store import ChunkedWriter

    n, length = 40_000, 1000
    rng = np.random.default_rng(0)
    with ChunkedWriter(tmp_path / "big.h5", length, ["t"]) as w:
        for split, rows in (("train", n), ("valid", 100), ("test", 100)):
            for lo in range(0, rows, 10_000):
                k = min(10_000, rows - lo)
                w.append(np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (k, length))], np.zeros((k, 1), np.uint8),
                         split)
    out = subprocess.run([sys.executable, "-c", RSS_CHILD, str(tmp_path / "big.h5")], capture_output=True, text=True,
                         check=True)
    seen, growth = map(int, out.stdout.split())
    assert seen == n
    size = n * length * 4
    assert growth < 1.4 * size, f"peak RSS grew by {growth / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB split"

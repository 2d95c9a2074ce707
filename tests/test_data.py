import h5py
import numpy as np
import pytest

from motifrep.data import Dataset, batch_stream, is_streamed
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
    assert is_streamed(path, "train", limit_gb) == (limit_gb < 1)
    with Dataset(path) as ds:
        X_all, _ = ds.load("train")
    key = lambda a: sorted(map(bytes, a.astype(np.uint8).reshape(len(a), -1)))  # noqa: E731
    epochs = []
    for _ in range(2):
        batches = [(x.numpy(), y.numpy()) for x, y in stream]
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
        seen = np.concatenate([x.numpy() for x, _ in batch_stream(path, "test", 3, seed=None, in_memory_max_gb=limit)])
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

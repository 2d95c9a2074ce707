"""The DeepSEA bundle route on a tiny bundle laid out as the real one (methods §1.8)."""

import json
import runpy
import tarfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io

from motifrep.datasets.deepsea import (
    KOO_COLUMNS,
    build_deepsea_set,
    extract_bundle,
    read_split,
)
from motifrep.datasets.store import Dataset
from motifrep.errors import MotifrepError

REPO = Path(__file__).resolve().parents[1]
L = 1000
N_LABELS = 919
COLS = list(KOO_COLUMNS)
TASKS = ["Arid3", "CEBPB", "FOSL1", "Gabpa", "MAFK", "MAX", "MEF2A", "NFYB", "SP1", "SRF", "STAT1", "YY1"]
OTHER = [c for c in range(N_LABELS) if c not in COLS]
BUNDLE_INDEX = {"A": 0, "G": 1, "C": 2, "T": 3}  # the bundle's base order is A, G, C, T
SIZES = {"train": 30, "valid": 9, "test": 12}  # forward sequences; each split also holds their reverse complements


def revcomp(seq):
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def encode_bundle(seqs):
    """(N, L, 4) one-hot in the bundle's A, G, C, T order, encoded base by base."""
    x = np.zeros((len(seqs), len(seqs[0]), 4), np.uint8)
    for i, seq in enumerate(seqs):
        for j, base in enumerate(seq):
            x[i, j, BUNDLE_INDEX[base]] = 1
    return x


def decode(X):
    """Strings from our (N, L, 4) A, C, G, T one-hot."""
    assert np.all(X.sum(axis=2) == 1)
    return ["".join(row) for row in np.array(list("ACGT"))[X.argmax(axis=2)]]


def make_split(n_fwd, rng):
    """Forward sequences then their reverse complements; every third row positive for some of the
    12 columns, every third positive only for other columns, the rest negative everywhere."""
    seqs = ["".join(rng.choice(list("ACGT"), L)) for _ in range(n_fwd)]
    labels = np.zeros((n_fwd, N_LABELS), np.uint8)
    for i in range(n_fwd):
        if i % 3 == 0:
            labels[i, COLS[(i // 3) % 12]] = 1
            labels[i, rng.choice(COLS, size=i % 4, replace=False)] = 1
        if i % 3 < 2:
            labels[i, rng.choice(OTHER, size=3, replace=False)] = 1
    return seqs + [revcomp(s) for s in seqs], np.vstack([labels, labels])


def write_train(path, x, y, xname="trainxdata", yname="traindata", layout=(1, 2, 0)):
    """train.mat as MATLAB v7.3 (HDF5 with a 512-byte user block) as h5py shows it: x (L, 4, N)."""
    with h5py.File(path, "w", userblock_size=512) as f:
        if xname:
            data = x.transpose(layout)
            f.create_dataset(xname, data=data, chunks=data.shape[:2] + (min(7, data.shape[2]),), compression="gzip")
        if yname:
            f.create_dataset(yname, data=y.T)
    with open(path, "r+b") as handle:
        text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: tiny test bundle HDF5 schema 1.00 ."
        handle.write(text.ljust(116) + bytes(8) + b"\x00\x02IM")  # MATLAB's 128-byte header: version 0x0200


def write_v5(path, split, x, y, drop=None):
    """valid.mat/test.mat as MATLAB v5: x (N, 4, L), y (N, 919)."""
    data = {f"{split}xdata": x.transpose(0, 2, 1), f"{split}data": y}
    data.pop(drop, None)
    scipy.io.savemat(path, data, do_compression=True)


def make_bundle(root, rng_seed=0):
    """The three .mat files in ``root`` and the sequences/labels they hold."""
    rng = np.random.default_rng(rng_seed)
    truth = {split: make_split(n, rng) for split, n in SIZES.items()}
    root.mkdir(parents=True, exist_ok=True)
    write_train(root / "train.mat", encode_bundle(truth["train"][0]), truth["train"][1])
    for split in ("valid", "test"):
        write_v5(root / f"{split}.mat", split, encode_bundle(truth[split][0]), truth[split][1])
    return truth


def pack(tar_path, root, members=("train.mat", "valid.mat", "test.mat")):
    with tarfile.open(tar_path, "w:gz") as tar:
        readme = root / "README"
        readme.write_text("tiny bundle\n")
        tar.add(readme, arcname="deepsea_train/README")
        for name in members:
            tar.add(root / name, arcname=f"deepsea_train/{name}")


def expected(truth, split, keep_rc=True):
    seqs, labels = truth[split]
    n = len(seqs) if keep_rc else len(seqs) // 2
    y = labels[:n][:, COLS]
    rows = [i for i in range(n) if y[i].any()]
    return [seqs[i] for i in rows], y[rows]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    base = tmp_path_factory.mktemp("deepsea")
    truth = make_bundle(base / "src")
    pack(base / "deepsea_train_bundle.v0.9.tar.gz", base / "src")
    out = {s: base / "mat" / f"{s}.mat" for s in ("train", "valid", "test")}
    written = extract_bundle(base / "deepsea_train_bundle.v0.9.tar.gz", out["train"], out["valid"], out["test"])
    for split, path in out.items():
        assert path.read_bytes() == (base / "src" / f"{split}.mat").read_bytes()
        assert written[split] == path.stat().st_size
    return base, truth, out


def build(out, mats, **kwargs):
    kwargs.setdefault("block_rows", 7)
    return build_deepsea_set(out, mats["train"], mats["valid"], mats["test"], COLS, TASKS, **kwargs)


def assert_one_line(excinfo, *parts):
    message = str(excinfo.value)
    assert "\n" not in message
    for part in parts:
        assert str(part) in message, message


def assert_nothing_left(directory):
    assert not list(Path(directory).iterdir())


def test_bases_labels_and_splits_match_the_bundle(bundle, tmp_path):
    _, truth, mats = bundle
    out = tmp_path / "deepsea.h5"
    summary = build(out, mats)
    with Dataset(out) as ds:  # the layout validates (shapes, splits, one-hot)
        assert ds.length == L and ds.task_names == TASKS
        for split in ("train", "valid", "test"):
            X, Y = ds.load(split)
            seqs, labels = expected(truth, split)
            assert len(seqs) < len(truth[split][0])  # rows negative for all 12 were dropped
            assert decode(X) == seqs
            np.testing.assert_array_equal(Y, labels)
            assert summary[split]["kept"] == len(seqs)
            assert summary[split]["positives"] == dict(zip(TASKS, labels.sum(axis=0).tolist()))
        # train rows come first, then valid, then test
        assert ds.indices("valid")[0] == len(ds.indices("train"))
        assert json.loads(ds.file.attrs["label_columns"]) == COLS
        assert ds.file.attrs["base_order"] == "ACGT"
    # forward and reverse-complement copies both kept, as the authors did: kept counts are even
    assert [summary[s]["kept"] for s in ("train", "valid", "test")] == [20, 6, 8]


def test_labels_picked_by_hand(bundle):
    _, truth, mats = bundle
    seqs, labels = truth["test"]
    assert labels[6, 344] and labels[6 + len(seqs) // 2, 344]  # FOSL1 (column 344), set for row 6 and its copy
    want = [i for i in range(len(seqs)) if labels[i, 344] or labels[i, 0]]
    blocks = list(read_split(mats["test"], "test", [344, 0], block_rows=5))
    rows = np.concatenate([b[0] for b in blocks])
    assert rows.tolist() == want
    assert decode(np.concatenate([b[1] for b in blocks])) == [seqs[i] for i in want]
    assert np.concatenate([b[2] for b in blocks]).tolist() == [[labels[i, 344], labels[i, 0]] for i in want]


def test_second_build_is_byte_identical(bundle, tmp_path):
    _, _, mats = bundle
    build(tmp_path / "a.h5", mats)
    build(tmp_path / "b.h5", mats)
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()
    build(tmp_path / "c.h5", mats, block_rows=10000)  # other blocks: same content
    with Dataset(tmp_path / "a.h5") as a, Dataset(tmp_path / "c.h5") as c:
        for name in ("X", "Y", "splits/train", "splits/valid", "splits/test"):
            np.testing.assert_array_equal(a.file[name][()], c.file[name][()])


def test_dropping_reverse_complements_keeps_the_forward_half(bundle, tmp_path):
    _, truth, mats = bundle
    out = tmp_path / "fwd.h5"
    summary = build(out, mats, keep_reverse_complements=False, block_rows=4)
    with Dataset(out) as ds:
        for split in ("train", "valid", "test"):
            X, Y = ds.load(split)
            seqs, labels = expected(truth, split, keep_rc=False)
            assert decode(X) == seqs
            np.testing.assert_array_equal(Y, labels)
    assert [summary[s]["kept"] for s in ("train", "valid", "test")] == [10, 3, 4]


def test_reverse_complement_layout_is_checked_before_dropping(bundle, tmp_path):
    _, truth, mats = bundle
    seqs, labels = truth["valid"]
    swapped = seqs[:]
    swapped[len(seqs) // 2 + 1] = seqs[0]  # row N/2 + 1 is not the reverse complement of row 1
    bad = tmp_path / "in" / "valid.mat"
    bad.parent.mkdir()
    write_v5(bad, "valid", encode_bundle(swapped), labels)
    out = tmp_path / "out" / "x.h5"
    with pytest.raises(MotifrepError) as excinfo:
        build(out, {**mats, "valid": bad}, keep_reverse_complements=False)
    assert_one_line(excinfo, bad, "validxdata", "sequence 10 is not the reverse complement of sequence 1")
    assert_nothing_left(out.parent)
    build(out, {**mats, "valid": bad})  # keeping both copies needs no pairing


def corrupt(kind, truth, root):
    """Write one bad .mat file into ``root``; return (split, path, words the error must name)."""
    x = {s: encode_bundle(truth[s][0]) for s in truth}
    y = {s: truth[s][1] for s in truth}
    train, test = root / "train.mat", root / "test.mat"
    if kind == "train_positions_not_first":
        write_train(train, x["train"], y["train"], layout=(1, 0, 2))  # (L, N, 4)
        return "train", train, ["trainxdata", "(1000, 60, 4)", "expected (L, 4, N)"]
    if kind == "train_not_transposed":
        write_train(train, x["train"], y["train"], layout=(0, 2, 1))  # (N, 4, L): labels no longer fit
        return "train", train, ["traindata", "(919, 60)", "expected (n_labels, 1000)"]
    if kind == "train_missing_variable":
        write_train(train, x["train"], y["train"], yname=None)
        return "train", train, ["'traindata' is missing"]
    if kind == "train_not_hdf5":
        write_v5(train, "train", x["train"], y["train"])
        return "train", train, ["not an HDF5"]
    if kind == "train_float":
        write_train(train, x["train"].astype(np.float64), y["train"])
        return "train", train, ["trainxdata", "float64"]
    if kind == "test_wrong_shape":
        scipy.io.savemat(test, {"testxdata": x["test"], "testdata": y["test"]})  # (N, L, 4)
        return "test", test, ["testxdata", "(24, 1000, 4)", "expected (N, 4, L)"]
    if kind == "test_missing_variable":
        write_v5(test, "test", x["test"], y["test"], drop="testdata")
        return "test", test, ["'testdata' is missing"]
    if kind == "test_is_v73":
        write_train(test, x["test"], y["test"], xname="testxdata", yname="testdata")
        return "test", test, ["MATLAB v7.3", "MATLAB v5"]
    if kind == "test_other_length":
        write_v5(test, "test", x["test"][:, :999], y["test"])
        return "test", test, ["testxdata", "length 999"]
    if kind in ("test_truncated", "train_truncated"):
        split = kind.split("_")[0]
        path = root / f"{split}.mat"
        if split == "train":
            write_train(path, x["train"], y["train"])
        else:
            write_v5(path, "test", x["test"], y["test"])
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])
        return split, path, ["is missing (or the file is truncated)" if split == "test" else "not an HDF5"]
    kept = next(i for i in range(len(truth["train"][0])) if y["train"][i, COLS].any() and i > 7)
    if kind == "train_all_zero_position":
        x["train"][kept, 123] = 0  # an N
        write_train(train, x["train"], y["train"])
        return "train", train, ["trainxdata", "not one-hot", "train split", f"sequence {kept}", "position 123"]
    assert kind == "test_multi_hot_position"
    kept = next(i for i in range(len(truth["test"][0])) if y["test"][i, COLS].any() and i > 0)
    x["test"][kept, 999] = 1
    write_v5(test, "test", x["test"], y["test"])
    return "test", test, ["testxdata", "not one-hot", "test split", f"sequence {kept}", "position 999"]


BAD = ["train_positions_not_first", "train_not_transposed", "train_missing_variable", "train_not_hdf5", "train_float",
       "test_wrong_shape", "test_missing_variable", "test_is_v73", "test_other_length", "train_all_zero_position",
       "test_multi_hot_position", "test_truncated", "train_truncated"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_bundle_file_is_one_line_and_writes_nothing(bundle, tmp_path, kind):
    _, truth, mats = bundle
    (tmp_path / "in").mkdir()
    split, bad, words = corrupt(kind, truth, tmp_path / "in")
    out = tmp_path / "out" / "deepsea.h5"
    out.parent.mkdir()
    with pytest.raises(MotifrepError) as excinfo:
        build(out, {**mats, split: bad})
    assert_one_line(excinfo, bad, *words)
    assert_nothing_left(out.parent)


def test_bundle_of_another_length_is_refused(bundle, tmp_path):
    """DeepSEA sequences are 1,000 nt: a bundle of 500-nt sequences (all three splits alike) stops
    the job with the shape found and the shape expected."""
    _, truth, _ = bundle
    root = tmp_path / "in"
    root.mkdir()
    x = {s: encode_bundle(truth[s][0])[:, :500] for s in truth}
    write_train(root / "train.mat", x["train"], truth["train"][1])
    for split in ("valid", "test"):
        write_v5(root / f"{split}.mat", split, x[split], truth[split][1])
    out = tmp_path / "out" / "deepsea.h5"
    out.parent.mkdir()
    with pytest.raises(MotifrepError) as excinfo:
        build(out, {s: root / f"{s}.mat" for s in ("train", "valid", "test")})
    assert_one_line(excinfo, root / "train.mat", "'trainxdata' has shape (500, 4, 60)", "expected (1000, 4, 60)")
    assert_nothing_left(out.parent)


def test_not_one_hot_in_a_dropped_row_is_not_an_error(bundle, tmp_path):
    _, truth, mats = bundle
    seqs, labels = truth["train"]
    x = encode_bundle(seqs)
    dropped = next(i for i in range(len(seqs)) if not labels[i, COLS].any())
    x[dropped, 5] = 0
    bad = tmp_path / "train.mat"
    write_train(bad, x, labels)
    build(tmp_path / "ok.h5", {**mats, "train": bad})


@pytest.mark.parametrize("columns, words", [([919] + COLS[1:], ["label column(s) [919] out of range", "919 columns"]),
                                            ([-1] + COLS[1:], ["label column(s) [-1] out of range"])])
def test_column_out_of_range(bundle, tmp_path, columns, words):
    _, _, mats = bundle
    out = tmp_path / "out" / "deepsea.h5"
    with pytest.raises(MotifrepError) as excinfo:
        build_deepsea_set(out, mats["train"], mats["valid"], mats["test"], columns, TASKS)
    assert_one_line(excinfo, mats["train"], "traindata", *words)
    assert not out.parent.exists() or not list(out.parent.iterdir())


def test_columns_and_tasks_must_match(bundle, tmp_path):
    _, _, mats = bundle
    with pytest.raises(MotifrepError, match="12 label columns but 11 task names"):
        build_deepsea_set(tmp_path / "x.h5", mats["train"], mats["valid"], mats["test"], COLS, TASKS[:-1])


def test_no_positive_row_is_an_error(bundle, tmp_path):
    _, truth, mats = bundle
    none = [c for c in OTHER if not any(truth[s][1][:, c].any() for s in truth)][:12]
    with pytest.raises(MotifrepError) as excinfo:
        build_deepsea_set(tmp_path / "x.h5", mats["train"], mats["valid"], mats["test"], none, TASKS)
    assert_one_line(excinfo, mats["train"], "no sequence of the train split is positive")
    assert not (tmp_path / "x.h5").exists()


def outputs(directory):
    return [directory / f"{s}.mat" for s in ("train", "valid", "test")]


def test_truncated_archive_is_one_line_and_extracts_nothing(bundle, tmp_path):
    base, _, _ = bundle
    data = (base / "deepsea_train_bundle.v0.9.tar.gz").read_bytes()
    for cut in (len(data) // 2, len(data) - 200, 20):
        tar = tmp_path / "cut.tar.gz"
        tar.write_bytes(data[:cut])
        out = tmp_path / f"out{cut}"
        with pytest.raises(MotifrepError) as excinfo:
            extract_bundle(tar, *outputs(out))
        assert_one_line(excinfo, tar, "truncated or corrupt archive")
        assert_nothing_left(out)


def test_corrupt_archive_is_one_line(tmp_path):
    tar = tmp_path / "bundle.tar.gz"
    tar.write_bytes(b"<html>not found</html>")
    with pytest.raises(MotifrepError) as excinfo:
        extract_bundle(tar, *outputs(tmp_path / "out"))
    assert_one_line(excinfo, tar, "truncated or corrupt archive")
    assert_nothing_left(tmp_path / "out")
    with pytest.raises(MotifrepError, match="bundle not found"):
        extract_bundle(tmp_path / "absent.tar.gz", *outputs(tmp_path / "out"))


def test_missing_member_is_one_line_and_extracts_nothing(bundle, tmp_path):
    base, _, _ = bundle
    tar = tmp_path / "partial.tar.gz"
    pack(tar, base / "src", members=("train.mat", "test.mat"))
    with pytest.raises(MotifrepError) as excinfo:
        extract_bundle(tar, *outputs(tmp_path / "out"))
    assert_one_line(excinfo, tar, "deepsea_train/valid.mat not found")
    assert_nothing_left(tmp_path / "out")


class Namedlist(list):
    def __init__(self, items=(), **named):
        super().__init__(list(items) + list(named.values()))
        self.__dict__.update(named)


def test_scripts_unpack_the_rule(bundle, tmp_path):
    base, truth, _ = bundle
    mats = {s: str(tmp_path / f"{s}.mat") for s in ("train", "valid", "test")}
    sm = type("Snakemake", (), {})()
    sm.input, sm.output = Namedlist([str(base / "deepsea_train_bundle.v0.9.tar.gz")]), Namedlist(**mats)
    sm.params, sm.log = Namedlist(), Namedlist()
    runpy.run_path(str(REPO / "workflow/scripts/deepsea_extract.py"), init_globals={"snakemake": sm})
    sm.input, sm.output = Namedlist(**mats), Namedlist([str(tmp_path / "deepsea.h5")])
    sm.params = Namedlist(columns=COLS, tasks=TASKS, keep_reverse_complements=False)
    runpy.run_path(str(REPO / "workflow/scripts/build_deepsea.py"), init_globals={"snakemake": sm})
    with Dataset(tmp_path / "deepsea.h5") as ds:
        assert decode(ds.load("test")[0]) == expected(truth, "test", keep_rc=False)[0]

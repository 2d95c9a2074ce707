"""Tests for the ``motifrep`` command line (motifrep.cli): ``motifrep filters``.

A tiny motifrep model (conv1: 4 filters of width 7, pool 4; dense 8; 60 nt; 1 task) gets
hand-set weights so that filter 0 fires only on an exact copy of a known 7-mer; the 7-mer
is embedded in half of 200 random sequences.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import h5py
import keras
import numpy as np
import pandas as pd
import pytest
from conftest import JASPAR2016, REPO

from motifrep.cli import main
from motifrep.datasets.genome import read_fasta_onehot
from motifrep.motifs.meme import read_meme
from motifrep.motifs.tomtom import read_tomtom_tsv
from motifrep.nn.build import build_model

KMER = "TGACTCA"  # AP-1 site (FOS::JUN, MA0099.2 in JASPAR 2016)
LENGTH = 60
BASES = "ACGT"
BLOCKS = [{"conv": {"filters": 4, "kernel": 7, "pool": 4}}, {"dense": {"units": 8}}]
NUMBA_CACHE = str(REPO / ".numba_cache")
CONSOLE_SCRIPT = Path(sys.executable).with_name("motifrep")


def _kmer_model():
    """Filter 0: +1 for each base of KMER, -3 for any other base, so only an exact copy scores
    above half its maximum (7; one mismatch gives 3). BN is the identity up to 1/sqrt(1 + eps)."""
    model = build_model("tiny", BLOCKS, LENGTH, 1)
    conv = model.get_layer("conv1")
    rng = np.random.default_rng(1)
    kernel = rng.normal(0, 0.05, size=conv.get_weights()[0].shape)  # (7, 4, 4)
    kernel[:, :, 0] = -3.0
    for pos, base in enumerate(KMER):
        kernel[pos, BASES.index(base), 0] = 1.0
    conv.set_weights([kernel.astype(np.float32)])
    return model


def _write_fasta(path, seqs, names=None):
    names = names or [f"seq{i}" for i in range(len(seqs))]
    path.write_text("".join(f">{n}\n{s[:35]}\n{s[35:]}\n" for n, s in zip(names, seqs)))
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    model = _kmer_model()
    model_path = tmp / "tiny.keras"
    model.save(model_path)
    rng = np.random.default_rng(0)
    seqs = []
    for i in range(200):
        s = "".join(rng.choice(list(BASES), LENGTH))
        if i % 2 == 0:
            at = int(rng.integers(0, LENGTH - len(KMER) + 1))
            s = s[:at] + KMER + s[at + len(KMER):]
        seqs.append(s if i % 3 else s.lower())  # lower case is accepted
    return {"tmp": tmp, "model": model_path, "fasta": _write_fasta(tmp / "seqs.fa", seqs), "seqs": seqs}


@pytest.fixture(scope="module")
def run_out(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "filters"
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(["filters", str(inputs["model"]), str(inputs["fasta"]), "--out", str(out),
                   "--motifs", str(JASPAR2016), "--numba-cache", NUMBA_CACHE])
    return rc, out, buf.getvalue()


def test_filters_writes_every_output(run_out):
    rc, out, stdout = run_out
    assert rc == 0
    for name in ("filters.meme", "filters_unclipped.meme", "tomtom.tsv", "filters.tsv", "filters.pdf"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert (out / "filters.pdf").read_bytes().startswith(b"%PDF")
    assert "4 filters of conv1" in stdout and "filter0" in stdout


def test_filter0_recovers_the_kmer(run_out):
    _, out, _ = run_out
    clipped, full = read_meme(out / "filters.meme"), read_meme(out / "filters_unclipped.meme")
    assert [m.id for m in clipped] == [f"filter{j}" for j in range(4)] == [m.id for m in full]
    # Sites are exactly the embedded copies (a copy scores 7 x BN, one mismatch 3 x BN < half): the
    # 19-column window (pos-9 .. pos+9) holds the 7-mer at columns 6..12, random bases elsewhere.
    assert full[0].width == 19
    assert "".join(BASES[i] for i in full[0].pwm[6:13].argmax(axis=1)) == KMER
    assert np.allclose(full[0].pwm[6:13].max(axis=1), 1.0)
    consensus = "".join(BASES[i] for i in clipped[0].pwm.argmax(axis=1))
    assert KMER in consensus
    assert clipped[0].width == len(KMER) + 2 * 3  # informative span + 3 flanking columns each side


def test_tomtom_and_filter_table(run_out):
    _, out, stdout = run_out
    hits = read_tomtom_tsv(out / "tomtom.tsv")
    assert set(hits["Query_ID"]) <= {f"filter{j}" for j in range(4)}
    assert (hits["E-value"] <= 0.1).all()
    assert "filter0" in set(hits["Query_ID"])  # the AP-1 site matches JASPAR (FOS/JUN family)
    table = pd.read_csv(out / "filters.tsv", sep="\t", keep_default_na=False)
    assert list(table["filter"]) == [f"filter{j}" for j in range(4)]
    row = table.iloc[0]
    assert row["n_hits"] > 0 and row["best_match"] in set(hits["Target_ID"])
    assert row["n_sites"] >= 100  # at least the 100 embedded copies
    assert (table["ground_truth_tf"] == "").all() and not table["matches_ground_truth"].astype(bool).any()
    assert row["best_match"] in stdout


def test_fasta_reader_is_case_insensitive(inputs):
    X, names = read_fasta_onehot(inputs["fasta"], LENGTH)
    assert X.shape == (200, LENGTH, 4) and X.dtype == np.uint8 and (X.sum(axis=2) == 1).all()
    assert "".join(BASES[i] for i in X[3].argmax(axis=1)) == inputs["seqs"][3].upper()
    assert names[:2] == ["seq0", "seq1"]


def test_hdf5_test_split_and_layer_index(inputs, tmp_path, capsys):
    X, _ = read_fasta_onehot(inputs["fasta"], LENGTH)
    h5 = tmp_path / "data.h5"
    with h5py.File(h5, "w") as f:
        f["X"], f["Y"] = X, np.zeros((len(X), 1), dtype=np.uint8)
        f["splits/train"], f["splits/valid"] = np.arange(0, 50), np.arange(50, 100)
        f["splits/test"] = np.arange(100, 200)
    out = tmp_path / "out"
    rc = main(["filters", str(inputs["model"]), str(h5), "--out", str(out), "--layer", "1", "--motifs",
               str(JASPAR2016), "--numba-cache", NUMBA_CACHE, "--weighting", "uniform", "--edges", "drop",
               "--window", "0", "--max-sequences", "80"])
    assert rc == 0, capsys.readouterr().err
    assert "from 80 test-split sequences" in capsys.readouterr().out
    full = read_meme(out / "filters_unclipped.meme")
    assert full[0].width == 7  # --window 0: the receptive field
    assert "".join(BASES[i] for i in full[0].pwm.argmax(axis=1)) == KMER


def test_console_script_help():
    done = subprocess.run([str(CONSOLE_SCRIPT), "filters", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "SEQUENCES" in done.stdout and "example:" in done.stdout and "(default: 0.5)" in done.stdout
    top = subprocess.run([str(CONSOLE_SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert top.returncode == 0 and "filters" in top.stdout


def _one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    assert err[0].startswith("motifrep: error:")
    return err[0]


def _dense_only(path):
    model = keras.Sequential([keras.Input((LENGTH, 4)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.save(path)
    return path


@pytest.mark.parametrize("case, expect", [
    ("n_in_fasta", "record 'seq1' (#2), position 11: letter 'N'"),
    ("wrong_length", "has length 59, but the model expects 60"),
    ("unknown_layer", "no Conv1D layer of that name (its Conv1D layers: conv1)"),
    ("dense_only", "has no Conv1D layer"),
    ("text_as_model", "not a Keras model archive"),
    ("layer_not_conv", "layer 'dense1' is a Dense, not a Conv1D layer (its Conv1D layers: conv1)"),
    ("missing_fasta", "not found"),
    ("pooled_layer2", "conv1 is pooled (pool 4) before conv2"),
])
def test_errors_are_one_line(inputs, tmp_path, capsys, case, expect):
    model, fasta, args = inputs["model"], inputs["fasta"], []
    good = inputs["seqs"][:3]
    if case == "n_in_fasta":
        fasta = _write_fasta(tmp_path / "n.fa", [good[0], good[1][:10] + "N" + good[1][11:], good[2]])
    elif case == "wrong_length":
        fasta = _write_fasta(tmp_path / "short.fa", [good[0], good[1][:59]])
    elif case == "unknown_layer":
        args = ["--layer", "conv9"]
    elif case == "dense_only":
        model = _dense_only(tmp_path / "dense.keras")
    elif case == "text_as_model":
        model = tmp_path / "model.keras"
        model.write_text("not a model\n")
    elif case == "layer_not_conv":
        args = ["--layer", "dense1"]
    elif case == "missing_fasta":
        fasta = tmp_path / "absent.fa"
    elif case == "pooled_layer2":
        model = tmp_path / "two.keras"
        build_model("two", [BLOCKS[0], {"conv": {"filters": 2, "kernel": 3}}, BLOCKS[1]], LENGTH, 1).save(model)
        args = ["--layer", "conv2"]
    capsys.readouterr()
    rc = main(["filters", str(model), str(fasta), "--out", str(tmp_path / "out"), "--motifs", str(JASPAR2016),
               "--numba-cache", NUMBA_CACHE, *args])
    assert rc == 1
    line = _one_error_line(capsys)
    assert expect in line, line
    assert not (tmp_path / "out").exists()  # nothing written on an error


def test_bad_option_exits_2(inputs, tmp_path, capsys):
    rc = main(["filters", str(inputs["model"]), str(inputs["fasta"]), "--out", str(tmp_path), "--threshold", "2"])
    assert rc == 2
    assert "threshold must be in [0, 1]" in capsys.readouterr().err


def test_full_disk_is_one_line_and_keeps_nothing(inputs, tmp_path, capsys, monkeypatch):
    """--out on a disk that holds the two MEME files but not the rest: one line naming the file and
    the space left, and no partial set of outputs (filters.meme was written, then removed)."""
    from fsfaults import enospc, small_filesystem

    full = tmp_path / "full"
    out = full / "filters"
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    with small_filesystem(full, 2 * page_kb) as mounted:  # two pages: filters.meme, filters_unclipped.meme
        if not mounted:  # where no tmpfs can be mounted: the third text file finds the disk full
            real, calls = Path.write_text, []

            def third_fails(self, *args, **kwargs):
                calls.append(self)
                return enospc() if len(calls) == 3 else real(self, *args, **kwargs)

            monkeypatch.setattr(Path, "write_text", third_fails)
        capsys.readouterr()
        rc = main(["filters", str(inputs["model"]), str(inputs["fasta"]), "--out", str(out), "--motifs",
                   str(JASPAR2016), "--numba-cache", NUMBA_CACHE])
        assert rc == 1
        line = _one_error_line(capsys)
        assert re.fullmatch(rf"motifrep: error: {re.escape(str(out))}/tomtom\.tsv: no space left on device "
                            r"\(\d+\.\d MB free on that filesystem\)", line), line
        assert not out.exists()  # made by this run, emptied and removed

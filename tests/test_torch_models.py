"""``motifrep filters`` on PyTorch models built the way other projects build them (motifrep.nn.torch_models).

A Basset-like net (three Conv1d -> BatchNorm1d -> ReLU -> MaxPool1d blocks, then Linear, one
ReLU module shared by the blocks) is saved the three ways PyTorch users save models: a
``torch.export`` program (``.pt2``), a TorchScript file, and a state dict read with
``--torch-model file.py:factory``. Filter 0 of its first conv is set to the log-odds of a
JASPAR motif (CTCF, MA0139.1) that is planted in half of 300 random sequences: the filter must
come back with that motif as its best Tomtom match. Bad inputs must give one
``motifrep: error:`` line, exit status 1 and nothing in ``--out``.
"""

from __future__ import annotations

import os
import re
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import JASPAR2016, REPO, write_planted_fasta

from motifrep.cli import main
from motifrep.motifs.meme import read_meme
from motifrep.nn.torch_models import TorchConvSource, load_torch_model

MOTIF_ID = "MA0139.1"  # CTCF: 19 columns
LENGTH = 100
NUMBA_CACHE = str(REPO / ".numba_cache")

#: A Basset-like net as its authors write one (module attributes, forward chaining them).
BASSET = '''
import torch
from torch import nn


class Basset(nn.Module):
    def __init__(self, filters=16):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv1d(4, filters, 19, padding=9), nn.BatchNorm1d(filters)
        self.conv2, self.bn2 = nn.Conv1d(filters, 8, 5, padding=2), nn.BatchNorm1d(8)
        self.conv3, self.bn3 = nn.Conv1d(8, 8, 3, padding=1), nn.BatchNorm1d(8)
        self.relu = nn.ReLU()
        self.pool1, self.pool2, self.pool3 = nn.MaxPool1d(3), nn.MaxPool1d(4), nn.MaxPool1d(2)
        self.fc = nn.Linear(8 * 4, 2)

    def forward(self, x):
        x = self.pool1(self.relu(self.bn1(self.conv1(x))))
        x = self.pool2(self.relu(self.bn2(self.conv2(x))))
        x = self.pool3(self.relu(self.bn3(self.conv3(x))))
        return torch.sigmoid(self.fc(x.flatten(1)))


def build():
    return Basset()


def build_wide():
    return Basset(filters=24)
'''


@pytest.fixture(scope="module")
def motif():
    """The JASPAR motif's PPM (19, 4)."""
    return next(m for m in read_meme(JASPAR2016) if m.id == MOTIF_ID).pwm


@pytest.fixture(scope="module")
def fasta(motif, tmp_path_factory):
    """300 random sequences of LENGTH nt; every other one holds a site drawn from the motif."""
    return write_planted_fasta(tmp_path_factory.mktemp("torch") / "seqs.fa", motif, LENGTH)


@pytest.fixture(scope="module")
def basset(motif, tmp_path_factory):
    """``(module file, the Basset net with filter 0 of conv1 := the motif's log-odds, in eval mode)``."""
    folder = tmp_path_factory.mktemp("basset")
    (folder / "basset_net.py").write_text(BASSET)
    sys.path.insert(0, str(folder))
    try:
        import basset_net
    finally:
        sys.path.remove(str(folder))
    torch.manual_seed(0)
    net = basset_net.build()
    with torch.no_grad():
        weight = torch.randn_like(net.conv1.weight) * 0.1  # (filters, 4, 19)
        weight[0] = torch.tensor(np.log2((motif + 0.01) / 0.25).T, dtype=torch.float32)
        net.conv1.weight.copy_(weight)
        net.conv1.bias.zero_()
    return folder / "basset_net.py", net.eval()


def save(net, how: str, folder):
    """Save ``net`` as users do: ``.pt2`` (torch.export), TorchScript (scripted or traced), or a state dict;
    ``(path, extra args)``."""
    if how == "export":
        path = folder / "basset.pt2"
        torch.export.save(torch.export.export(net, (torch.zeros(2, 4, LENGTH),)), path)
        return path, []
    if how == "torchscript":
        path = folder / "basset_script.pt"
        torch.jit.script(net).save(str(path))
        return path, []
    if how == "traced":
        path = folder / "basset_traced.pt"
        torch.jit.trace(net, torch.zeros(2, 4, LENGTH)).save(str(path))
        return path, []
    path = folder / "basset_state.pt"
    torch.save(net.state_dict(), path)
    return path, ["--torch-model"]


@pytest.mark.parametrize("how", ["export", "torchscript", "state_dict"])
def test_planted_motif_is_the_top_match(how, basset, fasta, tmp_path, capsys):
    module_file, net = basset
    path, extra = save(net, how, tmp_path)
    extra = [*extra, f"{module_file}:build"] if extra else []
    out = tmp_path / "out"
    rc = main(["filters", str(path), str(fasta), "--out", str(out), "--motifs", str(JASPAR2016),
               "--numba-cache", NUMBA_CACHE, *extra])
    assert rc == 0, capsys.readouterr().err
    table = pd.read_csv(out / "filters.tsv", sep="\t", keep_default_na=False)
    assert len(table) == 16
    row = table.iloc[0]
    assert row["filter"] == "filter0" and row["best_match"] == MOTIF_ID, table.head()
    assert row["n_sites"] >= 100  # (most of) the 150 planted sites
    assert "conv1" in capsys.readouterr().out


@pytest.mark.parametrize("how", ["export", "torchscript", "traced", "state_dict"])
def test_map_is_conv1_after_batchnorm_and_relu(how, basset, tmp_path):
    """The map every load path reads equals relu(bn1(conv1(x))) computed here by hand from the modules."""
    module_file, net = basset
    path, extra = save(net, how, tmp_path)
    source = TorchConvSource(load_torch_model(path, f"{module_file}:build" if extra else None), 1)
    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(1).integers(0, 4, (5, LENGTH))]
    acts = np.concatenate([a for _, _, a in source.batches(X, 8)])  # the .pt2 program takes batches of 2
    x = torch.tensor(X.transpose(0, 2, 1), dtype=torch.float32)
    with torch.no_grad():
        bn = net.bn1
        z = net.conv1(x)
        expected = torch.clamp((z - bn.running_mean[:, None]) / torch.sqrt(bn.running_var[:, None] + bn.eps)
                               * bn.weight[:, None] + bn.bias[:, None], min=0)
    np.testing.assert_allclose(acts, expected.numpy().transpose(0, 2, 1), atol=1e-5)
    assert source.conv_name == "conv1" and source.pwm_window(None, LENGTH) == (19, -9)


def test_deeper_layers_below_pooling_are_refused_with_the_reason(basset, tmp_path, fasta, capsys):
    module_file, net = basset
    path, _ = save(net, "export", tmp_path)
    rc = main(["filters", str(path), str(fasta), "--out", str(tmp_path / "out"), "--layer", "conv2",
               "--motifs", str(JASPAR2016), "--numba-cache", NUMBA_CACHE])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1
    assert "pool1 is pooled (max_pool1d 3) before conv2" in err[0], err


def test_receptive_window_of_an_unpooled_deeper_layer(tmp_path):
    """conv(k=5, same) -> ReLU -> conv(k=3, dilation 2, valid): width 5 + 2*2 = 9, offset -2 (by hand)."""
    net = torch.nn.Sequential(torch.nn.Conv1d(4, 3, 5, padding=2), torch.nn.ReLU(),
                              torch.nn.Conv1d(3, 2, 3, dilation=2), torch.nn.ELU(), torch.nn.Flatten()).eval()
    path = tmp_path / "seq.pt2"
    torch.export.save(torch.export.export(net, (torch.zeros(1, 4, 30),)), path)
    for model_path in (path,):
        source = TorchConvSource(load_torch_model(model_path), 2)
        assert source.receptive_field(30) == (9, -2)
        assert source.map_step.what == "elu"


class Exp(torch.nn.Module):
    """A custom exponential activation, as P2-style code defines one."""

    def forward(self, x):
        return torch.exp(x)


@pytest.mark.parametrize("how", ["module", "export", "torchscript"])
def test_custom_activation_module_is_read_through(how, tmp_path):
    """conv -> BatchNorm1d -> Exp -> MaxPool: the map is exp(bn(conv(x))), before the pooling."""
    from motifrep.nn.torch_models import TorchModel

    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Conv1d(4, 3, 7, padding=3), torch.nn.BatchNorm1d(3), Exp(),
                              torch.nn.MaxPool1d(4), torch.nn.Flatten(), torch.nn.Linear(3 * 5, 1)).eval()
    path = tmp_path / "m.pt2"
    if how == "export":
        torch.export.save(torch.export.export(net, (torch.zeros(1, 4, 20),)), path)
        model = load_torch_model(path)
    elif how == "torchscript":
        torch.jit.script(net).save(str(path.with_suffix(".pt")))
        model = load_torch_model(path.with_suffix(".pt"))
    else:
        model = TorchModel(net, "module", "net", path)
    source = TorchConvSource(model, 1)
    X = np.eye(4, dtype=np.uint8)[np.random.default_rng(2).integers(0, 4, (3, 20))]
    acts = np.concatenate([a for _, _, a in source.batches(X, 8)])
    with torch.no_grad():
        expected = net[2](net[1](net[0](torch.tensor(X.transpose(0, 2, 1), dtype=torch.float32))))
    np.testing.assert_allclose(acts, expected.numpy().transpose(0, 2, 1), rtol=1e-5)


def _bad(case, basset, tmp_path):
    """``(model path, extra arguments, expected text)`` of a bad input."""
    module_file, net = basset
    if case == "neither_keras_nor_torch":
        path = tmp_path / "model.bin"
        path.write_text("not a model\n")
        return path, [], "neither a Keras model (.keras, .h5) nor a PyTorch model"
    if case == "pickled_module":
        path = tmp_path / "whole.pt"
        torch.save(net, path)
        return path, [], "a torch.save file (a state dict or a pickled module)"
    state, _ = save(net, "state_dict", tmp_path)
    if case == "factory_file_missing":
        return state, ["--torch-model", f"{tmp_path}/nowhere.py:build"], "nowhere.py not found"
    if case == "factory_does_not_import":
        broken = tmp_path / "broken.py"
        broken.write_text("import not_a_module_anywhere\n")
        return state, ["--torch-model", f"{broken}:build"], "cannot import"
    if case == "no_such_factory":
        return state, ["--torch-model", f"{module_file}:nothing"], "has no function 'nothing'"
    if case == "state_dict_does_not_fit":
        return state, ["--torch-model", f"{module_file}:build_wide"], "shape mismatch conv1.weight (16, 4, 19)"
    if case == "not_a_conv_layer":
        return state, ["--torch-model", f"{module_file}:build", "--layer", "bn1"], \
            "layer 'bn1' is a BatchNorm1d, not a Conv1d layer (its Conv1d layers: conv1, conv2, conv3)"
    if case == "wrong_length":  # the Linear layer fixes 100 nt
        return state, ["--torch-model", f"{module_file}:build"], "cannot take sequences of shape (N, 4, 120)"
    if case == "torchscript_op_before_conv":
        path = tmp_path / "scaled.pt"
        torch.jit.script(Scaled()).save(str(path))
        return path, [], "aten::mul lies between the input and conv"
    assert case == "layer_out_of_range"
    return state, ["--torch-model", f"{module_file}:build", "--layer", "4"], "has no convolutional layer 4 (it has 3"


class Scaled(torch.nn.Module):
    """Scales its input with an op (not a module) before the conv: no chain TorchScript can be cut at."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, 2, 5)

    def forward(self, x):
        return self.conv(x * 2.0)


BAD = ["neither_keras_nor_torch", "pickled_module", "factory_file_missing", "factory_does_not_import",
       "no_such_factory", "state_dict_does_not_fit", "not_a_conv_layer", "layer_out_of_range", "wrong_length",
       "torchscript_op_before_conv"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_line(case, basset, fasta, tmp_path, capsys):
    path, args, expected = _bad(case, basset, tmp_path)
    if case == "wrong_length":
        fasta = tmp_path / "long.fa"
        fasta.write_text(">a\n" + "ACGT" * 30 + "\n")
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(["filters", str(path), str(fasta), "--out", str(out), "--motifs", str(JASPAR2016),
               "--numba-cache", NUMBA_CACHE, *args])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert rc == 1 and len(err) == 1 and err[0].startswith("motifrep: error:"), err
    assert expected in err[0], err[0]
    assert not out.exists()


def test_full_disk_leaves_nothing(basset, fasta, tmp_path, capsys, monkeypatch):
    """A disk that holds the two MEME files but not the rest: one line, no partial set of outputs."""
    from pathlib import Path

    from fsfaults import enospc, small_filesystem

    path, _ = save(basset[1], "export", tmp_path)
    full = tmp_path / "full"
    out = full / "filters"
    with small_filesystem(full, 2 * os.sysconf("SC_PAGE_SIZE") // 1024) as mounted:
        if not mounted:  # where no tmpfs can be mounted: the third text file finds the disk full
            real, calls = Path.write_text, []

            def third_fails(self, *args, **kwargs):
                calls.append(self)
                return enospc() if len(calls) == 3 else real(self, *args, **kwargs)

            monkeypatch.setattr(Path, "write_text", third_fails)
        capsys.readouterr()
        rc = main(["filters", str(path), str(fasta), "--out", str(out), "--motifs", str(JASPAR2016),
                   "--numba-cache", NUMBA_CACHE])
        err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert rc == 1 and len(err) == 1, err
        assert re.search(r"^motifrep: error: .*: no space left on device", err[0]), err
        assert not out.exists()


def test_training_checkpoint_of_a_data_parallel_model_loads(basset, tmp_path):
    """``{"state_dict": ..., "epoch": ...}`` with DataParallel's ``module.`` prefix: the same weights."""
    module_file, net = basset
    path = tmp_path / "checkpoint.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in net.state_dict().items()}, "epoch": 7}, path)
    loaded = load_torch_model(path, f"{module_file}:build").module
    assert torch.equal(loaded.conv1.weight, net.conv1.weight) and torch.equal(loaded.bn3.bias, net.bn3.bias)

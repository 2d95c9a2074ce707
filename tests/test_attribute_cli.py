"""``motifrep attribute`` on tiny linear models whose maps and scores are known by hand.

A linear model ``f(x) = sum_{l,c} w[l, c] x[l, c]`` (one conv spanning the whole sequence) has
saliency ``w``, SmoothGrad ``w``, integrated gradients (mean gradient x input) ``w * x`` and ISM
``w[l, b] - w[l, observed base]`` exactly, whatever the references or the noise. The models have
two outputs, so ``--target`` must pick the right one; the interpretability AUROC / AUPR of their
position scores against a BED of sites are worked out by hand below.
"""

from __future__ import annotations

import os
import re
import sys

import h5py
import numpy as np
import pandas as pd
import pytest
import torch

from motifrep.cli import main

L = 10
SEQS = ["ACGTTGCAAC", "TTGACCAGTA", "GATCGATCCA"]
BED = "s0\t7\t10\ns1\t0\t3\ns2\t0\t1\ns2\t9\t10\n"
#: head 0: w0[l, c] = (c + 1)(l + 1) / 100; head 1: w1[l, c] = (L - 1 - l) / 10, the same for every base
W0 = np.array([[(c + 1) * (p + 1) / 100 for c in range(4)] for p in range(L)], np.float32)
W1 = np.array([[(L - 1 - p) / 10] * 4 for p in range(L)], np.float32)

TWO_HEADS = '''
from torch import nn


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv1d(4, 1, 10), nn.Conv1d(4, 1, 10)

    def forward(self, x):
        return self.a(x).flatten(1), self.b(x).flatten(1)


def build():
    return TwoHeads()
'''


def onehot(seqs) -> np.ndarray:
    """(N, L, 4) float32 one-hot of A/C/G/T strings."""
    return np.eye(4, dtype=np.float32)[[["ACGT".index(b) for b in s] for s in seqs]]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """FASTA, BED, the factory module and the torch model saved as a state dict and as a .pt2 program."""
    folder = tmp_path_factory.mktemp("attribute")
    (folder / "seqs.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(SEQS)))
    (folder / "sites.bed").write_text(BED)
    (folder / "two_heads.py").write_text(TWO_HEADS)
    sys.path.insert(0, str(folder))
    try:
        import two_heads
    finally:
        sys.path.remove(str(folder))
    net = two_heads.build().eval()
    with torch.no_grad():
        net.a.weight.copy_(torch.from_numpy(W0.T[None]))
        net.b.weight.copy_(torch.from_numpy(W1.T[None]))
        net.a.bias.fill_(0.5)
        net.b.bias.zero_()
    torch.save(net.state_dict(), folder / "state.pt")
    torch.export.save(torch.export.export(net, (torch.zeros(1, 4, L),)), folder / "net.pt2")
    return folder


@pytest.fixture(scope="module")
def keras_model(files):
    """The same two heads as a channels-first Keras functional model, saved as .keras."""
    import keras
    from keras import layers

    inp = keras.Input((4, L))
    x = layers.Permute((2, 1))(inp)
    heads = [layers.Conv1D(1, L, name=name) for name in ("a", "b")]
    model = keras.Model(inp, [layers.Flatten()(h(x)) for h in heads])
    for head, w in zip(heads, (W0, W1)):
        head.set_weights([w[:, :, None], np.zeros(1, np.float32)])
    path = files / "model.keras"
    model.save(path)
    return path


def run(capsys, *args) -> tuple[int, list[str], str]:
    """``motifrep attribute ...``: (exit status, stderr lines, stdout)."""
    capsys.readouterr()
    rc = main(["attribute", *map(str, args)])
    captured = capsys.readouterr()
    return rc, [line for line in captured.err.splitlines() if line.strip()], captured.out


def maps(out, method):
    """scores, position_scores, rows of a written maps file."""
    with h5py.File(out / f"{method}.h5") as f:
        return f["scores"][()].astype(np.float32), f["position_scores"][()], f["rows"][()]


X = onehot(SEQS)
EXPECTED = {  # (target, method) -> the (N, L, 4) map, by hand
    (1, "saliency"): np.broadcast_to(W1, X.shape),
    (1, "smoothgrad"): np.broadcast_to(W1, X.shape),
    (0, "integrated_gradients"): W0 * X,
    (0, "ism"): W0[None] - (W0[None] * X).sum(-1, keepdims=True),
}


CASES = [("state_dict", 1, "saliency"), ("pt2", 1, "saliency"), ("keras", 1, "saliency"),
         ("state_dict", 1, "smoothgrad"), ("state_dict", 0, "integrated_gradients"), ("state_dict", 0, "ism"),
         ("keras", 0, "ism")]


@pytest.mark.parametrize("model, target, method", CASES)
def test_maps_of_a_linear_model(model, target, method, files, keras_model, tmp_path, capsys):
    path, extra = {"state_dict": (files / "state.pt", ["--torch-model", f"{files / 'two_heads.py'}:build"]),
                   "pt2": (files / "net.pt2", []), "keras": (keras_model, [])}[model]
    out = tmp_path / "out"
    rc, err, _ = run(capsys, path, files / "seqs.fa", "--method", method, "--target", target, "--out", out,
                     "--logos", 2, *extra)
    assert rc == 0, err
    scores, pos, rows = maps(out, method)
    expected = EXPECTED[(target, method)]
    np.testing.assert_allclose(scores, expected, atol=2e-3)  # stored as float16
    by_hand = np.sqrt((expected ** 2).sum(-1)) if method == "ism" else (expected * X).sum(-1)
    np.testing.assert_allclose(pos, by_hand, atol=1e-5)
    assert rows.tolist() == [0, 1, 2]
    assert {p.name for p in out.iterdir()} == {f"{method}.h5", "logos.pdf"}


def test_interpretability_against_a_bed_of_sites(files, tmp_path, capsys):
    """Target 1's position score at l is (L - 1 - l) / 10, falling along the sequence. By hand:
    s0, sites 7-9 (the 3 lowest of 10 scores): AUROC 0, AUPR (1/8 + 2/9 + 3/10) / 3;
    s1, sites 0-2 (the 3 highest): AUROC 1, AUPR 1;
    s2, sites 0 and 9 (highest and lowest): AUROC 8/16, AUPR (1 + 2/10) / 2."""
    out = tmp_path / "out"
    rc, err, stdout = run(capsys, files / "net.pt2", files / "seqs.fa", "--method", "saliency", "--target", 1,
                          "--truth", files / "sites.bed", "--out", out)
    assert rc == 0, err
    per_seq = pd.read_csv(out / "interpretability.tsv", sep="\t")
    auroc, aupr = [0.0, 1.0, 0.5], [(1 / 8 + 2 / 9 + 3 / 10) / 3, 1.0, 0.6]
    assert per_seq["name"].tolist() == ["s0", "s1", "s2"]
    np.testing.assert_allclose(per_seq["auroc"], auroc, atol=1e-6)
    np.testing.assert_allclose(per_seq["aupr"], aupr, atol=1e-6)
    summary = pd.read_csv(out / "interpretability_summary.tsv", sep="\t").iloc[0]
    assert summary["n_used"] == 3
    assert summary["auroc_mean"] == pytest.approx(0.5, abs=1e-6)
    assert summary["aupr_mean"] == pytest.approx(np.mean(aupr), abs=1e-6)
    assert "AUROC 0.500" in stdout


def test_truth_as_an_hdf5_mask(files, tmp_path, capsys):
    """The same sites as an (N, L) 'mask': the same AUROCs."""
    mask = np.zeros((3, L), np.uint8)
    mask[0, 7:], mask[1, :3], mask[2, [0, 9]] = 1, 1, 1
    truth = tmp_path / "mask.h5"
    with h5py.File(truth, "w") as f:
        f["mask"] = mask
    out = tmp_path / "out"
    rc, err, _ = run(capsys, files / "state.pt", files / "seqs.fa", "--torch-model",
                     f"{files / 'two_heads.py'}:build", "--method", "saliency", "--target", 1, "--truth", truth,
                     "--out", out)
    assert rc == 0, err
    np.testing.assert_allclose(pd.read_csv(out / "interpretability.tsv", sep="\t")["auroc"], [0, 1, 0.5], atol=1e-6)


def test_deepshap_of_a_torch_module(files, tmp_path, capsys):
    """Poly-A: every shuffled reference is the sequence itself, so every DeepSHAP value is 0; the other
    sequences pass the command's own summation-to-delta check."""
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">polyA\n" + "A" * L + "\n" + "".join(f">s{i}\n{s}\n" for i, s in enumerate(SEQS)))
    out = tmp_path / "out"
    rc, err, _ = run(capsys, files / "state.pt", fasta, "--torch-model", f"{files / 'two_heads.py'}:build",
                     "--method", "deepshap", "--out", out, "--logos", 0)
    assert rc == 0, err
    scores, _, _ = maps(out, "deepshap")
    assert np.all(scores[0] == 0) and np.any(scores[1:] != 0)


@pytest.mark.parametrize("case", ["deepshap_pt2", "target_out_of_range", "neither_model", "bad_bed"])
def test_bad_input_is_one_line(case, files, tmp_path, capsys):
    args = {"deepshap_pt2": [files / "net.pt2", files / "seqs.fa", "--method", "deepshap"],
            "target_out_of_range": [files / "net.pt2", files / "seqs.fa", "--method", "saliency", "--target", 2],
            "neither_model": [files / "seqs.fa", files / "seqs.fa", "--method", "saliency"],
            "bad_bed": [files / "net.pt2", files / "seqs.fa", "--method", "saliency", "--truth",
                        files / "two_heads.py"]}
    expected = {"deepshap_pt2": "deepshap needs the model's torch.nn.Module code",
                "target_out_of_range": "task 2 out of range (the model has 2 output(s))",
                "neither_model": "neither a Keras model (.keras, .h5) nor a PyTorch model",
                "bad_bed": "expected a BED line"}
    out = tmp_path / "out"
    rc, err, _ = run(capsys, *args[case], "--out", out)
    assert rc == 1 and len(err) == 1 and err[0].startswith("motifrep: error:"), err
    assert expected[case] in err[0], err[0]
    assert not out.exists()


def test_full_disk_leaves_nothing(files, tmp_path, capsys, monkeypatch):
    """The maps file fits, the logo figure does not: one line, and the maps file is removed again."""
    from fsfaults import enospc, small_filesystem

    full = tmp_path / "full"
    out = full / "attr"
    with small_filesystem(full, 4 * os.sysconf("SC_PAGE_SIZE") // 1024) as mounted:
        if not mounted:  # where no tmpfs can be mounted: the first table finds the disk full
            monkeypatch.setattr(pd.DataFrame, "to_csv", enospc)
        rc, err, _ = run(capsys, files / "net.pt2", files / "seqs.fa", "--method", "saliency", "--truth",
                         files / "sites.bed", "--out", out)
        assert rc == 1 and len(err) == 1, err
        assert re.search(r"^motifrep: error: .*: no space left on device", err[0]), err
        assert not out.exists()


def test_a_data_set_as_sequences_and_ground_truth(small_data, files, tmp_path, capsys):
    """SEQUENCES and --truth one motifrep data set: its test split is explained, ``rows`` are its row
    numbers, and each sequence's AUROC / AUPR equal scikit-learn's on the position scores against the
    data set's own mask rows (read here with h5py)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    (tmp_path / "linear100.py").write_text("from torch import nn\n\n\ndef build():\n"
                                           "    return nn.Sequential(nn.Conv1d(4, 1, 100), nn.Flatten())\n")
    torch.manual_seed(4)
    state = tmp_path / "linear100.pt"
    torch.save(torch.nn.Sequential(torch.nn.Conv1d(4, 1, 100), torch.nn.Flatten()).state_dict(), state)
    out = tmp_path / "out"
    rc, err, _ = run(capsys, state, small_data, "--torch-model", f"{tmp_path / 'linear100.py'}:build", "--method",
                     "saliency", "--truth", small_data, "--max-sequences", 20, "--out", out)
    assert rc == 0, err
    _, pos, rows = maps(out, "saliency")
    with h5py.File(small_data) as f:
        test_rows = np.sort(f["splits/test"][()])[:20]
        mask = f["mask"][()][test_rows].astype(bool)
    assert rows.tolist() == test_rows.tolist()
    per_seq = pd.read_csv(out / "interpretability.tsv", sep="\t")
    both = mask.any(1) & ~mask.all(1)
    assert both.sum() >= 10
    np.testing.assert_allclose(per_seq["auroc"][both], [roc_auc_score(m, p) for m, p in zip(mask[both], pos[both])],
                               atol=1e-6)
    np.testing.assert_allclose(per_seq["aupr"][both],
                               [average_precision_score(m, p) for m, p in zip(mask[both], pos[both])], atol=1e-6)


RELU_UNIT = """
from torch import nn


class ReluUnit(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.act = nn.Conv1d(4, 1, 3), nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x)).flatten(1)


def build():
    return ReluUnit()
"""


def test_torch_deepshap_stacks_sequences_each_with_its_own_reference(tmp_path, monkeypatch):
    """f = relu(w.x - 1.5), the rescale multiplier (relu(z(x)) - relu(z(r))) / (z(x) - z(r)) by hand:
    AGC vs CAT: z = 2.5 vs -1.5 -> 5/8; AAA vs CGA: 0.5 vs -0.5 -> 1/2; CGA vs AGC: -0.5 vs 2.5 -> 5/6.
    Stacks of 2 sequences (the last padded) must give each its own multiplier and reference."""
    from motifrep.interpret import attribution
    from motifrep.interpret.user_models import load_attribution_model, torch_deepshap

    monkeypatch.setattr(attribution, "DEEPSHAP_ROWS", 4)  # 2 x (1 reference) x 2 rows per stack
    (tmp_path / "relu_unit.py").write_text(RELU_UNIT)
    w = np.array([[2, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]], np.float32)  # (L=3, 4)
    state = {"conv.weight": torch.from_numpy(w.T[None].copy()), "conv.bias": torch.tensor([-1.5])}
    torch.save(state, tmp_path / "state.pt")
    model, framework = load_attribution_model(tmp_path / "state.pt", 3, torch_model=f"{tmp_path / 'relu_unit.py'}:build")
    x, ref = onehot(["AGC", "AAA", "CGA"]), onehot(["CAT", "CGA", "AGC"])[:, None]
    attr = torch_deepshap(model, x, refs=ref)
    assert framework == "PyTorch"
    for n, m in enumerate([5 / 8, 1 / 2, 5 / 6]):
        np.testing.assert_allclose(attr[n], (x[n] - ref[n, 0]) * w * m, atol=1e-6)


def test_deepshap_of_a_keras_model(tmp_path, capsys):
    """Channels-first, two outputs, Conv1D(relu) -> MaxPool -> Dense (TensorFlow backend): poly-A's map is 0
    (its shuffles are itself); the other sequences pass the command's summation-to-delta check."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inp = keras.Input((4, L))
    x = layers.Flatten()(layers.MaxPooling1D(2)(layers.Conv1D(3, 5, activation="relu", padding="same")(
        layers.Permute((2, 1))(inp))))
    path = tmp_path / "two.keras"
    keras.Model(inp, [layers.Dense(1)(x), layers.Dense(2, activation="sigmoid")(x)]).save(path)
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">polyA\n" + "A" * L + "\n" + "".join(f">s{i}\n{s}\n" for i, s in enumerate(SEQS)))
    out = tmp_path / "out"
    rc, err, _ = run(capsys, path, fasta, "--method", "deepshap", "--target", 2, "--out", out, "--logos", 0)
    assert rc == 0, err
    scores, _, _ = maps(out, "deepshap")
    assert np.all(scores[0] == 0) and np.any(scores[1:] != 0)

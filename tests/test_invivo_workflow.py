"""End-to-end in vivo: both routes through Snakemake on data the test writes (no internet).

ENCODE route: a tiny genome (.fa.gz) and narrowPeak files reached through file:// URLs with
pinned checksums, binned into 200 nt bins widened to 1,000 nt; labels compared with labels
worked out by hand below. Then CNN-2 and CNN-25 are trained on it, and Table 2 and Fig 4 made.
DeepSEA route: a tiny bundle (train.mat HDF5 transposed, valid/test.mat MATLAB v5, A,G,C,T).
"""

import gzip
import hashlib
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.io
from conftest import NUMBA_CACHE_CONFIG, REPO, TEST_CONFIGS

from motifrep.datasets.store import Dataset

pytestmark = pytest.mark.slow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
CHROM_LEN = 6000
# Peaks per experiment: (chrom, start, end). Bins are [200 k, 200 k + 200); a bin is positive when
# more than 100 nt of it lie in one peak; the kept window is [bin - 400, bin + 600) inside the chromosome.
PEAKS = {
    "expA": [("chr1", 1000, 1101),  # 101 nt of bin 1000 -> positive
             ("chr1", 2000, 2100),  # exactly half of bin 2000 -> negative
             ("chr1", 2950, 3250),  # bin 2800: 50 nt; bin 3000: 200 -> positive; bin 3200: 50
             ("chr1", 5500, 5800),  # bin 5600: 200 nt, but its window ends at 6200 > 6000 -> dropped
             ("chr7", 1400, 1800),  # bins 1400, 1600 -> positive (valid)
             ("chr8", 1000, 1200), ("chr8", 2000, 2200), ("chr8", 3000, 3200)],  # test
    "expB": [("chr1", 1000, 1200),  # bin 1000 positive for both
             ("chr1", 4000, 4200),  # bin 4000: window [3600, 4600) holds the N run -> dropped
             ("chr7", 2600, 2750),  # bin 2600: 150 nt -> positive
             ("chr8", 2000, 2200), ("chr8", 4000, 4120)],  # bin 4000: 120 nt -> positive
}
N_RUN = ("chr1", 4300, 4320)
# Expected kept bins by hand: (chrom, bin start) -> (expA, expB), per split.
EXPECTED = {
    "train": {("chr1", 1000): (1, 1), ("chr1", 3000): (1, 0)},
    "valid": {("chr7", 1400): (1, 0), ("chr7", 1600): (1, 0), ("chr7", 2600): (0, 1)},
    "test": {("chr8", 1000): (1, 0), ("chr8", 2000): (1, 1), ("chr8", 3000): (1, 0), ("chr8", 4000): (0, 1)},
}
BASES = np.array(list("ACGT"))


def genome(seed=5):
    rng = np.random.default_rng(seed)
    chroms = {c: "".join(rng.choice(BASES, CHROM_LEN)) for c in ("chr1", "chr7", "chr8")}
    c, s, e = N_RUN
    chroms[c] = chroms[c][:s] + "N" * (e - s) + chroms[c][e:]
    return chroms


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_inputs(root):
    chroms = genome()
    fa = root / "tiny.fa.gz"
    with gzip.open(fa, "wt") as out:
        for name, seq in chroms.items():
            out.write(f">{name}\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
    rows = []
    for tf, exp in (("CEBPB", "expA"), ("MAX", "expB")):
        path = root / f"{exp}.narrowPeak.gz"
        with gzip.open(path, "wt") as out:
            for i, (c, s, e) in enumerate(PEAKS[exp]):
                out.write(f"{c}\t{s}\t{e}\tpeak{i}\t1000\t.\t50.0\t-1\t-1\t{(e - s) // 2}\n")
        ids = {"CEBPB": "MA0466.1,MA0466.2", "MAX": "MA0058.1,MA0058.2,MA0058.3"}[tf]
        rows.append(f"{tf}\t{ids.split(',')[-1]}\t{ids}\t{exp}\tfile://{path}\t{sha256(path)}\t{len(rows)}")
    (root / "experiments.tsv").write_text("tf\tjaspar_id\taccepted_ids\texperiment\turl\tsha256\tdeepsea_column\n"
                                          + "\n".join(rows) + "\n")
    return chroms, fa


def inputs_text(root, fa):
    """The part of the config the inputs decide (where they are, their checksums), layered over
    .test/invivo.yaml (the rest of the tiny in vivo config)."""
    return f"""\
datasets:
  tiny_k562:
    experiments: {root / 'experiments.tsv'}
    genome: {{url: "file://{fa}", sha256: \"{sha256(fa)}\"}}
"""


def snakemake(workdir, *args, config=TEST_CONFIGS / "invivo.yaml"):
    """``config`` over the default config, and workdir/inputs.yaml (the inputs' part) over it."""
    cmd = [SNAKEMAKE, *args, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2",
           "--config", NUMBA_CACHE_CONFIG,
           "--configfile", str(REPO / "config" / "config.yaml"), str(config), str(workdir / "inputs.yaml")]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def encode_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("invivo")
    chroms, fa = write_inputs(root)
    (root / "inputs.yaml").write_text(inputs_text(root, fa))
    result = snakemake(root)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, chroms


def one_hot(seq):
    return (np.array(list(seq))[:, None] == BASES[None, :]).astype(np.uint8)


def test_encode_labels_and_sequences_by_hand(encode_run):
    root, chroms = encode_run
    with Dataset(root / "results/tiny_k562/data.h5") as ds:
        assert ds.task_names == ["CEBPB", "MAX"] and ds.length == 1000
        for split, expected in EXPECTED.items():
            X, Y = ds.load(split)
            assert len(X) == len(expected), split
            windows = {(c, b): one_hot(chroms[c][b - 400:b + 600]) for c, b in expected}
            for x, y in zip(X, Y):
                match = [k for k, w in windows.items() if np.array_equal(w, x)]
                assert len(match) == 1, f"{split}: a sequence matches no expected window"
                assert tuple(y.astype(int)) == expected[match[0]]
    assert (root / "results/downloads/genomes/tiny.fa.gz").is_file()
    assert "sha256" in (root / "logs/downloads/genomes/tiny.fa.gz.log").read_text()


def test_encode_table2_and_fig4(encode_run):
    root, _ = encode_run
    exp = root / "results/experiments/invivo"
    table = pd.read_csv(exp / "table2.tsv", sep="\t")
    assert list(table.model) == ["CNN-2", "CNN-25"]
    assert table.loc[0, "auroc_published"] == "0.906 (task sd 0.050)"
    assert float(table.loc[1, "match_ground_truth_published"]) == 0.767  # 23 of the authors' 30 filters
    md = (exp / "table2.md").read_text()
    assert md.startswith("# Table 2") and "match relevant TF" in md
    assert (root / "results/figures/fig4.png").read_bytes()[:4] == b"\x89PNG"
    card = (root / "results/scorecard.md").read_text()
    assert "Table 2 CNN-2 layer 1 AUROC" in card


BUNDLE_ORDER = np.array(list("AGCT"))  # the bundle's base order (methods §1.8)
COLUMNS = (592, 602)


def bundle_split(rng, n, length=1000):
    """n random sequences (strings), their (n, 4, L) one-hot in A,G,C,T order and (n, 919) labels,
    with row 0 positive for neither of COLUMNS (dropped) and positives elsewhere in the matrix."""
    seqs = ["".join(rng.choice(BASES, length)) for _ in range(n)]
    x = np.stack([(np.array(list(s))[None, :] == BUNDLE_ORDER[:, None]).astype(np.uint8) for s in seqs])
    y = np.zeros((n, 919), np.uint8)
    y[:, 7] = 1
    y[1:, COLUMNS[0]] = 1
    y[2::2, COLUMNS[1]] = 1
    return seqs, x, y


def write_bundle(root):
    rng = np.random.default_rng(9)
    data = {split: bundle_split(rng, n) for split, n in (("train", 7), ("valid", 4), ("test", 5))}
    folder = root / "deepsea_train"
    folder.mkdir()
    _, x, y = data["train"]
    with h5py.File(folder / "train.mat", "w") as f:  # MATLAB v7.3 = HDF5, seen transposed
        f["trainxdata"] = x.transpose(2, 1, 0)  # (1000, 4, N)
        f["traindata"] = y.T  # (919, N)
    for split in ("valid", "test"):
        _, x, y = data[split]
        scipy.io.savemat(folder / f"{split}.mat", {f"{split}xdata": x, f"{split}data": y})
    tar = root / "deepsea_train_bundle.v0.9.tar.gz"
    with tarfile.open(tar, "w:gz") as t:
        t.add(folder, arcname="deepsea_train")
    return data, tar


def test_deepsea_route_bases_and_labels(tmp_path):
    data, tar = write_bundle(tmp_path)
    (tmp_path / "experiments.tsv").write_text(
        "tf\tjaspar_id\taccepted_ids\texperiment\turl\tsha256\tdeepsea_column\n"
        f"Arid3\tMA0151.1\tMA0151.1\tarid3\t\t\t{COLUMNS[0]}\nCEBPB\tMA0466.2\tMA0466.2\tcebpb\t\t\t{COLUMNS[1]}\n")
    (tmp_path / "inputs.yaml").write_text(f"""\
datasets:
  tiny_deepsea:
    experiments: {tmp_path / 'experiments.tsv'}
    bundle: {{url: "file://{tar}", sha256: \"{sha256(tar)}\"}}
""")
    result = snakemake(tmp_path, "results/tiny_deepsea/data.h5", config=TEST_CONFIGS / "deepsea.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    with Dataset(tmp_path / "results/tiny_deepsea/data.h5") as ds:
        assert ds.task_names == ["Arid3", "CEBPB"]
        for split, (seqs, _, y) in data.items():
            X, Y = ds.load(split)
            assert len(X) == len(seqs) - 1  # row 0 is negative for both columns: dropped
            decoded = ["".join(BASES[x.argmax(axis=1)]) for x in X]
            assert decoded == seqs[1:], split
            np.testing.assert_array_equal(Y, y[1:, list(COLUMNS)])


def test_bad_in_vivo_inputs_one_line_nothing_kept(tmp_path):
    chroms, fa = write_inputs(tmp_path)
    text = inputs_text(tmp_path, fa)
    # neither url nor path for the genome: refused at parse time, also by a dry run
    (tmp_path / "inputs.yaml").write_text(text.replace(f'url: "file://{fa}", sha256: "{sha256(fa)}"', "url: null"))
    result = snakemake(tmp_path, "-n")
    assert result.returncode == 1
    assert "motifrep: error: config datasets.tiny_k562.genome: give either url (to download) or path" in result.stderr
    assert "Traceback" not in result.stderr
    # a peak file whose checksum is wrong: the download fails, nothing is kept under its name
    table = (tmp_path / "experiments.tsv").read_text()
    (tmp_path / "experiments.tsv").write_text(table.replace(sha256(tmp_path / "expB.narrowPeak.gz"), "0" * 64))
    (tmp_path / "inputs.yaml").write_text(text)
    result = snakemake(tmp_path, "results/tiny_k562/data.h5")
    assert result.returncode != 0
    log = (tmp_path / "logs/downloads/peaks/tiny_k562/expB.narrowPeak.gz.log").read_text()
    assert "checksum mismatch" in log or "sha256" in log
    assert not (tmp_path / "results/downloads/peaks/tiny_k562/expB.narrowPeak.gz").exists()
    assert not (tmp_path / "results/tiny_k562/data.h5").exists()
    # a peak on a chromosome the genome lacks: the build names file and line, no data set is left
    pinned = sha256(tmp_path / "expB.narrowPeak.gz")
    with gzip.open(tmp_path / "expB.narrowPeak.gz", "at") as out:
        out.write("chr5\t100\t300\tbad\t1000\t.\t50.0\t-1\t-1\t100\n")
    (tmp_path / "experiments.tsv").write_text(table.replace(pinned, ""))  # unpinned: the download is kept
    result = snakemake(tmp_path, "results/tiny_k562/data.h5")
    assert result.returncode != 0
    log = (tmp_path / "logs/datasets/tiny_k562.log").read_text()
    assert re.search(r"expB\.narrowPeak\.gz:6: chromosome .chr5. is not in the genome", log), log[-2000:]
    assert "Traceback" not in log
    assert not (tmp_path / "results/tiny_k562/data.h5").exists()


if __name__ == "__main__":  # the inputs of .test/invivo.yaml for a run by hand (see its first lines)
    folder = Path(sys.argv[1]).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    _, fa = write_inputs(folder)
    (folder / "inputs.yaml").write_text(inputs_text(folder, fa))
    print(f"wrote the inputs and {folder / 'inputs.yaml'}")

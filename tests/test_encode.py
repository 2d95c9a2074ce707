"""The ENCODE in vivo set builder (motifrep.datasets.encode) on a tiny genome, against labels derived by hand."""

import json
import runpy
import shutil
from pathlib import Path
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

from motifrep.datasets.encode import bin_labels, build_encode_set, read_experiment_table
from motifrep.datasets.genome import chrom_sizes
from motifrep.datasets.peaks import read_narrowpeak
from motifrep.datasets.store import Dataset
from motifrep.errors import ConfigError, FormatError, MotifrepError

REPO = Path(__file__).resolve().parents[1]
SIZES = {"chr1": 6000, "chr2": 2500, "chr7": 3000, "chr8": 3000, "chr9": 1500, "chrUn": 900}  # chr9: no peaks

# Peaks (0-based, end-exclusive) and, in the comments, what they do to the 200 nt bins.
PEAKS = {
    "A": [("chr1", 1000, 1101),  # 101 nt of bin 1000: positive
          ("chr1", 2050, 2350),  # 150 nt of bins 2000 and 2200: both positive
          ("chr1", 2400, 2600),  # bin 2400, window [2000, 3000) ends where the N run starts: kept
          ("chr1", 3600, 3800),  # window [3200, 4200): kept
          ("chr1", 5600, 5800),  # window [5200, 6200) runs past the end of chr1: dropped
          ("chr2", 1000, 1200),  # window [600, 1600) is partly soft-masked (lower case)
          ("chr7", 1400, 1600),  # valid
          ("chr8", 1210, 1390),  # test, 180 nt
          ("chrUn", 400, 600)],  # chrUn is shorter than a window: dropped
    "B": [("chr1", 0, 200),  # window [-400, 600): dropped
          ("chr1", 1400, 1500),  # exactly half of bin 1400: negative
          ("chr1", 2400, 2480), ("chr1", 2500, 2580),  # 80 + 80 nt of bin 2400: the sum does not count
          ("chr1", 3200, 3400),  # window [2800, 3800) holds the N run [3000, 3100): dropped
          ("chr1", 5400, 5600),  # window [5000, 6000) ends at the chromosome end: kept
          ("chr8", 1200, 1400)],
}
# Positive bins by hand: (chrom, bin start) -> labels (A, B)
POSITIVE = {("chr1", 0): (0, 1), ("chr1", 1000): (1, 0), ("chr1", 2000): (1, 0), ("chr1", 2200): (1, 0),
            ("chr1", 2400): (1, 0), ("chr1", 3200): (0, 1), ("chr1", 3600): (1, 0), ("chr1", 5400): (0, 1),
            ("chr1", 5600): (1, 0), ("chr2", 1000): (1, 0), ("chr7", 1400): (1, 0), ("chr8", 1200): (1, 1),
            ("chrUn", 400): (1, 0)}
# Kept after widening to 1,000 nt, in genome order, per split
TRAIN = [("chr1", 1000), ("chr1", 2000), ("chr1", 2200), ("chr1", 2400), ("chr1", 3600), ("chr1", 5400),
         ("chr2", 1000)]
VALID = [("chr7", 1400)]
TEST = [("chr8", 1200)]


def _random_seq(rng, n):
    return "".join(rng.choice(list("ACGT"), size=n))


@pytest.fixture(scope="module")
def genome(tmp_path_factory):
    folder = tmp_path_factory.mktemp("genome")
    rng = np.random.default_rng(7)
    seqs = {name: _random_seq(rng, size) for name, size in SIZES.items()}
    seqs["chr1"] = seqs["chr1"][:3000] + "N" * 100 + seqs["chr1"][3100:]
    seqs["chr2"] = seqs["chr2"][:500] + seqs["chr2"][500:1500].lower() + seqs["chr2"][1500:]
    path = folder / "genome.fa"
    with open(path, "w") as handle:
        handle.writelines(f">{name}\n" + "".join(seq[i : i + 70] + "\n" for i in range(0, len(seq), 70))
                          for name, seq in seqs.items())
    peaks = {}
    for name, rows in PEAKS.items():
        peaks[name] = folder / f"{name}.narrowPeak"
        peaks[name].write_text("track type=narrowPeak\n" + "".join(
            f"{c}\t{s}\t{e}\tpeak{i}\t0\t.\t5.0\t-1\t3.0\t{(e - s) // 2}\n" for i, (c, s, e) in enumerate(rows)))
    return SimpleNamespace(path=path, seqs=seqs, peaks=peaks)


def _one_hot_by_hand(seq):
    return np.array([[int(c == b) for b in "ACGT"] for c in seq.upper()], dtype=np.uint8)


def _reverse_complement(seq):
    return seq.upper()[::-1].translate(str.maketrans("ACGT", "TGCA"))


def _build(genome, out, **settings):
    return build_encode_set(out, genome.path, dict(genome.peaks), ["A", "B"], **settings)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_bin_labels_match_hand_derived_labels(genome):
    sizes = chrom_sizes(genome.path)
    assert sizes == SIZES
    peaks = {n: read_narrowpeak(p, sizes) for n, p in genome.peaks.items()}
    bins, Y = bin_labels(sizes, peaks)
    got = {(c, int(s)): tuple(int(v) for v in y) for c, s, y in zip(bins["chrom"], bins["start"], Y)}
    assert got == POSITIVE
    assert list(got) == sorted(POSITIVE, key=lambda k: (list(SIZES).index(k[0]), k[1]))  # genome order
    bins, Y = bin_labels(sizes, peaks, min_fraction=0.4)  # now > 80 nt: half-covered bins turn positive
    got = {(c, int(s)): tuple(int(v) for v in y) for c, s, y in zip(bins["chrom"], bins["start"], Y)}
    assert got[("chr1", 1400)] == (0, 1) and got[("chr1", 2400)] == (1, 0)  # 80 nt is not > 80
    bins, Y = bin_labels(sizes, peaks, chroms=["chr8", "chr2"])
    assert list(zip(bins["chrom"], bins["start"])) == [("chr2", 1000), ("chr8", 1200)]


def test_build_writes_hand_checked_sequences_labels_and_splits(genome, tmp_path):
    out = tmp_path / "out" / "encode.h5"
    stats = _build(genome, out)
    assert _leftovers(out.parent) == ["encode.h5"]  # no temporary or bedtools files left
    assert stats["rows"] == {"train": 7, "valid": 1, "test": 1}
    assert stats["dropped"] == {"chromosome end": 3, "N": 1}
    with Dataset(out) as ds:
        assert ds.task_names == ["A", "B"] and ds.length == 1000
        X, Y = ds.file["X"][()], ds.file["Y"][()]
        rows = {s: ds.indices(s).tolist() for s in ("train", "valid", "test")}
        attrs = dict(ds.file.attrs)
    assert rows == {"train": list(range(7)), "valid": [7], "test": [8]}
    for row, (chrom, start) in enumerate(TRAIN + VALID + TEST):
        window = genome.seqs[chrom][start - 400 : start + 600]
        np.testing.assert_array_equal(X[row], _one_hot_by_hand(window), err_msg=f"{chrom}:{start}")
        assert tuple(Y[row]) == POSITIVE[(chrom, start)]
    assert X.dtype == np.uint8 and Y.dtype == np.uint8
    settings, source = json.loads(attrs["settings"]), json.loads(attrs["source"])
    assert settings["bin_size"] == 200 and settings["length"] == 1000 and settings["min_fraction"] == 0.5
    assert settings["test_chroms"] == ["chr8", "chr9"] and settings["valid_chroms"] == ["chr7"]
    assert source["genome"] == str(genome.path) and source["peak_files"]["B"] == str(genome.peaks["B"])
    assert json.loads(attrs["experiments"]) == ["A", "B"]


def test_two_builds_are_byte_identical(genome, tmp_path):
    _build(genome, tmp_path / "a.h5")
    _build(genome, tmp_path / "b.h5")
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()


def test_reverse_complement_doubles_train_only(genome, tmp_path):
    stats = _build(genome, tmp_path / "rc.h5", reverse_complement=True)
    assert stats["rows"] == {"train": 14, "valid": 1, "test": 1}
    with h5py.File(tmp_path / "rc.h5") as f:
        X, Y = f["X"][()], f["Y"][()]
        train, valid, test = (f[f"splits/{s}"][()] for s in ("train", "valid", "test"))
    expected = {}
    for chrom, start in TRAIN:
        window = genome.seqs[chrom][start - 400 : start + 600]
        for seq in (window.upper(), _reverse_complement(window)):
            expected[seq] = POSITIVE[(chrom, start)]
    decode = np.array(list("ACGT"))
    got = {"".join(decode[X[i].argmax(axis=1)]): tuple(Y[i]) for i in train}
    assert got == expected
    for rows, (chrom, start) in ((valid, VALID[0]), (test, TEST[0])):
        assert len(rows) == 1
        np.testing.assert_array_equal(X[rows[0]], _one_hot_by_hand(genome.seqs[chrom][start - 400 : start + 600]))


def test_split_and_chromosome_settings(genome, tmp_path):
    stats = _build(genome, tmp_path / "s.h5", valid_chroms=["chr2"], test_chroms=["chr7", "chr8"],
                   chroms=["chr8", "chr7", "chr2", "chr1"])
    assert stats["rows"] == {"train": 6, "valid": 1, "test": 2}
    with h5py.File(tmp_path / "s.h5") as f:
        Y = f["Y"][()]
        assert f["splits/valid"][()].tolist() == [6] and f["splits/test"][()].tolist() == [7, 8]
    assert tuple(Y[6]) == POSITIVE[("chr2", 1000)] and tuple(Y[8]) == POSITIVE[("chr8", 1200)]
    assert stats["positives"]["test"] == [2, 1]


@pytest.mark.parametrize("settings, error, message", [
    ({"test_chroms": ["chr9"]}, MotifrepError, "no positive bin in the test split (test_chroms: chr9)"),
    ({"valid_chroms": ["chrUn"]}, MotifrepError, ("no sequence (windows past a chromosome end or with N are "
                                                  "dropped) in the valid split (valid_chroms: chrUn)")),
    ({"chroms": ["chr1", "chr7"]}, MotifrepError, "no positive bin in the test split (test_chroms: chr8, chr9)"),
    ({"chroms": ["chr7", "chr8"]}, MotifrepError, "no positive bin in the train split (chromosomes: none)"),
    ({"chroms": ["chr1", "chrX"]}, ConfigError, "chroms: chrX not in the genome"),
    ({"valid_chroms": ["chr8"]}, ConfigError, "chromosome(s) chr8 in both valid_chroms and test_chroms"),
    ({"min_fraction": 1.0}, ConfigError, "min_fraction 1.0"),
    ({"length": 100}, ConfigError, "need 0 < bin_size <= length"),
])
def test_bad_settings_and_empty_splits_leave_nothing(genome, tmp_path, settings, error, message):
    out = tmp_path / "out" / "encode.h5"
    with pytest.raises(error) as err:
        _build(genome, out, **settings)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert not out.parent.exists() or _leftovers(out.parent) == []


BAD_PEAKS = {
    "fields": ("chr1\t100\t300", "3 tab-separated fields"),
    "integer": ("chr1\t1x\t300\t.\t0\t.\t1\t-1\t1\t10", "start and end must be integers"),
    "inverted": ("chr1\t300\t100\t.\t0\t.\t1\t-1\t1\t10", "needs 0 <= start < end"),
    "negative": ("chr1\t-1\t100\t.\t0\t.\t1\t-1\t1\t10", "needs 0 <= start < end"),
    "chromosome": ("chr3\t100\t300\t.\t0\t.\t1\t-1\t1\t10", "chromosome 'chr3' is not in the genome"),
    "past_end": ("chr7\t2900\t3001\t.\t0\t.\t1\t-1\t1\t10", "ends past the end of chr7"),
}


@pytest.mark.parametrize("case", sorted(BAD_PEAKS) + ["empty"])
def test_bad_peak_file_is_one_line_error_and_leaves_nothing(genome, tmp_path, case):
    bad = tmp_path / "bad.narrowPeak"
    good = genome.peaks["B"].read_text().splitlines()
    if case == "empty":
        bad.write_text("track type=narrowPeak\n# nothing here\n")
        prefix, message = f"{bad}: ", "no peaks"
    else:
        line, message = BAD_PEAKS[case]
        bad.write_text("\n".join(good[:3] + [line] + good[3:]) + "\n")
        prefix = f"{bad}:4: "
    out = tmp_path / "out" / "encode.h5"
    with pytest.raises(FormatError) as err:
        build_encode_set(out, genome.path, {"A": genome.peaks["A"], "B": bad}, ["A", "B"])
    text = str(err.value)
    assert text.startswith(prefix) and message in text and "\n" not in text, text
    assert not out.parent.exists() or _leftovers(out.parent) == []


def test_experiment_names_must_match_peak_files(genome, tmp_path):
    with pytest.raises(ConfigError, match="do not match"):
        build_encode_set(tmp_path / "x.h5", genome.path, {"A": genome.peaks["A"]}, ["A", "B"])


def test_missing_bedtools_says_how_to_install(genome, tmp_path, monkeypatch):
    sizes = chrom_sizes(genome.path)
    peaks = {"A": read_narrowpeak(genome.peaks["A"], sizes)}
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MotifrepError, match="apt-get install bedtools"):
        bin_labels(sizes, peaks)


def test_experiment_table_follows_the_spec():
    table = read_experiment_table(REPO / "resources" / "encode_k562.tsv")
    tfs = [line.split("\t") for line in (REPO / "resources" / "tfs.tsv").read_text().splitlines()
           if line and not line.startswith("#")][1:]
    assert table["tf"].tolist() == [r[0] for r in tfs]
    assert table["jaspar_id"].tolist() == [r[1] for r in tfs]
    assert [",".join(ids) for ids in table["accepted_ids"]] == [r[2] for r in tfs]
    assert table["deepsea_column"].tolist() == [592, 602, 344, 345, 635, 636, 349, 642, 359, 361, 661, 369]
    base = "http://hgdownload.cse.ucsc.edu/goldenPath/hg19/encodeDCC/wgEncodeAwgTfbsUniform/"
    assert all(u == f"{base}{e}.narrowPeak.gz" for u, e in zip(table["url"], table["experiment"]))
    assert all(e.startswith("wgEncodeAwgTfbs") and "K562" in e for e in table["experiment"])
    assert table["experiment"].iloc[0] == "wgEncodeAwgTfbsSydhK562Arid3asc8821IggrabUniPk"
    assert table["sha256"].isna().all()


def test_experiment_table_errors_name_file_and_line(tmp_path):
    head = "# comment\ntf\tjaspar_id\taccepted_ids\texperiment\turl\tsha256\tdeepsea_column\n"
    row = "SP1\tMA0079.3\tMA0079.3\texpA\thttp://x/a.gz\t{sha}\t{col}\n"
    cases = {
        row.format(sha="abc", col=1): ":3: sha256 'abc' is not 64 hexadecimal digits",
        row.format(sha="", col="x"): ":3: deepsea_column 'x' is not a non-negative integer",
        row.format(sha="", col=1) + row.format(sha="", col=2).replace("SP1", "YY1"):
            ":4: experiment 'expA' listed twice",
    }
    for body, message in cases.items():
        path = tmp_path / "t.tsv"
        path.write_text(head + body)
        with pytest.raises(FormatError, match=f"^{path}{message}$"):
            read_experiment_table(path)
    path.write_text("tf\tjaspar_id\taccepted_ids\texperiment\turl\nSP1\tMA0079.3\tMA0079.3\texpA\thttp://x\n")
    with pytest.raises(FormatError, match=r":1: experiment table header lacks column\(s\) sha256, deepsea_column"):
        read_experiment_table(path)


def test_experiment_table_needs_what_the_kind_uses(tmp_path):
    from motifrep.datasets.encode import check_experiment_table
    from motifrep.errors import ConfigError

    path = tmp_path / "t.tsv"
    path.write_text("tf\tjaspar_id\taccepted_ids\texperiment\turl\tsha256\tdeepsea_column\n"
                    "SP1\tMA0079.3\tMA0079.3\texpA\t\t\t359\nYY1\tMA0095.2\tMA0095.2\texpB\thttp://x/b.gz\t\t\n")
    table = read_experiment_table(path)
    with pytest.raises(ConfigError, match=r"^config datasets.k: experiment\(s\) expA lack a url or path$"):
        check_experiment_table(table, "encode", "config datasets.k")
    with pytest.raises(ConfigError, match=r"experiment\(s\) expB lack a deepsea_column$"):
        check_experiment_table(table, "deepsea", "config datasets.k")
    check_experiment_table(table.iloc[[1]], "encode", "x")
    check_experiment_table(table.iloc[[0]], "deepsea", "x")


def test_workflow_script_builds(genome, tmp_path):
    out = tmp_path / "data" / "encode.h5"
    sm = SimpleNamespace(
        input=SimpleNamespace(genome=str(genome.path), peaks=[str(genome.peaks["A"]), str(genome.peaks["B"])]),
        output=[str(out)], log=[],
        params=SimpleNamespace(experiments=["A", "B"], tasks=["TF-A", "TF-B"],
                               spec={"bin_size": 200, "length": 1000, "min_fraction": 0.5, "valid_chroms": ["chr7"],
                                     "test_chroms": ["chr8"], "chroms": None, "reverse_complement": False}))
    runpy.run_path(str(REPO / "workflow" / "scripts" / "build_encode.py"), init_globals={"snakemake": sm})
    with Dataset(out) as ds:
        assert ds.task_names == ["TF-A", "TF-B"] and ds.indices("train").size == 7
        assert json.loads(ds.file.attrs["experiments"]) == ["A", "B"]


def _write_genome(path: Path, seqs: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        handle.writelines(f">{name}\n" + "".join(seq[i : i + 70] + "\n" for i in range(0, len(seq), 70))
                          for name, seq in seqs.items())
    return path


def test_iupac_letter_in_a_window_stops_the_job(genome, tmp_path):
    """A plain-FASTA genome is checked where it is read: a letter other than A, C, G, T, N in a
    labelled window stops the job (as in a downloaded .fa.gz), naming file, chromosome, position."""
    seqs = dict(genome.seqs)
    pos = 1000 - 400 + 123  # 0-based, inside the window [600, 1600) of the positive bin chr1:1000
    seqs["chr1"] = seqs["chr1"][:pos] + "R" + seqs["chr1"][pos + 1 :]
    path = _write_genome(tmp_path / "g" / "genome.fa", seqs)
    out = tmp_path / "out" / "encode.h5"
    with pytest.raises(FormatError) as err:
        build_encode_set(out, path, dict(genome.peaks), ["A", "B"])
    assert str(err.value) == f"{path}: chromosome chr1, position {pos + 1}: character 'R' is not A, C, G, T or N"
    assert _leftovers(out.parent) == []
    soft = dict(genome.seqs)  # soft-masked (lower case) IUPAC letters too
    soft["chr2"] = soft["chr2"][:700] + "y" + soft["chr2"][701:]
    path = _write_genome(tmp_path / "g2" / "genome.fa", soft)
    with pytest.raises(FormatError, match=r"chromosome chr2, position 701: character 'Y'"):
        build_encode_set(out, path, dict(genome.peaks), ["A", "B"])
    assert _leftovers(out.parent) == []
    outside = dict(genome.seqs)  # chr9 has no peak: never read, not checked
    outside["chr9"] = outside["chr9"][:10] + "R" + outside["chr9"][11:]
    path = _write_genome(tmp_path / "g3" / "genome.fa", outside)
    assert build_encode_set(out, path, dict(genome.peaks), ["A", "B"])["rows"] == {"train": 7, "valid": 1, "test": 1}


def test_genome_in_a_read_only_folder(genome, tmp_path):
    """The genome's folder cannot take its index (.fai): the build indexes it under the output's
    folder instead (removed afterwards) and leaves the genome's folder as it was."""
    from fsfaults import read_only_folder, run_as_nobody, world_readable_tmp

    base = world_readable_tmp()
    try:
        folder = base / "ro"
        path = _write_genome(folder / "genome.fa", genome.seqs)
        peaks = {n: str(shutil.copy(p, base / p.name)) for n, p in genome.peaks.items()}  # where nobody reads them
        out = base / "out" / "encode.h5"
        out.parent.mkdir(mode=0o777)
        out.parent.chmod(0o777)
        with read_only_folder(folder) as in_process:
            if in_process:
                stats = build_encode_set(out, path, peaks, ["A", "B"])
            else:  # root that cannot make a folder immutable: build as nobody
                done = run_as_nobody("import json; from motifrep.datasets.encode import build_encode_set; "
                                     f"print(json.dumps(build_encode_set({str(out)!r}, {str(path)!r}, {peaks!r}, "
                                     "['A', 'B'])))", base)
                assert done.returncode == 0, done.stderr
                stats = json.loads(done.stdout.splitlines()[-1])
        assert stats["rows"] == {"train": 7, "valid": 1, "test": 1}
        assert _leftovers(folder) == ["genome.fa"]
        assert _leftovers(out.parent) == ["encode.h5"]  # the index built there is gone
        with Dataset(out) as ds:
            np.testing.assert_array_equal(ds.file["X"][0], _one_hot_by_hand(genome.seqs["chr1"][600:1600]))
    finally:
        shutil.rmtree(base, ignore_errors=True)

"""Genome FASTA access (motifrep.datasets.genome): one-hot, pyfaidx opening, alphabet checks, unpacking a .fa.gz."""

import gzip
import runpy
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from motifrep.datasets.genome import (
    chrom_sizes,
    one_hot,
    open_fasta,
    unpack_genome,
)
from motifrep.errors import FormatError

REPO = Path(__file__).resolve().parents[1]


def _random_seq(rng, n):
    return "".join(rng.choice(list("ACGT"), size=n))


def _fasta_text(records: dict, width: int = 60) -> str:
    lines = []
    for name, seq in records.items():
        lines.append(f">{name} some description")
        lines += [seq[i : i + width] for i in range(0, len(seq), width)]
    return "\n".join(lines) + "\n"


def _one_hot_by_hand(seq):
    return np.array([[int(c == b) for b in "ACGT"] for c in seq.upper()], dtype=np.uint8).reshape(-1, 4)


@pytest.fixture
def records():
    rng = np.random.default_rng(3)
    chr1 = _random_seq(rng, 700)
    chr1 = chr1[:100] + chr1[100:200].lower() + "N" * 50 + chr1[250:]
    return {"chr1": chr1, "chr2": _random_seq(rng, 333)}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_one_hot_matches_a_hand_encoding():
    seq = "ACGTNacgtnGGA"
    x = one_hot(seq)
    assert x.dtype == np.uint8 and x.shape == (13, 4)
    np.testing.assert_array_equal(x, _one_hot_by_hand(seq))
    assert x[4].sum() == 0 and x[9].sum() == 0  # N: all zero
    np.testing.assert_array_equal(one_hot("CA"), [[0, 1, 0, 0], [1, 0, 0, 0]])


def test_open_plain_and_bgzip_fasta(tmp_path, records):
    from Bio import bgzf

    plain = tmp_path / "g.fa"
    plain.write_text(_fasta_text(records))
    fa = open_fasta(plain)
    assert chrom_sizes(fa) == {"chr1": 700, "chr2": 333}
    assert fa["chr1"][90:110].seq == records["chr1"][90:110].upper()  # soft-masked bases come upper-case
    assert (tmp_path / "g.fa.fai").is_file()
    packed = tmp_path / "g.fa.gz"
    with bgzf.BgzfWriter(str(packed), "wb") as handle:
        handle.write(_fasta_text(records).encode())
    assert chrom_sizes(packed) == {"chr1": 700, "chr2": 333}
    assert open_fasta(packed)["chr2"][:].seq == records["chr2"]


def test_plain_gzip_fasta_asks_to_gunzip_or_bgzip(tmp_path, records):
    path = tmp_path / "g.fa.gz"
    path.write_bytes(gzip.compress(_fasta_text(records).encode()))
    with pytest.raises(FormatError) as err:
        open_fasta(path)
    text = str(err.value)
    assert "\n" not in text and str(path) in text and "gunzip" in text and "bgzip" in text


def test_missing_and_malformed_fasta(tmp_path):
    with pytest.raises(FormatError, match="not found"):
        open_fasta(tmp_path / "absent.fa")
    bad = tmp_path / "bad.fa"
    bad.write_text(">chr1\nACGTACGT\nACG\nACGTACGT\n")  # a short line inside a record: not indexable
    with pytest.raises(FormatError) as err:
        open_fasta(bad)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "bad.fa.fai").exists()  # no half-built index left behind
    dup = tmp_path / "dup.fa"
    dup.write_text(">chr1\nACGT\n>chr1\nACGT\n")
    with pytest.raises(FormatError, match='Duplicate key "chr1"'):
        open_fasta(dup)
    assert not (tmp_path / "dup.fa.fai").exists()
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    with pytest.raises(FormatError, match=f"^{empty}: (no FASTA records|not an indexable FASTA)"):
        open_fasta(empty)
    assert not (tmp_path / "empty.fa.fai").exists()


def test_unpack_genome_writes_fasta_and_index(tmp_path, records):
    text = _fasta_text(records)
    gz = tmp_path / "dl" / "g.fa.gz"
    gz.parent.mkdir()
    gz.write_bytes(gzip.compress(text.encode()))
    out = tmp_path / "genome" / "g.fa"
    unpack_genome(gz, out, str(out) + ".fai")
    assert out.read_text() == text
    assert _leftovers(out.parent) == ["g.fa", "g.fa.fai"]
    fai = [line.split("\t") for line in (out.parent / "g.fa.fai").read_text().splitlines()]
    assert [(f[0], int(f[1])) for f in fai] == [("chr1", 700), ("chr2", 333)]
    fa = open_fasta(out, rebuild=False)
    assert fa["chr1"][:].seq == records["chr1"].upper()


def _expect_unpack_error(tmp_path, raw: bytes, pattern: str):
    gz = tmp_path / "dl" / "g.fa.gz"
    gz.parent.mkdir(exist_ok=True)
    gz.write_bytes(raw)
    out = tmp_path / "genome" / "g.fa"
    with pytest.raises(FormatError) as err:
        unpack_genome(gz, out)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(gz)), text
    assert pattern in text, text
    assert not out.parent.exists() or _leftovers(out.parent) == []


def test_unpack_genome_bad_character_names_the_line(tmp_path, records):
    text = _fasta_text(records).splitlines()
    text[5] = text[5][:10] + "X" + text[5][11:]
    _expect_unpack_error(tmp_path, gzip.compress(("\n".join(text) + "\n").encode()), ":6: character 'X'")


def test_unpack_genome_bad_character_deep_in_a_large_file(tmp_path):
    rng = np.random.default_rng(0)
    lines = [">chrA"] + [_random_seq(rng, 60) for _ in range(30_000)]  # 1.8 MB: several 1 MiB blocks
    lines[25_000] = lines[25_000][:30] + "M" + lines[25_000][31:]
    _expect_unpack_error(tmp_path, gzip.compress(("\n".join(lines) + "\n").encode(), 1), ":25001: character 'M'")


def test_unpack_genome_long_single_line_records(tmp_path):
    rng = np.random.default_rng(1)
    seq = _random_seq(rng, 2_500_000)  # one line longer than two read blocks
    raw = gzip.compress(f">chrA\n{seq}\n>chrB\nACGT\n".encode(), 1)
    gz = tmp_path / "g.fa.gz"
    gz.write_bytes(raw)
    unpack_genome(gz, tmp_path / "g.fa")
    assert chrom_sizes(tmp_path / "g.fa") == {"chrA": 2_500_000, "chrB": 4}
    bad = seq[:2_400_000] + "K" + seq[2_400_001:]
    _expect_unpack_error(tmp_path, gzip.compress(f">chrA\n{bad}\n".encode(), 1), ":2: character 'K'")


def test_unpack_genome_rejects_headerless_truncated_and_unindexable(tmp_path, records):
    _expect_unpack_error(tmp_path, gzip.compress(b"ACGT\n>chr1\nACGT\n"), ":1: sequence before the first '>'")
    _expect_unpack_error(tmp_path, gzip.compress(b""), "no FASTA records")
    raw = gzip.compress(_fasta_text(records).encode())
    _expect_unpack_error(tmp_path, raw[:-30], "truncated gzip")
    _expect_unpack_error(tmp_path, _fasta_text(records).encode(), "gzip")  # not compressed at all
    _expect_unpack_error(tmp_path, gzip.compress(b">chr1\nACGTACGT\nACG\nACGTACGT\n"), "not an indexable FASTA")


def test_workflow_script_unpacks(tmp_path, records):
    gz = tmp_path / "g.fa.gz"
    gz.write_bytes(gzip.compress(_fasta_text(records).encode()))
    out = tmp_path / "ref" / "g.fa"
    sm = SimpleNamespace(input=[str(gz)], output=SimpleNamespace(fasta=str(out), fai=str(out) + ".fai"), log=[])
    runpy.run_path(str(REPO / "workflow" / "scripts" / "unpack_genome.py"), init_globals={"snakemake": sm})
    assert chrom_sizes(out) == {"chr1": 700, "chr2": 333}


def test_read_only_folder_index_goes_to_index_dir(tmp_path, records):
    """A FASTA whose folder cannot take the .fai: a one-line error without ``index_dir``; with one,
    the index is written there and the FASTA's folder is left as it was."""
    from fsfaults import read_only_folder, run_as_nobody, world_readable_tmp

    base = world_readable_tmp()
    try:
        folder, index_dir = base / "ro", base / "index"
        folder.mkdir()
        path = folder / "g.fa"
        path.write_text(_fasta_text(records))
        base.chmod(0o777)
        code = ("from motifrep.datasets.genome import open_fasta, chrom_sizes\nfrom motifrep.errors import FormatError\n"
                f"try:\n    open_fasta({str(path)!r})\nexcept FormatError as exc:\n    print('ERROR', exc)\n"
                f"print('SIZES', chrom_sizes(open_fasta({str(path)!r}, index_dir={str(index_dir)!r})))\n")
        with read_only_folder(folder) as in_process:
            if in_process:
                with pytest.raises(FormatError) as err:
                    open_fasta(path)
                error = str(err.value)
                sizes = chrom_sizes(open_fasta(path, index_dir=index_dir))
            else:  # root that cannot make a folder immutable: as nobody
                done = run_as_nobody(code, base)
                assert done.returncode == 0, done.stderr
                error = done.stdout.split("ERROR ", 1)[1].split("\n")[0]
                sizes = eval(done.stdout.split("SIZES ", 1)[1])
        assert error.startswith(f"{path}: cannot write its index beside it") and "\n" not in error, error
        assert sizes == {"chr1": 700, "chr2": 333}
        assert _leftovers(folder) == ["g.fa"] and _leftovers(index_dir) == ["g.fa.fai"]
    finally:
        shutil.rmtree(base, ignore_errors=True)

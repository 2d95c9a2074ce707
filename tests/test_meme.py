import hashlib

import numpy as np
import pytest
from conftest import JASPAR2016

from motifrep.errors import ConfigError, FormatError
from motifrep.motifs import jaspar
from motifrep.motifs.meme import Motif, format_meme, read_meme, write_meme


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    motifs = []
    for i, width in enumerate((5, 11, 19)):
        pwm = rng.dirichlet(np.ones(4), size=width)
        motifs.append(Motif(f"M{i}", pwm, name=f"name{i}", nsites=width * 3, url=f"http://x/{i}"))
    path = tmp_path / "m.meme"
    write_meme(path, motifs)
    back = read_meme(path)
    assert [m.id for m in back] == ["M0", "M1", "M2"]
    assert [m.name for m in back] == ["name0", "name1", "name2"]
    assert [m.nsites for m in back] == [15, 33, 57]
    assert [m.url for m in back] == ["http://x/0", "http://x/1", "http://x/2"]
    for a, b in zip(motifs, back):
        np.testing.assert_allclose(a.pwm, b.pwm, atol=1e-6)


def test_authors_jaspar_file_round_trips(jaspar2016_motifs, tmp_path):
    assert len(jaspar2016_motifs) == 519
    assert jaspar2016_motifs[0].id == "MA0002.2" and jaspar2016_motifs[0].name == "RUNX1"
    assert jaspar2016_motifs[0].pwm.shape == (11, 4) and jaspar2016_motifs[0].nsites == 2000
    path = tmp_path / "again.meme"
    write_meme(path, jaspar2016_motifs)
    again = read_meme(path)
    assert [m.id for m in again] == [m.id for m in jaspar2016_motifs]
    for a, b in zip(jaspar2016_motifs, again):
        np.testing.assert_allclose(a.pwm, b.pwm, atol=1e-6)


def test_authors_filter_file_parses(koo2019):
    filters = read_meme(koo2019 / "synthetic" / "cnn_25_clip.meme")
    assert len(filters) == 30 and filters[0].id == "filter0" and filters[0].width == 16


def test_pyjaspar_export_equals_authors_file(jaspar2016_motifs, tmp_path):
    path = tmp_path / "jaspar.meme"
    assert jaspar.export_collection(path, "JASPAR2016", "CORE", "vertebrates") == 519
    ours = read_meme(path)
    assert [m.id for m in ours] == [m.id for m in jaspar2016_motifs]
    assert max(np.abs(a.pwm - b.pwm).max() for a, b in zip(ours, jaspar2016_motifs)) < 1e-4


def test_reverse_complement():
    pwm = np.array([[1, 0, 0, 0], [0, 0, 1, 0.0]])  # "AG"
    np.testing.assert_array_equal(Motif("x", pwm).reverse_complement().pwm, [[0, 1, 0, 0], [0, 0, 0, 1]])  # "CT"


GOOD = """MEME version 4

ALPHABET= ACGT

MOTIF m1 one
letter-probability matrix: alength= 4 w= 2 nsites= 2
0.25 0.25 0.25 0.25
1.0 0.0 0.0 0.0
"""


@pytest.mark.parametrize(
    "text, message",
    [
        (GOOD.replace("alength= 4", "alength= 20"), "alength= 20, expected 4"),
        (GOOD.replace("1.0 0.0 0.0 0.0", "0.5 0.0 0.0 0.0"), "row sums to 0.5000"),
        (GOOD.replace("w= 2", "w= 3"), "ends after 2 of 3 rows"),
        (GOOD.replace("MOTIF m1 one\n", "").replace("letter-probability", "xletter"), "no MOTIF found"),
        (GOOD.replace("MOTIF m1 one\n", ""), "before any MOTIF"),
        (GOOD.replace("ACGT", "ACDEFGHIKLMNPQRSTVWY"), "is not ACGT"),
        (GOOD.replace("MEME version 4", "hello"), "not a MEME file"),
        (GOOD.replace("0.25 0.25 0.25 0.25", "0.25 0.25 0.5"), "has 3 values"),
        (GOOD.replace("0.25 0.25 0.25 0.25", "0.25 a 0.25 0.25"), "expected numbers"),
        (GOOD.replace("1.0 0.0 0.0 0.0", "nan nan nan nan"), ":8: motif 'm1' row 2: value 'nan' is not a number"),
        (GOOD.replace("1.0 0.0 0.0 0.0", "0.5 NaN 0.25 0.25"), ":8: motif 'm1' row 2: value 'NaN' is not a number"),
        (GOOD.replace("0.25 0.25 0.25 0.25", "inf 0 0 0"), ":7: motif 'm1' row 1: value 'inf' is not a number"),
    ],
)
def test_malformed_meme_one_line_error(tmp_path, text, message):
    path = tmp_path / "bad.meme"
    path.write_text(text)
    with pytest.raises(FormatError) as info:
        read_meme(path)
    assert message in str(info.value)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match="not found"):
        read_meme(tmp_path / "nope.meme")


def test_format_rejects_empty_and_bad_shape():
    with pytest.raises(FormatError):
        format_meme([])
    with pytest.raises(FormatError):
        format_meme([Motif("x", np.ones((3, 5)) / 5)])


def test_unknown_jaspar_id_and_release():
    assert [m.id for m in jaspar.fetch_by_ids(["MA0083.3"])] == ["MA0083.3"]
    with pytest.raises(ConfigError, match="'MA9999.1' does not exist in JASPAR2016"):
        jaspar.fetch_by_ids(["MA0083.3", "MA9999.1"])
    with pytest.raises(ConfigError, match="JASPAR1999"):
        jaspar.fetch_collection("JASPAR1999")


def test_download_checks_checksum_and_leaves_nothing(tmp_path):
    source = JASPAR2016
    url = source.as_uri()
    good = jaspar.sha256sum(source)
    out = tmp_path / "dl" / "jaspar.meme"
    assert jaspar.download_meme(url, out, good) == 519
    assert out.read_bytes() == source.read_bytes()
    bad_out = tmp_path / "dl2" / "jaspar.meme"
    from motifrep.errors import MotifrepError

    with pytest.raises(MotifrepError, match="checksum mismatch"):
        jaspar.download_meme(url, bad_out, "0" * 64)
    assert not bad_out.exists() and list(bad_out.parent.iterdir()) == []
    with pytest.raises(MotifrepError, match="cannot download"):
        jaspar.download_meme((tmp_path / "missing.meme").as_uri(), bad_out, None)
    assert not bad_out.exists()


def test_download_step_logs_the_checksum_it_saw(tmp_path, caplog):
    from motifrep.motifs.jaspar import download_jaspar

    expected = hashlib.sha256(JASPAR2016.read_bytes()).hexdigest()
    with caplog.at_level("INFO", logger="motifrep"):
        download_jaspar(tmp_path / "j.meme", JASPAR2016.as_uri(), None)
    assert f"sha256 {expected} (not checked" in caplog.text

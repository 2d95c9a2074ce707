"""narrowPeak reading (motifrep.datasets.peaks): plain and gzip, skipped lines, one-line FILE:LINE errors."""

import gzip

import pytest

from motifrep.datasets.peaks import read_narrowpeak
from motifrep.errors import FormatError

SIZES = {"chr1": 5000, "chr2": 800}


def _peak(chrom, start, end):
    return f"{chrom}\t{start}\t{end}\t.\t1000\t.\t52.1\t-1\t4.3\t75"


HEADER = ["track type=narrowPeak name=test", "browser position chr1:1-1000", "# a comment"]


def test_reads_plain_and_gzip_skipping_headers(tmp_path):
    lines = HEADER + [_peak("chr1", 100, 250), "", _peak("chr2", 0, 800), _peak("chr1", 4900, 5000)]
    text = "\n".join(lines) + "\n"
    plain = tmp_path / "p.narrowPeak"
    plain.write_text(text)
    packed = tmp_path / "p.narrowPeak.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    for path in (plain, packed):
        df = read_narrowpeak(path, SIZES)
        assert list(df.columns) == ["chrom", "start", "end"]
        assert df["chrom"].tolist() == ["chr1", "chr2", "chr1"]
        assert df["start"].tolist() == [100, 0, 4900] and df["end"].tolist() == [250, 800, 5000]
        assert df["start"].dtype == "int64" and df["end"].dtype == "int64"


BAD = {
    "fields": ("chr1\t100\t200", "3 tab-separated fields; a narrowPeak line has 10"),
    "start": (_peak("chr1", "1e2", 200), "start and end must be integers"),
    "end": (_peak("chr1", 100, "2x"), "start and end must be integers"),
    "underscore": (_peak("chr1", "1_000", 2000), "start and end must be integers"),
    "inverted": (_peak("chr1", 300, 200), "needs 0 <= start < end"),
    "empty_interval": (_peak("chr1", 300, 300), "needs 0 <= start < end"),
    "negative": (_peak("chr1", -5, 200), "needs 0 <= start < end"),
    "chrom": (_peak("chrZ", 100, 200), "chromosome 'chrZ' is not in the genome"),
    "past_end": (_peak("chr2", 700, 801), "ends past the end of chr2 (800 nt)"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("gz", [False, True])
def test_bad_line_is_one_line_error_with_file_and_line(tmp_path, case, gz):
    bad, message = BAD[case]
    text = "\n".join(HEADER + [_peak("chr1", 10, 20), bad, _peak("chr1", 30, 40)]) + "\n"
    path = tmp_path / ("p.narrowPeak.gz" if gz else "p.narrowPeak")
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    with pytest.raises(FormatError) as err:
        read_narrowpeak(path, SIZES)
    assert str(err.value).startswith(f"{path}:5: "), str(err.value)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_empty_missing_and_corrupt_files(tmp_path):
    empty = tmp_path / "empty.narrowPeak"
    empty.write_text("\n".join(HEADER) + "\n")
    with pytest.raises(FormatError, match=f"^{empty}: no peaks$"):
        read_narrowpeak(empty, SIZES)
    with pytest.raises(FormatError, match="not found"):
        read_narrowpeak(tmp_path / "absent.narrowPeak", SIZES)
    broken = tmp_path / "broken.narrowPeak.gz"
    broken.write_bytes(gzip.compress((_peak("chr1", 1, 2) + "\n").encode() * 1000)[:-20])
    with pytest.raises(FormatError, match="truncated gzip"):
        read_narrowpeak(broken, SIZES)
    binary = tmp_path / "binary.narrowPeak"
    binary.write_bytes(b"\xff\xfe\x00chr1")
    with pytest.raises(FormatError, match="not a text file"):
        read_narrowpeak(binary, SIZES)

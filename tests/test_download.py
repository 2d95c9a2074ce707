"""Checked downloads (motifrep.download): file:// and a local HTTP server, checksum, size and gzip checks."""

import gzip
import hashlib
import http.server
import logging
import runpy
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from motifrep.download import check_gzip, download, fetch_file
from motifrep.errors import ConfigError, FormatError, MotifrepError

REPO = Path(__file__).resolve().parents[1]
PAYLOAD = bytes(range(256)) * 5000  # 1.28 MB: more than one 1 MiB block


def _one_line(exc) -> str:
    text = str(exc)
    assert "\n" not in text
    return text


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "payload.bin"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


def test_file_url_download_returns_sha256_and_copies_bytes(source, tmp_path):
    out = tmp_path / "out" / "copy.bin"
    got = download(source.as_uri(), out)
    assert got == hashlib.sha256(PAYLOAD).hexdigest()
    assert out.read_bytes() == PAYLOAD
    assert _leftovers(out.parent) == ["copy.bin"]
    assert download(source.as_uri(), out, sha256=got.upper()) == got  # a pinned checksum, any case


def test_checksum_mismatch_is_one_line_and_leaves_nothing(source, tmp_path):
    out = tmp_path / "out" / "copy.bin"
    wrong = "0" * 64
    with pytest.raises(MotifrepError) as err:
        download(source.as_uri(), out, sha256=wrong)
    text = _one_line(err.value)
    assert source.as_uri() in text and wrong in text and hashlib.sha256(PAYLOAD).hexdigest() in text
    assert _leftovers(out.parent) == []


def test_malformed_checksum_is_a_config_error(source, tmp_path):
    with pytest.raises(ConfigError, match="64 hexadecimal"):
        download(source.as_uri(), tmp_path / "x.bin", sha256="abc")
    assert not (tmp_path / "x.bin").exists()


def test_missing_source_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "out" / "copy.bin"
    url = (tmp_path / "absent.bin").as_uri()
    with pytest.raises(MotifrepError) as err:
        download(url, out)
    assert url in _one_line(err.value)
    assert _leftovers(out.parent) == []


def test_check_gzip_reads_through_and_rejects_truncated_or_corrupt(tmp_path):
    good = tmp_path / "good.gz"
    good.write_bytes(gzip.compress(PAYLOAD))
    assert check_gzip(good) == len(PAYLOAD)
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(FormatError, match="truncated"):
        check_gzip(truncated)
    corrupt = tmp_path / "corrupt.gz"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    with pytest.raises(FormatError) as err:
        check_gzip(corrupt)
    assert str(corrupt) in _one_line(err.value)
    notgz = tmp_path / "plain.gz"
    notgz.write_bytes(PAYLOAD)
    with pytest.raises(FormatError):
        check_gzip(notgz)


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_fetch_file_rejects_a_broken_gz_and_leaves_nothing(tmp_path, damage):
    data = bytearray(gzip.compress(b"chr1\t10\t20\n" * 50000))
    data = data[:-40] if damage == "truncate" else data[:20] + bytes(b ^ 0x5A for b in data[20:60]) + data[60:]
    src = tmp_path / "peaks.narrowPeak.gz"
    src.write_bytes(bytes(data))
    out = tmp_path / "out" / "peaks.narrowPeak.gz"
    with pytest.raises(FormatError) as err:
        fetch_file(out, src.as_uri(), None)
    assert src.as_uri() in _one_line(err.value)
    assert _leftovers(out.parent) == []


def test_fetch_file_logs_the_checksum(tmp_path, caplog):
    src = tmp_path / "a.txt.gz"
    src.write_bytes(gzip.compress(b"hello\n"))
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    with caplog.at_level(logging.INFO, logger="motifrep"):
        fetch_file(tmp_path / "out" / "a.txt.gz", src.as_uri(), digest)
    assert digest in caplog.text and "as expected" in caplog.text
    assert (tmp_path / "out" / "a.txt.gz").read_bytes() == src.read_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAYLOAD[:5000]
        self.send_response(200)
        # /short claims more bytes than it sends: a truncated download
        self.send_header("Content-Length", str(len(body) + (1000 if self.path == "/short" else 0)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_http_download_and_truncation_by_content_length(server, tmp_path):
    out = tmp_path / "out" / "a.bin"
    assert download(f"{server}/full", out, timeout=10) == hashlib.sha256(PAYLOAD[:5000]).hexdigest()
    assert out.read_bytes() == PAYLOAD[:5000]
    short = tmp_path / "out2" / "b.bin"
    with pytest.raises(MotifrepError, match="truncated") as err:
        download(f"{server}/short", short, timeout=10)
    assert f"{server}/short" in _one_line(err.value)
    assert _leftovers(short.parent) == []


def test_workflow_script_downloads(source, tmp_path):
    out = tmp_path / "out" / "copy.bin"
    sm = SimpleNamespace(output=[str(out)], params=SimpleNamespace(url=source.as_uri(), sha256=""), log=[])
    runpy.run_path(str(REPO / "workflow" / "scripts" / "download.py"), init_globals={"snakemake": sm})
    assert out.read_bytes() == PAYLOAD

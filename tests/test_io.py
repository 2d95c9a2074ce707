"""Atomic writing and the scripts' error contract on a full disk (motifrep.io, motifrep.runner)."""

import errno
import logging
import re
from types import SimpleNamespace

import pytest
from fsfaults import free_mb, small_filesystem

from motifrep.errors import MotifrepError
from motifrep.io import atomic_path, no_space_error, out_of_space, write_text
from motifrep.runner import run_script


def test_atomic_path_on_a_full_disk_is_one_line_and_keeps_nothing(tmp_path, monkeypatch):
    """A file larger than the file system: one line naming the file and the space free, no temporary left."""
    full = tmp_path / "full"
    with small_filesystem(full, 64) as mounted:
        if not mounted:  # no tmpfs here (not root, or no CAP_SYS_ADMIN): inject the full disk
            monkeypatch.setattr("pathlib.Path.write_text", lambda *a, **k: (_ for _ in ()).throw(
                OSError(errno.ENOSPC, "No space left on device")))
        with pytest.raises(MotifrepError) as err:
            write_text(full / "big.txt", "x" * 200_000)
        message = str(err.value)
        assert message == f"{full / 'big.txt'}: no space left on device ({free_mb(full):.1f} MB free on that filesystem)"
        assert list(full.iterdir()) == []


def test_out_of_space_is_recognised_through_library_wrappers():
    """h5py closing a file a full disk cut short raises RuntimeError('Can't decrement id ref count ...
    errno = 28 ...') while handling the OSError: both are a full disk; other errors are not."""
    try:
        try:
            raise OSError(errno.ENOSPC, "Can't synchronously write data")
        except OSError:
            raise RuntimeError("Can't decrement id ref count (file write failed: errno = 28, error message = "
                               "'No space left on device')") from None
    except RuntimeError as exc:
        assert out_of_space(exc)
    assert out_of_space(RuntimeError("Can't decrement id ref count (file write failed: errno = 28, ...)"))
    assert out_of_space(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not out_of_space(OSError(errno.EACCES, "Permission denied"))
    assert not out_of_space(MotifrepError("x: no space left on device (0.0 MB free on that filesystem)"))
    assert "disk quota exceeded" in str(no_space_error("x", OSError(errno.EDQUOT, "Disk quota exceeded")))


def test_atomic_path_passes_other_errors_through(tmp_path):
    with pytest.raises(ValueError), atomic_path(tmp_path / "a.txt") as tmp:
        tmp.write_text("partial")
        raise ValueError("not about space")
    assert list(tmp_path.iterdir()) == []


def test_script_contract_turns_a_full_disk_anywhere_into_one_line(tmp_path):
    """A write outside atomic_path (a library's own file) on a full disk: exit 1, one line naming the file."""
    log = tmp_path / "step.log"
    sm = SimpleNamespace(log=[str(log)], output=[str(tmp_path / "out.h5")])

    def step(_):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "cache.bin"))

    with pytest.raises(SystemExit) as done:
        run_script(sm, step)
    logging.getLogger().handlers.clear()
    assert done.value.code == 1
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and "Traceback" not in log.read_text(), lines
    found = re.search(r"motifrep: error: (.*): no space left on device \((\d+\.\d) MB free on that filesystem\)$",
                      lines[0])
    assert found and found[1] == str(tmp_path / "cache.bin"), lines[0]
    assert float(found[2]) == pytest.approx(free_mb(tmp_path), abs=1000)  # a disk others write to, too

    def other(_):
        raise OSError(errno.EACCES, "Permission denied")

    with pytest.raises(PermissionError):  # anything else is not the contract's to hide
        run_script(sm, other)
    logging.getLogger().handlers.clear()

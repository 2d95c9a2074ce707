"""File-system faults for tests that run as root (as CI does), where permissions alone do not fail.

- :func:`small_filesystem`: a tiny tmpfs that really fills up (ENOSPC); when none can be
  mounted here (not root, no CAP_SYS_ADMIN), the test injects ENOSPC instead (:func:`enospc`).
- :func:`read_only_folder`: a folder where writing really fails: ``chmod 0555`` for a normal
  user; for root ``chattr +i`` (immutable); where neither works, it says so and the test runs
  its step as the user ``nobody`` (:func:`run_as_nobody`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NOBODY = 65534


def _run(*cmd) -> bool:
    """Run a system command quietly; True when it succeeded."""
    try:
        return subprocess.run(list(cmd), capture_output=True, timeout=60, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _writable(folder: Path) -> bool:
    """Whether a file can really be created in ``folder`` (``os.access`` says yes to root)."""
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def small_filesystem(path: Path, size_kb: int):
    """Mount a ``size_kb`` tmpfs at ``path`` (created); yield True, or False where no tmpfs can be
    mounted (the test then injects ENOSPC). Unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0777", "tmpfs",
                                         str(path))
    try:
        yield mounted
    finally:
        if mounted and not _run("umount", str(path)):
            _run("umount", "-l", str(path))


def enospc(*args, **kwargs):
    """A stand-in for a write that finds the disk full."""
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def free_mb(path) -> float:
    """Free space (MB) of the file system holding ``path``, as the error message reports it."""
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / 1e6


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """Make ``folder`` one where creating a file really fails; yield True, or False when this
    process cannot (root without CAP_LINUX_IMMUTABLE): then run the step with :func:`run_as_nobody`
    (the folder is left 0555, which stops ``nobody``)."""
    folder.chmod(0o555)
    immutable = False
    try:
        if _writable(folder) and os.geteuid() == 0:
            immutable = _run("chattr", "+i", str(folder)) and not _writable(folder)
        yield not _writable(folder)
    finally:
        if immutable:
            _run("chattr", "-i", str(folder))
        folder.chmod(0o755)


def world_readable_tmp() -> Path:
    """A temporary folder that ``nobody`` can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="motifrep-test-"))
    path.chmod(0o755)
    return path


def run_as_nobody(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -c code`` as the user nobody (``setpriv``), with this interpreter and import path."""
    if shutil.which("setpriv") is None:
        raise RuntimeError("setpriv (util-linux) is needed to run a step as nobody")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "HOME": str(cwd)}
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
                           "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=600, check=False)

"""Which GPU a job sees: one device per GPU job, none for the others (README "GPU").

:func:`bind_device` sets ``CUDA_VISIBLE_DEVICES`` of the current process before any
deep-learning framework is imported (:func:`motifrep.runner.run_script` calls it first):

* a job that declares no ``gpu`` resource gets ``CUDA_VISIBLE_DEVICES=''``: it sees no GPU,
  under SLURM too;
* a GPU job under SLURM (``SLURM_JOB_ID`` set) keeps what the scheduler set: its allocation is
  its binding;
* any other GPU job takes one slot of one device: ``jobs_per_device`` slots per device, each a
  lock file ``{lock_dir}/{host}/gpu{d}.slot{k}.lock`` held with ``fcntl.flock`` for the life of
  the process. The kernel drops such a lock when the process ends in any way (``kill -9``
  included), so a dead job's slot is free at once; no stale lock to clean up. The device with
  the fewest held slots is chosen (ties: the first in the list), under a short-held mutex
  (``{lock_dir}/{host}/choose.lock``), so concurrent jobs spread evenly. When every slot is
  taken the job waits for one (more GPU jobs run than ``devices x jobs_per_device``: give
  Snakemake ``--resources gpu=N`` with that N).

Devices are ``auto`` (``CUDA_VISIBLE_DEVICES`` of the Snakemake process where it is set, else
``nvidia-smi -L`` where it exists, else none) or a list of indices or UUIDs. This module imports
no framework.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from motifrep.errors import ConfigError

log = logging.getLogger("motifrep")

VISIBLE = "CUDA_VISIBLE_DEVICES"
DEFAULT_LOCK_DIR = ".snakemake/gpu_locks"
_DEVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_./-]*$")
_held: list[int] = []  # lock file descriptors, open for the life of the process


@dataclass(frozen=True)
class Binding:
    """What :func:`bind_device` decided for this process."""

    visible: str | None  # CUDA_VISIBLE_DEVICES as the job runs (None: unset)
    how: str  # "no-gpu" (job declares none), "slurm", "slot" (a lock), "none-found"
    device: str | None = None
    slot: int | None = None
    per_device: int | None = None
    lock: str | None = None
    slurm_job: str | None = None

    def __str__(self) -> str:
        shown = "unset" if self.visible is None else repr(self.visible)
        if self.how == "no-gpu":
            return f"no GPU (the job declares none): CUDA_VISIBLE_DEVICES={shown}"
        if self.how == "slurm":
            return f"GPU as SLURM assigned it: CUDA_VISIBLE_DEVICES={shown} (SLURM job {self.slurm_job})"
        if self.how == "none-found":
            return f"no GPU found (gpu.devices: auto): CUDA_VISIBLE_DEVICES={shown}"
        return (f"GPU {self.device}, slot {self.slot} ({self.per_device} per device; lock {self.lock}): "
                f"CUDA_VISIBLE_DEVICES={shown}")


_binding: Binding | None = None


def current_binding() -> str | None:
    """The binding of this process as text (None when :func:`bind_device` was not called)."""
    return None if _binding is None else str(_binding)


def _nvidia_smi_devices() -> list[str]:
    """Devices ``nvidia-smi -L`` lists: GPU indices, or the MIG UUIDs of a GPU split into MIG devices."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    devices: list[str] = []
    for line in out.splitlines():
        if m := re.match(r"^GPU (\d+):", line):
            devices.append(m[1])
        elif (m := re.search(r"\(UUID: (MIG-[^)\s]+)\)", line)) and devices:
            if not devices[-1].startswith("MIG-"):
                devices.pop()  # the GPU itself is split: its MIG devices are the devices
            devices.append(m[1])
    return devices


def discover_devices(devices="auto") -> list[str]:
    """The devices GPU jobs may be bound to.

    Parameters
    ----------
    devices : "auto" or list of int or str
        ``auto``: ``CUDA_VISIBLE_DEVICES`` when set (an empty value: none), else
        ``nvidia-smi -L`` when it is on PATH, else none. A list: these devices (indices or
        ``GPU-``/``MIG-`` UUIDs), as given.

    Returns
    -------
    list of str

    Raises
    ------
    ConfigError
        A device name that cannot be one, or one named twice.
    """
    if devices == "auto":
        if VISIBLE in os.environ:
            found = [d.strip() for d in os.environ[VISIBLE].split(",") if d.strip()]
            return [] if found in (["-1"], ["NoDevFiles"]) else found
        return _nvidia_smi_devices()
    if isinstance(devices, (str, int)) or not isinstance(devices, (list, tuple)):
        raise ConfigError(f"config gpu.devices: expected 'auto' or a list of devices, not {devices!r}")
    names = [str(d) for d in devices]
    bad = [d for d in devices if isinstance(d, bool) or not _DEVICE_NAME.match(str(d))]
    if bad or len(set(names)) != len(names):
        raise ConfigError(f"config gpu.devices: {bad or names} (expected distinct indices or UUIDs)")
    return names


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding an exclusive flock on ``path``, or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return None
        raise
    return fd


def _take_slot(devices: list[str], per_device: int, where: Path) -> tuple[str, int, Path] | None:
    """Under the mutex: lock a free slot of the least used device; None when all are held."""
    mutex = os.open(where / "choose.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(mutex, fcntl.LOCK_EX)
        free: dict[str, list[tuple[int, int]]] = {}
        for device in devices:
            for slot in range(per_device):
                fd = _try_lock(where / f"gpu{device}.slot{slot}.lock")
                if fd is not None:
                    free.setdefault(device, []).append((slot, fd))
        chosen = None
        if free:
            device = max(free, key=lambda d: (len(free[d]), -devices.index(d)))  # fewest held, then first
            slot, fd = free[device][0]
            chosen = (device, slot, where / f"gpu{device}.slot{slot}.lock")
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} host {socket.gethostname()} since {time.strftime('%Y-%m-%dT%H:%M:%S')}\n"
                     .encode())
            _held.append(fd)
        for slots in free.values():
            for slot, fd in slots:
                if chosen is None or fd != _held[-1]:
                    os.close(fd)  # a probe: closing it frees that slot again
        return chosen
    finally:
        os.close(mutex)  # and with it the mutex


def bind_device(uses_gpu: bool, devices="auto", per_device: int = 1, lock_dir=DEFAULT_LOCK_DIR,
                poll_seconds: float = 1.0) -> Binding:
    """Set this process's ``CUDA_VISIBLE_DEVICES`` (see the module text) and return the binding.

    Call it once per process, before any deep-learning framework is imported.

    Parameters
    ----------
    uses_gpu : bool
        The job declares a ``gpu`` resource.
    devices : "auto" or list
        See :func:`discover_devices`.
    per_device : int, default 1
        GPU jobs that may share one device at a time (``gpu.jobs_per_device``).
    lock_dir : path, default ``.snakemake/gpu_locks``
        Folder of the lock files (relative: to the working directory); a folder per host is
        made in it.
    poll_seconds : float, default 1.0
        How often a job that finds every slot taken looks again.

    Returns
    -------
    Binding
        Its ``str`` is the line every job's log gives.

    Raises
    ------
    ConfigError
        Bad ``devices`` or ``per_device``, or a lock folder that cannot be made.
    """
    global _binding
    if not uses_gpu:
        os.environ[VISIBLE] = ""
        _binding = Binding("", "no-gpu")
        return _binding
    if os.environ.get("SLURM_JOB_ID"):
        _binding = Binding(os.environ.get(VISIBLE), "slurm", slurm_job=os.environ["SLURM_JOB_ID"])
        return _binding
    if isinstance(per_device, bool) or not isinstance(per_device, int) or per_device < 1:
        raise ConfigError(f"config gpu.jobs_per_device: expected an integer >= 1, not {per_device!r}")
    found = discover_devices(devices)
    if not found:
        _binding = Binding(os.environ.get(VISIBLE), "none-found")
        return _binding
    where = Path(lock_dir) / re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname() or "host")
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"config gpu.lock_dir: cannot make {where}: {exc.strerror or exc}") from exc
    waited = False
    while (taken := _take_slot(found, per_device, where)) is None:
        if not waited:
            log.info("all %d GPU slots (%d devices x %d) are taken: waiting for one", len(found) * per_device,
                     len(found), per_device)
            waited = True
        time.sleep(poll_seconds)
    device, slot, lock = taken
    os.environ[VISIBLE] = device
    _binding = Binding(device, "slot", device, slot, per_device, str(lock))
    return _binding

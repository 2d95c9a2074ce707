"""The contract every workflow script shares: :func:`run_script`.

Log lines go to the rule's log file (and stderr); an expected error
(:class:`~motifrep.errors.MotifrepError`) becomes one ``motifrep: error: ...`` line and exit
status 1, without a traceback; so does a full disk (``PATH: no space left on device (N MB free
on that filesystem)``), wherever the write was. ``workflow/scripts/*.py`` only unpack ``snakemake``
and call the step function that lives beside its algorithm
(``datasets.simulate.simulate_synthetic``, ``filters.scan.extract_filters``,
``motifs.tomtom.compare_filters``, ...).

Before the step runs, the job is bound to its device (:func:`motifrep.nn.devices.bind_device`:
no GPU for a job that declares no ``gpu`` resource, one slot of one device for a GPU job) and
the frameworks' environment is set (:func:`motifrep.nn.runtime.framework_environment`). Both
must precede any import of TensorFlow, Keras, JAX or PyTorch in the job's process, so a
workflow script imports nothing at its top that imports a framework (a step that does is
imported inside ``main``; ``tests/test_devices.py`` checks every script). With a log file the
job's whole output (its stdout and stderr, the frameworks' C++ logging included) goes to the
log; the console (Snakemake's) gets only the one-line errors and, on an unexpected exception,
its traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback

from motifrep.errors import MotifrepError
from motifrep.io import no_space_error, out_of_space
from motifrep.nn.devices import DEFAULT_LOCK_DIR, bind_device
from motifrep.nn.runtime import framework_environment, set_backend

log = logging.getLogger("motifrep")


def _declares_gpu(resources) -> bool:
    """The job declares a ``gpu`` resource above 0 (``resources: gpu=1``)."""
    value = resources.get("gpu", 0) if hasattr(resources, "get") else getattr(resources, "gpu", 0)
    try:
        return float(value or 0) > 0
    except (TypeError, ValueError):
        return False


def prepare_job(snakemake):
    """Bind the job to its device and set the frameworks' environment (before any framework import).

    The GPU settings are the config's ``gpu`` section (an execution policy that changes no
    result, so not a rule ``param``); whether the job uses a GPU is its ``gpu`` resource.

    Parameters
    ----------
    snakemake : snakemake.script.Snakemake
        Its ``resources`` and ``config``.

    Returns
    -------
    motifrep.nn.devices.Binding or None
        None (nothing bound) for a caller without ``resources`` (not a Snakemake job).
    """
    resources = getattr(snakemake, "resources", None)
    if resources is None:
        return None
    gpu = (getattr(snakemake, "config", None) or {}).get("gpu") or {}
    binding = bind_device(_declares_gpu(resources), gpu.get("devices", "auto"), gpu.get("jobs_per_device", 1),
                          gpu.get("lock_dir", DEFAULT_LOCK_DIR))
    framework_environment()
    set_backend(((getattr(snakemake, "config", None) or {}).get("training") or {}).get("backend"))
    return binding


@contextlib.contextmanager
def _output_to(path):
    """Send file descriptors 1 and 2 to ``path`` (appended) in the block; yield a stream to the console.

    The C++ logging of the frameworks (TensorFlow's oneDNN banner, which no environment
    variable silences) and anything else the job prints then lands in its log.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(saved[1]), "w", buffering=1)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        yield console
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def run_script(snakemake, func) -> None:
    """Run ``func(snakemake)`` bound to its device, its output in ``snakemake.log[0]``, with one-line errors.

    First :func:`prepare_job` (device binding, framework environment; its binding is the
    first log line). When the rule has a log file, ``snakemake.log[0]`` (overwritten) receives
    the log records of level INFO and above and everything the job writes to its stdout and
    stderr; the console gets the errors only. Without a log file the records go to stderr. A
    :class:`~motifrep.errors.MotifrepError` raised by ``func`` is logged as one
    ``motifrep: error: ...`` line and ends the process with exit status 1, without a
    traceback; so is a full disk or quota (:func:`motifrep.io.out_of_space`), named by the
    file the error names, else the rule's first output. Any other exception propagates
    unchanged (its traceback also written to the log).

    Parameters
    ----------
    snakemake : snakemake.script.Snakemake
        The object Snakemake injects into a script (its ``log``, ``input``, ``output``,
        ``params``, ... as ``func`` needs them).
    func : callable
        Called once as ``func(snakemake)``; its return value is ignored.

    Returns
    -------
    None

    Raises
    ------
    SystemExit
        With status 1 when ``func`` raises a :class:`~motifrep.errors.MotifrepError` or runs
        out of disk space.
    """
    log_file = snakemake.log[0] if len(snakemake.log) else None
    if log_file is None:
        redirect = contextlib.nullcontext(sys.stderr)
    else:
        open(log_file, "w").close()
        redirect = _output_to(log_file)
    with redirect as console:
        if log_file is None:
            handlers = [logging.StreamHandler(sys.stderr)]
        else:
            handlers = [logging.FileHandler(log_file, mode="a"), logging.StreamHandler(console)]
            handlers[1].setLevel(logging.ERROR)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers,
                            force=True)
        try:
            binding = prepare_job(snakemake)
            if binding is not None:
                log.info("device: %s", binding)
            func(snakemake)
        except MotifrepError as exc:
            log.error("motifrep: error: %s", exc)
            sys.exit(1)
        except Exception as exc:
            if not out_of_space(exc):
                if log_file is not None:
                    traceback.print_exc()  # into the log; the console gets it as the exception ends the job
                raise
            output = getattr(snakemake, "output", None)
            log.error("motifrep: error: %s", no_space_error(output[0] if output else ".", exc))
            sys.exit(1)

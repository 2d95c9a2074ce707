"""The contract every workflow script shares: :func:`run_script`.

Log lines go to the rule's log file (and stderr); an expected error
(:class:`~motifrep.errors.MotifrepError`) becomes one ``motifrep: error: ...`` line and exit
status 1, without a traceback; so does a full disk (``PATH: no space left on device (N MB free
on that filesystem)``), wherever the write was. ``workflow/scripts/*.py`` only unpack ``snakemake``
and call the step function that lives beside its algorithm
(``datasets.simulate.simulate_synthetic``, ``filters.scan.extract_filters``,
``motifs.tomtom.compare_filters``, ...).
"""

from __future__ import annotations

import logging
import sys

from motifrep.errors import MotifrepError
from motifrep.io import no_space_error, out_of_space

log = logging.getLogger("motifrep")


def run_script(snakemake, func) -> None:
    """Run ``func(snakemake)`` with logging to ``snakemake.log[0]`` and one-line errors.

    Log records of level INFO and above go to stderr and, when the rule has a log file, to
    ``snakemake.log[0]`` (overwritten). A :class:`~motifrep.errors.MotifrepError` raised by
    ``func`` is logged as one ``motifrep: error: ...`` line and ends the process with exit
    status 1, without a traceback; so is a full disk or quota (:func:`motifrep.io.out_of_space`),
    named by the file the error names, else the rule's first output. Any other exception
    propagates unchanged.

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
    handlers = [logging.StreamHandler(sys.stderr)]
    if len(snakemake.log):
        handlers.append(logging.FileHandler(snakemake.log[0], mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", handlers=handlers,
                        force=True)
    try:
        func(snakemake)
    except MotifrepError as exc:
        log.error("motifrep: error: %s", exc)
        sys.exit(1)
    except Exception as exc:
        if not out_of_space(exc):
            raise
        output = getattr(snakemake, "output", None)
        log.error("motifrep: error: %s", no_space_error(output[0] if output else ".", exc))
        sys.exit(1)

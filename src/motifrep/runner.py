"""The contract every workflow script shares: :func:`run_script`.

Log lines go to the rule's log file (and stderr); an expected error
(:class:`~motifrep.errors.MotifrepError`) becomes one ``motifrep: error: ...`` line and exit
status 1, without a traceback. ``workflow/scripts/*.py`` only unpack ``snakemake`` and call
the step function that lives beside its algorithm (``simulate.simulate_synthetic``,
``filters.extract_filters``, ``tomtom.compare_filters``, ...).
"""

from __future__ import annotations

import logging
import sys

from motifrep.errors import MotifrepError

log = logging.getLogger("motifrep")


def run_script(snakemake, func) -> None:
    """Run ``func(snakemake)`` with logging to ``snakemake.log[0]`` and one-line errors."""
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

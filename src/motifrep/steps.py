"""One function per workflow step; ``workflow/scripts/*.py`` call these.

Also :func:`run_script`, which gives every step the same logging and error contract:
log lines go to the rule's log file (and stderr); an expected error
(:class:`~motifrep.errors.MotifrepError`) becomes one ``motifrep: error: ...`` line and
exit status 1, without a traceback.
"""

from __future__ import annotations

import logging
import sys

import pandas as pd

from . import jaspar
from .data import write_simulated
from .errors import ConfigError, MotifrepError
from .io import write_tsv
from .matching import load_tf_table
from .meme import read_meme
from .simulate import simulate, split_indices, strand_pwms
from .tables import classification_table, summarise
from .versions import library_versions

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


def export_jaspar(out, release, collection, tax_group) -> None:
    n = jaspar.export_collection(out, release, collection, tax_group)
    log.info("wrote %d %s %s %s motifs to %s", n, release, collection, tax_group, out)


def download_jaspar(out, url, sha256) -> None:
    n = jaspar.download_meme(url, out, sha256)
    log.info("downloaded %d motifs from %s to %s", n, url, out)


def simulate_synthetic(jaspar_meme, tf_table, out, n_sequences, length, motif_count_probs, split, seed,
                       config=None) -> None:
    """SPEC 1.2: the synthetic multitask set from the TF table's JASPAR matrices."""
    tfs = load_tf_table(tf_table)
    motifs = {m.id: m for m in read_meme(jaspar_meme)}
    pwms = []
    for row in tfs.itertuples():
        if row.jaspar_id not in motifs:
            raise ConfigError(f"{tf_table}: JASPAR ID {row.jaspar_id!r} ({row.tf}) is not in {jaspar_meme}")
        pwms.append(motifs[row.jaspar_id].pwm)
    stranded, pwm_task, pwm_strand = strand_pwms(pwms)
    sim = simulate(stranded, pwm_task, len(tfs), n_sequences, length, motif_count_probs, seed, pwm_strand)
    splits = split_indices(n_sequences, split)
    motif_ids = [f"{i}{s}" for i in tfs.jaspar_id for s in ("+", "-")]
    write_simulated(out, sim, splits, list(tfs.tf), motif_ids, stranded, pwm_task, seed, config)
    log.info("simulated %d sequences x %d nt, %d motifs embedded; split %s -> %s", n_sequences, length,
             len(sim.truth), list(split), {k: len(v) for k, v in splits.items()})


def aggregate_classification(metrics_files, out_table, out_summary, order) -> None:
    table = classification_table(metrics_files)
    write_tsv(out_table, table)
    write_tsv(out_summary, summarise(table, order=order))
    log.info("aggregated %d runs of %d models", len(table), table["model"].nunique())


def write_versions(out) -> None:
    versions = library_versions()
    write_tsv(out, pd.DataFrame({"package": list(versions), "version": list(versions.values())}))

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
from .data import Dataset, write_simulated
from .errors import ConfigError, MotifrepError
from .io import write_tsv
from .matching import load_tf_table
from .meme import read_meme
from .simulate import simulate, split_indices, strand_pwms
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
    log.info("downloaded %d motifs from %s to %s; sha256 %s%s", n, url, out, jaspar.sha256sum(out),
             " (as expected)" if sha256 else " (not checked: set jaspar.sha256 to pin it)")


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


def write_versions(out) -> None:
    versions = library_versions()
    write_tsv(out, pd.DataFrame({"package": list(versions), "version": list(versions.values())}))


# --------------------------------------------------------------------------- P1 analysis


def extract_filters(model_path, data_path, out_clipped, out_full, layer, threshold, weighting, window_edges,
                    ic_threshold, flank, batch_size, threads, window: int | None = None) -> None:
    """SPEC 3.1: filter PPMs of conv layer ``layer`` by activation alignment over the test set.

    ``window``: columns cut around each site (19 as Koo & Eddy 2019, 20 as Koo & Ploenzke
    2021; see :func:`motifrep.filters.pwm_window`); ``None`` cuts the receptive field.
    """
    from .filters import activation_pwms, filters_to_motifs
    from .meme import write_meme
    from .train import configure_tensorflow

    from .models import load_model

    configure_tensorflow(threads, seed=0)
    model = load_model(model_path)  # knows motifrep's custom activations; one-line errors
    with Dataset(data_path) as ds:
        X, _ = ds.load("test")
    ppms, n_sites = activation_pwms(model, X, layer=layer, threshold=threshold, weighting=weighting,
                                    window_edges=window_edges, batch_size=batch_size, window=window)
    write_meme(out_full, filters_to_motifs(ppms, clip=False, n_sites=n_sites))
    write_meme(out_clipped, filters_to_motifs(ppms, clip=True, ic_threshold=ic_threshold, flank=flank,
                                              n_sites=n_sites))
    log.info("layer %d: %d filters, %d-column windows, %d without any site above %.2f x max; %d test sequences",
             layer, len(ppms), ppms.shape[1], int((n_sites == 0).sum()), threshold, len(X))


def compare_filters(filters_meme, jaspar_meme, out_tsv, engine, thresh, pseudocount, numba_cache, threads,
                    min_overlap: int = 1) -> None:
    """SPEC 3.2: Tomtom of the filters against JASPAR; hits with E <= thresh.

    ``min_overlap``: Tomtom's ``-min-overlap`` (MEME's default 1, which the authors ran).
    """
    from .tomtom import run_tomtom, write_tomtom_tsv

    hits = run_tomtom(read_meme(filters_meme), read_meme(jaspar_meme), engine=engine, thresh=thresh,
                      pseudocount=pseudocount, numba_cache_dir=numba_cache, threads=threads, min_overlap=min_overlap)
    write_tomtom_tsv(out_tsv, hits)
    log.info("%s: %d hits (E <= %g) for %d filters", engine, len(hits), thresh, hits["Query_ID"].nunique())


def _motif_names(jaspar_meme) -> tuple[dict, dict]:
    motifs = read_meme(jaspar_meme)
    return {m.id: m for m in motifs}, {m.id: m.name for m in motifs}


def make_logo_figure(panels, jaspar_meme, tf_table, ground_truth, out_paths, title=None) -> None:
    """Filter logos per panel, each labelled with its best significant JASPAR match.

    ``panels``: dicts with label, filters (MEME), tomtom (TSV); ``ground_truth``: add the
    TF table's JASPAR motifs as a last row.
    """
    from .matching import filter_best_matches
    from .meme import Motif
    from .plots import filter_logo_figure
    from .tomtom import read_tomtom_tsv

    by_id, names = _motif_names(jaspar_meme)
    sections = []
    for panel in panels:
        best = filter_best_matches(read_tomtom_tsv(panel["tomtom"]))
        labels = {q: f"{t} {names.get(t, '')}".strip() for q, t in zip(best["Query_ID"], best["Target_ID"])}
        sections.append({"label": panel["label"], "motifs": read_meme(panel["filters"]), "labels": labels})
    truth = None
    if ground_truth:
        truth = []
        for row in load_tf_table(tf_table).itertuples():
            if row.jaspar_id not in by_id:
                raise ConfigError(f"{tf_table}: JASPAR ID {row.jaspar_id!r} ({row.tf}) is not in {jaspar_meme}")
            truth.append(Motif(row.jaspar_id, by_id[row.jaspar_id].pwm, name=row.tf))
    filter_logo_figure(sections, out_paths, ground_truth=truth, title=title)
    log.info("wrote %s", ", ".join(map(str, out_paths)))


def make_match_plot(matches_summary_tsv, pools: dict, out_paths, title=None) -> None:
    """Bar plot of the first-layer match fractions against the first-layer pool size."""
    from .plots import match_fraction_barplot

    summary = pd.read_csv(matches_summary_tsv, sep="\t")
    summary = summary[(summary.layer == 1) & summary.model.isin(list(pools))].copy()
    summary["pool"] = summary.model.map(pools)
    match_fraction_barplot(summary, out_paths, x="pool", title=title)
    log.info("wrote %s for %d models", ", ".join(map(str, out_paths)), len(summary))


def prepare_tomtom(engine, numba_cache, out) -> None:
    """Check the Tomtom engine once before the per-model jobs: compile memelite into the
    numba cache (about 90 s, once), or run the MEME binary on a tiny input."""
    import time

    import numpy as np

    from .io import write_text
    from .meme import Motif
    from .tomtom import run_tomtom

    rng = np.random.default_rng(0)
    motifs = [Motif(f"m{i}", rng.dirichlet(np.ones(4), 8)) for i in range(2)]
    t0 = time.perf_counter()
    run_tomtom(motifs, motifs, engine=engine, numba_cache_dir=numba_cache if engine == "memelite" else None)
    seconds = time.perf_counter() - t0
    write_text(out, f"engine\t{engine}\nseconds\t{seconds:.1f}\n")
    log.info("tomtom engine %s ready in %.1f s", engine, seconds)

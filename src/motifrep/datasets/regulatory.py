"""The synthetic "regulatory code" set of Koo & Ploenzke 2021, task 3 (methods §1.5).

Binary labels: a positive sequence holds 3..7 motifs drawn from the 5 core TFs (SP1, Gabpa,
CEBPB, MAX, YY1; both strands, 10 PWMs), label 1; a negative holds 3..7 motifs drawn from a
110-PWM pool (the 10 core PWMs plus 50 background JASPAR motifs, both strands), label 0.
Negatives may hold core motifs: the label says which pool was used, not what is in the
sequence. Placement, gaps and base sampling are those of :mod:`motifrep.datasets.simulate`.

Per-position ground truth (``info_mask``): 1 where the generating column carries
information, ``log2(4) + sum_b p_b log2 p_b > 0.01`` bits (the authors' definition; uniform
background is 0), computed by :func:`motifrep.motifs.information.information_content`.

The 50 background motifs are chosen once (:func:`choose_background_pool`, CLI
``python -m motifrep.datasets.regulatory choose-pool``) and kept in ``resources/task3_pool.tsv``.

The module holds the simulation (:func:`simulate_regulatory`), the background-pool rule
(:func:`choose_background_pool`, which runs :func:`motifrep.motifs.tomtom.run_tomtom`), the
pool file's reader and writer (:func:`load_pool`, :func:`format_pool`), the workflow step
(:func:`build_regulatory_set`: core TFs from a TF table, read by
:func:`motifrep.motifs.tf_table.load_tf_table`; HDF5 written by
:func:`motifrep.datasets.store.write_simulated`) and the ``choose-pool`` command line, beside
``authors-pool``, which writes ``resources/task3_pool_authors.tsv``: the authors' own 50 motifs,
rebuilt from their notebook by :func:`motifrep.datasets.authors_pool.authors_background_pool`.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from motifrep.datasets import authors_pool
from motifrep.datasets.simulate import (
    SimulatedSet,
    check_count_probs,
    check_motifs_fit,
    ground_truth_frame,
    layout,
    motif_positions,
    pwm_stack,
    sample_bases,
    split_indices,
    strand_pwms,
)
from motifrep.datasets.store import write_simulated
from motifrep.download import sha256sum
from motifrep.errors import ConfigError, FormatError, MotifrepError
from motifrep.io import read_lines, write_text
from motifrep.motifs.information import information_content
from motifrep.motifs.meme import Motif, read_meme
from motifrep.motifs.tf_table import load_tf_table
from motifrep.motifs.tomtom import run_tomtom

log = logging.getLogger("motifrep")


TASK_NAME = "regulatory"


INFO_THRESHOLD = 0.01  # bits; the authors' cut-off for "position lies in a motif"


POOL_COLUMNS = ["jaspar_id", "name"]


CHOOSE_POOL_EXAMPLE = """

Writes OUT with the rule, the JASPAR file's checksum and the command as '#' comment lines,
then the header 'jaspar_id<TAB>name' and one motif per line. resources/task3_pool.tsv came from:

  python -m motifrep.datasets.regulatory choose-pool \\
      --jaspar JASPAR_CORE_2016_vertebrates.meme --core resources/task3_core.tsv \\
      --out resources/task3_pool.tsv --seed 22

The first run compiles memelite's numba kernels (about 90 s; cached in $NUMBA_CACHE_DIR).
"""


AUTHORS_POOL_EXAMPLE = """

Writes OUT with the derivation as '#' comment lines, then the header 'jaspar_id<TAB>name' and
the 50 motifs in the authors' order. resources/task3_pool_authors.tsv came from:

  python -m motifrep.datasets.regulatory authors-pool \\
      --jaspar JASPAR_CORE_2016_vertebrates.meme --out resources/task3_pool_authors.tsv

Use it with the task-3 data set's config key 'pool: resources/task3_pool_authors.tsv'.
"""


def simulate_regulatory(core_pwms, pool_pwms, n_positive: int, n_negative: int, length: int, count_probs,
                        min_motifs: int, seed: int) -> SimulatedSet:
    """Simulate the task-3 set (module docstring).

    ``n_positive`` then ``n_negative`` sequences, shuffled together with one permutation.

    ``core_pwms``: the core TFs' ``(width, 4)`` matrices; ``pool_pwms``: the background TFs'
    matrices (not including the core ones). PWM index ``p`` (truth ``pwm``, HDF5 ``motifs``)
    runs over ``strand_pwms(core_pwms + pool_pwms)``: the first ``2 * len(core_pwms)`` are
    the core PWMs; truth ``tf`` is ``p // 2``, the TF's index in ``core + pool``.
    ``count_probs[k]`` is P(min_motifs + k motifs). All draws come from
    ``np.random.default_rng(seed)``: positives' layout, negatives' layout, the shuffle, bases.

    Parameters
    ----------
    core_pwms : list of numpy.ndarray
        The core TFs' ``(width, 4)`` matrices.
    pool_pwms : list of numpy.ndarray
        The background TFs' matrices.
    n_positive, n_negative : int
        Sequences of each class (>= 1 each).
    length : int
        Sequence length in nt.
    count_probs : sequence of float
        Probabilities of ``min_motifs``, ``min_motifs + 1``, ... motifs per sequence.
    min_motifs : int
        Fewest motifs per sequence (>= 1).
    seed : int
        Seed of the one generator.

    Returns
    -------
    SimulatedSet
        With ``info_mask``; ``Y`` is ``(N, 1)``, 1 for positives.

    Raises
    ------
    ConfigError
        ``count_probs`` is not a distribution, ``min_motifs`` < 1, a class is empty, or the
        most motifs of the widest PWM do not fit in ``length``.
    """
    probs = check_count_probs(count_probs)
    if min_motifs < 1:
        raise ConfigError(f"simulation.min_motifs: {min_motifs} must be at least 1")
    if n_positive < 1 or n_negative < 1:
        raise ConfigError(f"simulation: need positives and negatives, got {n_positive} and {n_negative}")
    pwms, pwm_tf, pwm_strand = strand_pwms(list(core_pwms) + list(pool_pwms))
    widths = np.array([p.shape[0] for p in pwms])
    check_motifs_fit(widths, min_motifs + probs.size - 1, length)
    n_core = 2 * len(core_pwms)
    rng = np.random.default_rng(seed)

    pos = layout(rng, widths[:n_core], n_positive, length, probs, min_motifs)
    neg = layout(rng, widths, n_negative, length, probs, min_motifs)
    n = n_positive + n_negative
    order = rng.permutation(n)  # new row r holds drawn sequence order[r]
    new_row = np.empty(n, dtype=np.int64)
    new_row[order] = np.arange(n)
    occ_seq = new_row[np.concatenate([pos[0], neg[0] + n_positive])]
    occ_pwm = np.concatenate([pos[1], neg[1]])
    occ_start = np.concatenate([pos[2], neg[2]])
    by_row = np.lexsort((occ_start, occ_seq))
    occ_seq, occ_pwm, occ_start = occ_seq[by_row], occ_pwm[by_row], occ_start[by_row]

    labels = np.concatenate([np.ones(n_positive, np.uint8), np.zeros(n_negative, np.uint8)])
    truth = ground_truth_frame(occ_seq, occ_pwm, occ_start, widths, pwm_tf, pwm_strand)
    pos_seq, pos_idx, col = motif_positions(occ_seq, occ_start, widths[occ_pwm])
    pos_pwm = np.repeat(occ_pwm, widths[occ_pwm])
    stack = pwm_stack(pwms)
    mask = np.zeros((n, length), dtype=np.uint8)
    mask[pos_seq, pos_idx] = 1
    info_mask = np.zeros((n, length), dtype=np.uint8)
    info_mask[pos_seq, pos_idx] = information_content(stack)[pos_pwm, col] > INFO_THRESHOLD
    X = sample_bases(rng, stack, n, length, pos_seq, pos_idx, pos_pwm, col)
    return SimulatedSet(X=X, Y=labels[order][:, None], truth=truth, mask=mask, info_mask=info_mask)


def choose_background_pool(jaspar_motifs, core_ids, n: int = 50, seed: int = 22, evalue: float = 0.1,
                           engine: str = "memelite", pseudocount: float | None = 0.1) -> list[Motif]:
    """The rule that chose the 50 background motifs of ``resources/task3_pool.tsv``.

    Tomtom (:func:`motifrep.motifs.tomtom.run_tomtom`; queries = the core motifs, targets = all of
    ``jaspar_motifs``, both strands, E = p x number of targets, ``pseudocount`` as MEME's
    ``-motif-pseudo``) flags every motif with E <= ``evalue`` against any core motif. The
    core motifs and the flagged ones are removed; the rest, in file order, are permuted with
    ``np.random.default_rng(seed).permutation`` and the first ``n`` are returned, in that order.
    """

    jaspar_motifs = list(jaspar_motifs)
    by_id = {m.id: m for m in jaspar_motifs}
    missing = [i for i in core_ids if i not in by_id]
    if missing:
        raise ConfigError(f"core JASPAR ID(s) {', '.join(missing)} not in the JASPAR motifs")
    hits = run_tomtom([by_id[i] for i in core_ids], jaspar_motifs, engine=engine, thresh=evalue,
                      pseudocount=pseudocount)
    excluded = set(core_ids) | set(hits.loc[hits["E-value"] <= evalue, "Target_ID"])
    rest = [m for m in jaspar_motifs if m.id not in excluded]
    if len(rest) < n:
        raise ConfigError(f"only {len(rest)} JASPAR motifs are left after excluding core look-alikes, {n} wanted")
    order = np.random.default_rng(seed).permutation(len(rest))
    return [rest[i] for i in order[:n]]


def load_pool(path: str | os.PathLike) -> pd.DataFrame:
    """Read a pool file: the background motifs of the task-3 set.

    ``#`` comment lines, a tab-separated header ``jaspar_id  name``, one motif per line.

    Parameters
    ----------
    path : str or os.PathLike
        The pool file (e.g. ``resources/task3_pool.tsv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``jaspar_id``, ``name`` in file order.

    Raises
    ------
    FormatError
        One line, ``FILE:LINE: what``: a missing or non-text file, a header not starting
        with ``jaspar_id  name``, a line with another number of fields, an empty or
        duplicate ID, or no rows.
    """
    header, rows, seen = None, [], {}
    for lineno, line in enumerate(read_lines(path, "motif pool file"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if header is None:
            if fields[: len(POOL_COLUMNS)] != POOL_COLUMNS:
                raise FormatError(f"{path}:{lineno}: pool header must start with {' '.join(POOL_COLUMNS)}, "
                                  f"got {' '.join(fields)!r}")
            header = fields
            continue
        if len(fields) != len(header):
            raise FormatError(f"{path}:{lineno}: {len(fields)} tab-separated fields, header has {len(header)}")
        jaspar_id = fields[0]
        if not jaspar_id:
            raise FormatError(f"{path}:{lineno}: empty jaspar_id")
        if jaspar_id in seen:
            raise FormatError(f"{path}:{lineno}: JASPAR ID {jaspar_id!r} listed twice "
                              f"(first on line {seen[jaspar_id]})")
        seen[jaspar_id] = lineno
        rows.append(fields[:2])
    if not rows:
        raise FormatError(f"{path}: motif pool file has no rows")
    return pd.DataFrame(rows, columns=POOL_COLUMNS)


def format_pool(motifs: list[Motif], comments: list[str]) -> str:
    """Pool-file text: ``# `` comment lines, the header, one ``id<TAB>name`` line per motif."""
    lines = [f"# {c}".rstrip() for c in comments] + ["\t".join(POOL_COLUMNS)]
    lines += [f"{m.id}\t{m.name}" for m in motifs]
    return "\n".join(lines) + "\n"


def _lookup(motifs: dict, ids, source, jaspar_meme) -> list[np.ndarray]:
    """The matrices of ``ids``; ConfigError naming ``source`` for an ID not in the MEME file."""
    for jaspar_id in ids:
        if jaspar_id not in motifs:
            raise ConfigError(f"{source}: JASPAR ID {jaspar_id!r} is not in {jaspar_meme}")
    return [motifs[i].pwm for i in ids]


def build_regulatory_set(jaspar_meme, core_table, pool_table, out, n_positive, n_negative, length,
                         motif_count_probs, min_motifs, split, seed, config=None) -> None:
    """methods §1.5: simulate the task-3 set from the core TF table and the pool file, write HDF5.

    Parameters
    ----------
    jaspar_meme : str or os.PathLike
        MEME file holding every core and pool JASPAR ID.
    core_table : str or os.PathLike
        TF table of the core TFs (``resources/task3_core.tsv``).
    pool_table : str or os.PathLike
        Pool file of the background motifs (:func:`load_pool`).
    out : str or os.PathLike
        The HDF5 file to write; its one task is named ``"regulatory"``.
    n_positive, n_negative, length, motif_count_probs, min_motifs
        As :func:`simulate_regulatory`.
    split : sequence of 3 float
        Train, valid, test fractions summing to 1.
    seed : int
        Seed of the simulation (:func:`simulate_regulatory`).
    config : dict, optional
        Recorded in the file.

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        A pool ID that is also a core ID, an ID not in ``jaspar_meme``, or bad simulation
        settings or ``split``.
    FormatError
        A malformed TF table, pool file or MEME file.
    """

    core = load_tf_table(core_table)
    pool = load_pool(pool_table)
    overlap = sorted(set(core.jaspar_id) & set(pool.jaspar_id))
    if overlap:
        raise ConfigError(f"{pool_table}: JASPAR ID {overlap[0]!r} is a core motif ({core_table}); "
                          "the pool file lists background motifs only")
    motifs = {m.id: m for m in read_meme(jaspar_meme)}
    core_pwms = _lookup(motifs, core.jaspar_id, core_table, jaspar_meme)
    pool_pwms = _lookup(motifs, pool.jaspar_id, pool_table, jaspar_meme)
    sim = simulate_regulatory(core_pwms, pool_pwms, n_positive, n_negative, length, motif_count_probs,
                              min_motifs, seed)
    n = n_positive + n_negative
    splits = split_indices(n, split)
    ids = list(core.jaspar_id) + list(pool.jaspar_id)
    stranded, pwm_tf, _ = strand_pwms(core_pwms + pool_pwms)
    motif_ids = [f"{i}{s}" for i in ids for s in ("+", "-")]
    write_simulated(out, sim, splits, [TASK_NAME], motif_ids, stranded, pwm_tf, seed, config)
    log.info("regulatory set: %d positives, %d negatives x %d nt, %d motifs embedded; split %s -> %s",
             n_positive, n_negative, length, len(sim.truth), list(split), {k: len(v) for k, v in splits.items()})


def choose_pool_command(args) -> None:
    """``choose-pool``: write the background pool file with its provenance in comments."""

    core = load_tf_table(args.core)
    motifs = read_meme(args.jaspar)
    chosen = choose_background_pool(motifs, list(core.jaspar_id), n=args.n, seed=args.seed, evalue=args.evalue,
                                    engine=args.engine, pseudocount=args.pseudocount)
    command = (f"python -m motifrep.datasets.regulatory choose-pool --jaspar {args.jaspar} --core {args.core} "
               f"--out {args.out} --seed {args.seed}")
    defaults = {"n": 50, "evalue": 0.1, "engine": "memelite", "pseudocount": 0.1}
    command += "".join(f" --{k} {getattr(args, k)}" for k, v in defaults.items() if getattr(args, k) != v)
    comments = [
        f"Background motif pool of the P2 task-3 regulatory-code set (methods §1.5): {len(chosen)} JASPAR motifs.",
        f"Rule: from {Path(args.jaspar).name} ({len(motifs)} motifs; sha256 {sha256sum(args.jaspar)}),",
        f"drop the core motifs of {args.core} and every motif with a Tomtom hit E <= {args.evalue:g}",
        f"against any core motif (engine {args.engine}, queries = core motifs, targets = the whole file, both strands,",
        f"E = p x {len(motifs)} targets, motif pseudocount {args.pseudocount:g}); permute the rest (file order)",
        f"with numpy.random.default_rng({args.seed}).permutation and keep the first {args.n}, in that order.",
        f"Produced by: {command}",
    ]
    write_text(args.out, format_pool(chosen, comments))
    print(f"wrote {len(chosen)} background motifs to {args.out}")


def authors_pool_command(args) -> None:
    """``authors-pool``: write the authors' background pool with its provenance in comments."""

    motifs = read_meme(args.jaspar)
    chosen = authors_pool.authors_background_pool(motifs)
    ap = authors_pool
    comments = f"""\
The authors' background motif pool of the P2 task-3 regulatory-code set (methods §1.5): {len(chosen)} JASPAR motifs, \
in their order.
Source: github.com/{ap.SOURCE_REPO} at commit {ap.SOURCE_COMMIT}, {ap.SOURCE_FILE}:
cell 1 np.random.seed({ap.SEED}); cell 3 reads data/pfm_vertebrates.txt, JASPAR 2016 CORE vertebrates \
({ap.N_JASPAR} PFMs sorted by matrix ID,
the IDs and order of {Path(args.jaspar).name}, sha256 {sha256sum(args.jaspar)});
cell 4 motif_index = np.random.permutation({ap.N_JASPAR})[0:{ap.FIRST}];
cell 6 motif_index = set(motif_index) - set({list(ap.DUPLICATE_INDEX)}); pool = list(motif_index)[:{ap.N_POOL}].
The {len(ap.DUPLICATE_INDEX)} numbers are positions of core look-alikes in the {ap.FIRST}-motif list \
(ETV5, CEBPG, KLF5, MLX, ZIC3, ETV3, PLAG1, TCF4, NFIC, E2F6),
but the code subtracts them from the set of JASPAR indices, where none occurs: nothing is removed, \
and the pool is the first {ap.N_POOL} of the {ap.FIRST}
in CPython's set iteration order (the same in CPython 3.6 to 3.13; computed by \
motifrep.datasets.authors_pool.cpython_set_difference_list).
So 9 of the 10 look-alikes they meant to drop are in it (all but KLF5). \
The permutation is numpy.random.RandomState({ap.SEED}).permutation({ap.N_JASPAR}),
checked against the 65 logos (titled by position) that their June 2020 run stored in the notebook \
(commit 888191d5a1ca6b5469527c298062aaf3457d1a9c).
Produced by: python -m motifrep.datasets.regulatory authors-pool --jaspar {args.jaspar} --out {args.out}""".splitlines()
    write_text(args.out, format_pool(chosen, comments))
    print(f"wrote the authors' {len(chosen)} background motifs to {args.out}")


def main(argv=None) -> None:
    """``python -m motifrep.datasets.regulatory``: run a command; an expected error exits with status 1."""
    parser = argparse.ArgumentParser(prog="python -m motifrep.datasets.regulatory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    pool = sub.add_parser("choose-pool", help="choose the background motif pool (resources/task3_pool.tsv)",
                          description=inspect.cleandoc(choose_background_pool.__doc__) + CHOOSE_POOL_EXAMPLE,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    pool.add_argument("--jaspar", required=True, help="JASPAR 2016 CORE vertebrates, MEME format")
    pool.add_argument("--core", required=True, help="core TF table (tf, jaspar_id, accepted_ids), "
                      "e.g. resources/task3_core.tsv")
    pool.add_argument("--out", required=True, help="pool file to write (jaspar_id, name)")
    pool.add_argument("--seed", type=int, default=22, help="seed of the permutation (default: 22)")
    pool.add_argument("--n", type=int, default=50, help="number of background motifs (default: 50)")
    pool.add_argument("--evalue", type=float, default=0.1,
                      help="Tomtom E-value at or below which a motif is a core look-alike (default: 0.1)")
    pool.add_argument("--engine", choices=["memelite", "meme"], default="memelite",
                      help="Tomtom engine (default: memelite)")
    pool.add_argument("--pseudocount", type=float, default=0.1, help="Tomtom -motif-pseudo (default: 0.1)")
    authors = sub.add_parser("authors-pool", help="the authors' own background pool (resources/task3_pool_authors.tsv)",
                             description=inspect.cleandoc(authors_pool.__doc__) + AUTHORS_POOL_EXAMPLE,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    authors.add_argument("--jaspar", required=True, help="JASPAR 2016 CORE vertebrates, MEME format (519 motifs)")
    authors.add_argument("--out", required=True, help="pool file to write (jaspar_id, name)")
    args = parser.parse_args(argv)
    try:
        (authors_pool_command if args.command == "authors-pool" else choose_pool_command)(args)
    except MotifrepError as exc:
        print(f"motifrep: error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

"""The authors' own task-3 background pool (methods §1.5), rebuilt from their code.

Koo & Ploenzke's notebook ``code/generate_data/task3_generate_synthetic_code_dataset.ipynb``
(github.com/p-koo/exponential_activations, commit 7e48054b64a565364439c45932338a09eb2eb4d3)
chooses the 50 background motifs of task 3 in four steps:

- cell 1: ``np.random.seed(22)``;
- cell 3: reads ``data/pfm_vertebrates.txt``, the JASPAR 2016 CORE vertebrates PFMs (519
  motifs, sorted by matrix ID: the IDs and order of ``JASPAR_CORE_2016_vertebrates.meme``);
- cell 4: ``motif_index = np.random.permutation(len(motif_set))[0:65]`` (the first draw after
  the seed);
- cell 6: ``duplicate_index = [4, 5, 12, 15, 17, 18, 20, 36, 42, 60]``;
  ``motif_index = set(motif_index) - set(duplicate_index)``; the pool is
  ``list(motif_index)[:50]``.

The ten numbers are positions in the 65-motif list (the run stored in the notebook's history
plots the 65 logos titled 0..64, and those positions hold ETV5, CEBPG, KLF5, MLX, ZIC3, ETV3,
PLAG1, TCF4, NFIC and E2F6, look-alikes of the core motifs), but the code subtracts them from
the set of JASPAR indices, where none of them occurs: nothing is removed, and the pool is the
first 50 of the 65 in CPython's set iteration order. :func:`authors_background_pool` rebuilds
exactly that list; :func:`cpython_set_difference_list` computes the set order without relying
on the running interpreter (CPython 3.6's and 3.7+'s set tables give the same list here; PyPy's
ordered sets would not).
"""

from __future__ import annotations

import hashlib

import numpy as np

from motifrep.errors import ConfigError
from motifrep.motifs.meme import Motif

SOURCE_REPO = "p-koo/exponential_activations"
SOURCE_COMMIT = "7e48054b64a565364439c45932338a09eb2eb4d3"
SOURCE_FILE = "code/generate_data/task3_generate_synthetic_code_dataset.ipynb"
SEED = 22
FIRST = 65
DUPLICATE_INDEX = (4, 5, 12, 15, 17, 18, 20, 36, 42, 60)
N_POOL = 50
N_JASPAR = 519
# sha256 of the 519 matrix IDs of the authors' data/pfm_vertebrates.txt, in file order, joined by "\n"
JASPAR_IDS_SHA256 = "7bfbfb85a9384105dc1046b47b1c9b06cdff882ffedd65b3ab2017b54a3c447e"

_LINEAR_PROBES, _PERTURB_SHIFT, _MINSIZE = 9, 5, 8  # CPython Objects/setobject.c
_DUMMY = -1  # a discarded slot; keys are non-negative


def _free_slot(table: list, key: int) -> int:
    """Where CPython's set_insert_clean puts ``key`` (hash = key for a small non-negative int)."""
    mask = len(table) - 1
    i, perturb = key & mask, key
    while True:
        if table[i] is None:
            return i
        if i + _LINEAR_PROBES <= mask:
            for j in range(i + 1, i + _LINEAR_PROBES + 1):
                if table[j] is None:
                    return j
        perturb >>= _PERTURB_SHIFT
        i = (i * 5 + 1 + perturb) & mask


def _find(table: list, key: int) -> int | None:
    """CPython's set_lookkey: the slot holding ``key``, or None."""
    mask = len(table) - 1
    i, perturb = key & mask, key
    while True:
        if table[i] is None:
            return None
        if table[i] == key:
            return i
        if i + _LINEAR_PROBES <= mask:
            for j in range(i + 1, i + _LINEAR_PROBES + 1):
                if table[j] is None:
                    return None
                if table[j] == key:
                    return j
        perturb >>= _PERTURB_SHIFT
        i = (i * 5 + 1 + perturb) & mask


def _table_size(minused: int) -> int:
    """The smallest power of 2 (at least 8) above ``minused``: set_table_resize's new size."""
    size = _MINSIZE
    while size <= minused:
        size <<= 1
    return size


def _rebuilt(table: list, minused: int) -> list:
    """CPython's set_table_resize: a table of ``_table_size(minused)``, keys re-inserted in slot order."""
    new = [None] * _table_size(minused)
    for key in table:
        if key is not None and key != _DUMMY:
            new[_free_slot(new, key)] = key
    return new


def cpython_set_difference_list(values, removed, load: tuple[int, int] = (3, 5)) -> list[int]:
    """``list(set(values) - set(removed))`` in CPython's order, for distinct ints ``0 <= v < 2**61``.

    Follows CPython's ``Objects/setobject.c``: ``set(values)`` adds the values one by one (a
    table of 8 slots, linear probes of 9, perturbed probing, growth to the smallest power of 2
    above 4 x used when ``fill >= load[0]/load[1]`` of the mask); ``-`` with
    ``len(a) >> 2 > len(b)`` copies ``a`` into a table sized for 2 x len(a) (slot order) and
    discards ``b``'s keys, rebuilding if more than a quarter of the slots are then dummies.
    ``load`` is ``(3, 5)`` in CPython 3.7 and later, ``(2, 3)`` in 3.6. Other operand sizes
    take another code path: ValueError.
    """
    values = [int(v) for v in values]
    removed = {int(v) for v in removed}
    if (len(set(values)) != len(values) or len(values) > 50000
            or any(not 0 <= v < 2**61 - 1 for v in values + list(removed))):
        raise ValueError("values must be at most 50,000 distinct non-negative integers below 2**61 - 1")
    if len(values) >> 2 <= len(removed):
        raise ValueError("only the copy-and-discard path of set difference (len(a) >> 2 > len(b)) is emulated")
    num, den = load
    table = [None] * _MINSIZE
    for fill, v in enumerate(values, start=1):  # set(values): set_add_entry
        table[_free_slot(table, v)] = v
        if fill * den >= (len(table) - 1) * num:
            table = _rebuilt(table, fill * 4)
    used = len(values)
    copy = [None] * _MINSIZE  # set_copy -> set_merge into an empty set
    if used * den >= (len(copy) - 1) * num:
        copy = [None] * _table_size(used * 2)
    if len(copy) == len(table):
        copy = list(table)
    else:
        for key in table:
            if key is not None:
                copy[_free_slot(copy, key)] = key
    dummies = 0
    for v in removed:  # set_difference_update_internal
        slot = _find(copy, v)
        if slot is not None:
            copy[slot] = _DUMMY
            dummies += 1
    if dummies > (len(copy) - 1) // 4:
        copy = _rebuilt(copy, (used - dummies) * 4)
    return [key for key in copy if key is not None and key != _DUMMY]


def authors_background_pool(jaspar_motifs) -> list[Motif]:
    """The 50 background motifs the authors' task-3 notebook picks, in their order.

    ``jaspar_motifs``: JASPAR 2016 CORE vertebrates (519 motifs, any order; sorted here by
    matrix ID, the order of the authors' ``pfm_vertebrates.txt``). Then, as their code runs:
    ``numpy.random.RandomState(22).permutation(519)[:65]`` (what ``np.random.seed(22)`` then
    ``np.random.permutation`` draw; the legacy generator keeps its streams across NumPy
    releases), ``set(...) - set([4, 5, 12, 15, 17, 18, 20, 36, 42, 60])`` (removes nothing:
    see the module docstring) and the first 50 in CPython's set order
    (:func:`cpython_set_difference_list`). ConfigError if the motifs are not those 519.
    """
    motifs = sorted(jaspar_motifs, key=lambda m: m.id)
    digest = hashlib.sha256("\n".join(m.id for m in motifs).encode()).hexdigest()
    if len(motifs) != N_JASPAR or digest != JASPAR_IDS_SHA256:
        raise ConfigError(f"the authors' pool indexes JASPAR 2016 CORE vertebrates ({N_JASPAR} matrix IDs); "
                          f"these {len(motifs)} motifs are another set")
    first = np.random.RandomState(SEED).permutation(len(motifs))[:FIRST]
    return [motifs[i] for i in cpython_set_difference_list(first, DUPLICATE_INDEX)[:N_POOL]]

"""Data sets: the one-hot HDF5 layout every model reads, and every way of filling it.

The HDF5 store with its splits, ground truth and block-wise reading (:mod:`.store`); the
synthetic multitask simulation of P1 / P2 task 1 (:mod:`.simulate`) and the binary
"regulatory code" simulation of P2 task 3 with its background pool (:mod:`.regulatory`; the
authors' own pool rebuilt from their notebook, :mod:`.authors_pool`); the
in vivo routes: genome FASTA access and one-hot encoding (:mod:`.genome`), narrowPeak files
(:mod:`.peaks`), ENCODE peaks on a genome (:mod:`.encode`) and the DeepSEA bundle
(:mod:`.deepsea`). Data sets depend on motifs (JASPAR PWMs, TF tables), never on models.
"""

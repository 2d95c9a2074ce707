"""Motifs: everything that is a position probability matrix or compares one with another.

The MEME motif format (:mod:`.meme`), JASPAR collections exported from ``pyjaspar`` or
downloaded (:mod:`.jaspar`), the TF table that names each data set's ground-truth TFs and the
JASPAR IDs accepted for them, with the check of a Tomtom hit table (:mod:`.tf_table`), the two
Tomtom engines, memelite and MEME's binary (:mod:`.tomtom`), the one information-content
formula (:mod:`.information`) and sequence-logo drawing and figure saving (:mod:`.logo`).
Nothing here knows about networks or data sets; every later stage builds on it.
"""

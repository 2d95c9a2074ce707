"""Filters: from a trained network's convolutional filters to motifs and their matches.

Layer activations and receptive fields, activation-weighted PPMs and their clipping
(:mod:`.scan`); match statistics against the ground truth from a Tomtom table
(:mod:`.matching`); the per-filter and per-TF report (:mod:`.report`); and the logo grid of a
run's filters beside the ground-truth motifs (:mod:`.logos`).
"""

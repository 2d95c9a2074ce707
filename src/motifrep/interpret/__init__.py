"""Interpretation: attribution maps and how well they, or scans, find the embedded motifs.

Attribution methods (saliency, ISM, integrated gradients, SmoothGrad, DeepSHAP) and the HDF5
maps they write (:mod:`.attribution`); per-position interpretability AUROC / AUPR against the
ground truth, the authors' P2 task-3 score (:mod:`.interpretability`); PWM, PPM and
first-layer scans (:mod:`.scans`); and motif localization, the authors' segment scoring of
P2 task 1, with its figure (:mod:`.localization`).
"""

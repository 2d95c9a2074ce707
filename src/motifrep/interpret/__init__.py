"""Interpretation: attribution maps and how well they, or scans, find the embedded motifs.

Attribution methods (saliency, ISM, integrated gradients, SmoothGrad, DeepSHAP) and the step
that writes their maps (:mod:`.attribution`); the HDF5 layout of those maps, written and read
without TensorFlow (:mod:`.maps`); per-position interpretability AUROC / AUPR against the
ground truth, the authors' P2 task-3 score (:mod:`.interpretability`); PWM, PPM and
first-layer scans (:mod:`.scans`); and motif localization, the authors' segment scoring of
P2 task 1, with its figure (:mod:`.localization`); motifs discovered from the maps by
TF-MoDISco, matched to JASPAR (:mod:`.discovery`), and scored against the embedded motifs
(:mod:`.discovery_score`).
"""

"""Interpretability / localization scoring and baseline scans (motifrep.interpret).

Expected values are worked out by hand in the comments; scikit-learn and the authors' own
notebook code (quoted verbatim below) serve as independent oracles.
"""

import math
import time

import numpy as np
import pandas as pd
import pytest

from motifrep.errors import MotifrepError
from motifrep.interpret.interpretability import (
    information_mask,
    interpretability_scores,
    summarise_interpretability,
)
from motifrep.interpret.localization import (
    authors_segment_scores,
    dilate,
    localization_auroc,
    segment_scores,
)
from motifrep.interpret.scans import first_layer_scan, motif_matrix, pwm_scan

BASES = "ACGT"


def one_hot(seqs):
    return np.array([[[b == c for c in BASES] for b in s] for s in seqs], dtype=np.uint8)


# ------------------------------------------------------------------ per-position AUROC / AUPR

def test_perfect_reversed_and_hand_counted_auroc():
    truth = np.array([[1, 1, 0, 0, 0, 0]] * 3)
    scores = np.array([
        [6, 5, 4, 3, 2, 1],              # positives above every negative
        [1, 2, 3, 4, 5, 6],              # positives below every negative
        [0.9, 0.3, 0.8, 0.1, 0.5, 0.2],  # see below
    ])
    df = interpretability_scores(scores, truth)
    assert list(df.seq) == [0, 1, 2]
    assert df.auroc[0] == 1.0 and df.aupr[0] == 1.0
    assert df.auroc[1] == 0.0
    # Row 2: 2 positives x 4 negatives = 8 pairs. 0.9 beats 0.8, 0.1, 0.5, 0.2 (4);
    # 0.3 beats 0.1, 0.2 (2) -> AUROC = 6/8 = 0.75.
    assert df.auroc[2] == pytest.approx(0.75)
    # Ranked: 0.9(P) 0.8(N) 0.5(N) 0.3(P) ... ; precision at recall 1/2 = 1/1, at recall 1 = 2/4.
    # Average precision = 0.5*1 + 0.5*0.5 = 0.75.
    assert df.aupr[2] == pytest.approx(0.75)
    # Trapezoid (authors): (0,1)->(0.5,1): 0.5; recall stays 0.5 down to precision 1/3 (after 0.5),
    # then (0.5,1/3)->(1,0.5): 0.5*(1/3+1/2)/2 = 5/24. Total 0.5 + 5/24.
    assert df.aupr_trapz[2] == pytest.approx(0.5 + 5 / 24)
    assert list(df.n_pos) == [2, 2, 2] and list(df.n_neg) == [4, 4, 4]


def test_ties_count_half():
    # one positive, one negative, equal scores: the single pair counts 1/2
    df = interpretability_scores([[3.0, 3.0]], [[1, 0]])
    assert df.auroc[0] == 0.5


def test_one_class_sequences_are_nan_and_counted():
    truth = np.array([[1, 1, 1], [0, 0, 0], [1, 0, 0]])
    scores = np.array([[1.0, 2, 3], [1, 2, 3], [3, 2, 1]])
    df = interpretability_scores(scores, truth)
    assert np.isnan(df.auroc[0]) and np.isnan(df.aupr[0]) and np.isnan(df.auroc[1])
    assert df.auroc[2] == 1.0
    s = summarise_interpretability(df)
    assert s["n_used"] == 1 and s["n_total"] == 3
    assert s["auroc_mean"] == 1.0 and s["auroc_std"] == 0.0


def test_matches_sklearn_on_random_data_with_ties():
    from sklearn.metrics import (
        auc,
        average_precision_score,
        precision_recall_curve,
        roc_auc_score,
    )

    rng = np.random.default_rng(0)
    truth = (rng.random((40, 30)) < 0.3).astype(np.uint8)
    truth[:, 0], truth[:, 1] = 1, 0
    scores = np.round(rng.normal(size=(40, 30)) + truth, 1)  # rounding makes ties
    df = interpretability_scores(scores, truth)
    for j in range(40):
        p, r, _ = precision_recall_curve(truth[j], scores[j])
        assert df.auroc[j] == pytest.approx(roc_auc_score(truth[j], scores[j]), abs=1e-12)
        assert df.aupr[j] == pytest.approx(average_precision_score(truth[j], scores[j]), abs=1e-12)
        assert df.aupr_trapz[j] == pytest.approx(auc(r, p), abs=1e-12)


def test_shape_mismatch_and_nan_rejected():
    with pytest.raises(MotifrepError):
        interpretability_scores(np.zeros((2, 5)), np.zeros((2, 4)))
    with pytest.raises(MotifrepError):
        interpretability_scores([[np.nan, 1.0]], [[1, 0]])


# ------------------------------------------------------------------ dilation

def test_dilate_authors_box_with_clipping():
    # box of 10, pad_left = 5: a positive at p covers p-4 .. p+5.
    mask = np.zeros((1, 30), dtype=np.uint8)
    mask[0, 2] = 1   # -> -2..7, clipped to 0..7
    mask[0, 27] = 1  # -> 23..32, clipped to 23..29
    want = np.zeros(30, dtype=np.uint8)
    want[0:8] = 1
    want[23:30] = 1
    np.testing.assert_array_equal(dilate(mask, 10)[0], want)
    # a box of 1 changes nothing
    np.testing.assert_array_equal(dilate(mask, 1), mask)


def test_dilate_each_side():
    mask = np.zeros((2, 50), dtype=np.uint8)
    mask[0, [3, 25, 46]] = 1  # 0..13 (clipped), 15..35, 36..49 (clipped): only 14 stays 0
    want = np.ones((2, 50), dtype=np.uint8)
    want[0, 14] = 0
    want[1] = 0              # an empty row stays empty
    np.testing.assert_array_equal(dilate(mask, 10, each_side=True), want)
    with pytest.raises(MotifrepError):
        dilate(mask, 0)


# ------------------------------------------------------------------ segments

def test_segment_scores_by_hand():
    scores = np.array([[0, 5, 1, 9, 2, 0, 3.0]])
    mask = np.array([[0, 0, 0, 1, 1, 0, 0]])
    seg = segment_scores(scores, mask)
    assert seg.values.tolist() == [[0, 0, 3, 0, 5], [0, 3, 5, 1, 9], [0, 5, 7, 0, 3]]
    # negatives 5 and 3, positive 9: both pairs won -> AUROC 1.0 (buffer 1 = no dilation)
    for mode in ("runs", "authors"):
        assert localization_auroc(scores, mask, buffer=1, segments=mode).auroc[0] == 1.0


def test_localization_half_by_hand():
    # negative segments [0,2) max 1 and [4,7) max 7; positive [2,4) max 4: wins 1 of 2 pairs
    scores = np.array([[1, 0, 4, 2, 0, 7, 0.0]])
    mask = np.array([[0, 0, 1, 1, 0, 0, 0]])
    for mode in ("runs", "authors"):
        df = localization_auroc(scores, mask, buffer=1, segments=mode)
        assert df.auroc[0] == 0.5
        assert (df.n_pos[0], df.n_neg[0]) == (1, 2)
        # ranked 7(N) 4(P) 1(N): average precision = 1 * 1/2; trapezoid (0,0)->(1,1/2) = 1/4
        assert df.aupr[0] == 0.5 and df.aupr_trapz[0] == 0.25


def test_segments_over_several_rows():
    scores = np.arange(8.0).reshape(2, 4)
    mask = np.array([[1, 1, 1, 1], [0, 1, 1, 0]])
    seg = segment_scores(scores, mask)
    assert seg.values.tolist() == [[0, 0, 4, 1, 3], [1, 0, 1, 0, 4], [1, 1, 3, 1, 6], [1, 3, 4, 0, 7]]


def test_authors_loop_quirk_by_hand():
    # new_label = 0 0 1 1 0 0 1 1 0 0. Positive loop: start 2, end 4, index 4; then
    # start = 4 + 2 = 6 but the end is searched in new_label[4+6:] (empty): the second positive
    # segment is never recorded. Negative loop: [0,2), [4,6) (end searched from 2+4=6), [8,10).
    scores = np.array([[1, 1, 5, 5, 2, 2, 0, 0, 3, 3.0]])
    mask = np.array([[0, 0, 1, 1, 0, 0, 1, 1, 0, 0]])
    seg = authors_segment_scores(scores, mask)
    assert seg.values.tolist() == [[0, 2, 4, 1, 5], [0, 0, 2, 0, 1], [0, 4, 6, 0, 2], [0, 8, 10, 0, 3]]
    # authors: positive 5 over negatives 1, 2, 3 -> 1.0
    assert localization_auroc(scores, mask, buffer=1).auroc[0] == 1.0
    # true runs: positives 5 and 0 over 1, 2, 3: 3 + 0 of 6 pairs -> 0.5
    assert localization_auroc(scores, mask, buffer=1, segments="runs").auroc[0] == 0.5


def test_authors_failure_when_first_sequence_has_no_positive():
    # `start` is unbound in their function: it would raise; here the row is NaN and listed
    scores = np.ones((2, 6))
    mask = np.array([[0] * 6, [0, 1, 1, 0, 0, 0]])
    seg = authors_segment_scores(scores, mask)
    assert seg.attrs["failed"] == [0]
    df = localization_auroc(scores, mask, buffer=1)
    assert np.isnan(df.auroc[0]) and df.n_pos[0] == 0
    assert df.auroc[1] == 0.5  # all segment maxima equal 1: a tie


def _notebook_interpretability_performance(score, labels, L, buffer=10):
    """The notebook's function verbatim, with ``label`` given instead of built from X_model, and
    a sequence where it raises ValueError (np.max of an empty slice) scored NaN instead of
    stopping the run (``start`` keeps its value, as it would after their exception)."""
    from sklearn.metrics import auc, precision_recall_curve, roc_curve

    pr_score = []
    roc_score = []
    for j, gs in enumerate(score):
        label = labels[j]
        box_filter = np.ones(buffer)
        pad_left = int(buffer/2)
        pad_right = buffer - pad_left
        x_pad = np.concatenate([np.zeros(pad_left), label, np.zeros(pad_right)], axis=0)
        new_label = []
        for n in range(L):
            new_label.append(np.sum(x_pad[range(n, n+buffer)] * box_filter))
        new_label = np.array(new_label)
        new_label[new_label > 0.01] = 1
        try:
            pos_instance = []
            index = 0
            status = True
            while status:
                s = np.where(new_label[index:] == 1)[0]
                if any(list(s)):
                    start = index + s[0]
                else:
                    status = False
                e = np.where(new_label[index+start:] == 0)[0]
                if any(list(e)):
                    end = index + start + e[0]
                    pos_instance.append(np.max(gs[start:end]))
                    index = end
                else:
                    status = False
            neg_instance = []
            index = 0
            status = True
            while status:
                s = np.where(new_label[index:] == 0)[0]
                if any(list(s)):
                    start = index + s[0]
                else:
                    status = False
                e = np.where(new_label[index+start:] == 1)[0]
                if any(list(e)):
                    end = index + start + e[0]
                    neg_instance.append(np.max(gs[start:end]))
                    index = end
                else:
                    end = L
                    neg_instance.append(np.max(gs[start:end]))
                    status = False
        except ValueError:
            roc_score.append(np.nan)
            pr_score.append(np.nan)
            continue
        vals = np.concatenate([pos_instance, neg_instance])
        labels_ = np.concatenate([np.ones(len(pos_instance)), np.zeros(len(neg_instance))])
        precision, recall, thresholds = precision_recall_curve(labels_, vals)
        pr_score.append(auc(recall, precision))
        fpr, tpr, thresholds = roc_curve(labels_, vals)  # noqa: RUF059
        roc_score.append(auc(fpr, tpr))
    return np.array(roc_score), np.array(pr_score)


def test_parity_with_the_notebook_code():
    import warnings

    rng = np.random.default_rng(3)
    n, length = 60, 120
    label = np.zeros((n, length), dtype=np.uint8)
    for j in range(n):  # 0-4 motifs of width 8-20 (row 0 has one, as their code needs)
        for _ in range(rng.integers(1 if j == 0 else 0, 5)):
            a = rng.integers(0, length - 8)
            label[j, a:a + rng.integers(8, 21)] = 1
    label[5] = 1  # all positive: negative loop reuses the stale start
    scores = rng.normal(size=(n, length)) + 2 * label
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        roc, pr = _notebook_interpretability_performance(scores, label.astype(float), length)
    df = localization_auroc(scores, label, buffer=10, segments="authors")
    np.testing.assert_allclose(df.auroc.to_numpy(), roc, atol=1e-12, equal_nan=True)
    used = df.auroc.notna().to_numpy()
    np.testing.assert_allclose(df.aupr_trapz.to_numpy()[used], pr[used], atol=1e-12)
    assert used.sum() > 40


def test_localization_is_fast():
    rng = np.random.default_rng(0)
    n, length = 5000, 200
    label = np.zeros((n, length), dtype=np.uint8)
    starts = rng.integers(0, length - 40, size=(n, 3))
    for k in range(3):
        for w in range(12):
            label[np.arange(n), starts[:, k] + w * (k + 1)] = 1
    scores = rng.normal(size=(n, length))
    t = time.perf_counter()
    localization_auroc(scores, label, segments="runs")
    localization_auroc(scores, label, segments="authors")
    interpretability_scores(scores, label)
    assert time.perf_counter() - t < 5.0  # about 0.5 s; generous for loaded machines


def test_information_mask_by_hand():
    pwms = np.zeros((2, 3, 4))
    pwms[0] = [[1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0, 0, 0, 1]]  # 2 bits, 0 bits, 2 bits
    pwms[1, :2] = [[0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0, 0]]      # width 2: 0 bits, 1 bit
    truth = pd.DataFrame({"seq": [0, 1, 1], "pwm": [0, 1, 0], "start": [1, 0, 4], "end": [4, 2, 7]})
    got = information_mask(truth, pwms, (2, 8))
    np.testing.assert_array_equal(got, [[0, 1, 0, 1, 0, 0, 0, 0], [0, 1, 0, 0, 1, 0, 1, 0]])


# ------------------------------------------------------------------ scans

def test_log_odds_by_hand():
    ppm = np.array([[1.0, 0, 0, 0], [0.7, 0.1, 0.1, 0.1]])
    m = motif_matrix(ppm, "pwm")
    # log2(1/0.25 + 1e-10) = log2(4) = 2; a zero: log2(0/0.25 + 1e-10) = log2(1e-10) = -33.219...
    assert m[0, 0] == pytest.approx(2.0)
    assert m[0, 1] == pytest.approx(-10 * math.log2(10))
    # log2(0.7/0.25) = log2(2.8) = 1.4854...; log2(0.1/0.25) = log2(0.4) = -1.3219...
    assert m[1, 0] == pytest.approx(1.485426827) and m[1, 3] == pytest.approx(-1.321928095)
    np.testing.assert_array_equal(motif_matrix(ppm, "ppm"), ppm)
    with pytest.raises(MotifrepError):
        motif_matrix(ppm, "odds")


def test_pwm_scan_centred_both_strands():
    act = np.array([[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]])  # "ACT"; reverse complement "AGT"
    X = one_hot(["GGGGGACTGGGG", "GGAGTGGGGGGG"])
    scan = pwm_scan(X, [act], "pwm")
    # W = 3, pad_left = 1: position n scores window n-1..n+1. ACT at 5..7 -> n = 6; AGT at 2..4 -> n = 3.
    assert scan.shape == (2, 12)
    assert scan[0].argmax() == 6 and scan[0, 6] == pytest.approx(6.0)
    assert scan[1].argmax() == 3 and scan[1, 3] == pytest.approx(6.0)
    assert pwm_scan(X[1:], [act], "pwm", both_strands=False).max() < 0
    # ppm mode sums probabilities: consensus 3 x 1.0
    ppm = pwm_scan(X, [act], "ppm")
    assert ppm[0, 6] == 3.0 and ppm[0].argmax() == 6
    # first position: window -1..1 = (padding, G, G); padding counts 0. ACT: G vs C, G vs T -> 0;
    # AGT: G vs G -> 1. Max 1.
    assert ppm[0, 0] == 1.0


def test_pwm_scan_even_width_and_max_over_motifs():
    acgt = np.eye(4)                              # "ACGT", W = 4: window n-2 .. n+1
    gg = np.array([[0, 0, 1.0, 0], [0, 0, 1, 0]])  # "GG", W = 2: window n-1 .. n
    X = one_hot(["TTTTTTTTTTACGTTTTT"])           # ACGT at 10..13 -> centre n = 12
    scan = pwm_scan(X, [acgt], "ppm", both_strands=False)
    assert scan[0].argmax() == 12 and scan[0, 12] == 4.0
    both = pwm_scan(X, [acgt, gg], "ppm", both_strands=False)
    # "GG" never occurs; at n = 13 the GG window 12..13 = "GT" scores 1 (G matches column 0)
    assert both[0, 12] == 4.0 and both[0, 13] == max(scan[0, 13], 1.0)


def test_first_layer_scan_same_and_valid():
    from motifrep.nn.build import build_model

    X = one_hot(["ACGTAC", "CCAAGT"])
    for padding in ("same", "valid"):
        model = build_model(f"scan_{padding}", [{"conv": {"filters": 2, "kernel": 3, "padding": padding}},
                                                 {"dense": {"units": 2}}], 6, 1)
        w = np.zeros((3, 4, 2), dtype=np.float32)
        w[1, 0, 0] = 1.0  # filter 0: 1 when the centre base is A
        w[1, 1, 1] = 2.0  # filter 1: 2 when the centre base is C
        model.get_layer("conv1").set_weights([w])
        eps = model.get_layer("conv1_bn").epsilon
        model.get_layer("conv1_bn").set_weights([np.ones(2), np.zeros(2), np.zeros(2), np.full(2, 1.0 - eps)])
        scan = first_layer_scan(model, X)
        # max over filters (ReLU): A -> 1, C -> 2, G/T -> 0
        want = np.array([[1, 2, 0, 0, 1, 2], [2, 2, 1, 1, 0, 0]], dtype=float)
        if padding == "valid":  # output p is centred on input p + 1; the ends get the row minimum (0)
            want[:, [0, -1]] = 0
        np.testing.assert_allclose(scan, want, atol=1e-5)

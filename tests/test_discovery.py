"""TF-MoDISco on attribution maps (motifrep.interpret.discovery, discovery_score, ``motifrep modisco``).

Scoring is checked on tiny hand-made cases whose answers are worked out in the comments. The
end-to-end test builds maps with a known answer: 300 random 200-nt sequences, each with one
site sampled from JASPAR 2016's CTCF matrix (MA0139.1, 19 nt) at a random position; the
attribution is the matrix's log-odds there and small Gaussian noise elsewhere. TF-MoDISco must
return a pattern whose best Tomtom match is MA0139.1, every seqlet must lie on a planted site
(precision 1), and no pattern may match nothing (false patterns 0).
"""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
from conftest import JASPAR2016, REPO

from motifrep.cli import main
from motifrep.errors import MotifrepError
from motifrep.interpret.discovery import modisco_tracks, run_modisco, trim_pattern
from motifrep.interpret.discovery_score import pattern_recovery, seqlet_hits, seqlet_scores
from motifrep.interpret.maps import write_maps
from motifrep.motifs.meme import read_meme

N, L = 300, 200
PLANTED = "MA0139.1"  # CTCF, JASPAR 2016


# ------------------------------------------------------------------ scoring by hand


TRUTH = pd.DataFrame({"seq": [0, 0, 1, 2], "start": [10, 50, 30, 0], "end": [20, 60, 40, 10]})


def test_seqlet_precision_and_recall_by_hand():
    # attributed rows 0 and 1: their 3 embedded motifs count for recall (row 2's does not)
    seqlets = pd.DataFrame({"row": [0, 0, 1, 1], "start": [5, 56, 100, 34], "end": [16, 80, 130, 64]})
    # [5,16) shares 6 nt with [10,20) (>= 5 = half of 10): hit; [56,80) shares 4 with [50,60): miss;
    # [100,130) shares nothing; [34,64) shares 6 with [30,40): hit
    hit, recalled = seqlet_hits(seqlets, TRUTH, rows=[0, 1])
    assert hit.tolist() == [True, False, False, True]
    assert recalled.tolist() == [True, False, True]
    s = seqlet_scores(seqlets, TRUTH, rows=[0, 1])
    assert (s["n_seqlets"], s["n_seqlet_hits"], s["n_embedded"], s["n_recalled"]) == (4, 2, 3, 2)
    assert s["seqlet_precision"] == 0.5 and s["seqlet_recall"] == pytest.approx(2 / 3)


def test_overlap_of_exactly_half_the_motif_is_a_hit_and_stricter_rules_count_less():
    seqlets = pd.DataFrame({"row": [0], "start": [55], "end": [70]})  # shares 5 of [50,60)'s 10 nt
    assert seqlet_hits(seqlets, TRUTH, rows=[0])[0].tolist() == [True]
    assert seqlet_hits(seqlets, TRUTH, rows=[0], min_overlap=0.6)[0].tolist() == [False]
    s = seqlet_scores(seqlets.iloc[:0], TRUTH, rows=[0])  # no seqlets: precision undefined, recall 0 of 2
    assert np.isnan(s["seqlet_precision"]) and s["seqlet_recall"] == 0 and s["n_embedded"] == 2


def test_seqlet_on_an_unattributed_row_and_bad_overlap_are_refused():
    with pytest.raises(MotifrepError, match="not among the attributed rows"):
        seqlet_hits(pd.DataFrame({"row": [2], "start": [0], "end": [5]}), TRUTH, rows=[0, 1])
    with pytest.raises(MotifrepError, match=r"\(0, 1\]"):
        seqlet_hits(pd.DataFrame({"row": [0], "start": [0], "end": [5]}), TRUTH, rows=[0], min_overlap=0)


def test_pattern_recovery_by_hand():
    # 4 patterns: two match SP1 (one also MAX), one matches nothing, one matches YY1
    patterns = pd.DataFrame({"ground_truth_tf": ["SP1", "SP1,MAX", "", "YY1"]})
    r = pattern_recovery(patterns, ["SP1", "Gabpa", "CEBPB", "MAX", "YY1"])
    assert r["recovered_tfs"] == "SP1,MAX,YY1" and r["missed_tfs"] == "Gabpa,CEBPB"
    assert (r["n_recovered"], r["n_tfs"], r["n_patterns"], r["n_true_patterns"], r["n_false_patterns"]) == \
        (3, 5, 4, 3, 1)


def test_ism_hypothetical_scores_are_centred_and_others_kept():
    X = np.eye(4, dtype=np.uint8)[[[0, 2]]]  # A, G
    ism = np.array([[[0.0, -1.0, -2.0, -1.0], [-0.4, 0.0, 0.0, 0.0]]])  # mutant minus wild type
    _, hyp = modisco_tracks(ism, X, "ism")
    # position 0: mean -1, so A (wild type) gets +1; position 1 (wild type G): mean -0.1, G gets +0.1
    np.testing.assert_allclose(hyp, [[[1.0, 0.0, -1.0, 0.0], [-0.3, 0.1, 0.1, 0.1]]], atol=1e-6)
    _, hyp = modisco_tracks(ism, X, "saliency")
    np.testing.assert_array_equal(hyp, ism.astype(np.float32))
    with pytest.raises(MotifrepError, match="do not fit"):
        modisco_tracks(ism[:, :1], X, "saliency")


def test_trim_keeps_columns_from_first_to_last_above_threshold():
    cwm = np.zeros((8, 4))
    cwm[[1, 2, 5], 0] = [0.2, 1.0, 0.35]  # weights 0, .2, 1, 0, 0, .35, 0, 0; 0.3 x max = 0.3
    assert trim_pattern(cwm, 0.3) == slice(2, 6)


def test_too_few_sequences_are_refused_in_one_line():
    with pytest.raises(MotifrepError, match="at least 50 sequences .* the maps hold 10"):
        run_modisco(np.zeros((10, L, 4), np.float32), np.zeros((10, L, 4), np.float32), {})
    with pytest.raises(MotifrepError, match="shorter than the TF-MoDISco window"):
        run_modisco(np.zeros((60, 30, 4), np.float32), np.zeros((60, 30, 4), np.float32), {})


# ------------------------------------------------------------------ planted motif, end to end


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A data set of N sequences with one sampled CTCF site each, its maps, and a TF table."""
    pwm = {m.id: m for m in read_meme(JASPAR2016)}[PLANTED].pwm
    width = len(pwm)
    rng = np.random.default_rng(7)
    seq = rng.integers(0, 4, size=(N, L))
    starts = rng.integers(0, L - width, size=N)
    for i in range(N):
        seq[i, starts[i]:starts[i] + width] = [rng.choice(4, p=col / col.sum()) for col in pwm]
    X = np.eye(4, dtype=np.uint8)[seq]
    scores = rng.normal(0, 0.05, size=(N, L, 4))
    for i in range(N):
        scores[i, starts[i]:starts[i] + width] = np.log2((pwm + 0.01) / 0.25)
    folder = tmp_path_factory.mktemp("planted")
    with h5py.File(folder / "data.h5", "w") as f:
        f["X"], f["Y"] = X, np.ones((N, 1), np.uint8)
        f["splits/train"], f["splits/valid"], f["splits/test"] = np.arange(N - 2), [N - 2], [N - 1]
        for key, value in dict(seq=np.arange(N), tf=np.zeros(N), pwm=np.zeros(N), start=starts,
                               end=starts + width).items():
            f[f"truth/{key}"] = value.astype(np.int64)
        f["truth/strand"] = np.array([b"+"] * N)
    write_maps(folder / "maps.h5", scores, (scores * X).sum(axis=2), np.arange(N), "saliency", {})
    (folder / "tfs.tsv").write_text(f"tf\tjaspar_id\taccepted_ids\nCTCF\t{PLANTED}\t{PLANTED}\n")
    return folder


def test_planted_motif_comes_back_through_the_command_line(planted, capsys):
    out = planted / "out"
    code = main(["modisco", str(planted / "maps.h5"), "--data", str(planted / "data.h5"), "--out", str(out),
                 "--truth", str(planted / "tfs.tsv"), "--motifs", str(JASPAR2016), "--leiden-runs", "2",
                 "--threads", "1", "--numba-cache", str(REPO / ".numba_cache")])
    assert code == 0, capsys.readouterr().err
    patterns = pd.read_csv(out / "patterns.tsv", sep="\t", keep_default_na=False)
    assert patterns.loc[0, "best_match"] == PLANTED and patterns.loc[0, "ground_truth_tf"] == "CTCF"
    score = pd.read_csv(out / "score.tsv", sep="\t", keep_default_na=False).iloc[0]
    assert score["n_recovered"] == 1 and score["n_false_patterns"] == 0
    seqlets = pd.read_csv(out / "seqlets.tsv", sep="\t")
    assert score["n_seqlets"] == len(seqlets) > 100
    assert score["seqlet_precision"] == 1.0  # every seqlet lies on a planted site (noise elsewhere)
    # recall = distinct planted sites with a seqlet / N (one site per sequence)
    assert score["seqlet_recall"] == pytest.approx(seqlets["row"].nunique() / N)
    with h5py.File(out / "patterns.h5") as f:
        ppm = f["pos_patterns/pos_0/ppm"][()]
    np.testing.assert_allclose(ppm.sum(axis=1), 1.0)
    assert "ground-truth TFs recovered: 1 of 1 (CTCF)" in capsys.readouterr().out


def test_command_line_refuses_missing_maps_in_one_line(planted, capsys):
    code = main(["modisco", str(planted / "nope.h5"), "--data", str(planted / "data.h5"), "--out",
                 str(planted / "x")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("motifrep: error:") and len(err.strip().splitlines()) == 1
    assert not (planted / "x").exists()


def test_command_line_refuses_maps_without_patterns_and_writes_nothing(planted, capsys):
    # 60 maps of pure noise: far fewer than 100 seqlets pass, so no metacluster is clustered
    rng = np.random.default_rng(1)
    write_maps(planted / "noise.h5", rng.normal(0, 0.05, size=(60, L, 4)), np.zeros((60, L)), np.arange(60),
               "saliency", {})
    out = planted / "noise_out"
    code = main(["modisco", str(planted / "noise.h5"), "--data", str(planted / "data.h5"), "--out", str(out),
                 "--motifs", str(JASPAR2016), "--threads", "1", "--numba-cache", str(REPO / ".numba_cache")])
    err = capsys.readouterr().err
    assert code == 1 and "TF-MoDISco found no pattern in 60 sequences" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()

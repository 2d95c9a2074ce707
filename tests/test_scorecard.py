"""Scorecard rows from hand-made Table 1, localization and claims tables; verdicts and statistics by hand.

Critical values of Student's t (one-sided 0.05): 2.920 at df 2; about 1.647 at df ~800.
"""

import pandas as pd
import pytest

from motifrep.results.scorecard import make_scorecard, scorecard

NAN = float("nan")


def published(metric, value, relation="=", sd=NAN, n=NAN):
    return {f"{metric}_published_value": value, f"{metric}_published_relation": relation,
            f"{metric}_published_sd": sd, f"{metric}_published_n": n}


@pytest.fixture
def sources(tmp_path):
    t1 = pd.DataFrame([
        dict(model="CNN-25", layer=1, n_trials=3,
             # ours 0.95 ± 0.02 (3) vs 0.980 ± 0.027 over the paper's 5 trials: Δ -0.03,
             # SE sqrt(0.02²/3 + 0.027²/5) = 0.016707; (0.05 - 0.03)/0.016707 = 1.20 < 1.94 (t_0.95 at df 5.5)
             # -> inconclusive; the paper's spread alone, (1.645 + 0.842)²·0.027²/5 = 0.00090 > 0.02², leaves
             # the band undecidable however many trials we run: trials needed ∞
             match_ground_truth_mean=0.95, match_ground_truth_std=0.02,
             match_ground_truth_published="0.980 ± 0.027", match_ground_truth_diff=0.95 - 0.980,
             **published("match_ground_truth", 0.980, sd=0.027, n=5),
             # ours 0.98 ± 0.01 (3) vs 0.975 (a spread over tasks: exact): SE 0.01/sqrt(3) = 0.005774, df 2;
             # (0.05 - 0.005)/0.005774 = 7.8 and (0.05 + 0.005)/0.005774 = 9.5, both > 2.920 -> holds
             auroc_mean=0.98, auroc_std=0.01, auroc_published="0.975 (task sd 0.094)", auroc_diff=0.98 - 0.975,
             **published("auroc", 0.975), match_any_published="", flagged_trials="2 (lr_floor)"),
        dict(model="CNN-2", layer=1, n_trials=3,
             # 0.52 ± 0.02 vs "<= 0.453": t = 0.067/0.011547 = 5.8 > 2.920 on the wrong side -> does not hold
             match_any_mean=0.52, match_any_std=0.02, match_any_published="<= 0.453", match_any_diff=0.067,
             match_any_bound_met=False, **published("match_any", 0.453, "<="),
             # 0.10 in every trial (sd 0) vs "<= 0.127": no spread, below the bound -> holds
             match_ground_truth_mean=0.10, match_ground_truth_std=0.0, match_ground_truth_published="<= 0.127",
             match_ground_truth_diff=-0.027, match_ground_truth_bound_met=True,
             **published("match_ground_truth", 0.127, "<=")),
        dict(model="CNN-4", layer=1, n_trials=1, auroc_mean=0.90, auroc_std=NAN, auroc_published="0.952 (task sd 0.056)",
             auroc_diff=0.90 - 0.952, **published("auroc", 0.952)),  # one trial -> too few trials
    ])
    t1.to_csv(tmp_path / "t1.tsv", sep="\t", index=False)
    pd.DataFrame([
        dict(model="CNN-deep", activation="relu", n_trials=1, n_sequences=400, loc_auroc_mean=0.40, loc_auroc_std=0.3,
             published_auroc=0.391, published_std=0.331),  # a trained scan of one trial -> too few trials
        # no training: SE sqrt(0.25²/400 + 0.252²/400) = 0.017748; Δ -0.014; (0.05 - 0.014)/0.017748 = 2.03 > 1.647
        dict(model="true PWM", activation="log-odds", n_trials=0, n_sequences=400, loc_auroc_mean=0.87,
             loc_auroc_std=0.25, published_auroc=0.884, published_std=0.252),
        dict(model="true PWM", activation="probabilities", n_trials=0, n_sequences=400, loc_auroc_mean=0.6,
             loc_auroc_std=0.3, published_auroc=None, published_std=None)]).to_csv(tmp_path / "loc.tsv", sep="\t",
                                                                                  index=False)
    pd.DataFrame([dict(id="a", claim="exp beats relu", source="P2", ours="0.9 vs 0.1", status="holds", diff=0.8,
                       se=0.05, df=4, p_value=0.0001, n="3 trials vs 3 trials", trials_needed="", test="x > y",
                       flagged=""),
                  dict(id="b", claim="tanh worst", source="P2", ours="", status="not run"),
                  dict(id="c", claim="close enough", source="P2", ours="0.7 vs 0.6", status="too few trials", diff=0.1,
                       se=0.2, n="2 trials vs 2 trials", trials_needed="25")]).to_csv(
        tmp_path / "claims.tsv", sep="\t", index=False)
    return [dict(experiment="p1", kind="table1", path=tmp_path / "t1.tsv"),
            dict(experiment="p2", kind="localization", path=tmp_path / "loc.tsv"),
            dict(experiment="p2", kind="claims", path=tmp_path / "claims.tsv")]


def test_scorecard_rows_and_verdicts(sources):
    table = scorecard(sources).set_index("item")
    gt = table.loc["Table 1 CNN-25 layer 1 match ground truth"]
    assert gt.status == "inconclusive" and gt.trials_needed == "∞"
    assert gt["diff"] == pytest.approx(-0.03) and gt.se == pytest.approx(0.016707, abs=1e-6)
    assert gt.n == "3 trials vs published, 5 trials"
    auroc = table.loc["Table 1 CNN-25 layer 1 AUROC"]
    assert auroc.status == "holds" and auroc.se == pytest.approx(0.005774, abs=1e-6) and auroc.flagged == "trial 2 (lr_floor)"
    assert auroc.n == "3 trials vs published, no spread over trials"
    assert table.status["Table 1 CNN-2 layer 1 match any JASPAR"] == "does not hold"
    assert table.loc["Table 1 CNN-2 layer 1 match any JASPAR", "diff"] == pytest.approx(0.067)  # ours - bound
    assert table.loc["Table 1 CNN-2 layer 1 match any JASPAR", "n"] == "3 trials vs a bound"
    assert table.status["Table 1 CNN-2 layer 1 match ground truth"] == "holds"
    four = table.loc["Table 1 CNN-4 layer 1 AUROC"]
    assert four.status == "too few trials" and four.trials_needed == "?" and pd.isna(four.p_value)
    assert table.status["localization AUROC CNN-deep relu"] == "too few trials"
    pwm = table.loc["localization AUROC true PWM log-odds"]
    assert pwm.status == "holds" and pwm.se == pytest.approx(0.017748, abs=1e-6)
    assert "localization AUROC true PWM probabilities" not in table.index  # nothing published
    assert table.status["tanh worst"] == "not run" and len(table) == 10
    claim = table.loc["close enough"]
    assert claim.status == "too few trials" and claim.trials_needed == "25" and claim.n == "2 trials vs 2 trials"


def test_scorecard_markdown_counts_every_status(sources, tmp_path):
    make_scorecard(sources, tmp_path / "s.tsv", tmp_path / "s.md")
    md = (tmp_path / "s.md").read_text()
    assert "4 holds, 1 does not hold, 1 inconclusive, 3 too few trials, 1 not run" in md
    assert "| -0.030 ± 0.017 | 3 trials vs published, 5 trials |" in md
    assert "Welch's t-test, one-sided at α = 0.05" in md
    assert "| -0.052 ± ? | 1 trial vs published, no spread over trials |" in md  # CNN-4: one trial, no spread
    back = pd.read_csv(tmp_path / "s.tsv", sep="\t")
    assert {"diff", "se", "n", "p_value", "trials_needed", "flagged"} <= set(back.columns)


def test_an_extension_claim_is_not_shown_as_published():
    from motifrep.results.scorecard import claim_rows

    table = pd.DataFrame([{"claim": "ours", "source": "methods §6.5", "origin": "extension", "ours": "", "status": "not run"},
                          {"claim": "P2's", "source": "P2 Fig 2b", "origin": "published", "ours": "", "status": "not run"}])
    rows = claim_rows("p2_task3", table)
    assert rows[0]["published"] == "extension (ours, not a published claim): methods §6.5"
    assert rows[1]["published"] == "P2 Fig 2b"

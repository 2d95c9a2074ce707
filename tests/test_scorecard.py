"""Scorecard rows from hand-made Table 1, localization and claims tables; verdicts by hand."""

import pandas as pd

from motifrep.results.scorecard import make_scorecard, scorecard


def test_scorecard_rows_and_verdicts(tmp_path):
    t1 = pd.DataFrame([
        # CNN-25: 0.93 vs 0.980 (|Δ| 0.05 exactly: holds); AUROC 0.90 vs 0.954 (|Δ| 0.054: does not hold)
        dict(model="CNN-25", layer=1, n_trials=2, auroc_mean=0.90, auroc_std=0.01, auroc_published="0.954 (task sd 0.094)",
             auroc_diff=0.90 - 0.954, match_ground_truth_mean=0.93, match_ground_truth_std=0.02,
             match_ground_truth_published="0.980 ± 0.027", match_ground_truth_diff=0.93 - 0.980,
             match_any_published="", match_any_bound_met=None),
        # CNN-2: a bound met and a bound missed
        dict(model="CNN-2", layer=1, n_trials=2, match_any_mean=0.5, match_any_std=0.1, match_any_published="<= 0.453",
             match_any_diff=0.047, match_any_bound_met=False, match_ground_truth_mean=0.1, match_ground_truth_std=0.0,
             match_ground_truth_published="<= 0.127", match_ground_truth_diff=-0.027, match_ground_truth_bound_met=True),
    ])
    t1.to_csv(tmp_path / "t1.tsv", sep="\t", index=False)
    pd.DataFrame([dict(model="CNN-deep", activation="relu", n_trials=1, loc_auroc_mean=0.40, loc_auroc_std=0.3,
                       published_auroc=0.391, published_std=0.331),
                  dict(model="true PWM", activation="probabilities", n_trials=1, loc_auroc_mean=0.6, loc_auroc_std=0.3,
                       published_auroc=None, published_std=None)]).to_csv(tmp_path / "loc.tsv", sep="\t", index=False)
    pd.DataFrame([dict(id="a", claim="exp beats relu", source="P2", ours="0.9 vs 0.1", status="holds"),
                  dict(id="b", claim="tanh worst", source="P2", ours="", status="not run")]).to_csv(
        tmp_path / "claims.tsv", sep="\t", index=False)
    sources = [dict(experiment="p1", kind="table1", path=tmp_path / "t1.tsv"),
               dict(experiment="p2", kind="localization", path=tmp_path / "loc.tsv"),
               dict(experiment="p2", kind="claims", path=tmp_path / "claims.tsv")]
    table = scorecard(sources).set_index("item")
    assert table.status["Table 1 CNN-25 layer 1 match ground truth"] == "holds"
    assert table.status["Table 1 CNN-25 layer 1 AUROC"] == "does not hold"
    assert table.status["Table 1 CNN-2 layer 1 match any JASPAR"] == "does not hold"
    assert table.status["Table 1 CNN-2 layer 1 match ground truth"] == "holds"
    assert table.status["localization AUROC CNN-deep relu"] == "holds"  # |0.40 - 0.391| <= 0.05
    assert "localization AUROC true PWM probabilities" not in table.index  # nothing published
    assert table.status["tanh worst"] == "not run" and len(table) == 7
    make_scorecard(sources, tmp_path / "s.tsv", tmp_path / "s.md")
    md = (tmp_path / "s.md").read_text()
    assert "4 holds, 2 does not hold, 1 not run" in md

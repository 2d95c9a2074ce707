"""Claims tables: each test kind on hand-made summaries, the statistics and verdicts worked out by hand.

Every summary row gives mean, sample sd and trials, as the workflow's summary tables do. The
numbers are chosen so the Welch t statistic, its degrees of freedom and the one-sided critical
value (Student's t tables: t_0.95 = 2.920 at df 2, 2.132 at df 4; t_0.975 = 2.776 at df 4;
t_0.995 = 4.604 at df 4) can be checked by hand; the comments show the arithmetic.
"""

import math

import pandas as pd
import pytest
from conftest import REPO

from motifrep.errors import FormatError
from motifrep.results.claims import (
    check_claims,
    claims_markdown,
    load_claims,
    make_claims_table,
)


def summary(rows):
    """Rows (model, activation, n, metric -> (mean, sd)) as a summary table."""
    out = []
    for model, act, n, values in rows:
        row = dict(model=model, activation=act, layer=1, n_trials=n)
        for metric, (mean, sd) in values.items():
            row[f"{metric}_mean"], row[f"{metric}_std"] = mean, sd
        out.append(row)
    return pd.DataFrame(out)


def claim(kind, **args):
    return {"id": kind, "claim": kind, "test": {kind: args}}


A = {"model": "M", "activation": "exponential"}
B = {"model": "M", "activation": "relu"}


def greater(metric="auroc", a=A, b=B, **extra):
    return claim("greater", metric=metric, a=a, b=b, **extra)


def two(a, b, n=3, metric="auroc"):
    """Exponential (a = (mean, sd)) against relu (b) of model M, n trials each."""
    return summary([("M", "exponential", n, {metric: a}), ("M", "relu", n, {metric: b})])


def test_greater_holds_welch_by_hand():
    # a: 0.80, 0.85, 0.90 -> mean 0.85, sd 0.05; b: 0.60, 0.65, 0.70 -> mean 0.65, sd 0.05
    # SE = sqrt(0.05²/3 + 0.05²/3) = 0.040825; t = 0.20 / 0.040825 = 4.899; Welch df = 4 (equal variances and n)
    # t > t_0.995(4) = 4.604: one-sided p < 0.005 -> holds
    row = check_claims([greater()], two((0.85, 0.05), (0.65, 0.05))).iloc[0]
    assert row.status == "holds"
    assert row["diff"] == pytest.approx(0.20) and row.se == pytest.approx(0.040825, abs=1e-6)
    assert row.df == pytest.approx(4.0) and row.p_value < 0.005
    assert row.n == "3 trials vs 3 trials" and row.trials_needed == ""


def test_greater_reversed_does_not_hold():
    # the same numbers the other way round: t = -4.899, P(T <= t) < 0.005 -> does not hold
    row = check_claims([greater()], two((0.65, 0.05), (0.85, 0.05))).iloc[0]
    assert row.status == "does not hold" and row.p_value < 0.005


def test_greater_within_noise_is_inconclusive_with_trials_needed():
    # a: 0.70, 0.80, 0.90 -> 0.80 ± 0.10; b: 0.72, 0.76, 0.80 -> 0.76 ± 0.04
    # SE = sqrt(0.01/3 + 0.0016/3) = 0.062183; t = 0.04 / 0.062183 = 0.643 < 2.132 (the critical value even at
    # df 4; Welch df here is 2.62, critical value larger still) -> inconclusive.
    # trials needed per side: 2·((1.645 + 0.842)·s/Δ)², s² = (0.01 + 0.0016)/2 = 0.0058:
    # 2·(2.487·0.07616/0.04)² = 2·4.735² = 44.8 -> 45
    row = check_claims([greater()], two((0.80, 0.10), (0.76, 0.04))).iloc[0]
    assert row.status == "inconclusive"
    assert row.se == pytest.approx(0.062183, abs=1e-6) and row.df == pytest.approx(2.624, abs=1e-3)
    assert row.trials_needed == "45"


def test_the_issues_example_is_too_few_trials():
    # 0.724 ± 0.195 vs 0.718 ± 0.009 over 2 trials each: no verdict; with that spread a one-sided test at 0.05
    # with power 0.8 needs 2·(2.487·sqrt((0.195² + 0.009²)/2)/0.006)² = 2·(2.487·0.13803/0.006)² ≈ 6.5 thousand
    row = check_claims([greater("interp_auroc", {**A, "method": "saliency"}, {**B, "method": "saliency"})],
                       two((0.5, 0.1), (0.5, 0.1)),
                       pd.DataFrame([dict(model="M", activation="exponential", method="saliency", n_trials=2,
                                          interp_auroc_mean=0.724, interp_auroc_std=0.195),
                                     dict(model="M", activation="relu", method="saliency", n_trials=2,
                                          interp_auroc_mean=0.718, interp_auroc_std=0.009)])).iloc[0]
    assert row.status == "too few trials"
    assert row["diff"] == pytest.approx(0.006) and row.n == "2 trials vs 2 trials"
    assert 6400 < int(row.trials_needed) < 6700


def test_one_trial_is_too_few_and_needs_unknown():
    row = check_claims([greater()], two((0.95, float("nan")), (0.10, float("nan")), n=1)).iloc[0]
    assert row.status == "too few trials" and row.trials_needed == "?" and math.isnan(row.se)


def test_greater_each_combines_with_bonferroni_against():
    # saliency: the holding pair of test_greater_holds_welch_by_hand.
    # ism: a 0.65 ± 0.05 vs b 0.748 ± 0.05: t = -0.098/0.040825 = -2.400, df 4: 2.132 < 2.400 < 2.776, so the
    # one-sided p is between 0.025 and 0.05: alone "does not hold" (p < 0.05), but with 2 parts the bar against
    # is 0.05/2 = 0.025 -> the claim is inconclusive.
    interp = pd.DataFrame([dict(model="M", activation=act, method=m, n_trials=3, interp_auroc_mean=mean,
                                interp_auroc_std=0.05)
                           for act, m, mean in [("exponential", "saliency", 0.85), ("relu", "saliency", 0.65),
                                                ("exponential", "ism", 0.65), ("relu", "ism", 0.748)]])
    s = two((0.5, 0.1), (0.5, 0.1))
    alone = check_claims([greater("interp_auroc", {**A, "method": "ism"}, {**B, "method": "ism"})], s, interp)
    assert alone.status[0] == "does not hold" and 0.025 < alone.p_value[0] < 0.05
    each = claim("greater_each", metric="interp_auroc", a=A, b=B, methods=["saliency", "ism", "deepshap"])
    row = check_claims([each], s, interp).iloc[0]
    assert row.status == "inconclusive" and "(2 of 3 methods run)" in row.ours
    assert row.test.startswith("M exponential ism > M relu ism") and "weakest of 2 parts" in row.test
    # with ism clearly in favour too (0.85 vs 0.65, as saliency) every part holds
    interp.loc[interp.method == "ism", "interp_auroc_mean"] = [0.85, 0.65]
    assert check_claims([each], s, interp).status[0] == "holds"


ACTS = summary([("M", act, 3, {"aupr": (mean, 0.01)})
                for act, mean in [("relu", 0.80), ("exponential", 0.79), ("tanh", 0.70), ("sigmoid", 0.72)]])


@pytest.mark.parametrize("c, status", [
    # c = tanh (0.70): relu, exponential above it by 0.10, 0.09 with SE sqrt(2·0.01²/3) = 0.008165: t >= 11 -> holds
    (claim("lowest_in", metric="aupr", model="M", activations=["tanh", "sigmoid"]), "holds"),
    # c = relu (0.80): tanh below it by 0.10, t = -12.2, far past the bar against at 0.05/3 -> does not hold
    (claim("lowest_in", metric="aupr", model="M", activations=["relu"]), "does not hold"),
    (claim("lowest_in", metric="aupr", model="M", activations=["tanh", "softplus"]), "not run"),
    # relu vs tanh differ by 0.10: (0.10 - 0.05)/0.008165 = 6.1 > 2.132 -> outside the 0.05 spread: does not hold
    (claim("spread_at_most", metric="aupr", model="M", max=0.05), "does not hold"),
    # within 0.15: the widest pair, 0.10 apart: (0.15 - 0.10)/0.008165 = 6.1 > 2.132 for both one-sided tests
    (claim("spread_at_most", metric="aupr", model="M", max=0.15), "holds"),
    # within 0.11: (0.11 - 0.10)/0.008165 = 1.22 < 2.132 -> inconclusive
    (claim("spread_at_most", metric="aupr", model="M", max=0.11), "inconclusive"),
])
def test_multi_activation_claims(c, status):
    assert check_claims([c], ACTS).status[0] == status


LOC = pd.DataFrame([dict(model="M", activation="exponential", n_trials=3, n_sequences=400, loc_auroc_mean=0.87,
                         loc_auroc_std=0.20),
                    dict(model="true PWM", activation="log-odds", n_trials=0, n_sequences=400, loc_auroc_mean=0.88,
                         loc_auroc_std=0.20)])


@pytest.mark.parametrize("tol, n_trials, status", [
    # SE over sequences: sqrt(2·0.2²/400) = 0.014142; |Δ| = 0.01; (0.05 - 0.01)/0.014142 = 2.83 > 1.65 -> holds
    (0.05, 3, "holds"),
    # (0.02 - 0.01)/0.014142 = 0.71 -> inconclusive
    (0.02, 3, "inconclusive"),
    # the trained scan has 2 trials: no verdict (the true-PWM scan involves no training and needs none)
    (0.05, 2, "too few trials"),
])
def test_close_localization_over_sequences(tol, n_trials, status):
    loc = LOC.assign(n_trials=[n_trials, 0])
    c = claim("close", metric="loc_auroc", a=A, b={"model": "true PWM", "activation": "log-odds"}, tol=tol)
    row = check_claims([c], ACTS, localization=loc).iloc[0]
    assert row.status == status and row.se == pytest.approx(0.014142, abs=1e-6)
    assert row.n == f"{n_trials} trials, 400 sequences vs 400 sequences"
    if status == "inconclusive":  # counted in sequences: (1.645 + 0.842)²·(0.2² + 0.2²)/0.01² ≈ 4948 per side
        number, unit = row.trials_needed.split()
        assert unit == "sequences" and 4940 <= int(number) <= 4950
    if status == "too few trials":  # the spread over trials is unknown: so is what would decide it
        assert row.trials_needed == "?"


def test_not_run_is_never_holds():
    c = greater(a={"model": "CNN-2", "activation": "exponential"}, b={"model": "CNN-2", "activation": "relu"})
    assert check_claims([c], two((0.9, 0.01), (0.1, 0.01))).status[0] == "not run"


def test_flagged_runs_are_named():
    s = two((0.85, 0.05), (0.65, 0.05)).assign(flagged_trials=["1 (epoch_cap,lr_floor)", ""])
    row = check_claims([greater()], s).iloc[0]
    assert row.flagged == "M exponential: trial 1 (epoch_cap,lr_floor)" and row.status == "holds"


def test_shipped_claims_files_load():
    for name in ("claims_p2_task1.yaml", "claims_p2_task3.yaml"):
        assert len(load_claims(REPO / "resources" / name)) >= 4


@pytest.mark.parametrize(
    "text, message",
    [("claims: []\n", "non-empty list"), ("claims:\n  - {id: a, claim: b}\n", "needs id, claim and test"),
     ("claims:\n  - {id: a, claim: b, test: {bigger: {}}}\n", "test must be one of"),
     ("claims:\n  - {id: a, claim: b, test: {greater: {metric: speed, a: {}, b: {}}}}\n", "metric one of"),
     ("claims: [\n", "invalid YAML")],
)
def test_bad_claims_file(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(FormatError, match=message):
        load_claims(path)


def test_step_writes_tables(tmp_path):
    s = summary([("CNN-deep", "relu", 3, {"match_ground_truth": (0.00, 0.01), "aupr": (0.77, 0.01)}),
                 ("CNN-deep", "exponential", 3, {"match_ground_truth": (0.91, 0.02), "aupr": (0.73, 0.01)}),
                 ("P2-CNN-2", "relu", 1, {"match_ground_truth": (0.0, float("nan")), "aupr": (0.7, float("nan"))}),
                 ("P2-CNN-2", "exponential", 1, {"match_ground_truth": (0.5, float("nan")),
                                                 "aupr": (0.7, float("nan"))})])
    s.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    make_claims_table(REPO / "resources/claims_p2_task1.yaml", tmp_path / "s.tsv", tmp_path / "c.tsv", tmp_path / "c.md")
    table = pd.read_csv(tmp_path / "c.tsv", sep="\t").set_index("id")
    assert table.status["exp_vs_relu_cnn_deep"] == "holds"  # 0.91 vs 0.00, SE 0.0129: t = 70
    assert table.status["exp_vs_relu_cnn2"] == "too few trials"  # one trial each
    assert table.status["localization_exp_vs_pwm"] == "not run"
    md = (tmp_path / "c.md").read_text()
    assert md.startswith("| claim | source | ours | Δ ± SE | n | p | trials needed | holds? | flagged runs |")
    assert "| +0.910 ± 0.013 | 3 trials vs 3 trials |" in md and "Welch's t-test" in md
    # equal means: no difference to detect, no number of trials would decide it
    assert "| ∞ | inconclusive |" in claims_markdown(check_claims([greater()], two((0.5, 0.1), (0.5, 0.1))))


def test_two_trials_even_far_apart_give_no_verdict():
    # 0.85 ± 0.05 vs 0.65 ± 0.05 over 2 trials each: t = 0.20/0.05 = 4.0 would pass at df 2 (2.920), but 2 trials
    # give no verdict; the spread says 3 per side would do: 2·(2.487·0.05/0.20)² = 0.8 -> the minimum, 3
    row = check_claims([greater()], two((0.85, 0.05), (0.65, 0.05), n=2)).iloc[0]
    assert row.status == "too few trials" and row.trials_needed == "3" and math.isnan(row.p_value)


def _modisco(rows):
    """TF-MoDISco summary rows (activation, n, metric -> (mean, sd)) of CNN-local saliency."""
    out = summary([("CNN-local", act, n, values) for act, n, values in rows])
    out["method"] = "saliency"
    return out.drop(columns="layer")


def test_shipped_extension_claim_is_marked_ours_and_needs_both_parts(tmp_path):
    claims = load_claims(REPO / "resources" / "claims_p2_task3.yaml")
    ext = [c for c in claims if c["id"] == "exp_vs_relu_modisco_cnn_local"]
    # recovered TFs: 4.0 ± 0.5 vs 2.0 ± 0.5 (3 trials): SE = sqrt(0.25/3 · 2) = 0.408, t = 4.90 > 4.604 (df 4)
    # false patterns: relu 3.0 ± 0.5 vs exponential 1.0 ± 0.5: the same t -> both parts hold
    both = _modisco([("exponential", 3, {"mod_recovered": (4.0, 0.5), "mod_false": (1.0, 0.5)}),
                     ("relu", 3, {"mod_recovered": (2.0, 0.5), "mod_false": (3.0, 0.5)})])
    table = check_claims(ext, summary([]).assign(model=[], activation=[]), modisco=both)
    row = table.iloc[0]
    assert row.status == "holds" and row.origin == "extension" and row.p_value < 0.005
    assert "weakest of 2 parts" in row.test
    md = claims_markdown(table)
    assert "| extension (ours, not a published claim): methods §6.5" in md
    # more TFs but as many false patterns (3.0 vs 3.0): the second part is not shown, so not "holds"
    same_false = both.assign(mod_false_mean=[3.0, 3.0])
    assert check_claims(ext, summary([]).assign(model=[], activation=[]), modisco=same_false).status[0] != "holds"
    # without the TF-MoDISco table the claim is not run
    assert check_claims(ext, summary([]).assign(model=[], activation=[])).status[0] == "not run"
    published = [c for c in claims if c["id"] != ext[0]["id"]]
    assert set(check_claims(published, summary([]).assign(model=[], activation=[])).origin) == {"published"}


def test_bad_origin_and_all_greater_are_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("claims:\n  - {id: a, claim: b, origin: mine, test: {greater: {metric: auroc, a: {}, b: {}}}}\n")
    with pytest.raises(FormatError, match="origin must be one of published, extension"):
        load_claims(path)
    path.write_text("claims:\n  - {id: a, claim: b, test: {all_greater: {tests: [{metric: speed, a: {}, b: {}}]}}}\n")
    with pytest.raises(FormatError, match="all_greater needs tests"):
        load_claims(path)

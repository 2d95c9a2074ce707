"""Claims tables: each test kind on hand-made summaries, with the expected verdict by hand."""

import pandas as pd
import pytest
from conftest import REPO

from motifrep.errors import FormatError
from motifrep.results.claims import check_claims, load_claims, make_claims_table


def summary(rows):
    return pd.DataFrame([dict(model=m, activation=a, layer=1, n_trials=n, auroc_mean=au, aupr_mean=ap,
                              match_any_mean=ma, match_ground_truth_mean=gt) for m, a, n, au, ap, ma, gt in rows])


SUMMARY = summary([
    ("CNN-deep", "relu", 2, 0.90, 0.77, 0.25, 0.00),
    ("CNN-deep", "exponential", 2, 0.88, 0.73, 0.94, 0.91),
    ("CNN-deep", "tanh", 2, 0.86, 0.70, 0.50, 0.20),
    ("CNN-deep", "sigmoid", 2, 0.87, 0.71, 0.40, 0.10),
])
INTERP = pd.DataFrame([
    dict(model="CNN-local", activation=a, method=m, n_trials=1, interp_auroc_mean=v)
    for (a, m, v) in [("relu", "saliency", 0.60), ("exponential", "saliency", 0.80),
                      ("relu", "ism", 0.70), ("exponential", "ism", 0.65)]])
LOC = pd.DataFrame([dict(model="CNN-deep", activation="exponential", n_trials=1, loc_auroc_mean=0.87),
                    dict(model="true PWM", activation="log-odds", n_trials=1, loc_auroc_mean=0.90)])


def claim(kind, **args):
    return {"id": kind, "claim": kind, "test": {kind: args}}


@pytest.mark.parametrize(
    "c, status",
    [
        (claim("greater", metric="match_ground_truth", a={"model": "CNN-deep", "activation": "exponential"},
               b={"model": "CNN-deep", "activation": "relu"}), "holds"),  # 0.91 > 0.00
        (claim("greater", metric="aupr", a={"model": "CNN-deep", "activation": "exponential"},
               b={"model": "CNN-deep", "activation": "relu"}), "does not hold"),  # 0.73 < 0.77
        (claim("greater", metric="aupr", a={"model": "CNN-2", "activation": "exponential"},
               b={"model": "CNN-2", "activation": "relu"}), "not run"),
        (claim("lowest_in", metric="aupr", model="CNN-deep", activations=["tanh", "sigmoid"]), "holds"),  # tanh 0.70
        (claim("lowest_in", metric="aupr", model="CNN-deep", activations=["tanh", "softplus"]), "not run"),
        (claim("spread_at_most", metric="aupr", model="CNN-deep", max=0.05), "does not hold"),  # 0.77 - 0.70
        (claim("spread_at_most", metric="aupr", model="CNN-deep", max=0.08), "holds"),
        (claim("greater_each", metric="interp_auroc", a={"model": "CNN-local", "activation": "exponential"},
               b={"model": "CNN-local", "activation": "relu"}, methods=["saliency", "ism"]), "does not hold"),
        (claim("greater_each", metric="interp_auroc", a={"model": "CNN-local", "activation": "exponential"},
               b={"model": "CNN-local", "activation": "relu"}, methods=["saliency", "deepshap"]), "holds"),
        (claim("close", metric="loc_auroc", a={"model": "CNN-deep", "activation": "exponential"},
               b={"model": "true PWM", "activation": "log-odds"}, tol=0.05), "holds"),  # |0.87 - 0.90| = 0.03
        (claim("close", metric="loc_auroc", a={"model": "CNN-deep", "activation": "exponential"},
               b={"model": "true PWM", "activation": "log-odds"}, tol=0.02), "does not hold"),
    ],
)
def test_claim_verdicts(c, status):
    table = check_claims([c], SUMMARY, INTERP, LOC)
    assert table.status[0] == status


def test_partial_methods_are_reported():
    c = claim("greater_each", metric="interp_auroc", a={"model": "CNN-local", "activation": "exponential"},
              b={"model": "CNN-local", "activation": "relu"}, methods=["saliency", "deepshap"])
    assert "(1 of 2 methods run)" in check_claims([c], SUMMARY, INTERP).ours[0]


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
    SUMMARY.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    make_claims_table(REPO / "resources/claims_p2_task1.yaml", tmp_path / "s.tsv", tmp_path / "c.tsv", tmp_path / "c.md")
    table = pd.read_csv(tmp_path / "c.tsv", sep="\t")
    assert table.set_index("id").status["exp_vs_relu_cnn_deep"] == "holds"
    assert table.set_index("id").status["localization_exp_vs_pwm"] == "not run"
    assert (tmp_path / "c.md").read_text().startswith("| claim | source | ours | holds? |")

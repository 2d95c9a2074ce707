"""Flagged runs (methods §8.1): the flag rules on hand-made runs, the metrics a training run records
for them, and the summaries with and without flagged runs, each checked against numbers worked out by hand."""

import json

import numpy as np
import pandas as pd
import pytest

from motifrep.results.tables import (
    classification_table,
    run_flags,
    summary_markdown,
    summary_table,
    table1,
)
from motifrep.summary import summarise

NAN = float("nan")
FLOOR = 1.0000000116860974e-07  # 1e-7 as float32 gives it back: ReduceLROnPlateau's floor as Keras stores it


def runs(rows):
    cols = ["model", "activation", "trial", "epochs_run", "max_epochs", "final_lr", "min_lr", "val_loss", "nonfinite",
            "filters_with_site"]
    return pd.DataFrame(rows, columns=cols)


def test_flag_rules_by_hand():
    table = runs([
        # ran to the cap with the rate at the floor; val loss 0.50 > 1.5 x median(0.20, 0.22) = 0.315
        ("M", "exponential", 0, 100, 100, FLOOR, 1e-7, 0.50, 0, 30),
        # stopped early (40 < 100), rate 4e-5 above the floor, 0.20 < 1.5 x median(0.50, 0.22) = 0.54
        ("M", "exponential", 1, 40, 100, 4e-5, 1e-7, 0.20, 0, 30),
        # 3 non-finite first-layer values
        ("M", "exponential", 2, 40, 100, 4e-5, 1e-7, 0.22, 3, 30),
        # alone in its group: no median to compare with; no filter with a site
        ("M", "relu", 0, 12, 100, 1e-3, NAN, 5.0, 0, 0),
        # 0.31 < 1.5 x 0.21 = 0.315: not flagged (the factor is strict); no plateau schedule (min_lr empty)
        ("N", "relu", 0, 30, 100, 1e-3, NAN, 0.31, 0, 5),
        ("N", "relu", 1, 30, 100, 1e-3, NAN, 0.21, 0, 5),
    ])
    assert list(run_flags(table)) == ["epoch_cap,lr_floor,val_loss_high", "", "nonfinite", "no_site", "", ""]


def test_flag_rule_val_loss_two_trials():
    # with two trials, the larger is flagged when above 1.5 x the other: 0.50 > 1.5 x 0.30 = 0.45
    table = runs([("M", "relu", 0, 10, 100, 1e-3, NAN, 0.50, 0, 5), ("M", "relu", 1, 10, 100, 1e-3, NAN, 0.30, 0, 5)])
    assert list(run_flags(table)) == ["val_loss_high", ""]
    table.loc[0, "val_loss"] = 0.44  # 0.44 < 0.45
    assert list(run_flags(table)) == ["", ""]


def test_classification_table_reads_flags_and_old_files(tmp_path):
    base = dict(model="M", activation="exponential", auroc_mean=0.9, aupr_mean=0.8, n_params=10, best_epoch=5)
    (tmp_path / "a.json").write_text(json.dumps({**base, "trial": 0, "epochs_run": 20, "max_epochs": 20,
                                                 "final_learning_rate": 1e-3, "min_lr": None, "best_val_loss": 0.3,
                                                 "nonfinite": 0, "first_layer_filters_with_site": 8}))
    (tmp_path / "b.json").write_text(json.dumps({**base, "trial": 1, "epochs_run": 20}))  # written before the flags
    table = classification_table([tmp_path / "a.json", tmp_path / "b.json"])
    assert list(table.columns[:8]) == ["model", "activation", "trial", "auroc", "aupr", "n_params", "best_epoch",
                                       "epochs_run"]
    assert list(table["flags"]) == ["epoch_cap", ""]  # nothing recorded: nothing decided, nothing flagged
    assert table.loc[0, "val_loss"] == 0.3 and pd.isna(table.loc[1, "max_epochs"])


def _cls_and_matches():
    cls = pd.DataFrame({"model": ["M"] * 5, "activation": ["relu"] * 3 + ["exponential"] * 2,
                        "trial": [0, 1, 2, 0, 1], "auroc": [0.9, 0.5, 0.8, 0.7, 0.6], "aupr": [0.6, 0.2, 0.5, 0.4, 0.3],
                        "flags": ["", "epoch_cap,lr_floor", "", "", ""]})
    matches = cls[["model", "activation", "trial"]].assign(layer=1, match_any=[0.5, 0.0, 0.3, 0.9, 0.7],
                                                            match_ground_truth=[0.2, 0.0, 0.1, 0.8, 0.6])
    return cls, matches


def test_summary_with_and_without_flagged_runs():
    cls, matches = _cls_and_matches()
    t = summary_table(cls, matches, order=["M"]).set_index("activation")
    relu = t.loc["relu"]
    # every run counted: auroc (0.9 + 0.5 + 0.8)/3 = 0.7333; without trial 1: (0.9 + 0.8)/2 = 0.85, sd 0.070711
    assert relu.n_trials == 3 and relu.auroc_mean == pytest.approx(0.733333, abs=1e-6)
    assert relu.n_flagged == 1 and relu["flags"] == "epoch_cap,lr_floor" and relu.flagged_trials == "1 (epoch_cap,lr_floor)"
    assert relu.n_trials_unflagged == 2 and relu.auroc_mean_unflagged == pytest.approx(0.85)
    assert relu.auroc_std_unflagged == pytest.approx(0.070711, abs=1e-6)
    assert relu.match_any_mean_unflagged == pytest.approx(0.4)  # (0.5 + 0.3)/2; with trial 1: 0.2667
    # no flagged run: the "without" columns stay empty (they would repeat the numbers over all runs)
    exp = t.loc["exponential"]
    assert exp.n_flagged == 0 and exp["flags"] == "" and pd.isna(exp.auroc_mean_unflagged) and pd.isna(exp.n_trials_unflagged)
    md = summary_markdown(t.reset_index())
    assert "| M | relu | 1 | 3 | 0.733 ± 0.208; w/o flagged: 0.850 ± 0.071 (2) |" in md
    assert md.splitlines()[2].endswith("| 1: trial 1 (epoch_cap,lr_floor) |")
    assert "val_loss_high (validation loss above 1.5 × the median" in md


def test_all_runs_flagged_and_classification_summary():
    cls, _ = _cls_and_matches()
    cls.loc[cls.activation == "exponential", "flags"] = "no_site"
    s = summarise(cls).set_index("activation")
    assert s.loc["exponential", "n_flagged"] == 2 and s.loc["exponential", "n_trials_unflagged"] == 0
    assert pd.isna(s.loc["exponential", "auroc_mean_unflagged"])
    assert s.loc["exponential", "auroc_mean"] == pytest.approx(0.65)  # never dropped from the main statistic
    from motifrep.summary import mean_sd_markdown

    md = mean_sd_markdown(s.reset_index(), ["model", "activation"], {"auroc": "AUROC"}, "note")
    assert "0.650 ± 0.071; w/o flagged: none left" in md


def test_table1_carries_flagged_runs():
    from conftest import REPO

    from motifrep.results.tables import load_published

    cls = pd.DataFrame({"model": ["CNN-25"] * 3, "trial": [0, 1, 2], "auroc": [0.95, 0.96, 0.5], "aupr": [0.8, 0.9, 0.2],
                        "flags": ["", "", "val_loss_high"]})
    matches = cls[["model", "trial"]].assign(layer=1, match_any=[1.0, 0.9, 0.1], match_ground_truth=[0.9, 0.8, 0.0])
    pub = load_published(REPO / "resources" / "published_p1.tsv")
    t = table1(cls, matches, pub).iloc[0]
    assert t.n_flagged == 1 and t.flagged_trials == "2 (val_loss_high)"
    # CNN-25 match ground truth is published as 0.980 ± 0.027 over the paper's trials (P1: 5 per model)
    assert t.match_ground_truth_published_sd == 0.027 and t.match_ground_truth_published_n == 5
    # its AUROC's spread is over the 12 tasks of one run: no spread over trials for the tests
    assert t.auroc_published_value == 0.954 and pd.isna(t.auroc_published_sd)


def test_training_records_what_the_flags_need(tmp_path, small_data):
    """epochs = 2 with patience 5 runs to the cap; a plateau floor equal to the starting rate puts the rate at the
    floor from the first epoch: both flags must follow from what train() records."""
    from motifrep.nn.train import train

    blocks = [{"conv": {"filters": 8, "kernel": 11, "pool": 20}}, {"dense": {"units": 16}}]
    out = tmp_path / "run"
    metrics = train(small_data, "Tiny", blocks, out / "m.keras", out / "h.tsv", out / "m.json", trial=0, seed=3,
                    epochs=2, patience=5, batch_size=50, lr_plateau={"factor": 0.2, "patience": 1, "min_lr": 1e-3})
    history = pd.read_csv(out / "h.tsv", sep="\t")
    assert metrics["max_epochs"] == 2 == metrics["epochs_run"] and metrics["min_lr"] == 1e-3
    assert metrics["final_learning_rate"] == pytest.approx(1e-3, rel=1e-6)
    assert metrics["best_val_loss"] == pytest.approx(history.val_loss[metrics["best_epoch"] - 1])
    # small_data: 600 sequences split 0.6 / 0.2 / 0.2: 120 validation sequences checked
    assert metrics["health_sequences"] == 120 and metrics["first_layer_filters"] == 8
    assert metrics["first_layer_nonfinite"] == 0 == metrics["nonfinite"] == metrics["history_nonfinite"]
    assert 0 <= metrics["first_layer_filters_with_site"] <= 8
    table = classification_table([out / "m.json"])
    assert table["flags"][0].split(",")[:2] == ["epoch_cap", "lr_floor"]


def test_first_layer_checks_catch_overflow_and_dead_filters(small_data):
    """An exponential first layer whose batch-norm shift is +100 overflows float32 (exp(100) = inf > 3.4e38);
    a relu one shifted by -100 never activates above 0 (no site)."""
    from motifrep.datasets.store import Dataset
    from motifrep.nn.build import build_model
    from motifrep.nn.train import _first_layer_health

    blocks = [{"conv": {"filters": 4, "kernel": 5, "pool": 10}}, {"dense": {"units": 8}}]
    with Dataset(small_data) as ds:
        length, n_tasks = ds.length, ds.n_tasks
    for activation, shift in (("exponential", 100.0), ("relu", -100.0)):
        model = build_model("Tiny", blocks, length, n_tasks, first_activation=activation)
        bn = model.get_layer("conv1_bn")
        gamma, beta, mean, var = bn.get_weights()
        bn.set_weights([np.zeros_like(gamma), np.full_like(beta, shift), mean, var])
        health = _first_layer_health(model, small_data, 50)
        if activation == "exponential":
            # every position of every filter: 120 sequences x 100 positions ('same' padding) x 4 filters
            assert health["first_layer_nonfinite"] == 120 * 100 * 4 and health["first_layer_filters_with_site"] == 0
        else:
            assert health["first_layer_nonfinite"] == 0 and health["first_layer_filters_with_site"] == 0


def test_steps_round_trip_through_tsv(tmp_path):
    """The workflow steps on files: metrics JSON -> classification -> summary, Table 1, claims -> scorecard.
    One of three CNN-deep exponential trials ran to the cap at the rate floor with a val loss far above the
    others (0.50 > 1.5 x 0.13); it stays in every number, is named in every table, and the claims decide on
    three trials a side."""
    from conftest import REPO

    from motifrep.results.claims import make_claims_table
    from motifrep.results.scorecard import make_scorecard
    from motifrep.results.tables import (
        aggregate_classification,
        make_summary,
        make_table1,
    )

    files, matches = [], []
    for act, gts in (("relu", (0.00, 0.02, 0.01)), ("exponential", (0.90, 0.40, 0.86))):
        for trial, gt in enumerate(gts):
            bad = act == "exponential" and trial == 1
            m = dict(model="CNN-deep", activation=act, trial=trial, auroc_mean=0.9, aupr_mean=0.7 + 0.01 * trial,
                     n_params=10, best_epoch=3, epochs_run=100 if bad else 20, max_epochs=100,
                     final_learning_rate=1e-7 if bad else 1e-4, min_lr=1e-7, best_val_loss=0.50 if bad else 0.13,
                     nonfinite=0, first_layer_filters_with_site=30)
            files.append(tmp_path / f"{act}{trial}.json")
            files[-1].write_text(json.dumps(m))
            matches.append(dict(model="CNN-deep", activation=act, trial=trial, layer=1, n_filters=30,
                                match_any=gt, match_ground_truth=gt))
    pd.DataFrame(matches).to_csv(tmp_path / "matches.tsv", sep="\t", index=False)
    aggregate_classification(files, tmp_path / "cls.tsv", tmp_path / "cls_summary.tsv", ["CNN-deep"])
    cls = pd.read_csv(tmp_path / "cls.tsv", sep="\t", keep_default_na=False)
    assert list(cls["flags"]) == ["", "", "", "", "epoch_cap,lr_floor,val_loss_high", ""]
    make_summary(tmp_path / "cls.tsv", tmp_path / "matches.tsv", tmp_path / "s.tsv", tmp_path / "s.md", ["CNN-deep"])
    s = pd.read_csv(tmp_path / "s.tsv", sep="\t").set_index("activation")
    # exponential match_ground_truth: all three (0.90 + 0.40 + 0.86)/3 = 0.72; without trial 1: 0.88
    assert s.loc["exponential", "match_ground_truth_mean"] == pytest.approx(0.72)
    assert s.loc["exponential", "match_ground_truth_mean_unflagged"] == pytest.approx(0.88)
    assert "w/o flagged: 0.880 ± 0.028 (2)" in (tmp_path / "s.md").read_text()
    make_claims_table(REPO / "resources/claims_p2_task1.yaml", tmp_path / "s.tsv", tmp_path / "c.tsv",
                      tmp_path / "c.md")
    claims = pd.read_csv(tmp_path / "c.tsv", sep="\t").set_index("id")
    # exponential sd: deviations 0.18, -0.32, 0.14 -> sqrt(0.1544/2) = 0.27785; relu 0.01 ± 0.01, 3 trials each:
    # SE = sqrt(0.0772/3 + 0.0001/3) = 0.160520, t = 0.71/0.16052 = 4.42, Welch df = 2.005: above
    # t_0.95(2) = 2.920 -> holds, the flagged trial counted and named
    assert claims.status["exp_vs_relu_cnn_deep"] == "holds"
    assert claims.se["exp_vs_relu_cnn_deep"] == pytest.approx(0.160520, abs=1e-6)
    assert claims.flagged["exp_vs_relu_cnn_deep"] == "CNN-deep exponential: trial 1 (epoch_cap,lr_floor,val_loss_high)"
    make_table1(tmp_path / "cls.tsv", tmp_path / "matches.tsv", REPO / "resources/published_p1.tsv",
                tmp_path / "t1.tsv", tmp_path / "t1.md", ["CNN-deep"])
    make_scorecard([dict(experiment="p2", kind="claims", path=tmp_path / "c.tsv")], tmp_path / "card.tsv",
                   tmp_path / "card.md")
    card = (tmp_path / "card.md").read_text()
    assert "| +0.710 ± 0.161 | 3 trials vs 3 trials |" in card and "trial 1 (epoch_cap,lr_floor,val_loss_high)" in card

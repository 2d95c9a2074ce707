import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from motifrep.errors import FormatError
from motifrep.results.tables import load_published, table1, table1_markdown
from motifrep.summary import summarise


@pytest.fixture
def published():
    return load_published(REPO / "resources" / "published_p1.tsv")


def test_published_table_holds_spec_values(published):
    pub = published.set_index(["model", "layer", "metric"])
    assert pub.loc[("CNN-25", 1, "match_ground_truth"), "value"] == 0.980
    assert pub.loc[("CNN-1", 2, "match_ground_truth"), "value"] == 0.847
    assert pub.loc[("CNN3-50", 1, "auroc"), "value"] == 0.652
    assert pub.loc[("CNN-2", 1, "match_any"), "relation"] == "<="
    assert not pub.index.duplicated().any()


def test_summarise_mean_std_and_order():
    t = pd.DataFrame({"model": ["B", "A", "B", "A"], "trial": [0, 0, 1, 1], "auroc": [0.8, 0.6, 0.9, 0.7],
                      "aupr": [0.1, 0.2, 0.3, 0.4]})
    s = summarise(t, order=["A", "B"])
    assert list(s.model) == ["A", "B"] and list(s.n_trials) == [2, 2]
    np.testing.assert_allclose(s.auroc_mean, [0.65, 0.85])
    np.testing.assert_allclose(s.auroc_std, [np.std([0.6, 0.7], ddof=1)] * 2)


def test_table1_compares_with_published(published):
    cls = pd.DataFrame({"model": ["CNN-25", "CNN-25", "CNN-2", "CNN-2"], "trial": [0, 1, 0, 1],
                        "auroc": [0.95, 0.96, 0.97, 0.97], "aupr": [0.8, 0.9, 0.85, 0.87]})
    matches = pd.DataFrame({"model": ["CNN-25", "CNN-25", "CNN-2", "CNN-2"], "trial": [0, 1, 0, 1],
                            "layer": [1, 1, 1, 1], "match_any": [1.0, 0.9, 0.5, 0.6],
                            "match_ground_truth": [0.9, 0.8, 0.1, 0.1]})
    t = table1(cls, matches, published, order=["CNN-2", "CNN-25"]).set_index("model")
    assert list(t.index) == ["CNN-2", "CNN-25"]
    assert t.loc["CNN-25", "match_ground_truth_mean"] == pytest.approx(0.85)
    assert t.loc["CNN-25", "match_ground_truth_diff"] == pytest.approx(0.85 - 0.980)
    assert t.loc["CNN-25", "match_ground_truth_published"] == "0.980 ± 0.027"
    assert "match_ground_truth -0.130" in t.loc["CNN-25", "differs"]
    assert t.loc["CNN-25", "auroc_diff"] == pytest.approx(0.955 - 0.954)
    assert "auroc" not in t.loc["CNN-25", "differs"]
    # bounds: CNN-2 any-match 0.55 is above the published "at best 0.453"
    assert t.loc["CNN-2", "match_any_published"] == "<= 0.453"
    assert not t.loc["CNN-2", "match_any_bound_met"] and t.loc["CNN-2", "match_ground_truth_bound_met"]
    assert "match_any outside bound <= 0.453" in t.loc["CNN-2", "differs"]
    md = table1_markdown(t.reset_index())
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]  # header, rule, one row per model (+ notes below)
    assert len(rows) == 4 and rows[3].startswith("| CNN-25 | 1 | 2 |") and "0.850 ± 0.071" in rows[3]


def test_bad_published_file(tmp_path):
    (tmp_path / "p.tsv").write_text("model\tlayer\tmetric\trelation\tvalue\tstd\nCNN-2\t1\tauroc\t~\t0.9\t\n")
    with pytest.raises(FormatError, match="unknown relation"):
        load_published(tmp_path / "p.tsv")


def test_summary_table_per_model_activation_layer():
    from motifrep.results.tables import summary_markdown, summary_table

    cls = pd.DataFrame({"model": ["M"] * 4, "activation": ["relu", "relu", "exponential", "exponential"],
                        "trial": [0, 1, 0, 1], "auroc": [0.8, 0.9, 0.7, 0.7], "aupr": [0.5, 0.7, 0.4, 0.4]})
    matches = cls[["model", "activation", "trial"]].assign(layer=1, match_any=[0.2, 0.4, 1.0, 0.9],
                                                            match_ground_truth=[0.0, 0.1, 0.9, 0.8])
    t = summary_table(cls, matches, order=["M"]).set_index("activation")
    assert list(t.index) == ["relu", "exponential"] and (t.n_trials == 2).all()
    assert t.loc["relu", "auroc_mean"] == pytest.approx(0.85) and t.loc["exponential", "auroc_std"] == 0
    assert t.loc["exponential", "match_ground_truth_mean"] == pytest.approx(0.85)
    assert t.loc["relu", "aupr_std"] == pytest.approx(0.1414213, rel=1e-5)  # sd of 0.5, 0.7 (n - 1)
    md = summary_markdown(t.reset_index())
    assert "| M | exponential | 1 | 2 | 0.700 ± 0.000 | 0.400 ± 0.000 | 0.950 ± 0.071 | 0.850 ± 0.071 |" in md


def test_invivo_published_values_are_the_authors_files(koo2019):
    """resources/published_p1_invivo.tsv holds the authors' in vivo run: AUROC/AUPR as in their
    performance_summary.tsv, match fractions as their own Tomtom output gives (E <= 0.1, hits to
    the 12 TFs' IDs for "relevant"), and the paper's CNN-1 values."""
    from motifrep.motifs.meme import read_meme
    from motifrep.motifs.tf_table import load_tf_table

    pub = load_published(REPO / "resources" / "published_p1_invivo.tsv").set_index(["model", "layer", "metric"])
    assert not pub.index.duplicated().any()
    invivo = koo2019 / "invivo"
    summary = pd.read_csv(invivo / "performance_summary.tsv", sep="\t").set_index("model")
    names = {"cnn_2": "CNN-2", "cnn_4": "CNN-4", "cnn_25": "CNN-25", "cnn9_25": "CNN9-25", "cnn_50_2": "CNN-50-2"}
    accepted = {i for ids in load_tf_table(REPO / "resources" / "encode_k562.tsv").accepted_ids for i in ids}
    for stem, model in names.items():
        roc, sd = summary.loc[stem, "ave roc"].split("$\\pm$")
        assert pub.loc[(model, 1, "auroc"), "value"] == pytest.approx(float(roc))
        assert pub.loc[(model, 1, "auroc"), "std"] == pytest.approx(float(sd))
        hits = pd.read_csv(invivo / f"{stem}_tomtom.tsv", sep="\t", comment=None)
        hits = hits[hits["E-value"] <= 0.1]
        n = len(read_meme(invivo / f"{stem}.meme"))
        any_match = hits["#Query ID"].nunique() / n
        relevant = hits.loc[hits["Target ID"].isin(accepted), "#Query ID"].nunique() / n
        assert pub.loc[(model, 1, "match_any"), "value"] == pytest.approx(any_match, abs=5e-4)
        assert pub.loc[(model, 1, "match_ground_truth"), "value"] == pytest.approx(relevant, abs=5e-4)
    # spot values counted by hand from cnn_2_tomtom.tsv: 7 of 30 filters hit anything, 1 a relevant TF
    assert pub.loc[("CNN-2", 1, "match_any"), "value"] == pytest.approx(7 / 30, abs=5e-4)
    assert pub.loc[("CNN-2", 1, "match_ground_truth"), "value"] == pytest.approx(1 / 30, abs=5e-4)
    assert pub.loc[("CNN-1", 2, "match_ground_truth"), "value"] == 0.625


def test_table2_markdown_says_relevant(published):
    cls = pd.DataFrame({"model": ["CNN-2"], "trial": [0], "auroc": [0.9], "aupr": [0.6]})
    matches = pd.DataFrame({"model": ["CNN-2"], "trial": [0], "layer": [1], "match_any": [0.3],
                            "match_ground_truth": [0.1]})
    md = table1_markdown(table1(cls, matches, published), "table2")
    assert "match relevant TF" in md and "match ground truth" not in md

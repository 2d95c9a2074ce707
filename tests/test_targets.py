"""motifrep.targets: which files the workflow plans, checked against path lists written out by hand."""

import copy

import pandas as pd
import pytest
from conftest import REPO
from conftest import checked_config as checked
from conftest import layered_config as layered
from conftest import load_config as load

from motifrep import targets
from motifrep.datasets.encode import read_experiment_table
from motifrep.errors import ConfigError

SCHEMA = REPO / "config" / "schema.yaml"
ZOO = REPO / "resources" / "models.yaml"
P1 = "results/experiments/p1"
T3 = "results/experiments/p2_task3"
SYN = "results/synthetic/models"
TASK3 = "results/task3/models"
UCSC = "http://hgdownload.cse.ucsc.edu/goldenPath/hg19"
PEAKS = f"{UCSC}/encodeDCC/wgEncodeAwgTfbsUniform"
BUNDLE = "http://deepsea.princeton.edu/media/code/deepsea_train_bundle.v0.9.tar.gz"





@pytest.fixture(scope="module")
def default():
    return checked(layered("config.yaml"))


@pytest.fixture(scope="module")
def invivo():
    return checked(layered("config.yaml", "invivo.yaml"))


@pytest.fixture(scope="module")
def tiny():
    """A hand-written config: one P1-like experiment with a deep layer, a regulatory one with
    attribution, a figure with a labelled panel, and a data set no experiment uses."""
    config = load("config.yaml")
    synthetic = config["datasets"]["synthetic"]
    config["datasets"] = {
        "sim": {**synthetic, "n_sequences": 100},
        "spare": {**synthetic, "n_sequences": 100},
        "reg": {**config["datasets"]["task3"], "n_positive": 50, "n_negative": 50},
    }
    config["experiments"] = {
        "pools": {"dataset": "sim", "models": ["CNN-1", "CNN-4"], "trials": 2,
                  "match_plot": ["CNN-4", "CNN-1", "CNN-25"]},
        "maps": {"dataset": "reg", "models": ["CNN-local"], "activations": ["relu", "exponential"],
                 "attribution": ["saliency", "ism"], "claims": "resources/claims_p2_task3.yaml",
                 "match_plot": ["CNN-local"]},
    }
    config["figures"] = {
        "pair": {"experiment": "pools", "trial": 1,
                 "panels": [{"model": "CNN-4", "label": "four"}, {"model": "CNN-1", "layer": 2}]},
        "untrained": {"experiment": "pools", "panels": [{"model": "CNN-25"}]},
    }
    config["run"] = None
    return checked(config)


def test_experiment_tables_and_figures(default):
    config, zoo = default
    assert targets.experiment_outputs(config, zoo, "p1") == [
        f"{P1}/classification.tsv", f"{P1}/classification_summary.tsv", f"{P1}/match_statistics.tsv",
        f"{P1}/summary.tsv", f"{P1}/summary.md", f"{P1}/table1.tsv", f"{P1}/table1.md",
        f"{P1}/match_vs_pool.png", f"{P1}/match_vs_pool.pdf",
        f"{P1}/table1.html", f"{P1}/summary.html", f"{P1}/classification_summary.html",
    ]


def test_experiment_with_attribution_and_claims(default):
    config, zoo = default
    assert targets.experiment_outputs(config, zoo, "p2_task3") == [
        f"{T3}/classification.tsv", f"{T3}/classification_summary.tsv", f"{T3}/match_statistics.tsv",
        f"{T3}/summary.tsv", f"{T3}/summary.md", f"{T3}/claims.tsv", f"{T3}/claims.md",
        f"{T3}/activations.png", f"{T3}/activations.pdf",
        f"{T3}/interpretability.tsv", f"{T3}/interpretability_summary.tsv", f"{T3}/interpretability_summary.md",
        f"{T3}/interpretability_vs_auroc.png", f"{T3}/interpretability_vs_auroc.pdf",
        f"{T3}/attribution_logos.png", f"{T3}/attribution_logos.pdf",
        f"{T3}/modisco.tsv", f"{T3}/modisco_summary.tsv", f"{T3}/modisco_summary.md",  # modisco: [saliency]
        f"{T3}/modisco.png", f"{T3}/modisco.pdf", f"{T3}/modisco_logos.png", f"{T3}/modisco_logos.pdf",
        f"{T3}/summary.html", f"{T3}/classification_summary.html", f"{T3}/claims.html",
        f"{T3}/interpretability_summary.html", f"{T3}/modisco_summary.html",
    ]


def test_run_outputs_of_an_experiment(default):
    config, zoo = default
    runs = [f"{SYN}/{m}/relu/trial_0" for m in ("CNN-2", "CNN-4", "CNN-25")]
    assert targets.run_outputs(config, zoo, "p1") == (
        ["results/synthetic/data.h5"]
        + [f"{r}/model.keras" for r in runs] + [f"{r}/metrics.json" for r in runs]
        + [f"{r}/filters/layer1.meme" for r in runs] + [f"{r}/tomtom/layer1.tsv" for r in runs]
        + [f"{r}/filters/layer1_report.tsv" for r in runs]
    )


def test_run_outputs_with_attribution_maps(default):
    config, zoo = default
    relu, exp = f"{TASK3}/CNN-local/relu/trial_0", f"{TASK3}/CNN-local/exponential/trial_0"
    assert targets.run_outputs(config, zoo, "p2_task3")[-6:] == [
        f"{relu}/attribution/saliency.h5", f"{relu}/attribution/ism.h5",
        f"{exp}/attribution/saliency.h5", f"{exp}/attribution/ism.h5",
        f"{relu}/modisco/saliency/score.tsv", f"{exp}/modisco/saliency/score.tsv",
    ]


def test_modisco_runs(default):
    config, zoo = default
    relu = f"{TASK3}/CNN-local/relu/trial_0"
    first = targets.modisco_runs(config, zoo, "p2_task3")[0]
    assert first == dict(model="CNN-local", activation="relu", trial=0, method="saliency",
                         maps=f"{relu}/attribution/saliency.h5", dir=f"{relu}/modisco/saliency",
                         score=f"{relu}/modisco/saliency/score.tsv")
    assert len(targets.modisco_runs(config, zoo, "p2_task3")) == 2
    assert targets.modisco_runs(config, zoo, "p1") == []


def test_runs_trials_and_deep_layers(tiny):
    config, zoo = tiny
    assert targets.run_paths(config, zoo, "pools", targets.FILTERS) == [
        "results/sim/models/CNN-1/relu/trial_0/filters/layer1.meme",
        "results/sim/models/CNN-1/relu/trial_0/filters/layer2.meme",  # filters.deep_layers
        "results/sim/models/CNN-1/relu/trial_1/filters/layer1.meme",
        "results/sim/models/CNN-1/relu/trial_1/filters/layer2.meme",
        "results/sim/models/CNN-4/relu/trial_0/filters/layer1.meme",
        "results/sim/models/CNN-4/relu/trial_1/filters/layer1.meme",
    ]
    assert targets.run_paths(config, zoo, "pools", targets.MODEL) == [
        "results/sim/models/CNN-1/relu/trial_0/model.keras",
        "results/sim/models/CNN-1/relu/trial_1/model.keras",
        "results/sim/models/CNN-4/relu/trial_0/model.keras",
        "results/sim/models/CNN-4/relu/trial_1/model.keras",
    ]
    runs = targets.analysed_runs(config, zoo, "pools")
    assert [(r["model"], r["trial"], r["layer"]) for r in runs] == [
        ("CNN-1", 0, 1), ("CNN-1", 0, 2), ("CNN-1", 1, 1), ("CNN-1", 1, 2), ("CNN-4", 0, 1), ("CNN-4", 1, 1)]
    assert runs[1]["tomtom"] == "results/sim/models/CNN-1/relu/trial_0/tomtom/layer2.tsv"


def test_tiny_experiment_outputs(tiny):
    config, zoo = tiny
    base = "results/experiments/pools"
    # one activation: no activation plot; two trained models of match_plot: the match plot
    assert targets.experiment_outputs(config, zoo, "pools") == [
        f"{base}/classification.tsv", f"{base}/classification_summary.tsv", f"{base}/match_statistics.tsv",
        f"{base}/summary.tsv", f"{base}/summary.md", f"{base}/match_vs_pool.png", f"{base}/match_vs_pool.pdf",
        f"{base}/summary.html", f"{base}/classification_summary.html",
    ]
    assert targets.match_plot_pools(config, zoo, "pools") == {"CNN-4": 4, "CNN-1": 1}
    base = "results/experiments/maps"
    # two activations: the activation plot; one model in match_plot: no match plot
    assert targets.experiment_outputs(config, zoo, "maps") == [
        f"{base}/classification.tsv", f"{base}/classification_summary.tsv", f"{base}/match_statistics.tsv",
        f"{base}/summary.tsv", f"{base}/summary.md", f"{base}/claims.tsv", f"{base}/claims.md",
        f"{base}/activations.png", f"{base}/activations.pdf",
        f"{base}/interpretability.tsv", f"{base}/interpretability_summary.tsv", f"{base}/interpretability_summary.md",
        f"{base}/interpretability_vs_auroc.png", f"{base}/interpretability_vs_auroc.pdf",
        f"{base}/attribution_logos.png", f"{base}/attribution_logos.pdf",
        f"{base}/summary.html", f"{base}/classification_summary.html", f"{base}/claims.html",
        f"{base}/interpretability_summary.html",
    ]


def test_figure_panels(default):
    config, zoo = default
    run = "results/synthetic/models/{}/relu/trial_0"
    assert targets.figure_panels(config, zoo, "fig2") == [
        {"label": m, "filters": f"{run.format(m)}/filters/layer1.meme", "tomtom": f"{run.format(m)}/tomtom/layer1.tsv"}
        for m in ("CNN-2", "CNN-4", "CNN-25")
    ]
    assert targets.figure_panels(config, zoo, "p2_fig1_logos") == [
        {"label": "CNN-deep relu", "filters": "results/task1/models/CNN-deep/relu/trial_0/filters/layer1.meme",
         "tomtom": "results/task1/models/CNN-deep/relu/trial_0/tomtom/layer1.tsv"},
        {"label": "CNN-deep exponential",
         "filters": "results/task1/models/CNN-deep/exponential/trial_0/filters/layer1.meme",
         "tomtom": "results/task1/models/CNN-deep/exponential/trial_0/tomtom/layer1.tsv"},
    ]
    assert [p["label"] for p in targets.figure_panels(config, zoo, "figS1")] == ["CNN-1", "CNN-1 layer 2"]


def test_figure_panels_trial_label_and_layer(tiny):
    config, zoo = tiny
    assert targets.figure_panels(config, zoo, "pair") == [
        {"label": "four", "filters": "results/sim/models/CNN-4/relu/trial_1/filters/layer1.meme",
         "tomtom": "results/sim/models/CNN-4/relu/trial_1/tomtom/layer1.tsv"},
        {"label": "CNN-1 layer 2", "filters": "results/sim/models/CNN-1/relu/trial_1/filters/layer2.meme",
         "tomtom": "results/sim/models/CNN-1/relu/trial_1/tomtom/layer2.tsv"},
    ]


def test_ready_figures_and_final_figures(default, tiny):
    config, zoo = default
    # fig3 and figS1 show models p1 does not train: built only when asked for
    assert targets.ready_figures(config, zoo) == ["fig2", "p2_fig1_logos"]
    assert targets.final_outputs(config, zoo)[-4:] == [
        "results/figures/fig2.png", "results/figures/fig2.pdf",
        "results/figures/p2_fig1_logos.png", "results/figures/p2_fig1_logos.pdf",
    ]
    assert targets.ready_figures(*tiny) == ["pair"]


def test_attribution_and_localization_runs(default):
    config, zoo = default
    relu, exp = f"{TASK3}/CNN-local/relu/trial_0", f"{TASK3}/CNN-local/exponential/trial_0"
    assert [p["path"] for p in targets.logo_panels(config, zoo, "p2_task3")] == [
        f"{relu}/attribution/saliency.h5", f"{exp}/attribution/saliency.h5"]
    assert targets.localization_runs(config, zoo, "p2_task1") == [
        {"model": "CNN-deep", "activation": "relu", "trial": 0,
         "path": "results/task1/models/CNN-deep/relu/trial_0/model.keras"},
        {"model": "CNN-deep", "activation": "exponential", "trial": 0,
         "path": "results/task1/models/CNN-deep/exponential/trial_0/model.keras"},
    ]
    assert targets.claims_inputs(config, "p2_task1") == {
        "localization": "results/experiments/p2_task1/localization_summary.tsv"}
    assert targets.claims_inputs(config, "p2_task3") == {"interpretability": f"{T3}/interpretability_summary.tsv",
                                                         "modisco": f"{T3}/modisco_summary.tsv"}
    assert targets.claims_inputs(config, "p1") == {}


def test_scorecard_and_final_outputs(default):
    config, zoo = default
    assert targets.scorecard_sources(config) == [
        {"experiment": "p1", "kind": "table1", "path": f"{P1}/table1.tsv"},
        {"experiment": "p2_task1", "kind": "localization",
         "path": "results/experiments/p2_task1/localization_summary.tsv"},
        {"experiment": "p2_task1", "kind": "claims", "path": "results/experiments/p2_task1/claims.tsv"},
        {"experiment": "p2_task3", "kind": "claims", "path": f"{T3}/claims.tsv"},
    ]
    final = targets.final_outputs(config, zoo)
    assert final[:5] == ["results/versions.tsv", "results/scorecard.tsv", "results/scorecard.md",
                         "results/scorecard.html", f"{P1}/classification.tsv"]
    assert len(final) == 110  # the inputs of rule `all` in `snakemake -n` on the default config (100 + TF-MoDISco:
    # p2_task3 modisco [saliency]: 2 score.tsv, 3 tables, 2 x 2 figures, modisco_summary.html)


def test_unused_data_set_and_unselected_experiment_plan_nothing(tiny):
    config, zoo = tiny
    final = targets.final_outputs(config, zoo)
    assert "results/sim/data.h5" in final and "results/reg/data.h5" in final
    assert not [p for p in final if "spare" in p]
    only = copy.deepcopy(config)
    only["run"] = ["maps"]
    final = targets.final_outputs(only, zoo)
    assert not [p for p in final if "/sim/" in p or "/pools/" in p or "figures" in p]
    # no table1, no localization: only the claims of `maps` feed the scorecard
    assert targets.scorecard_sources(only) == [
        {"experiment": "maps", "kind": "claims", "path": "results/experiments/maps/claims.tsv"}]


def test_in_vivo_data_set_no_experiment_uses_plans_nothing(invivo):
    config, zoo = invivo
    final = targets.final_outputs(config, zoo)
    assert "results/deepsea/data.h5" in final
    assert not [p for p in final if "k562" in p]
    assert "results/figures/fig4.png" in final and "results/experiments/p1_invivo/table2.tsv" in final


def test_in_vivo_downloads_from_config(invivo):
    config, _ = invivo
    table = read_experiment_table(REPO / "resources" / "encode_k562.tsv")
    downloads = targets.in_vivo_downloads(config, {"k562": table})
    assert downloads["genomes/hg19.fa.gz"] == {"url": f"{UCSC}/bigZips/hg19.fa.gz", "sha256": None}
    assert downloads["deepsea/deepsea_train_bundle.v0.9.tar.gz"] == {"url": BUNDLE, "sha256": None}
    peaks = {k: v["url"] for k, v in downloads.items() if k.startswith("peaks/")}
    assert peaks["peaks/k562/wgEncodeAwgTfbsSydhK562Arid3asc8821IggrabUniPk.narrowPeak.gz"] == \
        f"{PEAKS}/wgEncodeAwgTfbsSydhK562Arid3asc8821IggrabUniPk.narrowPeak.gz"
    assert peaks["peaks/k562/wgEncodeAwgTfbsHaibK562Yy1V0416101UniPk.narrowPeak.gz"] == \
        f"{PEAKS}/wgEncodeAwgTfbsHaibK562Yy1V0416101UniPk.narrowPeak.gz"
    assert len(peaks) == 12 and len(downloads) == 14


def test_in_vivo_inputs_from_config(invivo):
    config, _ = invivo
    table = read_experiment_table(REPO / "resources" / "encode_k562.tsv")
    inputs = targets.encode_inputs(config, "k562", table, resolve=lambda p: f"/repo/{p}")
    assert inputs["genome"] == "results/genomes/hg19.fa" and inputs["fai"] == "results/genomes/hg19.fa.fai"
    assert inputs["table"] == "/repo/resources/encode_k562.tsv"
    assert inputs["peaks"][0] == \
        "results/downloads/peaks/k562/wgEncodeAwgTfbsSydhK562Arid3asc8821IggrabUniPk.narrowPeak.gz"
    assert len(inputs["peaks"]) == 12
    folder = "results/downloads/deepsea/deepsea_train_bundle.v0.9"
    assert targets.deepsea_inputs(config, "deepsea") == {
        "train": f"{folder}/train.mat", "valid": f"{folder}/valid.mat", "test": f"{folder}/test.mat"}
    assert targets.bundle_archive(config, "deepsea_train_bundle.v0.9") == \
        "results/downloads/deepsea/deepsea_train_bundle.v0.9.tar.gz"


def _local_invivo(invivo):
    config = copy.deepcopy(invivo[0])
    config["datasets"]["k562"]["genome"] = {"url": None, "path": "data/genome.fa", "sha256": None}
    config["datasets"]["deepsea"]["bundle"] = {"url": None, "path": "data/mine.tar.gz", "sha256": None}
    return config


def test_local_in_vivo_files_are_not_downloaded(invivo):
    config = _local_invivo(invivo)
    table = pd.DataFrame({"tf": ["A", "B"], "experiment": ["a", "b"], "sha256": [None, None],
                          "url": ["peaks/a.bed.gz", "https://example.org/b.bed.gz"]})
    assert targets.in_vivo_downloads(config, {"k562": table}) == {
        "peaks/k562/b.narrowPeak.gz": {"url": "https://example.org/b.bed.gz", "sha256": None}}
    inputs = targets.encode_inputs(config, "k562", table, resolve=lambda p: f"/repo/{p}")
    assert inputs == {"genome": "/repo/data/genome.fa", "table": "/repo/resources/encode_k562.tsv",
                      "peaks": ["/repo/peaks/a.bed.gz", "results/downloads/peaks/k562/b.narrowPeak.gz"]}
    assert targets.bundle_archive(config, "mine", resolve=lambda p: f"/repo/{p}") == "/repo/data/mine.tar.gz"
    assert targets.deepsea_inputs(config, "deepsea")["test"] == "results/downloads/deepsea/mine/test.mat"


def test_in_vivo_download_conflicts_are_config_errors(invivo):
    config = copy.deepcopy(invivo[0])
    table = pd.DataFrame({"experiment": ["a", "a"], "sha256": [None, None],
                          "url": ["https://one.org/a.gz", "https://two.org/a.gz"]})
    with pytest.raises(ConfigError, match="would both be saved as results/downloads/peaks/k562/a.narrowPeak.gz"):
        targets.in_vivo_downloads(config, {"k562": table})
    config["datasets"]["deepsea"]["bundle"]["url"] = "http://example.org/bundle.zip"
    with pytest.raises(ConfigError, match="expected a .tar.gz"):
        targets.in_vivo_downloads(config, {"k562": table.iloc[:1]})


def test_tf_table_of_each_kind(default, invivo):
    config, _ = default
    assert targets.tf_table_of(config, "synthetic") == "resources/tfs.tsv"
    assert targets.tf_table_of(config, "task3", resolve=lambda p: f"/x/{p}") == "/x/resources/task3_core.tsv"
    assert targets.tf_table_of(invivo[0], "deepsea") == "resources/encode_k562.tsv"
    assert targets.datasets_of(invivo[0], "encode") == ["k562"]

"""Hostile configs and inputs, refused at parse time with one line naming the key and the rule:
names that would become paths outside the work folder, duplicate YAML keys, data sets larger
than the machine; and text from config reaching the report escaped. (Through Snakemake itself:
tests/test_hostile_workflow.py.)"""

import copy
import json
import re
import warnings

import docutils.core
import jinja2
import pandas as pd
import pytest
import yaml
from conftest import REPO
from conftest import checked_config as checked
from conftest import merge_config as merge

from motifrep import targets
from motifrep.config import (
    NAME_PATTERN,
    check_config_files,
    check_name,
    check_output_paths,
    check_resources,
    dataset_bytes,
)
from motifrep.errors import ConfigError
from motifrep.results.html import html_table

SCHEMA = REPO / "config" / "schema.yaml"
ZOO = REPO / "resources" / "models.yaml"
DEFAULT = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
BAD_NAMES = ["..", "../../../../outside", "a/b", "/abs", "My Net", "M<b>", "<img src=x>", "", "-rf", ".hidden",
             "a\nb", 7]
CONV = [{"conv": {"filters": 4, "kernel": 5, "pool": 4}}]


def default():
    return copy.deepcopy(DEFAULT)





def rename_key(mapping, old, new):
    mapping[new] = mapping.pop(old)


# Every kind of name that becomes part of a path, put into the default config: (config key of
# the message, function setting the name).
def _dataset(c, n):
    rename_key(c["datasets"], "synthetic", n)
    c["experiments"]["p1"]["dataset"] = n


def _experiment(c, n):
    rename_key(c["experiments"], "p1", n)


def _figure(c, n):
    rename_key(c["figures"], "fig2", n)


def _architecture(c, n):
    c["architectures"] = {n: CONV}


def _model(c, n):
    c["experiments"]["p1"]["models"] = [n]


def _match_plot(c, n):
    c["experiments"]["p1"]["match_plot"] = [n]


def _panel_model(c, n):
    c["figures"]["fig2"]["panels"][0]["model"] = n


def _deep_layers(c, n):
    c["filters"]["deep_layers"] = {n: [2]}


def _activation(c, n):
    c["experiments"]["p1"]["activations"] = [n]


def _panel_activation(c, n):
    c["figures"]["fig2"]["panels"][0]["activation"] = n


KINDS = {
    "data set": ("datasets", _dataset),
    "experiment": ("experiments", _experiment),
    "figure": ("figures", _figure),
    "architecture": ("architectures", _architecture),
    "experiment model": ("experiments.p1.models", _model),
    "match_plot model": ("experiments.p1.match_plot", _match_plot),
    "figure model": ("figures.fig2.panels.0.model", _panel_model),
    "deep_layers model": ("filters.deep_layers", _deep_layers),
    "activation": ("experiments.p1.activations", _activation),
    "figure activation": ("figures.fig2.panels.0.activation", _panel_activation),
}


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
@pytest.mark.parametrize("kind", KINDS)
def test_every_name_that_becomes_a_path_is_checked(kind, name):
    where, put = KINDS[kind]
    config = default()
    put(config, name)
    with pytest.raises(ConfigError) as err:
        checked(config)
    message = str(err.value)
    assert message.startswith(f"config {where}: ") and f"name {name!r} is not allowed" in message
    assert NAME_PATTERN in message and "\n" not in message.replace(repr(name), "")


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_in_vivo_experiment_names_are_checked(name):
    # common.smk checks every row of an experiment table with this call
    with pytest.raises(ConfigError, match=re.escape(f"config datasets.k562.experiments (t.tsv): in vivo experiment "
                                                    f"name {name!r} is not allowed")):
        check_name("in vivo experiment", name, "datasets.k562.experiments (t.tsv)")


@pytest.mark.parametrize("name", ["CNN-25", "CNN9-4", "p2_task1", "a.b_c-1", "X", "0"])
def test_names_that_are_file_names_pass(name):
    check_name("model", name, "experiments.p1.models")


def test_a_model_name_with_a_path_is_refused_before_it_is_planned():
    """Item 1: ../../../../outside passed and planned results/synthetic/models/../../../../outside/..."""
    config = default()
    config["architectures"] = {"../../../../outside": CONV}
    config["experiments"]["p1"]["models"] = ["../../../../outside"]
    with pytest.raises(ConfigError, match=r"config architectures: model name '\.\./\.\./\.\./\.\./outside' is not"):
        checked(config)





@pytest.mark.parametrize("extra", ["config/paper.yaml", ".test/config.yaml", ".test/faults.yaml", None])
def test_shipped_zoo_and_configs_pass_the_name_check(extra):
    config = default()
    if extra and (REPO / extra).is_file():
        merge(config, yaml.safe_load((REPO / extra).read_text()))
    checked(config)


# --------------------------------------------------------------------------- output paths


@pytest.mark.parametrize("path", ["results/x.tsv", "logs/a/b.log", "results/synthetic/models/CNN-2/relu/trial_0/m",
                                  "results/a/../b.tsv", "./results/x"])
def test_output_paths_under_results_or_logs_pass(tmp_path, path):
    check_output_paths([path], tmp_path)


@pytest.mark.parametrize("path", ["results/synthetic/models/../../../../outside/relu/trial_0/model.keras",
                                  "results/../x", "results", "logs", "/tmp/x", "other/x", "resultsx/y",
                                  "logs/../../x.log"])
def test_output_paths_elsewhere_are_refused(tmp_path, path):
    with pytest.raises(ConfigError, match=re.escape(f"output {path!r} would be written to ")) as err:
        check_output_paths(["results/ok.tsv", path], tmp_path)
    assert "outside results/ and logs/ of the working directory" in str(err.value)


def test_planned_outputs_lie_under_results(tmp_path):
    config, zoo = checked(default())
    paths = targets.final_outputs(config, zoo)
    assert len(paths) > 30
    check_output_paths(paths, tmp_path)


# --------------------------------------------------------------------------- duplicate keys


def test_a_duplicate_yaml_key_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  epochs: 3\nrun: [p1]\ntraining:\n  epochs: 5\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:4: key 'training' is given twice in one mapping "
                                                    f"(first on line 1)")):
        check_config_files([path])


def test_a_nested_duplicate_key_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("experiments:\n  p1:\n    trials: 1\n    models: [CNN-2]\n    trials: 5\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}:5: key 'trials' is given twice")):
        check_config_files([path])


def test_a_duplicate_json_key_is_refused(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"training": {"epochs": 3}, "training": {"epochs": 5}}')
    with pytest.raises(ConfigError, match=re.escape(f"{path}: key 'training' is given twice")):
        check_config_files([path])


def test_config_files_without_duplicates_pass(tmp_path):
    anchors = tmp_path / "anchors.yaml"  # a merge key may override what it merges: that is its use
    anchors.write_text("base: &b {epochs: 3, patience: 1}\ntraining:\n  <<: *b\n  epochs: 5\n")
    as_json = tmp_path / "c.json"
    as_json.write_text(json.dumps({"training": {"epochs": 3}}))
    check_config_files([REPO / "config" / "config.yaml", REPO / "config" / "paper.yaml",
                        REPO / "config" / "invivo.yaml", REPO / ".test" / "config.yaml", anchors, as_json])


# --------------------------------------------------------------------------- --config values


def test_nested_command_line_values_are_read_as_yaml():
    """Item 8: --config 'training={epochs: 3}' gives {"epochs": "3"}: refused before."""
    command_line = {"training": {"epochs": "3", "learning_rate": "1e-3", "lr_plateau": "null",
                                 "deterministic": "true"},
                    "datasets": {"synthetic": {"split": ["0.6", "0.2", "0.2"]}},
                    "experiments": {"p1": {"title": "3"}}}
    config = default()
    for key, value in command_line.items():  # as Snakemake merges them
        for sub, v in value.items():
            config[key][sub] = v if not isinstance(v, dict) else {**config[key][sub], **v}
    deepsea = {"kind": "deepsea", "experiments": "e.tsv", "bundle": {"url": "http://x/b.tar.gz"}, "length": "1000"}
    config["datasets"]["bundle"] = deepsea
    command_line["datasets"]["bundle"] = dict(deepsea)  # a const: 1000
    config, _ = checked(config, command_line)
    assert config["datasets"]["bundle"]["length"] == 1000
    training = config["training"]
    assert training["epochs"] == 3 and training["learning_rate"] == 0.001 and training["lr_plateau"] is None
    assert training["deterministic"] is True and config["datasets"]["synthetic"]["split"] == [0.6, 0.2, 0.2]
    assert config["experiments"]["p1"]["title"] == "3"  # the schema wants text: left as text


@pytest.mark.parametrize("value", ["three", "3.5", "[3]", "null"])
def test_a_command_line_value_of_the_wrong_type_is_still_refused(value):
    config = default()
    config["training"]["epochs"] = value
    with pytest.raises(ConfigError, match=re.escape(f"config: training.epochs: {value!r} is not of type 'integer'")):
        checked(config, {"training": {"epochs": value}})


def test_a_string_from_a_config_file_is_not_read_as_yaml():
    config = default()
    config["training"]["epochs"] = "3"  # quoted in a file: not a --config value
    with pytest.raises(ConfigError, match="config: training.epochs: '3' is not of type 'integer'"):
        checked(config, {"training": {"patience": "3"}})


# --------------------------------------------------------------------------- sizes


def huge(n=10**12):
    config = default()
    config["datasets"]["synthetic"]["n_sequences"] = n
    return checked(config)[0]


def test_a_data_set_larger_than_memory_is_refused(tmp_path):
    """Item 7: n_sequences 10^12 passed and the job died allocating 7.28 TiB."""
    with pytest.raises(ConfigError, match=r"config datasets.synthetic.n_sequences: 1000000000000 sequences of 200 nt "
                                          r"need at least 910.4 TiB .* in memory while simulated, but this "
                                          r"machine has 16.0 GiB"):
        check_resources(huge(), tmp_path / "results", memory=16 * 2**30, free=10**16)


def test_a_data_set_larger_than_the_free_disk_is_refused(tmp_path):
    config = huge(10**6)  # 10^6 x 200 x 5 + 10^6 bytes: 954 MiB
    assert dataset_bytes(config["datasets"]["synthetic"]) == 10**6 * 1001
    with pytest.raises(ConfigError, match=re.escape(f"on disk, but {tmp_path / 'results'}/ has 100.0 MiB free")):
        check_resources(config, tmp_path / "results", memory=None, free=100 * 2**20)
    check_resources(config, tmp_path / "results", memory=2**31, free=2**31)


def test_data_sets_that_together_exceed_the_free_disk_are_refused(tmp_path):
    config = default()  # synthetic 25,000 + task1 30,000 + task3 20,000 sequences of 200 nt
    with pytest.raises(ConfigError, match=r"config datasets: the simulated data sets need at least 75.4 MiB more"):
        check_resources(checked(config)[0], tmp_path / "results", free=40 * 2**20)


def test_a_data_set_already_written_counts_its_growth_only(tmp_path):
    config = {"datasets": {"synthetic": huge(10**5)["datasets"]["synthetic"]}}  # 100 MB
    (tmp_path / "results" / "synthetic").mkdir(parents=True)
    (tmp_path / "results" / "synthetic" / "data.h5").write_bytes(b"\0" * (dataset_bytes(config["datasets"]["synthetic"])
                                                                        - 2**20))
    check_resources(config, tmp_path / "results", free=20 * 2**20)


def test_the_default_config_fits_this_machine(tmp_path):
    from motifrep.config import machine_memory

    check_resources(checked(default())[0], tmp_path / "results", memory=machine_memory())


# --------------------------------------------------------------------------- the report


TITLE = ("hostile-title\n\n.. raw:: html\n\n   <img src=x onerror=alert(1)>\n\n"
         "after <img src=y onerror=alert(2)> <script>alert(3)</script> `x <javascript:alert(4)>`_ *em* |sub|")


def report_description(config):
    """The report's workflow description, rendered as Snakemake renders it (jinja2, then docutils)."""
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)  # snakemake.report's environment

    class Snakemake:
        pass

    Snakemake.config = config
    rst = env.from_string((REPO / "workflow" / "report" / "workflow.rst").read_text()).render(snakemake=Snakemake)
    with warnings.catch_warnings():  # docutils 0.22 deprecates writer_name, which Snakemake uses
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return docutils.core.publish_parts(rst, writer_name="html")["html_body"]


def test_report_description_shows_a_hostile_title_as_text():
    """Item 3: a title holding an RST raw block put raw HTML into the report."""
    config, _ = checked(default())
    config["experiments"]["p1"]["title"] = TITLE
    html = report_description(config)
    assert "<img" not in html and "<script" not in html and "javascript:" not in html.replace(
        "&lt;javascript:alert(4)&gt;", "")
    assert not re.search(r"<[^<>]*onerror", html)
    assert "hostile-title .. raw:: html &lt;img src=x onerror=alert(1)&gt; after" in html  # shown as typed
    assert "`x &lt;javascript:alert(4)&gt;`_ *em* |sub|" in html
    assert "<strong>p1</strong>" in html and "<em>synthetic</em>" in html  # the template's own markup stays


def test_report_description_unchanged_for_plain_titles():
    config, _ = checked(default())
    html = report_description(config)
    assert "(P1: pool size and filter representations (synthetic))" in html
    assert "models CNN-2, CNN-4, CNN-25" in html


def test_html_tables_escape_names_from_config_and_data():
    hostile = "<img src=x onerror=alert(1)>"
    frame = pd.DataFrame({"tf": [hostile, "SRF"], "motif": ["MA0083.3 <script>alert(2)</script>", "x"],
                          hostile: [1, 2]})
    page = html_table(frame, f"p1: {hostile}", note=hostile)
    assert "<img" not in page and "<script>alert" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 5  # title, caption, header, cell, note


@pytest.mark.parametrize("text", ["</script><img src=x onerror=alert(1)>", "a &lt; b & c", "Fig 2: CNN-2", "", None])
def test_text_passed_to_jobs_is_inert_and_read_back_as_typed(text):
    from motifrep.results.html import from_param_text, param_text

    assert from_param_text(param_text(text)) == text
    assert text is None or ("<" not in param_text(text) and ">" not in param_text(text))

"""Hostile configs through Snakemake itself: refused at parse time (so ``snakemake -n`` fails
too) with one ``motifrep: error:`` line, no traceback; and a tiny run whose report and HTML tables
show hostile titles and TF names as text, never as HTML."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import NUMBA_CACHE_CONFIG, REPO, TEST_CONFIGS

pytestmark = pytest.mark.slow

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
DEFAULT = REPO / "config" / "config.yaml"
# Three payloads: an RST raw-HTML block (a title is inserted into the report's RST), inline HTML,
# and a script tag; each names what it is, to find its remains in the report.
TITLE = ("hostile-title\n\n.. raw:: html\n\n   <img src=x onerror=alert(1)>\n\n"
         "after <img src=y onerror=alert(2)> <script>alert(3)</script> </script><img src=w onerror=alert(5)>")
TF = "<img src=z onerror=alert(4)>"
LABEL = "</script><img src=v onerror=alert(6)>"


def snakemake(workdir, *args, configfiles=(), config=()):
    """The workflow in ``workdir``; targets and flags go before --config/--configfile."""
    cmd = [SNAKEMAKE, *args, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2",
           "--config", NUMBA_CACHE_CONFIG, *config, "--configfile", str(DEFAULT), *map(str, configfiles)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)


def refused(result, *words):
    """Exit 1 with one ``motifrep: error:`` line holding ``words``, and no traceback."""
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("motifrep: error:")]
    assert len(lines) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Exception" not in result.stderr, result.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def write(path, text):
    path.write_text(text)
    return path


def no_escape(workdir):
    """Nothing was made beside the work folder (the hostile names point two levels up)."""
    return sorted(p.name for p in workdir.parent.parent.glob("outside*"))


@pytest.fixture
def workdir(tmp_path):
    path = tmp_path / "a" / "b" / "work"
    path.mkdir(parents=True)
    return path


# --------------------------------------------------------------------------- names in paths


@pytest.mark.parametrize("model", ["../../../../outside", "a/b", "My Net", "M<b>"])
def test_dry_run_refuses_a_model_name_that_is_no_file_name(workdir, model):
    overlay = {"architectures": {model: [{"conv": {"filters": 4, "kernel": 5, "pool": 4}}]},
               "experiments": {"p1": {"models": [model]}}, "run": ["p1"], "figures": {}}
    extra = write(workdir / "hostile.yaml", yaml.safe_dump(overlay))
    line = refused(snakemake(workdir, "-n", configfiles=[extra]), "architectures", repr(model),
                   "[A-Za-z0-9][A-Za-z0-9_.-]*")
    assert "UndefinedPathvar" not in line
    assert no_escape(workdir) == []


def test_dry_run_refuses_an_invivo_experiment_name_that_is_no_file_name(workdir):
    genome = write(workdir / "genome.fa", ">chr1\nACGT\n")
    table = write(workdir / "experiments.tsv",
                  "tf\tjaspar_id\taccepted_ids\texperiment\turl\tsha256\tdeepsea_column\n"
                  "CEBPB\tMA0466.2\tMA0466.2\t../../../../../outside_peaks\tfile:///nonexistent/p.gz\t\t\n")
    overlay = f"""\
datasets:
  tiny: {{kind: encode, experiments: {table}, genome: {{path: {genome}}}, bin_size: 200, length: 1000,
          valid_chroms: [chr7], test_chroms: [chr8]}}
experiments:
  invivo: {{dataset: tiny, models: [CNN-2], table: table2}}
run: [invivo]
figures: {{}}
"""
    extra = write(workdir / "invivo.yaml", overlay)
    refused(snakemake(workdir, "-n", configfiles=[extra]), "datasets.tiny.experiments",
            "'../../../../../outside_peaks'", "[A-Za-z0-9][A-Za-z0-9_.-]*")


# --------------------------------------------------------------------------- config files and values


def test_dry_run_refuses_a_duplicate_key(workdir):
    extra = write(workdir / "dup.yaml", "run: [p1]\ntraining:\n  epochs: 3\nfigures: {}\ntraining:\n  epochs: 5\n")
    refused(snakemake(workdir, "-n", configfiles=[extra]), f"{extra}:5", "'training'", "line 2")


def test_dry_run_accepts_nested_values_on_the_command_line(workdir):
    result = snakemake(workdir, "-n", config=["training={epochs: 3, learning_rate: 1e-3, lr_plateau: null}"])
    assert result.returncode == 0, result.stderr[-2000:]


def test_dry_run_refuses_a_data_set_larger_than_the_machine(workdir):
    extra = write(workdir / "huge.yaml", "datasets:\n  synthetic: {n_sequences: 1000000000000}\n")
    refused(snakemake(workdir, "-n", configfiles=[extra]), "datasets.synthetic.n_sequences", "1000000000000")


# --------------------------------------------------------------------------- the report


def tags(html, payload_marker):
    """Raw (unescaped) HTML tags in ``html`` that carry a payload's handler."""
    return re.findall(rf"<(?:img|script)[^<>]*{payload_marker}", html)


def test_report_shows_hostile_titles_and_tf_names_as_text(workdir):
    tfs = (REPO / "resources" / "tfs.tsv").read_text().replace("\nSRF\t", f"\n{TF}\t")
    tf_table = write(workdir / "tfs.tsv", tfs)
    overlay = {
        "datasets": {"synthetic": {"tf_table": str(tf_table)}},
        "experiments": {"p1": {"title": TITLE, "models": ["CNN-25"], "trials": 1, "match_plot": ["CNN-25"]}},
        "figures": {"mini": {"title": TITLE, "panels": [{"model": "CNN-25", "label": LABEL}]}},
        "run": ["p1"],
    }
    extra = write(workdir / "hostile.yaml", yaml.safe_dump(overlay))
    configs = [TEST_CONFIGS / "config.yaml", extra]
    result = snakemake(workdir, configfiles=configs)
    assert result.returncode == 0, result.stderr[-3000:]
    result = snakemake(workdir, "--report", "results/report.html", configfiles=configs)
    assert result.returncode == 0, result.stderr[-3000:]
    report = (workdir / "results/report.html").read_text(errors="replace")
    assert "hostile-title" in report  # the title is there, as text
    for n in range(1, 7):
        assert tags(report, rf"alert\({n}\)") == []
    for src in "xywvz":
        assert f"<img src={src}" not in report
    assert "<script>alert" not in report and "</script><img" not in report
    # the workflow description (RST) and the job parameters (a figure's title and labels) as text
    assert "hostile-title .. raw:: html &lt;img src=x onerror=alert(1)&gt; after" in report
    assert "&lt;/script&gt;&lt;img src=v onerror=alert(6)&gt;" in report
    pages = sorted(set((workdir / "results").rglob("*.html")) - {workdir / "results/report.html"})
    assert len(pages) > 3  # the tables rendered as HTML
    for page in pages:
        text = page.read_text(errors="replace")
        assert "<img" not in text and "<script" not in text, page

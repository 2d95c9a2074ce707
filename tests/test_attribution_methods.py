"""The attribution methods' names have one source, motifrep.interpret.methods: the places that
cannot import it (the config schema, config/README.md) list the same names, the places that can
(attribution, the command line) use them, and the module stays light for Snakemake's parse step."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml
from conftest import REPO

from motifrep.interpret.methods import DEFAULTS, METHOD_NAMES

#: the five methods of the paper (methods §6.2), written out by hand.
PAPER_METHODS = ("saliency", "ism", "integrated_gradients", "smoothgrad", "deepshap")


def _schema():
    return yaml.safe_load((REPO / "config" / "schema.yaml").read_text())


def test_method_names_are_the_papers_five():
    assert METHOD_NAMES == PAPER_METHODS
    assert tuple(DEFAULTS) == METHOD_NAMES


@pytest.mark.parametrize("key", ["attribution", "modisco"])
def test_schema_enum_lists_the_method_names(key):
    experiment = _schema()["properties"]["experiments"]["additionalProperties"]["properties"]
    assert experiment[key]["items"]["enum"] == list(METHOD_NAMES)


def test_schema_defaults_agree_with_the_method_defaults():
    """Every setting of DEFAULTS is the schema's default of attribution.<method> (seed etc. only there)."""
    section = _schema()["properties"]["attribution"]["properties"]
    for method, settings in DEFAULTS.items():
        schema_default = section[method]["default"] if settings else {}
        assert {k: schema_default[k] for k in settings} == settings, method


def test_config_readme_lists_the_method_names():
    text = (REPO / "config" / "README.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| `attribution` |"))
    listed = re.search(r"ground truth: ((?:`\w+`(?:, )?)+)", row).group(1)
    assert tuple(re.findall(r"`(\w+)`", listed)) == METHOD_NAMES


def test_attribution_and_cli_use_the_method_names():
    from motifrep.cli import _ATTRIBUTE_DESCRIPTION, build_parser
    from motifrep.interpret import attribution

    assert tuple(attribution.METHODS) == METHOD_NAMES
    assert attribution.DEFAULTS is DEFAULTS
    parser = build_parser()
    for name in METHOD_NAMES:
        args = parser.parse_args(["attribute", "m.keras", "s.fa", "--method", name, "--out", "o"])
        assert args.method == name
        assert re.search(rf"^  {name} ", _ATTRIBUTE_DESCRIPTION, re.MULTILINE), name
    with pytest.raises(SystemExit):
        parser.parse_args(["attribute", "m.keras", "s.fa", "--method", "gradcam", "--out", "o"])


def test_methods_module_imports_no_numeric_or_deep_learning_library():
    """Snakemake's parse step (workflow/rules/common.smk) imports it: it must stay light."""
    code = ("import sys, motifrep.interpret.methods; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'numpy', 'pandas', 'tensorflow', 'keras', 'torch', 'jax', 'numba', 'h5py'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert out.stdout.strip() == "[]"

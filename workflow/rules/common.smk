import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from motifrep.config import check_models, validate as validate_config  # noqa: E402
from motifrep.errors import MotifrepError  # noqa: E402


def config_error(exc):
    """Report an expected configuration error as one line and stop."""
    print(f"motifrep: error: {exc}", file=sys.stderr)
    sys.exit(1)


try:
    validate_config(config, Path(workflow.basedir) / "config" / "schema.yaml")
except MotifrepError as exc:
    config_error(exc)


def resolve_path(path):
    """A relative path from config: the working directory first, then the workflow's."""
    if Path(path).is_absolute() or Path(path).exists():
        return str(path)
    return str(Path(workflow.basedir) / path)


try:
    ZOO = check_models(config, resolve_path(config["zoo"]))
except MotifrepError as exc:
    config_error(exc)

MODELS = config["models"]
TRIALS = list(range(config["training"]["trials"]))
ENV = "../../envs/motifrep.yaml"
JASPAR_MEME = "results/jaspar/motifs.meme"
SYNTHETIC = "results/synthetic/data.h5"
RUN = "results/synthetic/models/{model}/trial_{trial}"


wildcard_constraints:
    model="|".join(re.escape(name) for name in ZOO),
    trial=r"\d+",


def final_outputs():
    return [
        "results/tables/classification.tsv",
        "results/tables/classification_summary.tsv",
        "results/versions.tsv",
    ]

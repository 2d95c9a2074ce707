"""Command-line interface: ``motifrep filters`` answers "what did my first layer learn?",
``motifrep attribute`` writes attribution maps of a user's model (:mod:`motifrep.interpret.user_models`),
``motifrep modisco`` finds motifs in attribution maps with TF-MoDISco
(:func:`motifrep.interpret.discovery.discover_motifs`).

``motifrep filters MODEL SEQUENCES --out DIR`` turns the filters of one convolutional
layer of a trained Keras model (motifrep's or anyone's, read by :mod:`motifrep.nn.inspect`)
into motifs (:func:`motifrep.filters.scan.activation_pwms`), compares them with JASPAR
(:func:`motifrep.motifs.tomtom.run_tomtom`, memelite engine) and writes the MEME files, the
Tomtom table, a per-filter table and a logo figure.

Only this module's argument parsing is imported at start-up; TensorFlow/Keras, numba and
the rest are imported when a command runs, so ``--help`` is instant. Every expected problem
is a :class:`~motifrep.errors.MotifrepError`, printed as one ``motifrep: error: ...`` line on
stderr with exit status 1 (so is a full disk, naming the file and the space left, after the
outputs already written are removed); a bad command line exits with status 2 (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from motifrep.datasets.genome import read_fasta_onehot
from motifrep.datasets.store import Dataset
from motifrep.errors import FormatError, MotifrepError
from motifrep.filters.conv_source import is_keras, open_conv_layer
from motifrep.filters.matching import filter_best_matches
from motifrep.filters.report import filter_table, recovered_tfs
from motifrep.filters.scan import activation_pwms, filters_to_motifs
from motifrep.interpret.methods import METHOD_NAMES
from motifrep.io import no_space_error, out_of_space, writable_dir, write_tsv
from motifrep.motifs.meme import write_meme
from motifrep.motifs.tf_table import TF_TABLE_COLUMNS, check_database, load_tf_table
from motifrep.motifs.tomtom import run_tomtom, write_tomtom_tsv
from motifrep.nn.inspect import conv_map

PROG = "motifrep"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
DEFAULT_MOTIFS = "JASPAR2016"
DEFAULT_WINDOW = 19  # motifrep.filters.scan.P1_WINDOW (Koo & Eddy 2019); not imported here to keep --help fast
OUTPUTS = ("filters.meme", "filters_unclipped.meme", "tomtom.tsv", "filters.tsv", "filters.pdf", "report.html")
N_TOP = 10
TORCH_MODEL_HELP = ("MODEL is then a PyTorch state dict (torch.save(model.state_dict(), ...)): MODULE (a .py file or "
                    "an importable module) is imported, FACTORY() called without arguments must return the "
                    "torch.nn.Module, and the state dict is loaded into it strictly")

_FILTERS_DESCRIPTION = """\
Turn the filters of one convolutional layer of a trained Keras or PyTorch model into motifs and
compare them with JASPAR: what did my first layer learn?

For each filter, every position whose activation exceeds THRESHOLD x (the filter's maximum
over all SEQUENCES) marks a site; the one-hot input windows around the sites are averaged
into a position probability matrix (Koo & Eddy 2019). A conv layer's activations are its
output after the element-wise layers that directly follow it (batch normalisation,
activation, dropout), before the first pooling, conv or dense layer.

The matrices are clipped to their informative columns (IC > 0.5 bits, 3 flanking columns),
compared with the motifs by Tomtom (memelite engine, in-process; pseudocount 0.1, both
strands; E <= EVALUE kept), and written to DIR:

  filters.meme             clipped filter motifs (filter0, filter1, ...)
  filters_unclipped.meme   the full windows
  tomtom.tsv               Tomtom hits of the clipped filters (MEME's tomtom -text layout)
  filters.tsv              one row per filter: sites, information, best match, hits
  filters.pdf              filter logos labelled with their best match
  report.html              one self-contained page: per filter its logo, best match (linked to
                           JASPAR), the match's logo aligned below, E-value, hits, sites, information
  tfs.tsv                  (with --tf-table) per TF: recovered by any filter?

PyTorch models (pip install 'motifrep[torch]'): a torch.export program (.pt2), a TorchScript
file, or a state dict with --torch-model module:factory. They take one-hot input (N, 4, L);
the conv layers are the Conv1d calls in execution order, named by module path (e.g.
"features.0"), and a layer's map is read after the element-wise modules that directly
follow it (BatchNorm1d, ReLU, ELU, Softplus, a parameter-free custom activation, Dropout).
TorchScript files are followed through submodule calls only (no forward hooks there).

Models: any Keras model with a Conv1D layer, saved as a .keras archive or a legacy .h5
file: Sequential or functional, any layer names, the activation inside Conv1D or as its own
layer, with or without batch normalisation, one-hot input (L, 4) or channels-first (4, L);
other inputs and outputs are ignored when the sequence input is unambiguous. Models with
custom layers or Lambda layers of another project cannot be loaded (the unknown name is
given). The input window of a deeper layer is computed from the layers in between; a layer
below a pooling step or a stride > 1 (e.g. conv2 after a pooled conv1) has no one-to-one
input window and is refused, with the reason.
"""

_FILTERS_EPILOG = """\
example:
  motifrep filters results/synthetic/models/CNN-25/relu/trial_0/model.keras results/synthetic/data.h5 \\
      --out filters_cnn25 --motifs JASPAR2016 --window 19 --threshold 0.5

  motifrep filters model.keras seqs.fa --out mine --motifs JASPAR2024:CORE:vertebrates --tf-table resources/tfs.tsv
  motifrep filters model.keras seqs.fa --out mine --motifs H12CORE_meme_format.meme

The first Tomtom run compiles memelite with numba (about 1-2 minutes) into --numba-cache;
later runs reuse it. `make setup` compiles it ahead into the default cache
(python -m motifrep.motifs.tomtom_cache DIR warms another).
"""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults in the option help (unless None), descriptions and examples kept as written."""

    def _get_help_string(self, action):
        """The option's help, with ``(default: ...)`` unless the default is None."""
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


# --------------------------------------------------------------------------- argument types


def _int_at_least(minimum: int, what: str):
    """An argparse type: an integer >= ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{what} must be >= {minimum}, got {value}")
        return value

    return parse


def _float_in(what: str, low: float, high: float, low_open: bool = False):
    """An argparse type: a float in [low, high] (``(low, high]`` with ``low_open``)."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number in {interval}, got {text!r}") from None
        if not (low < value if low_open else low <= value) or not value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be in {interval}, got {text}")
        return value

    return parse


def _default_numba_cache() -> str:
    """``$NUMBA_CACHE_DIR`` if set, else ``~/.cache/motifrep/numba``."""
    return os.environ.get("NUMBA_CACHE_DIR") or str(Path("~/.cache/motifrep/numba").expanduser())


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The ``motifrep`` argument parser, with its commands ``filters``, ``attribute`` and ``modisco``.

    Returns
    -------
    argparse.ArgumentParser
        The parser; a parsed command carries ``func`` (:func:`cmd_filters`, :func:`cmd_attribute`).
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Reproduce CNN motif-representation analyses (Koo & Eddy 2019, Koo & Ploenzke 2021). "
                    "The full workflow runs with Snakemake; this command line runs single steps on your own "
                    "models.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'motifrep COMMAND --help' for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    sub.required = True
    _add_filters_parser(sub)
    _add_attribute_parser(sub)
    _add_modisco_parser(sub)
    return parser


def _add_filters_parser(sub) -> None:
    """The ``filters`` command: a conv layer's filters as motifs, matched to JASPAR (:func:`cmd_filters`)."""
    p = sub.add_parser(
        "filters", help="turn a conv layer's filters into motifs and match them to JASPAR",
        description=_FILTERS_DESCRIPTION, epilog=_FILTERS_EPILOG, formatter_class=_Formatter,
    )
    p.add_argument("model", metavar="MODEL", help="trained model: a Keras .keras archive or legacy .h5 file, a "
                                                "PyTorch torch.export .pt2 program or TorchScript file, or (with "
                                                "--torch-model) a PyTorch state dict")
    p.add_argument("sequences", metavar="SEQUENCES",
                   help="a FASTA file (A/C/G/T, case-insensitive; every sequence of the model's input length) "
                        "or a motifrep HDF5 data set (its test split is used)")
    p.add_argument("--out", "-o", metavar="DIR", required=True, help="output directory (created if missing)")
    p.add_argument("--layer", metavar="NAME_OR_INDEX", default=None,
                   help="conv layer: its name or its 1-based position among the Conv1D layers; default: the "
                        "first Conv1D layer")
    p.add_argument("--torch-model", metavar="MODULE:FACTORY", default=None, help=TORCH_MODEL_HELP)
    p.add_argument("--motifs", metavar="RELEASE[:COLL[:TAX]]|FILE.meme", default=DEFAULT_MOTIFS,
                   help="motifs to match: a JASPAR release shipped with pyjaspar, JASPAR2014 ... JASPAR2026, "
                        "optionally with collection and tax group (default CORE:vertebrates; e.g. JASPAR2024, "
                        "JASPAR2024:CORE:vertebrates, JASPAR2022:CORE:plants; read offline), or a MEME motif file "
                        "(a JASPAR download, HOCOMOCO v11-v13, your own)")
    p.add_argument("--window", metavar="N", type=_int_at_least(0, "window"), default=DEFAULT_WINDOW,
                   help="input columns cut around each site (19: Koo & Eddy 2019, 20: Koo & Ploenzke 2021); "
                        "0: the layer's receptive field")
    p.add_argument("--threshold", metavar="T", type=_float_in("threshold", 0.0, 1.0), default=0.5,
                   help="a site is a position whose activation is > T x the filter's maximum")
    p.add_argument("--weighting", choices=("activation", "uniform"), default="activation",
                   help="average windows weighted by activation (Koo & Eddy 2019) or uniformly "
                        "(Koo & Ploenzke 2021)")
    p.add_argument("--edges", choices=("pad", "drop"), default="pad",
                   help="windows reaching past a sequence end: zero-padded, or dropped")
    p.add_argument("--max-sequences", metavar="N", type=_int_at_least(1, "max-sequences"), default=None,
                   help="use only the first N sequences (default: all of them)")
    p.add_argument("--evalue", metavar="E", type=_float_in("E-value threshold", 0.0, sys.float_info.max, low_open=True), default=0.1,
                   help="keep Tomtom hits with E-value <= E")
    p.add_argument("--tf-table", metavar="FILE", default=None,
                   help="TSV with columns tf, jaspar_id, accepted_ids (as resources/tfs.tsv): fills the "
                        "ground-truth columns of filters.tsv and writes tfs.tsv; without it they are empty. "
                        "JASPAR IDs match any version of their base (MA0079.3 or MA0079 accepts JASPAR 2024's "
                        "MA0079.5); a TF whose jaspar_id is not in --motifs is an error")
    p.add_argument("--numba-cache", metavar="DIR", default=None,
                   help="numba cache for the compiled Tomtom kernels (default: $NUMBA_CACHE_DIR if set, "
                        "else ~/.cache/motifrep/numba, which make setup warms)")
    p.add_argument("--batch-size", metavar="N", type=_int_at_least(1, "batch-size"), default=512,
                   help="sequences per activation batch")
    p.set_defaults(func=cmd_filters)


def _add_modisco_parser(sub) -> None:
    """The ``modisco`` command: TF-MoDISco on attribution maps in the workflow's HDF5 layout."""
    p = sub.add_parser(
        "modisco", help="find motifs in attribution maps with TF-MoDISco and match them to JASPAR",
        formatter_class=_Formatter,
        description="Run TF-MoDISco (modisco-lite) on attribution maps in the workflow's HDF5 layout (scores "
                    "(N, L, 4), position_scores, rows, attribute method: results/.../attribution/METHOD.h5), "
                    "compare its patterns with JASPAR by Tomtom and, with --truth, score them against the "
                    "embedded motifs (methods §6.5). Writes to DIR: patterns.h5 (PPM, CWM, hypothetical CWM per "
                    "pattern), patterns.meme (trimmed PPMs), tomtom.tsv, patterns.tsv (best match, ground-truth "
                    "TF), seqlets.tsv (pattern, sequence, start, end, strand) and score.tsv (TFs recovered, "
                    "false patterns; with --truth seqlet precision and recall).",
        epilog="example:\n  motifrep modisco results/task3/models/CNN-local/exponential/trial_0/attribution/"
               "saliency.h5 --data results/task3/data.h5 --truth resources/task3_core.tsv --out modisco_exp\n\n"
               "Settings not given here are config/config.yaml's modisco defaults (config/README.md).")
    p.add_argument("maps", metavar="MAPS.h5", help="attribution maps in the workflow's HDF5 layout")
    p.add_argument("--data", metavar="DATA.h5", required=True,
                   help="the motifrep HDF5 data set whose rows the maps explain (its X; with --truth its truth "
                        "table of embedded motifs)")
    p.add_argument("--out", "-o", metavar="DIR", required=True, help="output directory (created if missing)")
    p.add_argument("--truth", metavar="TF_TABLE", default=None,
                   help="TSV with columns tf, jaspar_id, accepted_ids (as resources/task3_core.tsv): count the TFs "
                        "recovered and false patterns, and score seqlets against the data set's embedded motifs")
    p.add_argument("--motifs", metavar="RELEASE|FILE.meme", default=DEFAULT_MOTIFS,
                   help="motifs to match: a JASPAR release shipped with pyjaspar or a MEME motif file")
    p.add_argument("--evalue", metavar="E", type=_float_in("E-value threshold", 0.0, sys.float_info.max,
                                                          low_open=True), default=0.1,
                   help="keep Tomtom hits with E-value <= E")
    p.add_argument("--window", metavar="N", type=_int_at_least(1, "window"), default=21,
                   help="TF-MoDISco's sliding window")
    p.add_argument("--seqlet-fdr", metavar="F", type=_float_in("seqlet-fdr", 0.0, 1.0, low_open=True),
                   default=0.2, help="target FDR of the seqlet threshold")
    p.add_argument("--max-seqlets", metavar="N", type=_int_at_least(1, "max-seqlets"), default=20000,
                   help="seqlets kept per metacluster")
    p.add_argument("--leiden-runs", metavar="N", type=_int_at_least(1, "leiden-runs"), default=10,
                   help="Leiden clusterings per round (the library's default: 50)")
    p.add_argument("--threads", metavar="N", type=_int_at_least(1, "threads"), default=None,
                   help="numba threads (default: all cores)")
    p.add_argument("--numba-cache", metavar="DIR", default=None,
                   help="numba cache for compiled kernels (default: $NUMBA_CACHE_DIR if set, else "
                        "~/.cache/motifrep/numba)")
    p.set_defaults(func=cmd_modisco)


_ATTRIBUTE_DESCRIPTION = """\
Attribution maps of a trained Keras or PyTorch model, with the workflow's methods and
settings (Koo & Ploenzke 2021; methods 6.2-6.4):

  saliency              gradient of the output w.r.t. the one-hot input
  ism                   in-silico mutagenesis: output(mutant) - output(wild type), every
                        single-base substitution (0 at the observed base)
  integrated_gradients  10 position-shuffled references, 20 steps, mean gradient x input
  smoothgrad            mean gradient over 50 copies with Gaussian noise (sigma 0.1)
  deepshap              shap.DeepExplainer, 10 shuffled references per sequence, checked to
                        sum to f(x) - mean f(ref); Keras models on the TensorFlow backend and
                        PyTorch models given as --torch-model (not .pt2 or TorchScript files)

The explained value is output unit --target of the model's raw output (all outputs of a
multi-output model flattened and concatenated, in order). Random steps are seeded by --seed.
Writes to DIR:

  METHOD.h5                 the maps in the workflow's layout: scores (N, L, 4) float16,
                            position_scores (N, L) (attribution x input summed over bases;
                            ISM: L2 norm over substitutions), rows (sequence indices; a data
                            set's row numbers), attributes method and settings (JSON)
  logos.pdf                 attribution logos of the first --logos sequences (ground-truth
                            positions shaded with --truth)
  interpretability.tsv      (with --truth) per sequence: AUROC, AUPR (average precision),
                            trapezoidal AUPR of position_scores against the ground truth
  interpretability_summary.tsv  (with --truth) their means and SDs over the sequences with
                            both classes (as the workflow's P2 task 3 scores)

Models: Keras (.keras, legacy .h5; one input, (L, 4) or channels-first (4, L)) and PyTorch
(pip install 'motifrep[torch]': a torch.export .pt2 program, a TorchScript file, or a state
dict with --torch-model module:factory; input (N, 4, L)).
"""

_ATTRIBUTE_EPILOG = """\
example:
  motifrep attribute model.pt2 seqs.fa --method saliency --truth sites.bed --out attr/
  motifrep attribute weights.pt seqs.fa --torch-model mynet.py:build --method deepshap --target 1 --out attr/
"""

def _add_attribute_parser(sub) -> None:
    """The ``attribute`` command: attribution maps of a user's model (:func:`cmd_attribute`)."""
    p = sub.add_parser("attribute", help="attribution maps of a Keras or PyTorch model, scored against motif sites",
                       description=_ATTRIBUTE_DESCRIPTION, epilog=_ATTRIBUTE_EPILOG, formatter_class=_Formatter)
    p.add_argument("model", metavar="MODEL", help="trained model: a Keras .keras / .h5 file, a PyTorch .pt2 program "
                                                "or TorchScript file, or (with --torch-model) a PyTorch state dict")
    p.add_argument("sequences", metavar="SEQUENCES",
                   help="a FASTA file (A/C/G/T; all records one length) or a motifrep HDF5 data set (its test split)")
    p.add_argument("--method", required=True, choices=METHOD_NAMES, help="attribution method")
    p.add_argument("--target", metavar="OUTPUT_INDEX", type=_int_at_least(0, "target"), default=0,
                   help="0-based output unit explained (across all outputs, flattened, in order)")
    p.add_argument("--out", "-o", metavar="DIR", required=True, help="output directory (created if missing)")
    p.add_argument("--truth", metavar="BED|HDF5", default=None,
                   help="ground-truth motif sites: a BED file (sequence name = FASTA record name, or a data set's "
                        "row number; 0-based start, end exclusive) or an HDF5 file with an (N, L) 'mask' or "
                        "'info_mask' (a motifrep data set); adds the interpretability AUROC/AUPR")
    p.add_argument("--torch-model", metavar="MODULE:FACTORY", default=None, help=TORCH_MODEL_HELP)
    p.add_argument("--max-sequences", metavar="N", type=_int_at_least(1, "max-sequences"), default=None,
                   help="explain only the first N sequences (default: all)")
    p.add_argument("--logos", metavar="N", type=_int_at_least(0, "logos"), default=4,
                   help="sequences drawn in logos.pdf (0: no figure)")
    p.add_argument("--seed", metavar="S", type=_int_at_least(0, "seed"), default=0,
                   help="seed of the shuffled references and of SmoothGrad's noise")
    p.set_defaults(func=cmd_attribute)


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _quiet_fd2():
    """Silence file descriptor 2 (TensorFlow's C++ start-up lines) while importing Keras."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _import_keras():
    """Import Keras with TensorFlow's C++ start-up lines silenced; return the module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "keras" in sys.modules:
        import keras
        return keras
    with _quiet_fd2():
        import keras
    return keras


def _check_file(path: Path, what: str) -> None:
    """FormatError naming ``what`` unless ``path`` exists and is not a directory."""
    if not path.exists():
        raise FormatError(f"{path}: {what} not found")
    if path.is_dir():
        raise FormatError(f"{path}: {what} expected, found a directory")


def _is_hdf5(path: Path) -> bool:
    """Whether the file starts with the HDF5 signature."""
    with open(path, "rb") as handle:
        return handle.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE


def resolve_layer(model, spec: str | None, model_path):
    """Where the activation map of the conv layer that ``--layer`` names is read.

    ``spec``: a Conv1D layer name, a 1-based position among the Conv1D layers, or None (the
    first). Works for any Keras model (:func:`motifrep.nn.inspect.conv_map`).

    Parameters
    ----------
    model : keras.Model
        The loaded model.
    spec : str or None
        The ``--layer`` value.
    model_path : str or os.PathLike
        The model file, for messages.

    Returns
    -------
    motifrep.nn.inspect.ConvMap
        The conv layer (``.conv``, 1-based ``.index``), its activation map and the sequence
        input (``.length``: the length it fixes, or None).

    Raises
    ------
    MotifrepError
        No Conv1D layer, an unknown name, a layer that is not a Conv1D layer, an out-of-range
        position, or no unambiguous one-hot (4-channel) input.
    """
    layer = 1 if spec is None else int(spec) if spec.strip().isdigit() else spec
    try:
        return conv_map(model, layer)
    except MotifrepError as exc:
        where = f"--layer {spec}" if spec is not None else str(model_path)
        raise MotifrepError(f"{where}: {exc}") from None


def load_sequences(path: Path, length: int | None, max_sequences: int | None):
    """``(X uint8 (N, L, 4), description)`` from a FASTA file or a motifrep HDF5 data set.

    A file starting with the HDF5 signature is read as a data set (its test split,
    :class:`motifrep.datasets.store.Dataset`); anything else as FASTA
    (:func:`motifrep.datasets.genome.read_fasta_onehot`).

    Parameters
    ----------
    path : pathlib.Path
        The sequence file.
    length : int or None
        The model's input length (None: any, equal for all records).
    max_sequences : int or None
        Keep only the first this many sequences.

    Returns
    -------
    X : numpy.ndarray
        uint8 ``(N, L, 4)`` one-hot.
    description : str
        What was read, for the summary line.

    Raises
    ------
    FormatError
        A malformed FASTA or data set, or sequences of another length than ``length``.
    """
    if _is_hdf5(path):

        with Dataset(path) as ds:
            if length is not None and ds.length != length:
                raise FormatError(f"{path}: sequences have length {ds.length}, but the model expects {length}")
            X, _ = ds.load("test")
        what = "test-split sequences of HDF5 data set"
    else:
        X, _ = read_fasta_onehot(path, length)
        what = "FASTA sequences"
    if max_sequences is not None:
        X = X[:max_sequences]
    return X, what


def load_motifs(spec: str):
    """``(motifs, label)``: a pyjaspar release's collection, or a MEME file.

    Parameters
    ----------
    spec : str
        The ``--motifs`` value: ``JASPAR<year>[:COLLECTION[:TAX_GROUP]]`` (release name any
        case; collection default CORE, tax group default vertebrates; used when no file of that
        name exists) or a MEME file path (:mod:`motifrep.motifs.database`).

    Returns
    -------
    motifs : list of Motif
        The target motifs.
    label : str
        How the summary names them.

    Raises
    ------
    MotifrepError
        A ``JASPAR...`` name that is not a release shipped with pyjaspar, an unknown collection
        or tax group, or a name that is neither a release nor an existing file.
    FormatError
        A directory, or a malformed MEME file.
    """
    from motifrep.motifs.database import load_database, parse_database

    database = parse_database(spec, "--motifs")
    if database.kind == "meme":
        _check_file(Path(spec), "MEME motif file")
    return load_database(database), database.label


def _empty_tf_table():
    """A TF table without rows (no ``--tf-table``)."""
    import pandas as pd


    return pd.DataFrame({c: pd.Series([], dtype=object) for c in TF_TABLE_COLUMNS})


# --------------------------------------------------------------------------- commands


def cmd_filters(args) -> int:
    """``motifrep filters``: a conv layer's filters as motifs, matched to JASPAR (outputs: :data:`OUTPUTS`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``filters`` command line (:func:`build_parser`).

    Returns
    -------
    int
        0; the outputs are in ``args.out`` and a summary is printed on stdout.

    Raises
    ------
    MotifrepError
        Any expected problem (missing or malformed input, unsupported model or layer, bad
        ``--out``, a full disk); :func:`main` prints it as one line. When writing fails, the
        outputs this run already wrote are removed (and ``--out``, if this run made it).
    """
    model_path, seq_path, out, numba_cache = _filters_paths(args)

    from motifrep.filters.html_report import (
        write_filter_report_html,  # deferred like the logos
    )
    from motifrep.filters.logos import (
        filter_logo_figure,  # deferred: matplotlib, not needed for --help or bad input
    )

    tf_table = load_tf_table(args.tf_table) if args.tf_table is not None else _empty_tf_table()
    motifs, motifs_label = load_motifs(args.motifs)
    check_database(tf_table, (m.id for m in motifs), args.tf_table, motifs_label)  # ground truth matched by base ID

    if is_keras(model_path, args.torch_model):
        _import_keras()
    # one conv layer of a Keras or PyTorch model (motifrep.filters.conv_source); one-line errors
    model = open_conv_layer(model_path, args.layer, torch_model=args.torch_model)
    window = None if args.window == 0 else args.window
    X, seq_what = load_sequences(seq_path, model.length, args.max_sequences)
    width, _ = model.pwm_window(window, X.shape[1])  # refuses layers below a pooled layer, before the slow part
    conv_name = model.conv_name

    ppms, n_sites = activation_pwms(model, X, threshold=args.threshold, weighting=args.weighting,
                                    window_edges=args.edges, batch_size=args.batch_size, window=window)
    unclipped = filters_to_motifs(ppms, clip=False, n_sites=n_sites)
    clipped = filters_to_motifs(ppms, clip=True, n_sites=n_sites)
    hits = run_tomtom(clipped, motifs, engine="memelite", thresh=args.evalue, numba_cache_dir=numba_cache)
    table = filter_table(unclipped, clipped, hits, motifs, tf_table,
                         n_sites={m.id: int(s) for m, s in zip(unclipped, n_sites)})

    labels = _best_match_labels(hits, motifs)

    writes = [(write_meme, "filters.meme", clipped), (write_meme, "filters_unclipped.meme", unclipped),
              (write_tomtom_tsv, "tomtom.tsv", hits), (write_tsv, "filters.tsv", table)]
    if args.tf_table is not None:
        writes.append((write_tsv, "tfs.tsv", recovered_tfs(table, tf_table, hits)))
    writes.append((lambda path, panels: filter_logo_figure(panels, [path]), "filters.pdf",
                   [{"label": f"{model.name} {conv_name}", "motifs": clipped, "labels": labels}]))
    about = [("model", f"{model_path} ({model.name})"), ("layer", f"{conv_name} (conv layer {model.index})"),
             ("sequences", f"{len(X)} {seq_what} {seq_path}"), ("motif database", f"{motifs_label} ({len(motifs)} motifs)"),
             ("settings", f"{width}-column windows, threshold {args.threshold:g}, {args.weighting} weighting, "
                          f"edges {args.edges}, Tomtom E <= {args.evalue:g}")]
    if args.tf_table is not None:
        about.append(("TF table", str(args.tf_table)))
    writes.append((lambda path, _: write_filter_report_html(
        path, table, clipped, motifs, hits, f"What did {model.name} {conv_name} learn?", about,
        with_truth=args.tf_table is not None), "report.html", None))
    _write_outputs(out, writes)  # all or nothing: a failure (e.g. a full disk) removes what was written
    _print_filters_summary(args, table, n_sites, conv_name=conv_name, width=width, n_sequences=len(X),
                           seq_what=seq_what, motifs_label=motifs_label)
    return 0


def _filters_paths(args) -> tuple[Path, Path, Path, str]:
    """``motifrep filters``' model, sequence and output paths and numba cache, the input files checked."""
    model_path, seq_path, out = Path(args.model), Path(args.sequences), Path(args.out)
    _check_file(model_path, "model file")
    _check_file(seq_path, "sequence file (FASTA or HDF5)")
    if args.tf_table is not None:
        _check_file(Path(args.tf_table), "TF table")
    numba_cache = args.numba_cache or _default_numba_cache()
    if out.exists() and not out.is_dir():
        raise MotifrepError(f"--out {out}: exists and is not a directory")
    return model_path, seq_path, out, numba_cache


def _best_match_labels(hits, motifs) -> dict:
    """Each filter's logo label: its best Tomtom match's ID and name."""
    names = {m.id: m.name for m in motifs}
    best = filter_best_matches(hits)
    return {q: f"{t} {names.get(t, '')}".strip() for q, t in zip(best["Query_ID"], best["Target_ID"])}


def _print_filters_summary(args, table, n_sites, *, conv_name: str, width: int, n_sequences: int, seq_what: str,
                           motifs_label: str) -> None:
    """Print what ``motifrep filters`` found: filters matched, ground-truth hits, the top matches, the files."""
    import numpy as np

    model_path, seq_path, out = Path(args.model), Path(args.sequences), Path(args.out)
    n_filters, n_matched = len(table), int((table["n_hits"] > 0).sum())
    print(f"{model_path.name}: {n_filters} filters of {conv_name} from {n_sequences} {seq_what} {seq_path.name} "
          f"({width}-column windows, threshold {args.threshold:g}, {args.weighting} weighting)")
    print(f"{n_matched} of {n_filters} filters match a motif of {motifs_label} (Tomtom E <= {args.evalue:g}); "
          f"{int((np.asarray(n_sites) == 0).sum())} filters have no site")
    if args.tf_table is not None:
        print(f"{int(table['matches_ground_truth'].sum())} filters match a ground-truth TF of {args.tf_table}")
    top = table[table["n_hits"] > 0].sort_values("best_evalue", kind="stable").head(N_TOP)
    if len(top):
        print(f"top matches{f' (first {N_TOP})' if n_matched > N_TOP else ''}:")
        for row in top.itertuples():
            print(f"  {row.filter:<10} {row.best_match:<10} {row.best_match_name:<16} E = {row.best_evalue:.2g}  "
                  f"({row.n_hits} hit{'s' if row.n_hits != 1 else ''})")
    print(f"wrote {', '.join(OUTPUTS + (('tfs.tsv',) if args.tf_table is not None else ()))} to {out}")
    return 0


def _write_outputs(out: Path, writes) -> list[Path]:
    """Run ``(write, name, data)`` into ``out``; on any failure remove what was written (and ``out`` if made here)."""
    created = not out.exists()
    writable_dir(out, "--out")
    written: list[Path] = []
    try:
        for write, name, data in writes:
            write(out / name, data)
            written.append(out / name)
    except BaseException:  # e.g. a full disk: no partial set of outputs is kept
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    return written


def cmd_attribute(args) -> int:
    """``motifrep attribute``: attribution maps of a Keras or PyTorch model (outputs: ``--help``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``attribute`` command line.

    Returns
    -------
    int
        0; the outputs are in ``args.out`` and a summary is printed on stdout.

    Raises
    ------
    MotifrepError
        Any expected problem (missing or malformed input, a model or method that cannot
        work, ``--target`` out of range, a full disk); nothing is left in ``--out`` then.
    """
    import numpy as np

    from motifrep.interpret import user_models as um

    model_path, seq_path, out = Path(args.model), Path(args.sequences), Path(args.out)
    _check_file(model_path, "model file")
    _check_file(seq_path, "sequence file (FASTA or HDF5)")
    if args.truth is not None:
        _check_file(Path(args.truth), "ground-truth file (BED or HDF5)")
    if out.exists() and not out.is_dir():
        raise MotifrepError(f"--out {out}: exists and is not a directory")
    X, names, rows = um.load_named_sequences(seq_path, args.max_sequences)
    truth = None if args.truth is None else um.read_truth(args.truth, names, rows, X.shape[1], _is_hdf5(seq_path))
    if is_keras(model_path, args.torch_model):
        _import_keras()
    model, framework = um.load_attribution_model(model_path, X.shape[1], args.torch_model)
    settings = um.method_settings(args.method, args.seed)
    attr = um.attribute_model(model, framework, args.method, X, args.target, settings)
    from motifrep.interpret.attribution import position_scores
    from motifrep.interpret.maps import write_maps
    from motifrep.results.plots import attribution_logo_figure

    pos = position_scores(attr, X, args.method)
    writes = [(lambda path, _: write_maps(path, attr, pos, rows, args.method, settings | {"target": args.target}),
               f"{args.method}.h5", None)]
    if truth is not None:
        per_seq, summary = um.interpretability_outputs(pos, truth, names, args.method)
        writes += [(write_tsv, "interpretability.tsv", per_seq), (write_tsv, "interpretability_summary.tsv", summary)]
    n = min(args.logos, len(X))
    if n:
        shade = truth[:n] if truth is not None else np.zeros((n, X.shape[1]), bool)
        writes.append((lambda path, _: attribution_logo_figure(
            [{"label": f"{model_path.name} {args.method} (output {args.target})", "scores": pos[:n, :, None] * X[:n]}],
            X[:n], shade, [path]), "logos.pdf", None))
    written = _write_outputs(out, writes)
    print(f"{model_path.name} ({framework}): {args.method} of output {args.target} on {len(X)} sequences of "
          f"{X.shape[1]} nt from {seq_path.name}")
    if truth is not None:
        row = summary.iloc[0]
        print(f"interpretability over {int(row['n_used'])} of {len(X)} sequences with both classes: AUROC "
              f"{row['auroc_mean']:.3f}, AUPR {row['aupr_mean']:.3f}")
    print(f"wrote {', '.join(p.name for p in written)} to {out}")
    return 0


def cmd_modisco(args) -> int:
    """``motifrep modisco``: TF-MoDISco on a maps file (:func:`motifrep.interpret.discovery.discover_motifs`).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``modisco`` command line.

    Returns
    -------
    int
        0; the outputs are in ``args.out`` and a summary is printed on stdout.

    Raises
    ------
    MotifrepError
        Missing or malformed inputs, too few sequences, no pattern found, a bad ``--out``.
    """
    for path, what in ((args.maps, "maps file"), (args.data, "data set")) + (
            ((args.truth, "TF table"),) if args.truth else ()):
        _check_file(Path(path), what)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise MotifrepError(f"--out {out}: exists and is not a directory")
    os.environ.setdefault("NUMBA_CACHE_DIR", args.numba_cache or _default_numba_cache())
    from motifrep.interpret.discovery import OUTPUTS, discover_motifs

    motifs, label = load_motifs(args.motifs)
    created = not out.exists()
    writable_dir(out, "--out")
    settings = {"window": args.window, "seqlet_fdr": args.seqlet_fdr, "max_seqlets": args.max_seqlets,
                "n_leiden_runs": args.leiden_runs}
    try:
        score = discover_motifs(args.maps, args.data, motifs, out, settings,
                                {"engine": "memelite", "thresh": args.evalue, "pseudocount": 0.1},
                                tf_table=args.truth, truth=args.truth is not None, threads=args.threads,
                                numba_cache=os.environ["NUMBA_CACHE_DIR"])
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    print(f"{args.maps}: {score['n_patterns']} TF-MoDISco patterns from {score['n_sequences']} "
          f"{score['method']} maps, matched to {label} (Tomtom E <= {args.evalue:g})")
    if args.truth:
        print(f"ground-truth TFs recovered: {score['n_recovered']} of {score['n_tfs']} "
              f"({score['recovered_tfs'] or 'none'}); false patterns: {score['n_false_patterns']}; "
              f"seqlet precision {score['seqlet_precision']:.3f}, recall {score['seqlet_recall']:.3f}")
    print(f"wrote {', '.join(OUTPUTS)} to {out}")
    return 0


# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 bad command line).

    A :class:`~motifrep.errors.MotifrepError`, or a full disk or quota
    (:func:`motifrep.io.out_of_space`), is printed as one ``motifrep: error: ...`` line on
    stderr; argparse prints ``--help`` and usage errors itself.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success (and for ``--help``), 1 for an expected error, 2 for a bad command line.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        if not isinstance(exc, MotifrepError):
            if not out_of_space(exc):
                raise
            exc = no_space_error(getattr(args, "out", None) or ".", exc)
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

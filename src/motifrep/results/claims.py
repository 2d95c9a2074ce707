"""Published claims as data, checked against an experiment's summary table.

A claims file (``resources/claims_*.yaml``) lists claims of a paper, each with one test on
the summary table (:func:`motifrep.results.tables.summary_table`, first-layer rows)::

    claims:
      - id: exp_vs_relu_cnn_deep
        claim: "exponential filters match ground truth more often than relu (CNN-deep)"
        source: "P2 Fig 1b"
        test: {greater: {metric: match_ground_truth, a: {model: CNN-deep, activation: exponential},
                         b: {model: CNN-deep, activation: relu}}}

Tests: ``greater`` (a's mean above b's by more than ``margin``, default 0), ``greater_each``
(``greater`` for every method in ``methods``: all that were run must hold), ``close`` (|a − b|
≤ ``tol``), ``lowest_in`` (the activation with the lowest mean of ``model`` is one of
``activations``; needs all of them run), ``spread_at_most`` (max − min of the means over the
activations run ≤ ``max``). Metrics: auroc, aupr, match_any, match_ground_truth (summary
table); interp_auroc, interp_aupr (interpretability summary; a and b name a ``method``);
loc_auroc (localization summary; a and b may be a baseline such as ``{model: true PWM,
activation: log-odds}``). A claim whose runs are not in the tables is "not run", never "holds".
"""

from __future__ import annotations

import logging

import pandas as pd
import yaml

from motifrep.errors import FormatError
from motifrep.io import write_text, write_tsv

log = logging.getLogger("motifrep")
METRICS = {"auroc", "aupr", "match_any", "match_ground_truth", "interp_auroc", "interp_aupr", "loc_auroc"}
TESTS = {"greater": {"metric", "a", "b"}, "greater_each": {"metric", "a", "b", "methods"},
         "close": {"metric", "a", "b", "tol"}, "lowest_in": {"metric", "model", "activations"}, "spread_at_most": {"metric", "model", "max"}}
HOLDS, FAILS, NOT_RUN = "holds", "does not hold", "not run"


def load_claims(path) -> list[dict]:
    """Read and check a claims file; one-line FormatErrors naming the file and the claim.

    Parameters
    ----------
    path : str or os.PathLike
        The YAML file (module docstring).

    Returns
    -------
    list of dict
        The claims, in file order.

    Raises
    ------
    FormatError
        A missing file, invalid YAML, no non-empty ``claims:`` list, a claim without id,
        claim and test, or a test of unknown kind, missing arguments or an unknown metric.
    """
    try:
        data = yaml.safe_load(open(path).read())
    except FileNotFoundError:
        raise FormatError(f"{path}: claims file not found") from None
    except yaml.YAMLError as exc:
        raise FormatError(f"{path}: invalid YAML ({' '.join(str(exc).split())})") from None
    claims = (data or {}).get("claims") if isinstance(data, dict) else None
    if not isinstance(claims, list) or not claims:
        raise FormatError(f"{path}: expected a non-empty list under 'claims:'")
    for i, c in enumerate(claims, 1):
        where = f"{path}: claim {i} ({c.get('id', '?') if isinstance(c, dict) else '?'})"
        if not isinstance(c, dict) or not {"id", "claim", "test"} <= set(c) or not isinstance(c["test"], dict):
            raise FormatError(f"{where}: needs id, claim and test")
        if len(c["test"]) != 1 or next(iter(c["test"])) not in TESTS:
            raise FormatError(f"{where}: test must be one of {', '.join(TESTS)}")
        (kind, args), = c["test"].items()
        if not isinstance(args, dict) or not TESTS[kind] <= set(args) or args["metric"] not in METRICS:
            raise FormatError(f"{where}: {kind} needs {', '.join(sorted(TESTS[kind]))}; metric one of "
                              f"{', '.join(sorted(METRICS))}")
    return claims


def _table(tables: dict, metric: str) -> pd.DataFrame:
    """The table holding ``metric`` (interpretability, localization or summary; empty if not given)."""
    kind = "interpretability" if metric.startswith("interp_") else "localization" if metric.startswith("loc_") \
        else "summary"
    return tables.get(kind, pd.DataFrame(columns=["model", "activation"]))


def _value(tables: dict, run: dict, metric: str):
    """(mean, n_trials) of ``metric`` for a run {model, activation[, method]}, or None if not run."""
    table, column = _table(tables, metric), f"{metric}_mean"
    sel = (table.model == run["model"]) & (table.activation == run["activation"])
    if "method" in run and "method" in table.columns:
        sel &= table.method == run["method"]
    row = table[sel]
    if row.empty or column not in row.columns:
        return None
    n = int(row["n_trials"].iloc[0]) if "n_trials" in row.columns and not pd.isna(row["n_trials"].iloc[0]) else 1
    return float(row[column].iloc[0]), n


def _label(run: dict) -> str:
    """A run as ``model activation [method]``."""
    return " ".join(str(run[k]) for k in ("model", "activation", "method") if k in run)


def _pair(tables, metric, a, b):
    """``(value a, value b, text)`` of two runs, or None if either was not run."""
    va, vb = _value(tables, a, metric), _value(tables, b, metric)
    if va is None or vb is None:
        return None
    return va, vb, f"{metric} {_label(a)} {va[0]:.3f} vs {_label(b)} {vb[0]:.3f} ({min(va[1], vb[1])} trial(s))"


def _greater(tables, metric, a, b, margin=0.0):
    """Test ``greater``: a's mean exceeds b's by more than ``margin``."""
    pair = _pair(tables, metric, a, b)
    if pair is None:
        return NOT_RUN, ""
    va, vb, ours = pair
    return (HOLDS if va[0] - vb[0] > margin else FAILS), ours


def _greater_each(tables, metric, a, b, methods, margin=0.0):
    """Test ``greater_each``: ``greater`` for every method of ``methods`` that was run."""
    results = [_greater(tables, metric, {**a, "method": m}, {**b, "method": m}, margin) for m in methods]
    run = [(status, ours) for status, ours in results if status != NOT_RUN]
    if not run:
        return NOT_RUN, ""
    ours = "; ".join(o for _, o in run) + (f" ({len(run)} of {len(methods)} methods run)" if len(run) < len(methods)
                                          else "")
    return (HOLDS if all(status == HOLDS for status, _ in run) else FAILS), ours


def _close(tables, metric, a, b, tol):
    """Test ``close``: |a - b| <= ``tol``."""
    pair = _pair(tables, metric, a, b)
    if pair is None:
        return NOT_RUN, ""
    va, vb, ours = pair
    return (HOLDS if abs(va[0] - vb[0]) <= tol else FAILS), f"{ours}; |Δ| {abs(va[0] - vb[0]):.3f} vs tolerance {tol}"


def _by_activation(tables, model, metric) -> pd.Series:
    """Activation -> mean of ``metric`` for ``model`` (layer 1 where the table has layers)."""
    table = _table(tables, metric)
    if "layer" in table.columns:
        table = table[table.layer == 1]
    rows = table[table.model == model]
    return pd.Series(rows[f"{metric}_mean"].to_numpy(), index=rows["activation"].to_numpy())


def _lowest_in(tables, metric, model, activations):
    """Test ``lowest_in``: the activation with the lowest mean is one of ``activations``."""
    values = _by_activation(tables, model, metric)
    if values.empty or not set(activations) <= set(values.index):
        return NOT_RUN, ", ".join(f"{k} {v:.3f}" for k, v in values.items())
    ours = f"{metric} {model}: " + ", ".join(f"{k} {v:.3f}" for k, v in values.sort_values().items())
    return (HOLDS if values.idxmin() in activations else FAILS), ours


def _spread_at_most(tables, metric, model, max):  # noqa: A002 (the YAML key)
    """Test ``spread_at_most``: max - min of the means over the activations run <= ``max``."""
    values = _by_activation(tables, model, metric)
    if len(values) < 2:
        return NOT_RUN, ""
    spread = values.max() - values.min()
    ours = f"{metric} {model}: spread {spread:.3f} over {len(values)} activations ({', '.join(values.index)})"
    return (HOLDS if spread <= max else FAILS), ours


def check_claims(claims: list[dict], summary: pd.DataFrame, interpretability: pd.DataFrame | None = None,
                 localization: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim: id, claim, source, ours (the numbers), status.

    Parameters
    ----------
    claims : list of dict
        From :func:`load_claims`.
    summary : pandas.DataFrame
        The experiment's summary table (:func:`motifrep.results.tables.summary_table`); only
        its layer-1 rows are used when it has a layer column.
    interpretability : pandas.DataFrame, optional
        Interpretability summary, for the ``interp_*`` metrics.
    localization : pandas.DataFrame, optional
        Localization summary, for ``loc_auroc``.

    Returns
    -------
    pandas.DataFrame
        One row per claim, in order; ``status`` is "holds", "does not hold" or "not run"
        (a run the test needs is missing from the tables).
    """
    tables = {"summary": summary[summary.layer == 1] if "layer" in summary.columns else summary}
    for name, table in (("interpretability", interpretability), ("localization", localization)):
        if table is not None:
            tables[name] = table
    checks = {"greater": _greater, "greater_each": _greater_each, "close": _close, "lowest_in": _lowest_in,
              "spread_at_most": _spread_at_most}
    rows = []
    for c in claims:
        (kind, args), = c["test"].items()
        status, ours = checks[kind](tables, **args)
        rows.append({"id": c["id"], "claim": c["claim"], "source": c.get("source", ""), "ours": ours,
                     "status": status})
    return pd.DataFrame(rows)


def claims_markdown(table: pd.DataFrame) -> str:
    """:func:`check_claims`'s table as Markdown (claim, source, ours, holds?)."""
    lines = ["| claim | source | ours | holds? |", "|---|---|---|---|"]
    cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731 (a pipe would end the cell)
    lines += [f"| {cell(r.claim)} | {cell(r.source)} | {cell(r.ours)} | {r.status} |" for r in table.itertuples()]
    return "\n".join(lines) + "\n"


def make_claims_table(claims_yaml, summary_tsv, out_tsv, out_md, interpretability_tsv=None,
                      localization_tsv=None) -> None:
    """Workflow step: the claims of ``claims_yaml`` checked on the experiment's summaries.

    Parameters
    ----------
    claims_yaml : str or os.PathLike
        The claims file.
    summary_tsv : str or os.PathLike
        The experiment's summary table.
    out_tsv : str or os.PathLike
        The claims table (:func:`check_claims`).
    out_md : str or os.PathLike
        The claims table as Markdown.
    interpretability_tsv : str or os.PathLike, optional
        Interpretability summary.
    localization_tsv : str or os.PathLike, optional
        Localization summary.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        As :func:`load_claims`.
    """
    read = lambda path: None if not path else pd.read_csv(path, sep="\t")  # noqa: E731
    table = check_claims(load_claims(claims_yaml), pd.read_csv(summary_tsv, sep="\t"), read(interpretability_tsv),
                         read(localization_tsv))
    write_tsv(out_tsv, table)
    write_text(out_md, claims_markdown(table))
    for row in table.itertuples():
        log.info("%s: %s (%s)", row.id, row.status, row.ours)

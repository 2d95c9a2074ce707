"""Published claims as data, checked against an experiment's summary table.

A claims file (``resources/claims_*.yaml``) lists claims of a paper, each with one test on
the summary table (:func:`motifrep.tables.summary_table`, first-layer rows)::

    claims:
      - id: exp_vs_relu_cnn_deep
        claim: "exponential filters match ground truth more often than relu (CNN-deep)"
        source: "P2 Fig 1b"
        test: {greater: {metric: match_ground_truth, a: {model: CNN-deep, activation: exponential},
                         b: {model: CNN-deep, activation: relu}}}

Tests: ``greater`` (a's mean above b's by more than ``margin``, default 0), ``lowest_in``
(the activation with the lowest mean of ``model`` is one of ``activations``; needs all of
them run), ``spread_at_most`` (max − min of the means over the activations run ≤ ``max``).
A claim whose runs are not in the table is "not run", never "holds".
"""

from __future__ import annotations

import logging

import pandas as pd
import yaml

from .errors import FormatError
from .io import write_text, write_tsv

log = logging.getLogger("motifrep")
METRICS = {"auroc", "aupr", "match_any", "match_ground_truth"}
TESTS = {"greater": {"metric", "a", "b"}, "lowest_in": {"metric", "model", "activations"},
         "spread_at_most": {"metric", "model", "max"}}
HOLDS, FAILS, NOT_RUN = "holds", "does not hold", "not run"


def load_claims(path) -> list[dict]:
    """Read and check a claims file; one-line FormatErrors naming the file and the claim."""
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


def _value(table: pd.DataFrame, model: str, activation: str, metric: str):
    row = table[(table.model == model) & (table.activation == activation)]
    return None if row.empty else (float(row[f"{metric}_mean"].iloc[0]), int(row["n_trials"].iloc[0]))


def _greater(table, metric, a, b, margin=0.0):
    va, vb = _value(table, a["model"], a["activation"], metric), _value(table, b["model"], b["activation"], metric)
    if va is None or vb is None:
        return NOT_RUN, ""
    ours = (f"{metric} {a['model']} {a['activation']} {va[0]:.3f} vs {b['model']} {b['activation']} {vb[0]:.3f} "
            f"({min(va[1], vb[1])} trial(s))")
    return (HOLDS if va[0] - vb[0] > margin else FAILS), ours


def _by_activation(table, model, metric) -> pd.Series:
    rows = table[table.model == model]
    return pd.Series(rows[f"{metric}_mean"].to_numpy(), index=rows["activation"].to_numpy())


def _lowest_in(table, metric, model, activations):
    values = _by_activation(table, model, metric)
    if values.empty or not set(activations) <= set(values.index):
        return NOT_RUN, ", ".join(f"{k} {v:.3f}" for k, v in values.items())
    ours = f"{metric} {model}: " + ", ".join(f"{k} {v:.3f}" for k, v in values.sort_values().items())
    return (HOLDS if values.idxmin() in activations else FAILS), ours


def _spread_at_most(table, metric, model, max):  # noqa: A002 (the YAML key)
    values = _by_activation(table, model, metric)
    if len(values) < 2:
        return NOT_RUN, ""
    spread = values.max() - values.min()
    ours = f"{metric} {model}: spread {spread:.3f} over {len(values)} activations ({', '.join(values.index)})"
    return (HOLDS if spread <= max else FAILS), ours


def check_claims(claims: list[dict], summary: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: id, claim, source, ours (the numbers), status."""
    table = summary[summary.layer == 1] if "layer" in summary.columns else summary
    checks = {"greater": _greater, "lowest_in": _lowest_in, "spread_at_most": _spread_at_most}
    rows = []
    for c in claims:
        (kind, args), = c["test"].items()
        status, ours = checks[kind](table, **args)
        rows.append({"id": c["id"], "claim": c["claim"], "source": c.get("source", ""), "ours": ours,
                     "status": status})
    return pd.DataFrame(rows)


def claims_markdown(table: pd.DataFrame) -> str:
    lines = ["| claim | source | ours | holds? |", "|---|---|---|---|"]
    lines += [f"| {r.claim} | {r.source} | {r.ours} | {r.status} |" for r in table.itertuples()]
    return "\n".join(lines) + "\n"


def make_claims_table(claims_yaml, summary_tsv, out_tsv, out_md) -> None:
    """Workflow step: the claims of ``claims_yaml`` checked on the experiment's summary."""
    table = check_claims(load_claims(claims_yaml), pd.read_csv(summary_tsv, sep="\t"))
    write_tsv(out_tsv, table)
    write_text(out_md, claims_markdown(table))
    for row in table.itertuples():
        log.info("%s: %s (%s)", row.id, row.status, row.ours)

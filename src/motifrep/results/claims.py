"""Published claims as data, checked against an experiment's summary table, with their noise.

A claims file (``resources/claims_*.yaml``) lists claims of a paper, each with one test on
the summary table (:func:`motifrep.results.tables.summary_table`, first-layer rows)::

    claims:
      - id: exp_vs_relu_cnn_deep
        claim: "exponential filters match ground truth more often than relu (CNN-deep)"
        source: "P2 Fig 1b"
        test: {greater: {metric: match_ground_truth, a: {model: CNN-deep, activation: exponential},
                         b: {model: CNN-deep, activation: relu}}}

Tests (methods §8.2), each made of one or more parts decided by :mod:`motifrep.results.stats`
(Welch's t-test, one-sided at α = 0.05, at least 3 trials per side):

* ``greater``: a's mean above b's by more than ``margin`` (default 0); one part.
* ``greater_each``: ``greater`` for every method in ``methods`` that was run; one part per method.
* ``all_greater``: ``tests``, a list of ``{metric, a, b[, margin]}``, each a ``greater`` part
  (e.g. more recovered motifs *and* fewer false ones); "not run" unless every part was run.
* ``close``: |a − b| ≤ ``tol`` (two one-sided tests); one part.
* ``lowest_in``: the activation with the lowest mean of ``model`` is one of ``activations``
  (all of them run): c, the one of ``activations`` with the lowest mean, below every other
  activation run; one ``greater`` part per other activation.
* ``spread_at_most``: max − min of the means over the activations run ≤ ``max``: every pair
  of activations ``close`` within ``max``; one part per pair.

A claim holds when every part holds at α; it does not hold when a part is decided against at
α / k (k parts); "too few trials" when a side has fewer than 3 trials; otherwise
"inconclusive", with the trials per side that would decide it. A claim whose runs are not in
the tables is "not run", never "holds".

Metrics: auroc, aupr, match_any, match_ground_truth (summary table; spread over trials);
interp_auroc, interp_aupr (interpretability summary; a and b name a ``method``; spread over
trials); loc_auroc (localization summary, whose only spread is over sequences: the standard
error is over sequences, and trained scans still need 3 trials; a and b may be a baseline such
as ``{model: true PWM, activation: log-odds}``, which involves no training); mod_recovered,
mod_false, mod_precision, mod_recall (TF-MoDISco summary, methods §6.5; a and b name a
``method``; spread over trials).

A claim's ``origin`` is ``published`` (default: a paper's claim, ``source`` names where) or
``extension``: a claim of this project's own, shown as "extension (ours, not a published
claim)" in the claims table and the scorecard, never as a paper's.
"""

from __future__ import annotations

import builtins
import logging
import math

import pandas as pd
import yaml

from motifrep.errors import FormatError
from motifrep.io import write_text, write_tsv
from motifrep.results.stats import (
    ALPHA,
    FAILS,
    MIN_TRIALS,
    POWER,
    Side,
    close_part,
    combine,
    format_needed,
    greater_part,
    p_value,
)

log = logging.getLogger("motifrep")
METRICS = {"auroc", "aupr", "match_any", "match_ground_truth", "interp_auroc", "interp_aupr", "loc_auroc",
           "mod_recovered", "mod_false", "mod_precision", "mod_recall"}
TESTS = {"greater": {"metric", "a", "b"}, "greater_each": {"metric", "a", "b", "methods"},
         "all_greater": {"tests"}, "close": {"metric", "a", "b", "tol"}, "lowest_in": {"metric", "model", "activations"}, "spread_at_most": {"metric", "model", "max"}}
BASELINES = {"true PWM"}  # localization scans that involve no training: no spread over trials, no minimum
ORIGINS = ("published", "extension")  # a paper's claim, or one of this project's own (methods §6.5)
COLUMNS = ["id", "claim", "source", "origin", "ours", "status", "diff", "se", "df", "p_value", "n", "trials_needed", "test",
           "flagged"]
RULE = (f"Welch's t-test, one-sided at α = {ALPHA}, ≥ {MIN_TRIALS} trials per side; a claim of k parts holds when "
        f"every part holds at α and does not hold when one part is decided against at α/k; trials needed: normal "
        f"approximation at power {POWER}")


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
        if c.get("origin", "published") not in ORIGINS:
            raise FormatError(f"{where}: origin must be one of {', '.join(ORIGINS)}")
        if kind == "all_greater":
            tests = args.get("tests") if isinstance(args, dict) else None
            if not isinstance(tests, list) or not tests or any(
                    not isinstance(t, dict) or not {"metric", "a", "b"} <= set(t) or t["metric"] not in METRICS
                    for t in tests):
                raise FormatError(f"{where}: all_greater needs tests, a list of {{metric, a, b}}; metric one of "
                                  f"{', '.join(sorted(METRICS))}")
            continue
        if not isinstance(args, dict) or not TESTS[kind] <= set(args) or args["metric"] not in METRICS:
            raise FormatError(f"{where}: {kind} needs {', '.join(sorted(TESTS[kind]))}; metric one of "
                              f"{', '.join(sorted(METRICS))}")
    return claims


def _table(tables: dict, metric: str) -> pd.DataFrame:
    """The table holding ``metric`` (interpretability, localization or summary; empty if not given)."""
    kind = "interpretability" if metric.startswith("interp_") else "localization" if metric.startswith("loc_") \
        else "modisco" if metric.startswith("mod_") else "summary"
    return tables.get(kind, pd.DataFrame(columns=["model", "activation"]))


def _number(row, column, default=math.nan) -> float:
    """A row's value as float (``default`` when the column is missing or empty)."""
    value = row.get(column, default)
    return default if value is None or pd.isna(value) else float(value)


def _side(row: dict, metric: str, label: str) -> Side | None:
    """A summary row as a :class:`~motifrep.results.stats.Side` (None when the mean is missing)."""
    mean = _number(row, f"{metric}_mean")
    if math.isnan(mean):
        return None
    trials = int(_number(row, "n_trials", 1))
    sd = _number(row, f"{metric}_std")
    if metric.startswith("loc_"):  # spread over sequences; trained scans still count their trials
        baseline = row.get("model") in BASELINES
        return Side(mean, sd, _number(row, "n_sequences", 1), None if baseline else trials, unit="sequences",
                    label=label)
    return Side(mean, sd, trials, trials, label=label)


def _value(tables: dict, run: dict, metric: str) -> Side | None:
    """The :class:`Side` of ``metric`` for a run {model, activation[, method]}, or None if not run."""
    table = _table(tables, metric)
    if f"{metric}_mean" not in table.columns:
        return None
    sel = (table.model == run["model"]) & (table.activation == run["activation"])
    if "method" in run and "method" in table.columns:
        sel &= table.method == run["method"]
    row = table[sel]
    return None if row.empty else _side(row.iloc[0].to_dict(), metric, _label(run))


def _label(run: dict) -> str:
    """A run as ``model activation [method]``."""
    return " ".join(str(run[k]) for k in ("model", "activation", "method") if k in run)


def _fmt(side: Side) -> str:
    """``label 0.724 ± 0.195`` (no ± with an unknown or no spread)."""
    spread = "" if side.sd is None or math.isnan(side.sd) or not side.ours and not side.sd else f" ± {side.sd:.3f}"
    return f"{side.label} {side.mean:.3f}{spread}"


def _pair_text(metric, a: Side, b: Side) -> str:
    return f"{metric} {_fmt(a)} vs {_fmt(b)} ({a.describe()} vs {b.describe()})"


def _greater(tables, metric, a, b, margin=0.0):
    """Test ``greater``: a's mean exceeds b's by more than ``margin``."""
    va, vb = _value(tables, a, metric), _value(tables, b, metric)
    if va is None or vb is None:
        return [], ""
    return [greater_part(va, vb, margin, label=f"{_label(a)} > {_label(b)}")], _pair_text(metric, va, vb)


def _greater_each(tables, metric, a, b, methods, margin=0.0):
    """Test ``greater_each``: ``greater`` for every method of ``methods`` that was run."""
    results = [_greater(tables, metric, {**a, "method": m}, {**b, "method": m}, margin) for m in methods]
    run = [(parts[0], ours) for parts, ours in results if parts]
    if not run:
        return [], ""
    ours = "; ".join(o for _, o in run) + (f" ({len(run)} of {len(methods)} methods run)" if len(run) < len(methods)
                                          else "")
    return [p for p, _ in run], ours


def _all_greater(tables, tests):
    """Test ``all_greater``: ``greater`` for every ``{metric, a, b[, margin]}`` of ``tests``; not run unless all are."""
    results = [_greater(tables, **t) for t in tests]
    if any(not parts for parts, _ in results):
        return [], ""
    return [p for parts, _ in results for p in parts], "; ".join(o for _, o in results)


def _close(tables, metric, a, b, tol):
    """Test ``close``: |a - b| <= ``tol``."""
    va, vb = _value(tables, a, metric), _value(tables, b, metric)
    if va is None or vb is None:
        return [], ""
    return ([close_part(va, vb, tol, label=f"|{_label(a)} − {_label(b)}| ≤ {tol}")],
            f"{_pair_text(metric, va, vb)}; |Δ| {abs(va.mean - vb.mean):.3f} vs tolerance {tol}")


def _by_activation(tables, model, metric) -> dict:
    """Activation -> :class:`Side` of ``metric`` for ``model`` (layer 1 where the table has layers)."""
    table = _table(tables, metric)
    if "layer" in table.columns:
        table = table[table.layer == 1]
    if f"{metric}_mean" not in table.columns:
        return {}
    sides = {}
    for row in table[table.model == model].to_dict("records"):
        side = _side(row, metric, f"{model} {row['activation']}")
        if side is not None:
            sides[row["activation"]] = side
    return sides


def _lowest_in(tables, metric, model, activations):
    """Test ``lowest_in``: c (of ``activations``, lowest mean) below every other activation run."""
    sides = _by_activation(tables, model, metric)
    listing = ", ".join(f"{k} {v.mean:.3f}" for k, v in sorted(sides.items(), key=lambda kv: kv[1].mean))
    others = [k for k in sides if k not in activations]
    if not sides or not set(activations) <= set(sides) or not others:
        return [], listing
    c = min(activations, key=lambda k: sides[k].mean)
    parts = [greater_part(sides[o], sides[c], label=f"{model} {o} > {c}") for o in others]
    n = ", ".join(f"{k} {v.describe()}" for k, v in sides.items())
    return parts, f"{metric} {model}: {listing} ({n})"


def _spread_at_most(tables, metric, model, max):
    """Test ``spread_at_most``: every pair of the activations run within ``max`` of each other."""
    sides = _by_activation(tables, model, metric)
    if len(sides) < 2:
        return [], ""
    names = list(sides)
    parts = [close_part(sides[x], sides[y], max, label=f"|{model} {x} − {y}| ≤ {max}")
             for i, x in enumerate(names) for y in names[i + 1:]]
    means = [s.mean for s in sides.values()]
    trials = ", ".join(f"{k} {v.describe()}" for k, v in sides.items())
    return parts, (f"{metric} {model}: spread {builtins.max(means) - min(means):.3f} over {len(sides)} activations "
                   f"({trials})")



def _flagged(tables: dict, claim_test: dict) -> str:
    """Flagged runs (summary table's ``flagged_trials``) of the model × activations a claim compares."""
    (kind, args), = claim_test.items()
    summary = tables["summary"]
    if "flagged_trials" not in summary.columns:
        return ""
    if kind == "all_greater":
        pairs = [(t[k]["model"], t[k]["activation"]) for t in args["tests"] for k in ("a", "b")]
    elif kind in ("lowest_in", "spread_at_most"):
        pairs = [(args["model"], act) for act in summary.loc[summary.model == args["model"], "activation"]]
    else:
        pairs = [(args[k]["model"], args[k]["activation"]) for k in ("a", "b")]
    out = []
    for model, act in dict.fromkeys(pairs):
        row = summary[(summary.model == model) & (summary.activation == act)]
        text = row["flagged_trials"].iloc[0] if not row.empty else ""
        if isinstance(text, str) and text:
            out.append(f"{model} {act}: trial {text}")
    return "; ".join(out)


def _row(c: dict, parts: list, ours: str, tables: dict) -> dict:
    """One claims-table row: the verdict and the deciding part's difference, SE, p and n."""
    status, part, needed = combine(parts)
    row = {"id": c["id"], "claim": c["claim"], "source": c.get("source", ""), "origin": c.get("origin", "published"),
           "ours": ours, "status": status,
           "diff": math.nan, "se": math.nan, "df": math.nan, "p_value": math.nan, "n": "",
           "trials_needed": "", "test": "", "flagged": _flagged(tables, c["test"])}
    if part is not None:
        row.update(diff=part.diff, se=part.se, df=part.df, p_value=p_value(status, part), n=part.n,
                   trials_needed=format_needed(needed, part.unit),
                   test=part.label + (f" (weakest of {len(parts)} parts)" if len(parts) > 1 and status != FAILS
                                      else ""))
    return row


def check_claims(claims: list[dict], summary: pd.DataFrame, interpretability: pd.DataFrame | None = None,
                 localization: pd.DataFrame | None = None, modisco: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim: the numbers, the verdict and the statistics behind it.

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
    modisco : pandas.DataFrame, optional
        TF-MoDISco summary (:func:`motifrep.interpret.discovery_score.make_modisco_table`), for ``mod_*``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per claim in order: ``status`` is "holds", "does not
        hold", "inconclusive", "too few trials" or "not run" (a run the test needs is missing);
        ``diff`` (a − b), ``se`` (its standard error), ``df``, ``p_value`` (one-sided, for the
        verdict), ``n`` (trials per side) and ``test`` are of the deciding part (the weakest, or
        the failing one); ``trials_needed`` per side when inconclusive or too few; ``flagged``
        the flagged runs (:func:`motifrep.results.tables.run_flags`) of the runs compared.
    """
    tables = {"summary": summary[summary.layer == 1] if "layer" in summary.columns else summary}
    for name, table in (("interpretability", interpretability), ("localization", localization),
                        ("modisco", modisco)):
        if table is not None:
            tables[name] = table
    checks = {"greater": _greater, "greater_each": _greater_each, "all_greater": _all_greater, "close": _close,
              "lowest_in": _lowest_in, "spread_at_most": _spread_at_most}
    rows = []
    for c in claims:
        (kind, args), = c["test"].items()
        parts, ours = checks[kind](tables, **args)
        rows.append(_row(c, parts, ours, tables))
    return pd.DataFrame(rows, columns=COLUMNS)


def _cell(text) -> str:
    """Markdown cell text (a pipe would end the cell; NaN is empty)."""
    return "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text).replace("|", "\\|")


def format_diff(diff, se) -> str:
    """``+0.006 ± 0.195`` (difference ± its standard error; ``± ?`` when one trial leaves it unknown);
    empty without a difference."""
    if diff is None or pd.isna(diff):
        return ""
    return f"{diff:+.3f} ± " + ("?" if se is None or pd.isna(se) else f"{se:.3f}")


def format_p(p) -> str:
    """A p-value with 2 significant digits (empty when missing)."""
    return "" if p is None or pd.isna(p) else f"{p:.2g}"


def source_text(row: dict) -> str:
    """A claim's source as shown: ``extension (ours, not published): ...`` for a claim of our own."""
    if row.get("origin") == "extension":
        return "extension (ours, not a published claim)" + (f": {row['source']}" if row.get("source") else "")
    return row.get("source", "")


def claims_markdown(table: pd.DataFrame) -> str:
    """:func:`check_claims`'s table as Markdown, with the rule below it."""
    lines = ["| claim | source | ours | Δ ± SE | n | p | trials needed | holds? | flagged runs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in table.to_dict("records"):
        lines.append(f"| {_cell(r['claim'])} | {_cell(source_text(r))} | {_cell(r['ours'])} | "
                     f"{format_diff(r['diff'], r['se'])} | {_cell(r['n'])} | {format_p(r['p_value'])} | "
                     f"{_cell(r['trials_needed'])} | {r['status']} | {_cell(r['flagged'])} |")
    lines += ["", f"Verdicts: {RULE}. \"too few trials\": a side has fewer than {MIN_TRIALS} trials; "
              "\"inconclusive\": the difference is within its uncertainty; \"not run\": the configuration did not "
              "train what the claim needs. Δ ± SE, n and p are of the deciding comparison (the weakest part, or the "
              "one decided against); trials needed per side from the observed spread (\"?\": one trial, no spread; "
              "\"∞\": no difference observed). Flagged runs are counted in every number (methods §8.1)."]
    return "\n".join(lines) + "\n"


def make_claims_table(claims_yaml, summary_tsv, out_tsv, out_md, interpretability_tsv=None,
                      localization_tsv=None, modisco_tsv=None) -> None:
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
    modisco_tsv : str or os.PathLike, optional
        TF-MoDISco summary.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        As :func:`load_claims`.
    """
    read = lambda path: None if not path else pd.read_csv(path, sep="\t")
    table = check_claims(load_claims(claims_yaml), pd.read_csv(summary_tsv, sep="\t"), read(interpretability_tsv),
                         read(localization_tsv), read(modisco_tsv))
    write_tsv(out_tsv, table)
    write_text(out_md, claims_markdown(table))
    for row in table.itertuples():
        log.info("%s: %s (%s)", row.id, row.status, row.ours)

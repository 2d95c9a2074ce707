"""The scorecard: every published number and claim an experiment checks, in one table.

Rows come from the run's own tables (Table 1 or 2, localization summary, claims tables); published
values come from ``resources/``. Each row is decided with its noise (methods §8.3,
:mod:`motifrep.results.stats`): a number "holds" when ours is shown to lie within
``FLAG_DIFFERENCE`` of the published value (two one-sided Welch t-tests at α = 0.05, with our
spread over trials and the paper's spread over its trials where it gives one) or on the
right side of a published bound (one-sided t-test); "does not hold" when it is shown outside;
"too few trials" with fewer than 3 trials of ours; "inconclusive" otherwise. A claim is decided
as its claims table says (:mod:`motifrep.results.claims`). Every row shows the difference, its
standard error and n.
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from motifrep.io import write_text, write_tsv
from motifrep.results.claims import BASELINES, format_diff, format_p, source_text
from motifrep.results.stats import (
    ALPHA,
    MIN_TRIALS,
    POWER,
    STATUSES,
    Side,
    bound_part,
    close_part,
    combine,
    format_needed,
    p_value,
)
from motifrep.results.tables import FLAG_DIFFERENCE, METRICS, TABLE_NAMES, metric_names

log = logging.getLogger("motifrep")
COLUMNS = ["experiment", "kind", "item", "ours", "published", "band", "status", "diff", "se", "p_value", "n",
           "trials_needed", "flagged"]


def _fmt(mean, std=float("nan")) -> str:
    """``mean ± std`` with 3 decimals (the mean alone without std; empty without mean)."""
    if pd.isna(mean):
        return ""
    return f"{mean:.3f}" if pd.isna(std) else f"{mean:.3f} ± {std:.3f}"


def _float(value) -> float:
    """A cell as float (NaN when empty)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _decided(part) -> dict:
    """The status and statistics columns of a one-part row."""
    status, part, needed = combine([part])
    return {"status": status, "diff": part.diff, "se": part.se, "p_value": p_value(status, part), "n": part.n,
            "trials_needed": format_needed(needed, part.unit)}


def _published_side(r: dict, metric: str) -> tuple[str, float, Side]:
    """(relation, value, Side) of a Table 1 row's published value (older tables: from the text)."""
    text = str(r.get(f"{metric}_published", ""))
    value = _float(r.get(f"{metric}_published_value"))
    relation = r.get(f"{metric}_published_relation")
    if math.isnan(value):  # a table written before these columns: the value behind the difference
        value = _float(r[f"{metric}_mean"]) - _float(r[f"{metric}_diff"])
        relation = text[:2] if text[:2] in ("<=", ">=") else "="
    sd, n = _float(r.get(f"{metric}_published_sd")), _float(r.get(f"{metric}_published_n"))
    if math.isnan(sd) or math.isnan(n) or n < 2:
        return relation, value, Side(value, 0.0, 1, None, ours=False)  # no spread over the paper's trials
    return relation, value, Side(value, sd, n, None, ours=False)


def table1_rows(experiment: str, table: pd.DataFrame, table_name: str = "table1") -> list[dict]:
    """One row per published value (model, layer, metric) of a Table 1 (or Table 2) TSV."""
    rows, names = [], metric_names(table_name)
    for r in table.to_dict("records"):
        for metric in METRICS:
            published = r.get(f"{metric}_published")
            if not isinstance(published, str) or not published:
                continue
            trials = int(r["n_trials"])
            ours = Side(_float(r[f"{metric}_mean"]), _float(r[f"{metric}_std"]), trials, trials)
            relation, value, pub = _published_side(r, metric)
            if relation in ("<=", ">="):
                part, band = bound_part(ours, value, relation), "inside the published bound"
            else:
                part, band = close_part(ours, pub, FLAG_DIFFERENCE), f"|Δ| ≤ {FLAG_DIFFERENCE}"
            flagged = r.get("flagged_trials")
            rows.append({"experiment": experiment, "kind": "number",
                         "item": f"{TABLE_NAMES[table_name]} {r['model']} layer {r['layer']} {names[metric]}",
                         "ours": f"{_fmt(r[f'{metric}_mean'], r[f'{metric}_std'])} ({trials} trial(s))",
                         "published": published, "band": band, **_decided(part),
                         "flagged": f"trial {flagged}" if isinstance(flagged, str) and flagged else ""})
    return rows


def localization_rows(experiment: str, table: pd.DataFrame) -> list[dict]:
    """One row per localization summary row that has a published AUROC.

    The localization summary keeps the spread over sequences only: each side's standard error
    is sd / sqrt(sequences), the published side taken over as many sequences as ours (the
    paper does not give its count); trained scans still need 3 trials.
    """
    rows = []
    for r in table[table["published_auroc"].notna()].to_dict("records"):
        n_seq = _float(r.get("n_sequences"))
        n_seq = 1 if math.isnan(n_seq) else n_seq
        trials = None if r["model"] in BASELINES else int(r["n_trials"])
        ours = Side(r["loc_auroc_mean"], _float(r["loc_auroc_std"]), n_seq, trials, unit="sequences")
        pub_sd = _float(r.get("published_std"))
        pub = Side(r["published_auroc"], 0.0 if math.isnan(pub_sd) else pub_sd, n_seq, None, ours=False,
                   unit="sequences")
        rows.append({"experiment": experiment, "kind": "number",
                     "item": f"localization AUROC {r['model']} {r['activation']}",
                     "ours": f"{_fmt(r['loc_auroc_mean'], r['loc_auroc_std'])} ({r['n_trials']} trial(s))",
                     "published": _fmt(r["published_auroc"], r["published_std"]), "band": f"|Δ| ≤ {FLAG_DIFFERENCE}",
                     **_decided(close_part(ours, pub, FLAG_DIFFERENCE)), "flagged": ""})
    return rows


def _needed_text(value) -> str:
    """A claims table's trials_needed cell as text (read back as a number when all are numbers)."""
    if isinstance(value, str):
        return value
    return "" if value is None or pd.isna(value) else format_needed(float(value))


def claim_rows(experiment: str, table: pd.DataFrame) -> list[dict]:
    """One row per claim of a claims table, its status and statistics as the table says."""
    text = lambda v: v if isinstance(v, str) else ""
    return [{"experiment": experiment, "kind": "claim", "item": r["claim"], "ours": text(r["ours"]),
             "published": source_text(r), "band": text(r.get("test")), "status": r["status"], "diff": r.get("diff"),
             "se": r.get("se"), "p_value": r.get("p_value"), "n": text(r.get("n")),
             "trials_needed": _needed_text(r.get("trials_needed")),
             "flagged": text(r.get("flagged"))}
            for r in table.to_dict("records")]


def scorecard(sources: list[dict]) -> pd.DataFrame:
    """The scorecard table of ``sources``.

    ``sources``: dicts experiment, kind (table1 | table2 | localization | claims), path.

    Parameters
    ----------
    sources : list of dict
        ``experiment`` (str), ``kind`` and ``path`` (a TSV the workflow wrote) per source.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: one row per published number (Table 1 / 2, localization) and
        per claim; ``status`` one of :data:`motifrep.results.stats.STATUSES`; ``diff`` (ours −
        published, or a − b), ``se`` (its standard error), ``p_value`` (one-sided, for the
        verdict), ``n`` (what each side is over), ``trials_needed`` (per side, when
        inconclusive or too few) and ``flagged`` (flagged runs counted in ours).
    """
    readers = {"table1": table1_rows, "table2": lambda e, t: table1_rows(e, t, "table2"),
               "localization": localization_rows, "claims": claim_rows}
    rows = []
    for src in sources:
        rows += readers[src["kind"]](src["experiment"], pd.read_csv(src["path"], sep="\t"))
    return pd.DataFrame(rows, columns=COLUMNS)


def status_counts(table: pd.DataFrame) -> str:
    """``"4 holds, 2 does not hold, 1 inconclusive, 0 too few trials, 1 not run"``."""
    counts = table["status"].value_counts()
    return ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)


def scorecard_markdown(table: pd.DataFrame) -> str:
    """The scorecard as Markdown: status counts, the table, and how each row is decided."""
    cell = lambda text: "" if not isinstance(text, str) else text.replace("|", "\\|")
    lines = ["# Scorecard", "", f"Every published number and claim this run checks: {status_counts(table)}.", "",
             "| experiment | item | ours | published | band / test | Δ ± SE | n | p | status | trials needed | "
             "flagged runs |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.to_dict("records"):
        lines.append(f"| {r['experiment']} | {cell(r['item'])} | {cell(r['ours'])} | {cell(r['published'])} | "
                     f"{cell(r['band'])} | {format_diff(r['diff'], r['se'])} | {cell(r['n'])} | "
                     f"{format_p(r['p_value'])} | {r['status']} | {cell(r['trials_needed'])} | "
                     f"{cell(r['flagged'])} |")
    lines += ["", f"How a row is decided (methods §8.3): Welch's t-test, one-sided at α = {ALPHA}, with at least "
              f"{MIN_TRIALS} trials of ours per side; with fewer the row says \"too few trials\". A number holds when "
              f"ours is shown within the band of the published value (two one-sided tests: |Δ| ≤ {FLAG_DIFFERENCE}, "
              "using our spread over trials and the paper's spread over its trials where it gives one; a spread over "
              "tasks is not one) or on the right side of a published bound; it does not hold when shown outside. "
              "Localization AUROCs carry a spread over sequences only (the published one taken over as many "
              "sequences as ours). A claim of k parts holds when every part holds at α and does not hold when one "
              "part is decided against at α/k (each experiment's claims table). Otherwise the row is "
              f"\"inconclusive\", with the trials per side that would decide it (normal approximation, power {POWER}; "
              "\"?\": one trial, no spread yet; \"∞\": no difference to detect, or the published spread alone is "
              "too wide). Δ ± SE: ours − published (claims: a − b) ± its standard error; n: what each side is over. "
              "Ours: mean ± sd over our trials, flagged runs included (methods §8.1; they are listed); "
              "\"not run\": this configuration did not train what the row needs."]
    return "\n".join(lines) + "\n"


def make_scorecard(sources: list[dict], out_tsv, out_md) -> None:
    """Workflow step: the scorecard of every experiment's Table 1, localization and claims tables.

    Parameters
    ----------
    sources : list of dict
        As :func:`scorecard`.
    out_tsv : str or os.PathLike
        The scorecard table.
    out_md : str or os.PathLike
        The scorecard as Markdown, with the counts of each status.

    Returns
    -------
    None
    """
    table = scorecard(sources)
    write_tsv(out_tsv, table)
    write_text(out_md, scorecard_markdown(table))
    log.info("scorecard: %s", status_counts(table))

"""The scorecard: every published number and claim an experiment checks, in one table.

Rows come from the run's own tables (Table 1 or 2, localization summary, claims tables); published
values come from ``resources/``. A number "holds" when ours is within ``FLAG_DIFFERENCE`` of the
published value or inside a published bound; a claim holds as its claims table says.
"""

from __future__ import annotations

import logging

import pandas as pd

from motifrep.io import write_text, write_tsv
from motifrep.results.tables import FLAG_DIFFERENCE, METRICS, TABLE_NAMES, metric_names

log = logging.getLogger("motifrep")
COLUMNS = ["experiment", "kind", "item", "ours", "published", "band", "status"]


def _fmt(mean, std=float("nan")) -> str:
    """``mean ± std`` with 3 decimals (the mean alone without std; empty without mean)."""
    if pd.isna(mean):
        return ""
    return f"{mean:.3f}" if pd.isna(std) else f"{mean:.3f} ± {std:.3f}"


def table1_rows(experiment: str, table: pd.DataFrame, table_name: str = "table1") -> list[dict]:
    """One row per published value (model, layer, metric) of a Table 1 (or Table 2) TSV."""
    rows, names = [], metric_names(table_name)
    for r in table.to_dict("records"):
        for metric in METRICS:
            published = r.get(f"{metric}_published")
            if not isinstance(published, str) or not published:
                continue
            bound = r.get(f"{metric}_bound_met")
            if isinstance(bound, bool) or bound in ("True", "False"):
                ok, band = bound in (True, "True"), "inside the published bound"
            else:
                ok, band = abs(r[f"{metric}_diff"]) <= FLAG_DIFFERENCE, f"|Δ| ≤ {FLAG_DIFFERENCE}"
            rows.append({"experiment": experiment, "kind": "number",
                         "item": f"{TABLE_NAMES[table_name]} {r['model']} layer {r['layer']} {names[metric]}",
                         "ours": f"{_fmt(r[f'{metric}_mean'], r[f'{metric}_std'])} ({r['n_trials']} trial(s))",
                         "published": published, "band": band, "status": "holds" if ok else "does not hold"})
    return rows


def localization_rows(experiment: str, table: pd.DataFrame) -> list[dict]:
    """One row per localization summary row that has a published AUROC."""
    rows = []
    for r in table[table["published_auroc"].notna()].to_dict("records"):
        ok = abs(r["loc_auroc_mean"] - r["published_auroc"]) <= FLAG_DIFFERENCE
        rows.append({"experiment": experiment, "kind": "number",
                     "item": f"localization AUROC {r['model']} {r['activation']}",
                     "ours": f"{_fmt(r['loc_auroc_mean'], r['loc_auroc_std'])} ({r['n_trials']} trial(s))",
                     "published": _fmt(r["published_auroc"], r["published_std"]), "band": f"|Δ| ≤ {FLAG_DIFFERENCE}",
                     "status": "holds" if ok else "does not hold"})
    return rows


def claim_rows(experiment: str, table: pd.DataFrame) -> list[dict]:
    """One row per claim of a claims table, its status as the table says."""
    return [{"experiment": experiment, "kind": "claim", "item": r["claim"], "ours": r["ours"] if isinstance(
        r["ours"], str) else "", "published": r["source"], "band": "", "status": r["status"]}
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
        per claim.
    """
    readers = {"table1": table1_rows, "table2": lambda e, t: table1_rows(e, t, "table2"),
               "localization": localization_rows, "claims": claim_rows}
    rows = []
    for src in sources:
        rows += readers[src["kind"]](src["experiment"], pd.read_csv(src["path"], sep="\t"))
    return pd.DataFrame(rows, columns=COLUMNS)


def scorecard_markdown(table: pd.DataFrame) -> str:
    """The scorecard as Markdown: status counts, the table, and a note on how to read it."""
    counts = table["status"].value_counts()
    lines = ["# Scorecard", "", "Every published number and claim this run checks: "
             + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("holds", "does not hold", "not run")) + ".", "",
             "| experiment | item | ours | published | band | status |", "|---|---|---|---|---|---|"]
    cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731
    for r in table.itertuples():
        lines.append(f"| {r.experiment} | {cell(r.item)} | {cell(r.ours)} | {cell(r.published)} | {cell(r.band)} | "
                     f"{r.status} |")
    lines += ["", "Numbers: ours is mean ± sd over our trials (localization: over sequences of all trials); a number "
              "holds when it is within the band of the published value or inside a published bound. Claims: see "
              "each experiment's claims table; \"not run\" means this configuration did not train what the claim "
              "needs."]
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
    log.info("scorecard: %s", table["status"].value_counts().to_dict())

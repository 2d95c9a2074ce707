"""``report.html`` of ``motifrep filters``: one self-contained page a person opens.

:func:`filter_report_html` builds the page: what was run (model, layer, sequences, motif
database, settings), a count of matched filters, and one row per filter with its logo, its
best Tomtom match (ID linked to its JASPAR page for JASPAR IDs, name, the match's logo below
the filter's, in the orientation and at the offset Tomtom aligned them), E-value, number of hits, sites, information content (bits),
clipped width and, with a TF table, the ground-truth TFs it matches. :func:`write_filter_report_html`
writes it atomically. Logos are inline SVG (:mod:`motifrep.motifs.svg_logo`): the page
needs no other file and no network. Every name (model, layer, file, motif, TF) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd

from motifrep.io import write_text
from motifrep.motifs.database import jaspar_url
from motifrep.motifs.meme import Motif
from motifrep.motifs.svg_logo import glyph_defs, logo_svg

# The table style of motifrep.results.html (not imported: results comes after filters).
STYLE = """<style>
body { font-family: system-ui, sans-serif; font-size: 13px; margin: 12px; color: #1e293b; }
table { border-collapse: collapse; }
th, td { border: 1px solid #cbd5e1; padding: 3px 6px; text-align: right; white-space: nowrap; }
th { background: #f1f5f9; } td.text { text-align: left; }
tr:nth-child(even) td { background: #f8fafc; }
td.logo { padding: 2px 4px; background: #fff !important; } svg.logo { display: block; }
h1 { font-size: 18px; margin: 0 0 6px; } dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; } dd { margin: 0; } p.summary { font-size: 14px; } td.none { color: #94a3b8; text-align: left; }
</style>"""


def _esc(value) -> str:
    """Text for HTML (``&``, ``<``, ``>``, quotes escaped)."""
    return html.escape(str(value), quote=True)


def _motif_link(motif_id: str, motif: Motif | None) -> str:
    """The match's ID, linked to its JASPAR page (JASPAR IDs) or its own http(s) URL."""
    url = jaspar_url(motif_id)
    if url is None and motif is not None and re.match(r"https?://", motif.url or ""):
        url = motif.url
    text = _esc(motif_id)
    return f'<a href="{_esc(url)}" target="_blank" rel="noopener">{text}</a>' if url else text


def _number(value, fmt: str) -> str:
    """A number formatted, or empty for NaN / NA."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format(value, fmt)


def _best_alignment(hits: pd.DataFrame) -> dict[str, tuple[str, int]]:
    """Filter -> (orientation, offset) of its best hit (lowest E-value, first on ties).

    Tomtom's offset is the column of the target (reverse-complemented for ``-``) that the
    filter's first column is aligned with; it is negative when the filter starts before it.
    """
    if len(hits) == 0 or not {"Orientation", "Optimal_offset"} <= set(hits.columns):
        return {}
    hits = hits.reset_index(drop=True)
    best = hits.loc[hits.groupby(hits["Query_ID"].astype(str), sort=False)["E-value"].idxmin().to_numpy()]
    return {q: (str(o), int(off)) for q, o, off in zip(best["Query_ID"].astype(str), best["Orientation"],
                                                       best["Optimal_offset"])}


def _logos(filt: Motif, target: Motif | None, alignment: tuple[str, int]) -> str:
    """The filter's logo, and below it its best match's, aligned as Tomtom aligned them."""
    if target is None:
        return logo_svg(filt, title=filt.id)
    orientation, offset = alignment
    pwm = target.pwm[::-1, ::-1] if orientation == "-" else target.pwm
    return (logo_svg(filt, title=filt.id, pad=max(offset, 0))
            + logo_svg(pwm, title=f"{target.id} ({orientation})", pad=max(-offset, 0)))


def _row(rec, filt: Motif, target: Motif | None, alignment: tuple[str, int], with_truth: bool) -> str:
    """One table row of the per-filter table."""
    cells = [f'<td class="text">{_esc(rec.filter)}</td>',
             f'<td class="logo">{_logos(filt, target if rec.best_match else None, alignment)}</td>']
    if rec.best_match:
        cells += [f'<td class="text">{_motif_link(rec.best_match, target)}</td>',
                  f'<td class="text">{_esc(rec.best_match_name)}</td>', f"<td>{_number(rec.best_evalue, '.2g')}</td>"]
    else:
        cells += ['<td class="none" colspan="3">no match</td>']
    cells += [f"<td>{int(rec.n_hits)}</td>", f"<td>{_number(rec.n_sites, 'd')}</td>",
              f"<td>{_number(float(rec.information_bits), '.2f')}</td>", f"<td>{int(rec.clipped_width)}</td>"]
    if with_truth:
        cells.append(f'<td class="text">{_esc(rec.ground_truth_tf)}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def filter_report_html(table: pd.DataFrame, clipped: list[Motif], motifs: list[Motif], hits: pd.DataFrame,
                       title: str, about: list[tuple[str, str]], with_truth: bool = False) -> str:
    """The page (a complete HTML document) for one run of ``motifrep filters``.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`motifrep.filters.report.filter_table`'s output, one row per filter.
    clipped : list of Motif
        The clipped filter motifs, in ``table``'s order (their logos).
    motifs : list of Motif
        The database compared with (the matches' logos and URLs).
    hits : pandas.DataFrame
        The Tomtom hits ``table`` was built from (orientation and offset of each best match).
    title : str
        Page title (escaped here).
    about : list of (str, str)
        What was run, shown as a list of label: value (escaped here).
    with_truth : bool, default False
        Add the ground-truth TF column (a TF table was given).

    Returns
    -------
    str
        The HTML document.
    """
    by_id = {m.id: m for m in motifs}
    filters = {m.id: m for m in clipped}
    alignment = _best_alignment(hits)
    head = ["filter", "logo (best match below, aligned)", "best match", "name", "E-value", "hits", "sites",
            "information (bits)",
            "width"] + (["ground-truth TF"] if with_truth else [])
    rows = [_row(rec, filters[rec.filter], by_id.get(rec.best_match), alignment.get(rec.filter, ("+", 0)),
                 with_truth)
            for rec in table.itertuples(index=False)]
    n_matched = int((table["n_hits"] > 0).sum())
    summary = f"{n_matched} of {len(table)} filters match a motif"
    if with_truth:
        summary += f"; {int(table['matches_ground_truth'].sum())} match a ground-truth TF"
    facts = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in about)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f"{STYLE}</head><body>{glyph_defs()}<h1>{_esc(title)}</h1><dl>{facts}</dl>"
        f'<p class="summary">{_esc(summary)}.</p><table><thead><tr>'
        + "".join(f"<th>{_esc(h)}</th>" for h in head)
        + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        "<p>Logos: information content (bits) against a uniform background; a filter's best match is drawn "
        "below it, in the orientation and at the offset Tomtom aligned them. E-value: Tomtom's p-value times the number of database motifs.</p>"
        "</body></html>\n"
    )


def write_filter_report_html(path, table, clipped, motifs, hits, title, about, with_truth=False) -> None:
    """Write :func:`filter_report_html` to ``path`` atomically (same parameters)."""
    write_text(path, filter_report_html(table, clipped, motifs, hits, title, about, with_truth))

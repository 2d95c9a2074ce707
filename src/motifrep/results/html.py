"""Tables rendered as HTML for the Snakemake report, which shows HTML in place but offers TSV
files only as downloads."""

from __future__ import annotations

import html
import logging

import pandas as pd

from motifrep.errors import FormatError
from motifrep.io import write_text

log = logging.getLogger("motifrep")

STYLE = """<style>
body { font-family: system-ui, sans-serif; font-size: 13px; margin: 12px; color: #1e293b; }
table { border-collapse: collapse; } caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #cbd5e1; padding: 3px 6px; text-align: right; white-space: nowrap; }
th { background: #f1f5f9; } td.text { text-align: left; } td.long { text-align: left; white-space: normal; min-width: 24em; }
tr:nth-child(even) td { background: #f8fafc; }
</style>"""


def param_text(text):
    """Text from config (a title, a panel label) as a job parameter: ``&``, ``<`` and ``>`` as
    entities. Snakemake's report shows each job's parameters, written unescaped into a ``<script>``
    element, where a ``</script>`` in a title would end it and make the rest of the title HTML. The
    job reads the text back with :func:`from_param_text`. None stays None."""
    return None if text is None else html.escape(str(text), quote=False)


def from_param_text(text):
    """The text :func:`param_text` encoded, as typed. None stays None."""
    return None if text is None else html.unescape(text)


def _cell(value) -> tuple[str, str]:
    """(text, css class) of one cell: numbers with 3 decimals (right-aligned), text left-aligned."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "", ""
    if isinstance(value, bool):
        return str(value), "text"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1000 or (value and abs(value) < 1e-3) else f"{value:.3f}", ""
    if isinstance(value, int):
        return str(value), ""
    return str(value), "long" if len(str(value)) > 40 else "text"


def html_table(frame: pd.DataFrame, title: str, note: str = "") -> str:
    """A standalone HTML page holding ``frame`` as a table with ``title`` as caption."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            text, css = _cell(value)
            cells.append(f'<td class="{css}">{html.escape(text)}</td>' if css else f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note_html = f"<p>{html.escape(note)}</p>" if note else ""
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>{STYLE}</head>"
            f"<body><table><caption>{html.escape(title)}</caption><thead><tr>{head}</tr></thead><tbody>"
            + "\n".join(rows) + f"</tbody></table>{note_html}</body></html>\n")


def render_table(tsv, out_html, title: str) -> None:
    """Workflow step: the TSV ``tsv`` as an HTML table for the report.

    Parameters
    ----------
    tsv : str or os.PathLike
        The table.
    out_html : str or os.PathLike
        The HTML page to write (:func:`html_table`, with a row-count note).
    title : str
        Page title and table caption.

    Returns
    -------
    None

    Raises
    ------
    FormatError
        ``tsv`` cannot be read as a TSV table.
    """
    try:
        frame = pd.read_csv(tsv, sep="\t")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FormatError(f"{tsv}: cannot read as a TSV table ({exc})") from None
    write_text(out_html, html_table(frame, title, note=f"{len(frame)} rows; the TSV is {tsv}."))
    log.info("rendered %s (%d rows) as %s", tsv, len(frame), out_html)

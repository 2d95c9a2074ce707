import pandas as pd
import pytest

from motifrep.errors import FormatError
from motifrep.results.html import html_table, render_table


def test_html_table_cells_escaped_and_formatted():
    frame = pd.DataFrame({"model": ["CNN-2", "<b>x</b>"], "auroc_mean": [0.96548, float("nan")],
                          "n_trials": [5, 1], "bound_met": [True, False],
                          "differs": ["match_any outside bound <= 0.453 and a long explanation here", ""]})
    page = html_table(frame, "p1 & Table 1")
    assert "<caption>p1 &amp; Table 1</caption>" in page
    assert "<td>0.965</td>" in page and "<td>5</td>" in page  # 3 decimals; integers as they are
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page  # text is escaped
    assert '<td class="long">match_any outside bound &lt;= 0.453' in page
    assert page.count("<tr>") == 3  # header + 2 rows
    assert "<td></td>" in page  # NaN shown empty, not "nan"
    assert "nan" not in page.lower().replace("nan-", "")


def test_render_table_refuses_a_file_that_is_not_a_table(tmp_path):
    (tmp_path / "t.tsv").write_bytes(b"")
    with pytest.raises(FormatError, match="t.tsv: cannot read as a TSV table"):
        render_table(tmp_path / "t.tsv", tmp_path / "t.html", "x")
    assert not (tmp_path / "t.html").exists()
    (tmp_path / "t.tsv").write_text("a\tb\n1\t2\n")
    render_table(tmp_path / "t.tsv", tmp_path / "t.html", "x")
    assert "<td>1</td><td>2</td>" in (tmp_path / "t.html").read_text()

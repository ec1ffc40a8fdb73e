"""`gongkai check --html` of Word and spreadsheet reports: besides the tables as extracted, the
document's own tables as it holds them (cells, spans, text), the cells of each failed finding
boxed in red and numbered like the findings — what the page images are for a PDF.

t21-demo-district-finance-2023 as .docx and as .wps (converted by LibreOffice again for the page) fails
applications.balance in two columns (上年结转 written "/"); the spreadsheet of
t21-demo-city-nrp-2021 fails applications.outcome_sum and plausibility.rule_making_power.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from expectations import check_report
from gongkai.extract import extract_report
from gongkai.extract.cellgrid import locator_key
from gongkai.report_html import render_html
from tests.golden import FIXTURES

pytestmark = pytest.mark.xdist_group("report_html_cells")

WORD = FIXTURES / "word" / "reports"


class Published(HTMLParser):
    """The cells of the page's figure.published tables: data-locator -> (boxed, numbers)."""

    def __init__(self, text: str):
        super().__init__()
        self.cells: dict[str, tuple[bool, str]] = {}
        self.figures = 0
        self._in_figure = False
        self._cell = None
        self._sup = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure" and "published" in (a.get("class") or ""):
            self._in_figure = True
            self.figures += 1
        elif tag == "td" and self._in_figure and "data-locator" in a:
            self._cell = a["data-locator"]
            self.cells[self._cell] = ("boxed" in (a.get("class") or ""), "")
        elif tag == "sup" and self._cell is not None:
            self._sup = True

    def handle_endtag(self, tag):
        if tag == "figure":
            self._in_figure = False
        elif tag == "td":
            self._cell = None
        elif tag == "sup":
            self._sup = False

    def handle_data(self, data):
        if self._cell is not None and self._sup:
            boxed, numbers = self.cells[self._cell]
            self.cells[self._cell] = (boxed, numbers + data)


def _spot(fact) -> str:
    return "/".join(str(x) for x in locator_key(fact.locator) if x is not None)


def _numbered_failures(findings):
    """The findings the page numbers and boxes, in its order: failed errors and warnings
    first (the page's own numbering: report_html._numbered)."""
    from gongkai.report_html import _marks_cells, _numbered

    return [(n, f) for n, f in enumerate(_numbered(findings), 1) if _marks_cells(f)]


@pytest.mark.parametrize("name, failing", [
    ("word-t21-demo-district-finance-2023.docx", {"applications.balance"}),
    ("word-t21-demo-district-finance-2023.wps", {"applications.balance"}),
    ("sheet-t21-demo-city-nrp-2021.xlsx", {"applications.outcome_sum",
                                        "plausibility.rule_making_power"}),
    ("sheet-t21-demo-city-nrp-2021.xls", {"applications.outcome_sum",
                                       "plausibility.rule_making_power"}),
])
def test_the_documents_tables_with_the_failing_cells_boxed(tmp_path, name, failing):
    report = extract_report(WORD / name)
    findings = check_report(report)
    numbered = _numbered_failures(findings)
    assert {f["rule"] for _, f in numbered} == failing
    page = Published(render_html(report, findings, tmp_path / "page.html").read_text("utf-8"))
    assert page.figures == 3  # the three statutory tables, nothing else of the document
    facts = {(f.table, f.row, f.column): f for f in report.facts}
    # every cell a fact was read from is on the page, where its locator says
    assert {_spot(f) for f in report.facts} <= set(page.cells)
    want: dict[str, list[str]] = {}
    for n, f in numbered:
        for o in f["operands"]:
            spot = _spot(facts[o["table"], o["row"], o["column"]])
            if str(n) not in want.setdefault(spot, []):
                want[spot].append(str(n))
    boxed = {spot: numbers for spot, (is_boxed, numbers) in page.cells.items() if is_boxed}
    assert boxed == {spot: ",".join(nums) for spot, nums in want.items()}


def test_a_passing_word_report_boxes_nothing(tmp_path):
    report = extract_report(WORD / "word-t21-demo-city-2024.docx")
    findings = check_report(report)
    page = Published(render_html(report, findings, tmp_path / "page.html").read_text("utf-8"))
    assert page.figures == 3 and not any(boxed for boxed, _ in page.cells.values())

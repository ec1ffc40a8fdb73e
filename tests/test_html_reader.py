"""The HTML reader: report pages as portals serve them (TRS, Hanweb, plain shells; UTF-8, GBK,
GBK declared as UTF-8; a table cut in two; nav and sidebar tables around), each cell compared
with the golden file its generator wrote (tests/fixtures/html/make_html.py), and the real
上海 2019 page (its rows' colspans disagree with the header) compared with a golden file made
by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from gongkai.extract.intake import document_format, read_document
from gongkai.model import UnreadableDocument
from tests.golden import failures, fact_key, golden_rules, load

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "html" / "pages"
GOLDEN = FIXTURES / "html" / "golden"
SHANGHAI = FIXTURES / "real" / "shanghai-city-office-2019.html"
SHANGHAI_GOLDEN = FIXTURES / "real" / "shanghai-city-office-2019.golden.json"
CASES = [pytest.param(PAGES / f"{g.stem}.html", g, id=g.stem) for g in sorted(GOLDEN.glob("*.json"))]


@lru_cache(maxsize=None)
def read(path: Path):
    return read_document(path)


def _same(got, want) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return Decimal(str(got)) == Decimal(str(want))


def _compare(report, expected: dict) -> None:
    assert (report.agency, report.year, report.template) == (
        expected["agency"], expected["year"], expected["template"])
    got = {fact_key(f): f for f in report.facts_json()}
    want = {fact_key(f): f for f in expected["facts"]}
    assert sorted(set(got) - set(want)) == [], "cells read that the page does not have"
    assert sorted(set(want) - set(got)) == [], "cells of the page not read"
    wrong = [(key, want[key], got[key]) for key in want
             if got[key]["raw"] != want[key]["raw"] or not _same(got[key]["value"],
                                                                   want[key]["value"])]
    assert wrong == []


def test_the_page_set_covers_every_style():
    names = [p.values[0].name for p in CASES]
    assert len(names) >= 8
    assert {n.split("-")[0] for n in names} == {"trs", "hanweb", "plain"}
    templates = {load(p.values[1])["template"] for p in CASES}
    assert templates == {"2019", "2021"}
    assert all(load(p.values[1])["agency"].startswith("示例") for p in CASES)


@pytest.mark.parametrize(("page", "golden"), CASES)
def test_every_cell_of_the_page_is_read_exactly(page, golden):
    report = read(page)
    assert report.document.kind == "html" and report.document.pages == 1
    _compare(report, load(golden))
    # a page read without doubt; the GBK page declared as UTF-8 says how it was read
    codes = [p.code for p in report.problems]
    assert codes == (["html.charset"] if page.stem == "trs-demo-city-hrss-2024" else [])


@pytest.mark.parametrize(("page", "golden"), CASES)
def test_the_findings_of_the_page_equal_the_golden_failures(page, golden):
    """Page -> extraction -> every per-report rule: exactly the failures its document holds."""
    from expectations import check_report

    data = load(golden)
    assert failures(check_report(read(page)), golden_rules(data)) == failures(data["failures"])


@pytest.mark.parametrize(("page", "golden"), CASES)
def test_the_prose_states_the_golden_figures(page, golden):
    from gongkai import narrative

    report = read(page)
    got = [(f.figure, f.value)
           for f in narrative.stated_figures(narrative.sentences(report.page_texts))]
    assert got == [(f["figure"], f["value"]) for f in load(golden)["stated_figures"]]
    text = report.page_texts[0]
    assert "首页" not in text and "相关链接" not in text and "网站标识码" not in text


@pytest.mark.parametrize(("page", "golden"), CASES)
def test_every_cell_has_a_locator_a_person_can_follow(page, golden):
    import lxml.html

    from gongkai.extract.html import decode

    report = read(page)
    root = lxml.html.document_fromstring(decode(page.read_bytes())[0])
    for fact in report.facts[:40]:
        loc = fact.locator
        assert set(loc) == {"table", "row", "col", "css"} and fact.bbox is None
        # the CSS path finds the cell (lxml adds no <tbody>: a browser does)
        found = root.cssselect(loc["css"].replace(" > tbody > tr", " tr"))
        assert len(found) == 1, loc
        assert fact.raw in " ".join("".join(found[0].itertext()).split()), (fact, loc)


def test_the_real_shanghai_2019_page():
    """Three tables of the real page, every cell; table 二's rows span their first figure over
    two columns where the header spans the second (行政许可: 0 | 0 | 0 under 上一年项目数量 |
    本年增/减 (two columns) | 处理决定数量)."""
    report = read(SHANGHAI)
    expected = json.loads(SHANGHAI_GOLDEN.read_text(encoding="utf-8"))
    _compare(report, expected)
    assert report.problems == []
    licensing = {f.column: f.locator["col"] for f in report.facts
                 if f.row == "administrative_licensing"}
    # grid columns (1-based): the first figure spans columns 2-3, so the next cells stand at
    # 4 and 5 (their CSS paths still count cells: :nth-child(3), (4))
    assert licensing == {"previous_items": 2, "change": 4, "decisions": 5}


def test_an_html_page_named_pdf_is_read_as_html(tmp_path):
    disguised = tmp_path / "report.pdf"
    disguised.write_bytes(SHANGHAI.read_bytes())
    assert document_format(disguised) == "html"
    report = read_document(disguised)
    assert report.document.kind == "html" and len(report.facts) == 198


def test_check_json_gives_the_format_and_the_locators():
    proc = subprocess.run([sys.executable, "-m", "gongkai.cli", "check", "--json",
                           str(PAGES / "trs-demo-city-2024.html")],
                          capture_output=True, text=True, timeout=300)
    data = json.loads(proc.stdout)
    assert data["document"]["kind"] == "html"
    cell = next(f for f in data["facts"] if f["table"] == "applications")
    assert cell["locator"]["table"] == 2 and "tr:nth-of-type" in cell["locator"]["css"]


def test_a_report_page_without_tables_is_a_recorded_problem(tmp_path):
    page = tmp_path / "report.html"
    page.write_text("<html><head><meta charset='utf-8'><title>示例县2023年政府信息公开工作年度报告"
                    "</title></head><body><div class='TRS_Editor'><p>示例县2023年政府信息公开工作"
                    "年度报告</p><p>一、总体情况</p><p>（表格见附件图片）</p><img src='t.png'>"
                    "</div></body></html>", encoding="utf-8")
    report = read_document(page)
    codes = [p.code for p in report.problems]
    assert "html.no_tables" in codes and codes.count("table.missing") == 3
    assert report.facts == [] and report.year == 2023


def test_a_page_that_is_no_report_is_unreadable_with_the_reason(tmp_path):
    page = tmp_path / "report.pdf"
    page.write_text("<html><body>404 页面不存在</body></html>\n", encoding="utf-8")
    with pytest.raises(UnreadableDocument) as err:
        read_document(page)
    assert "not a pdf" in err.value.reason.lower() and "no report" in err.value.reason


def test_gbk_bytes_declared_utf8_are_detected():
    from gongkai.extract.html import decode

    text, problems = decode("<meta charset='utf-8'><p>收到和处理政府信息公开申请情况</p>"
                            .encode("gbk"))
    assert "收到和处理政府信息公开申请情况" in text
    assert [p.code for p in problems] == ["html.charset"] and "utf-8" in problems[0].message


def test_cell_text_of_word_markup():
    import lxml.html

    from gongkai.extract.html import element_text

    td = lxml.html.fragment_fromstring(
        '<td><p class="MsoNormal"><span style="x">本年新<br>制作</span><span>数量</span></p>'
        '<p class="MsoNormal"><span>&nbsp;</span></p></td>')
    assert element_text(td) == "本年新\n制作数量"


def test_check_html_boxes_the_cells_of_each_finding_in_the_published_tables():
    """`gongkai check --html` on an HTML report: the page's own tables, the cells of the failed
    applications.balance findings (14≠15 natural persons, 19≠20 in all) boxed by locator."""
    from expectations import check_report
    from gongkai.report_html import build_html

    report = read(PAGES / "trs-demo-district-finance-2023.html")
    page = build_html(report, check_report(report))
    assert page.count('<figure class="published"') == 4  # table 三 is cut in two
    boxed = page.count('class="boxed"')
    # new_requests, carried_over, total_processed, carried_forward × natural_person, total
    assert boxed == 8
    assert "Cells that could not be located" not in page


def test_utf8_bytes_declared_gbk_are_read_as_utf8():
    from gongkai.extract.html import decode

    text, problems = decode("<meta charset='gbk'><p>本年新收政府信息公开申请数量</p>".encode())
    assert "本年新收政府信息公开申请数量" in text and [p.code for p in problems] == ["html.charset"]


def test_agency_and_year_from_the_cms_metadata_when_no_title_names_them(tmp_path):
    page = tmp_path / "art.html"
    page.write_text(
        "<html><head><meta charset='utf-8'><title>政府信息公开工作年度报告</title>"
        "<meta name='ContentSource' content='示例县人民政府办公室'>"
        "<meta name='PubDate' content='2024-01-26 10:00'></head><body><div id='zoom'>"
        "<p>政府信息公开工作年度报告</p><p>一、总体情况</p></div></body></html>", encoding="utf-8")
    report = read_document(page)
    assert (report.agency, report.year) == ("示例县人民政府办公室", 2023)
    assert {"agency.from_page", "year.from_page"} <= {p.code for p in report.problems}


@pytest.mark.xdist_group("pipeline")
def test_the_pipeline_loads_html_pages_with_their_locators(tmp_path):
    """The asset graph over a folder of HTML pages (one named .pdf): every page a report of
    kind html, every cell with its locator in the warehouse; only the error page in
    load_errors."""
    import shutil

    import dagster as dg

    from assets import documents, findings, warehouse
    from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
    from warehouse import store

    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(PAGES / "hanweb-demo-city-edu-2022.html", folder / "city-edu.html")
    shutil.copy(SHANGHAI, folder / "shanghai.pdf")
    (folder / "error-page.htm").write_text("<html><body>404 页面不存在</body></html>",
                                           encoding="utf-8")
    db = tmp_path / "gongkai.duckdb"
    result = dg.materialize(
        [documents.report_documents, documents.extracted_reports, warehouse.warehouse_reports,
         findings.rule_findings, warehouse.facts_integrity, findings.findings_summary,
         findings.published_warehouse],
        instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(path=str(db)),
                   "reports": ReportFolderResource(folders=[str(folder)]),
                   "crawl": CrawlResource(store_dir=str(tmp_path / "store"))},
        raise_on_error=False)
    assert result.success
    con = store.connect(db, read_only=True)
    try:
        kinds = con.execute("SELECT d.kind, count(*) FROM reports r JOIN documents d "
                            "USING (document_id) GROUP BY 1").fetchall()
        cells = con.execute("SELECT count(*), count(locator) FROM facts").fetchone()
        errors = con.execute("SELECT path FROM load_errors").fetchall()
    finally:
        con.close()
    assert kinds == [("html", 2)]
    assert cells == (200 + 198, 200 + 198)
    assert [Path(p).name for (p,) in errors] == ["error-page.htm"]

"""Word (.docx, .doc, .wps) and spreadsheet (.xlsx, .xls) reports, and labels printed otherwise
than the template's: every cell of every fixture of tests/fixtures/word (made by make_word.py)
compared with its golden file, the .doc/.wps through real LibreOffice."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from gongkai.extract.cellgrid import Cell, CellTable, report_from_cell_tables
from gongkai.extract.intake import document_format, read_document
from gongkai.model import Document, UnreadableDocument
from tests.golden import fact_key, failures, golden_rules

HERE = Path(__file__).parent / "fixtures" / "word"
GOLDENS = sorted((HERE / "golden").glob("*.json"))
CASES = [pytest.param(g, id=g.stem) for g in GOLDENS]
NEEDS_SOFFICE = pytest.mark.skipif(shutil.which("soffice") is None,
                                   reason="LibreOffice (soffice) is not installed")
# the misprint of a real county report (2023 and 2024) for "2.其他法律行政法规禁止公开"
MISPRINTED = "2.其他法律行政止公开"


def load(golden: Path) -> dict:
    return json.loads(golden.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def extracted(name: str):
    return read_document(HERE / "reports" / name)


def _same(got, want) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return Decimal(str(got)) == Decimal(str(want))


def _marks(golden: Path):
    return [NEEDS_SOFFICE] if golden.name.split(".")[-2] in ("doc", "wps") else []


def test_the_fixture_set_covers_every_format_and_both_templates():
    data = [load(g) for g in GOLDENS]
    suffixes = {Path(d["document"]).suffix for d in data}
    assert suffixes == {".docx", ".doc", ".wps", ".xlsx", ".xls", ".pdf"}
    assert {d["template"] for d in data if d["document"].endswith(".docx")} == {"2019", "2021"}
    assert all(d["agency"].startswith("示例") for d in data)
    assert any(d["failures"] for d in data if d["document"].endswith(".docx"))


@pytest.mark.parametrize("golden", [pytest.param(g, id=g.stem, marks=_marks(g)) for g in GOLDENS])
def test_every_cell_is_read_exactly(golden):
    want_doc = load(golden)
    report = extracted(want_doc["document"])
    suffix = Path(want_doc["document"]).suffix[1:]
    assert report.document.kind == suffix
    assert document_format(HERE / "reports" / want_doc["document"]) == (
        "xls" if suffix == "xls" else suffix)
    assert (report.agency, report.year, report.template) == (
        want_doc["agency"], want_doc["year"], want_doc["template"])
    got = {fact_key(f): f for f in report.facts_json()}
    want = {fact_key(f): f for f in want_doc["facts"]}
    assert sorted(set(got) - set(want)) == [], "cells read that the document does not have"
    assert sorted(set(want) - set(got)) == [], "cells of the document not read"
    wrong = [(key, want[key], got[key]) for key in want
             if (got[key]["raw"], got[key]["page"]) != (want[key]["raw"], want[key]["page"])
             or not _same(got[key]["value"], want[key]["value"])
             or ("locator" in want[key] and got[key].get("locator") != want[key]["locator"])]
    assert wrong == []
    # the only problems are those the document is known to give (a misprinted label), each
    # quoting the label as printed
    expected = want_doc.get("problems", [])
    assert [(p.code, p.table, p.row) for p in report.problems] == [
        (p["code"], p["table"], p["row"]) for p in expected]
    for p, e in zip(report.problems, expected):
        assert repr(e["printed"]) in p.message


@pytest.mark.parametrize("golden", [pytest.param(g, id=g.stem, marks=_marks(g)) for g in GOLDENS
                                    if not g.name.endswith(".pdf.json")])
def test_every_fact_has_a_locator_a_person_can_follow(golden):
    report = extracted(load(golden)["document"])
    for fact in report.facts:
        assert fact.bbox is None and fact.page == 1
        if report.document.kind in ("xlsx", "xls"):
            assert set(fact.locator) == {"sheet", "cell", "row", "col"}
            assert fact.locator["cell"].endswith(str(fact.locator["row"]))
        else:
            assert set(fact.locator) == {"table", "row", "col"}
            assert fact.locator["table"] == {"active_disclosure": 1, "applications": 2,
                                             "review_litigation": 3}[fact.table]


@pytest.mark.parametrize("golden", [pytest.param(g, id=g.stem, marks=_marks(g)) for g in GOLDENS])
def test_findings_equal_the_golden_failures(golden):
    """Every rule of the catalogue on the report read: exactly the failures its golden file
    lists (the planted ones), no false failure."""
    from expectations import check_report

    data = load(golden)
    findings = check_report(extracted(data["document"]))
    assert failures(findings, golden_rules(data)) == failures(data["failures"])


@pytest.mark.parametrize("golden", [pytest.param(g, id=g.stem, marks=_marks(g)) for g in GOLDENS])
def test_the_text_states_the_golden_figures(golden):
    """The paragraphs (not the tables) are the text the narrative rules read."""
    from gongkai import narrative

    data = load(golden)
    report = extracted(data["document"])
    got = [(f.figure, f.value)
           for f in narrative.stated_figures(narrative.sentences(report.page_texts))]
    assert got == [(f["figure"], f["value"]) for f in data["stated_figures"]]


def test_a_vertical_merge_is_one_cell_spanning_down_not_copied():
    from docx import Document as Docx

    from gongkai.extract.word import body_of

    path = HERE / "reports" / "word-t21-demo-city-2024.docx"
    _, tables = body_of(Docx(str(path)).element.body)
    apps = tables[1]
    cells = [c for row in apps.rows for c in row]
    results = [c for c in cells if c.text.strip() == "三、本年度办理结果"]
    assert len(results) == 1 and results[0].rowspan == 22 and results[0].colspan == 1
    withheld = next(c for c in cells if c.text.strip() == "（三）不予公开")
    assert withheld.rowspan == 8
    # the rows it covers hold no cell at its column: the first cell of the next row is the item
    row = next(r for r in apps.rows if r and r[0].text.strip() == "2.其他法律行政法规禁止公开")
    assert row[0].locator["col"] == 3  # the grid column, 1-based: after the two spanning down
    header = next(c for c in cells if c.text.strip() == "申请人情况")
    assert header.colspan == 7


def test_a_docx_named_pdf_is_read_as_docx(tmp_path):
    named = tmp_path / "report.pdf"
    shutil.copyfile(HERE / "reports" / "word-t21-demo-district-finance-2023.docx", named)
    assert document_format(named) == "docx"
    report = read_document(named)
    assert report.document.kind == "docx" and report.document.path == str(named)
    assert len(report.facts) == len(load(HERE / "golden" / "word-t21-demo-district-finance-2023.docx.json")
                                    ["facts"])


@NEEDS_SOFFICE
def test_a_doc_named_wps_and_a_wps_named_doc_are_converted_alike(tmp_path):
    for source, name in (("word-t21-demo-city-2024.doc", "a.wps"),
                         ("word-t21-demo-district-finance-2023.wps", "b.doc")):
        target = tmp_path / name
        shutil.copyfile(HERE / "reports" / source, target)
        report = read_document(target)
        assert report.document.kind == name[-3:] and report.problems == []
        assert report.document.path == str(target)


def test_without_libreoffice_a_doc_is_unreadable_naming_the_program(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(UnreadableDocument) as err:
        read_document(HERE / "reports" / "word-s19-demo-new-district-2019.doc")
    assert "soffice" in err.value.reason and "apt-get install libreoffice-writer-nogui" in \
        err.value.reason
    assert err.value.path.endswith("word-s19-demo-new-district-2019.doc")


@NEEDS_SOFFICE
def test_a_broken_doc_is_a_recorded_problem_not_a_crash(tmp_path):
    from gongkai.extract.intake import extract_documents

    broken = tmp_path / "broken.doc"
    data = (HERE / "reports" / "word-s19-demo-new-district-2019.doc").read_bytes()
    broken.write_bytes(data[:4096])  # the OLE header and directory, the streams cut off
    out = extract_documents([{"path": str(broken), "sha256": "x"}])
    if out.unreadable:  # LibreOffice refuses it
        assert "doc" in out.unreadable[0]["reason"]
    else:  # or makes an empty document of it: no table, each table missing is a problem
        assert {p.code for p in out.reports[0].problems} >= {"table.missing"}


def test_a_broken_docx_or_xlsx_is_unreadable(tmp_path):
    for name, head in (("x.docx", b"PK\x03\x04 not a zip"), ("x.xlsx", b"PK\x03\x04 nor this")):
        p = tmp_path / name
        p.write_bytes(head)
        with pytest.raises(UnreadableDocument):
            read_document(p)


def test_gongkai_check_json_gives_the_format_and_the_locators():
    word = HERE / "reports" / "word-t21-demo-district-finance-2023.docx"
    sheet = HERE / "reports" / "sheet-t21-demo-city-nrp-2021.xlsx"
    out = subprocess.run([sys.executable, "-m", "gongkai.cli", "check", "--json", str(word),
                          str(sheet)], capture_output=True, text=True, timeout=600)
    lines = {Path(x["document"]["path"]).name: x for x in map(json.loads, out.stdout.splitlines())}
    line = lines[word.name]
    assert line["document"]["kind"] == "docx"
    assert line["agency"] == "示例区财政局" and line["year"] == 2023
    assert all(f["locator"].keys() == {"table", "row", "col"} for f in line["facts"])
    failed = {f["rule"] for f in line["findings"] if f["status"] == "fail"}
    assert failed == {x["rule"] for x in load(HERE / "golden" /
                                                  "word-t21-demo-district-finance-2023.docx.json")["failures"]}
    line = lines[sheet.name]
    assert line["document"]["kind"] == "xlsx"
    assert {f["locator"]["sheet"] for f in line["facts"]} == {"统计表"}
    assert {"cell", "row", "col"} <= line["facts"][0]["locator"].keys()


# --- labels printed otherwise than the template's ---------------------------------------------

def test_the_real_misprinted_label_is_read_as_its_row_in_word_and_pdf():
    """"2.其他法律行政止公开" (a real county report, 2023 and 2024) stands where the template
    has "2.其他法律行政法规禁止公开": its 7 cells are read, with an info problem quoting it."""
    for name in ("word-t21-demo-street-2022-misprint.docx",
                 "word-t21-demo-street-2022-misprint.pdf"):
        report = extracted(name)
        row = [f for f in report.facts if f.row == "withheld_prohibited_by_law"]
        assert len(row) == 7, name
        (problem,) = report.problems
        assert problem.code == "row.label_misprinted" and MISPRINTED in problem.message
        assert (problem.table, problem.row) == ("applications", "withheld_prohibited_by_law")


def _apps_table(labels: dict[int, str]):
    """A 2021 table 三 as cells, the label of row ``i`` (0-based among the 26) replaced."""
    import gongkai.vocabulary as V

    rows = [[Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
             Cell("申请人情况", colspan=7)],
            [Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=5), Cell("总计", rowspan=2)],
            [Cell(h) for h in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")]]
    for i, row in enumerate(V.rows(V.APPLICATIONS, "2021")):
        label = labels.get(i, row.label.split(" ")[-1])
        rows.append([Cell(label, colspan=3)] + [Cell(str(i)) for _ in range(7)])
    ad = [[Cell("第二十条第（一）项", colspan=4)],
          [Cell("信息内容"), Cell("本年制发件数"), Cell("本年废止件数"), Cell("现行有效件数")],
          [Cell("规章"), Cell("0"), Cell("0"), Cell("0")]]
    rl = [[Cell("行政复议", colspan=5)], [Cell(h) for h in ("结果维持", "结果纠正", "其他结果",
                                                           "尚未审结", "总计")],
          [Cell("0") for _ in range(5)]]
    doc = Document("t.docx", "0" * 64, 1, "docx")
    return report_from_cell_tables(
        doc, ["示例县人民政府2023年政府信息公开工作年度报告"],
        [CellTable(ad, "table 1"), CellTable(rows, "table 2"), CellTable(rl, "table 3")])


def test_a_misprint_is_read_by_its_place_number_and_likeness():
    report = _apps_table({5: MISPRINTED})
    assert [f.value for f in report.facts if f.row == "withheld_prohibited_by_law"] == [5] * 7
    assert [p.code for p in report.problems if p.table == "applications"] == \
        ["row.label_misprinted"]


def test_a_label_of_another_number_or_too_unlike_is_not_assigned():
    for label in ("3.其他法律行政止公开", "2.其他事项"):
        report = _apps_table({5: label})
        assert not [f for f in report.facts if f.row == "withheld_prohibited_by_law"], label
        codes = [p.code for p in report.problems if p.table == "applications"]
        assert "row.unrecognised" in codes and "row.label_misprinted" not in codes


def test_no_row_by_likeness_when_two_rows_are_close():
    # "7.属于行政案卷查询" is as like 7.属于行政执法案卷 (the row expected after 6.属于四类过程性
    # 信息, and of its number) as 8.属于行政查询事项: not clearly the one, so neither
    report = _apps_table({10: "7.属于行政案卷查询"})
    assert not [f for f in report.facts if f.row == "withheld_enforcement_file"]
    assert "row.label_misprinted" not in {p.code for p in report.problems}


def test_a_misprint_followed_by_the_row_it_resembles_is_not_that_row():
    # the row after it is the template's 2.其他法律行政法规禁止公开 itself: this is something else
    report = _apps_table({5: MISPRINTED, 6: "2.其他法律行政法规禁止公开"})
    rows = [f for f in report.facts if f.row == "withheld_prohibited_by_law"]
    assert {f.value for f in rows} == {6}


def test_a_wps_spreadsheet_et_is_read_as_the_xls_it_is(tmp_path):
    # WPS Office's 表格 saves .et files as BIFF workbooks, the bytes of an .xls
    et = tmp_path / "统计表.et"
    shutil.copyfile(HERE / "reports" / "sheet-t21-demo-city-nrp-2021.xls", et)
    report = read_document(et)
    want = load(HERE / "golden" / "sheet-t21-demo-city-nrp-2021.xls.json")
    assert report.document.kind == "et" and report.problems == []
    assert {fact_key(f): f["raw"] for f in report.facts_json()} == \
        {fact_key(f): f["raw"] for f in want["facts"]}

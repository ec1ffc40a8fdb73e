"""The demo (``./run.sh`` = ``gongkai run`` with no option) is kept apart: the bundled portal
serves invented agencies only (every name starts with 示例), its reports are made by a committed
script with golden files, and the demo writes its own warehouse (``warehouse/demo.duckdb``),
never the user's."""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from tests.golden import fact_key, failures, golden_rules, load

pytestmark = pytest.mark.xdist_group("demo")

FIXTURES = Path(__file__).parent / "fixtures"
PORTAL = FIXTURES / "portal"
DEMO_GOLDEN = PORTAL / "golden"
DEMO_SCANS = PORTAL / "scans"  # scans of demo reports, served beside them (make_demo_scan.py)
DEMO_SCANS_MADE = json.loads((DEMO_SCANS / "scans.json").read_text(encoding="utf-8"))
(DEMO_SCAN_MADE,) = DEMO_SCANS_MADE
CASES = [pytest.param(PORTAL / "reports" / f"{g.stem}.pdf", g, id=g.stem)
         for g in sorted(DEMO_GOLDEN.glob("*.json"))]


@lru_cache(maxsize=None)
def extracted(pdf: Path):
    from gongkai.extract import extract_report

    return extract_report(pdf)


def _real_names() -> set[str]:
    """The agencies of the real reports among the fixtures, their leading divisions (淮安市 …) and
    the real places the generated fixtures were once named after (南京, 南通 …): none may appear
    in the demo."""
    from gongkai.agencies import normalise
    from tests.fixtures.make_fixtures import REAL_PLACES

    names = {load(g)["agency"] for g in (FIXTURES / "golden").glob("*.json")}
    names = {name for name in names if "示例" not in name}
    names |= {"上海市人民政府办公厅", "淮安市人民政府"} | set(REAL_PLACES)
    places = set()
    for name in names:
        m = re.match(r"^(.{2,4}?[省市县区])", normalise(name))
        if m:
            places.add(m.group(1))
    return names | places


def _site_texts():
    for path in sorted((PORTAL / "site").rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt"):
            data = path.read_bytes()
            try:
                yield path, data.decode("utf-8")
            except UnicodeDecodeError:
                yield path, data.decode("gbk")


def test_every_demo_report_is_of_an_invented_agency():
    assert len(CASES) >= 10
    for p in CASES:
        golden = load(p.values[1])
        assert golden["agency"].startswith("示例"), golden["agency"]
    meta = json.loads((PORTAL / "demo-meta.json").read_text(encoding="utf-8"))
    assert meta and all(m["agency"].startswith("示例") for m in meta.values())


def test_the_portal_pages_name_no_real_agency():
    real = _real_names()
    assert "淮安市" in real and "南通" in real and not any("示例" in name for name in real)
    for path, text in _site_texts():
        found = sorted(name for name in real if name in text)
        assert found == [], f"{path.relative_to(PORTAL)} names {found}"


def test_the_portal_serves_only_the_demo_reports():
    """Every file a route serves is the demo's (the site or its reports): no test fixture and
    no real report beside invented ones."""
    from gongkai.crawl.demo_portal import ROUTES

    files = [r.file.resolve() for r in ROUTES.values() if r.file is not None]
    assert files
    for f in files:
        assert f.is_file(), f
        assert PORTAL.resolve() in f.parents, f
    served_reports = {f.stem for f in files if f.suffix == ".pdf" and f.parent.name == "reports"}
    assert served_reports == {p.id for p in CASES}
    # the scans are of demo reports (make_demo_scan.py), nothing else
    served_scans = {f.stem for f in files if f.parent.name == "scans"}
    assert served_scans == {s["name"] for s in DEMO_SCANS_MADE}
    assert {s["source"] for s in DEMO_SCANS_MADE} <= served_reports


@pytest.mark.parametrize(("pdf", "golden"), CASES)
def test_demo_report_reads_as_its_golden(pdf, golden):
    """Every cell of a demo report read exactly, and every rule failing exactly where its
    golden file (made by make_demo_reports.py, independently of gongkai) says."""
    from expectations import check_report

    expected = load(golden)
    report = extracted(pdf)
    assert (report.agency, report.year, report.template) == (
        expected["agency"], expected["year"], expected["template"])
    got = {fact_key(f): (f["raw"], f["page"]) for f in report.facts_json()}
    want = {fact_key(f): (f["raw"], f["page"]) for f in expected["facts"]}
    assert got == want
    assert report.problems == []
    assert failures(check_report(report), golden_rules(expected)) == \
        failures(expected["failures"])


ATTACHMENTS = PORTAL / "attachments"
ATTACHMENT_GOLDEN = PORTAL / "attachments-golden"


@pytest.mark.parametrize("name", ["demo-city-2020.doc", "demo-city-2020.wps",
                                  "demo-city-2022.xls"])
def test_demo_attachment_reads_as_its_golden(name):
    """The portal's Word, WPS and Excel attachments (make_demo_attachments.py): real reports,
    every cell read, every per-report rule failing where the golden file says; the site serves
    these very bytes."""
    from expectations import check_report

    expected = load(ATTACHMENT_GOLDEN / f"{name}.json")
    report = extracted(ATTACHMENTS / name)
    assert (report.agency, report.year, report.template) == (
        expected["agency"], expected["year"], expected["template"])
    got = {fact_key(f): f["raw"] for f in report.facts_json()}
    assert got == {fact_key(f): f["raw"] for f in expected["facts"]}
    assert failures(check_report(report), golden_rules(expected)) == \
        failures(expected["failures"])
    served = {p.read_bytes() for p in (PORTAL / "site").rglob(f"*{Path(name).suffix}")}
    assert (ATTACHMENTS / name).read_bytes() in served


def test_demo_word_and_wps_copies_disagree_in_one_cell():
    """示例市人民政府 2020 as .doc and as the .wps edited after: one report, two documents, the
    one cell they differ in found by documents.agree, naming both; 2022's sheet agrees with
    its PDF."""
    from expectations import check_reports

    (cell,) = json.loads((ATTACHMENT_GOLDEN / "differing.json").read_text(encoding="utf-8"))
    doc, wps = (extracted(ATTACHMENTS / n) for n in cell["documents"])
    found = [f for fs in check_reports([doc, wps]) for f in fs if f["rule"] == "documents.agree"]
    assert [(f["status"], f["actual"]) for f in found] == [("fail", 1)]
    assert {(o["table"], o["row"], o["column"], str(o["value"])) for o in found[0]["operands"]} \
        == {(cell["table"], cell["row"], cell["column"], cell[n]) for n in cell["documents"]}
    assert all(n in found[0]["message"] for n in cell["documents"])
    sheet, pdf = extracted(ATTACHMENTS / "demo-city-2022.xls"), \
        extracted(PORTAL / "reports" / "demo-city-2022.pdf")
    agree = [f for fs in check_reports([sheet, pdf]) for f in fs if f["rule"] == "documents.agree"]
    assert [f["status"] for f in agree] == ["pass"]


def test_demo_series_pair_up_across_years():
    """示例市示例区 2019-2021 (the 2020 report signed 示例区人民政府) and 示例南县 2022-2023:
    the cross-year rules fail exactly where the golden files say."""
    from expectations import check_reports
    from expectations.rules import CATALOGUE

    cross_year = tuple(r.id for r in CATALOGUE if r.cross_year)
    series = [p for p in CASES if "district" in p.id or "south" in p.id]
    pdfs = [p.values[0] for p in series]
    checked = check_reports([extracted(pdf) for pdf in pdfs])
    for p, findings in zip(series, checked):
        golden = load(p.values[1])
        assert failures(findings, cross_year) == \
            failures(golden.get("cross_year_failures", [])), p.id
        if golden.get("previous"):
            assert {f["previous_report_id"] for f in findings if f["rule"] in cross_year}




def test_demo_scan_reads_as_its_source_report():
    """示例县人民政府 2019 as the agency scanned it (make_demo_scan.py: 200 dpi, 0.7°, JPEG 60, a
    red seal over table cells), served beside the text PDF: its cells are the source's golden
    cells, every one read wrong is named by a problem, the rules fail as on the source wherever
    their cells were read without doubt, and documents.agree finds the two documents agree."""
    from expectations import check_report, check_reports
    from tests.golden import (
        check_scan_identity_and_doubts, doubted_cells, scan_accurate, undoubted_rule_differences,
    )

    expected = load(DEMO_GOLDEN / f"{DEMO_SCAN_MADE['source']}.json")
    scan = extracted(DEMO_SCANS / f"{DEMO_SCAN_MADE['name']}.pdf")
    source = extracted(PORTAL / "reports" / f"{DEMO_SCAN_MADE['source']}.pdf")
    wrong = check_scan_identity_and_doubts(scan, expected)
    assert scan_accurate(wrong, expected), wrong
    assert undoubted_rule_differences(check_report(scan), check_report(source),
                                      doubted_cells(scan)) == []
    agree = [f for fs in check_reports([source, scan]) for f in fs
             if f["rule"] == "documents.agree"]
    assert [f["status"] for f in agree] == ["pass"], agree
    # a cell the scan's reading doubts is not compared: misread, it is the scan's named
    # problem, not a disagreement of the agency's two documents
    from gongkai.model import Problem

    misread = copy.deepcopy(scan)
    fact = next(f for f in misread.facts if f.value is not None and f.table == "applications")
    fact.value += 1
    misread.problems.append(Problem(
        "cell.ocr_doubtful", f"{fact.table}.{fact.row}.{fact.column} on page {fact.page}: "
        "RapidOCR read '?' (confidence 0.50), Tesseract read '?' (confidence 20)",
        table=fact.table, row=fact.row, column=fact.column, page=fact.page))
    agree = [f for fs in check_reports([source, misread]) for f in fs
             if f["rule"] == "documents.agree"]
    assert [f["status"] for f in agree] == ["pass"], agree

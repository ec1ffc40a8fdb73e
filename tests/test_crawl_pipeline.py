"""The crawl through Dagster: the demo portal, served on 127.0.0.1 by the test, crawled by the
`crawl_demo` asset; the new reports extracted, loaded, checked (the portal's series of one
agency across years too) and published; a second run sends conditional requests and extracts
nothing again; a report quietly replaced on the portal becomes a new version, and only it is
extracted. The real portals are never contacted."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from assets.crawl import CRAWL_ASSETS
from gongkai.crawl.demo_portal import DemoPortal
from pipelines.definitions import defs
from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
from warehouse import store

pytestmark = pytest.mark.xdist_group("crawl_pipeline")

REPORTS = Path(__file__).resolve().parent / "fixtures" / "portal" / "reports"  # the demo's
CHANGED = "/trs/xxgk/ndbg/202502/P020250212398765432101.pdf"  # serves 示例市 2024
CRAWL_DEMO = next(a for a in CRAWL_ASSETS if a.key == dg.AssetKey("crawl_demo"))
CHECK = [a for a in defs.assets if a not in CRAWL_ASSETS]


@pytest.fixture(scope="module")
def portal():
    with DemoPortal() as p:
        yield p


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    return tmp_path_factory.mktemp("crawl_pipeline")


def materialize(portal, place):
    return dg.materialize(
        [CRAWL_DEMO, *CHECK, *defs.asset_checks],
        instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(path=str(place / "gongkai.duckdb")),
                   "reports": ReportFolderResource(folders=[]),
                   "crawl": CrawlResource(store_dir=str(place / "store"),
                                          demo_base=portal.base_url)},
        raise_on_error=False,
    )


def metadata(result, asset: str) -> dict:
    event = next(m for m in result.get_asset_materialization_events()
                 if m.asset_key.to_user_string() == asset)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def query(place, sql, params=()):
    con = store.connect(place / "gongkai.duckdb", read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def first(portal, place):
    return materialize(portal, place)


@pytest.fixture(scope="module")
def second(first, portal, place):
    return materialize(portal, place)


@pytest.fixture(scope="module")
def third(second, portal, place):
    # another demo report, re-saved (bytes of its own): a quiet replacement
    portal.replace(CHANGED, (REPORTS / "demo-county-finance-2023.pdf").read_bytes() + b"\n% re-saved\n")
    return materialize(portal, place)


def test_first_run_crawls_extracts_checks_and_publishes(first, place):
    assert first.success
    assert metadata(first, "crawl_demo")["new"] == 20  # distinct report files the portal serves
    # the PDFs (示例县人民政府 2019 also as a scan), the Word files (the .docx; 示例市人民政府 2020 as .doc and as .wps, through
    # LibreOffice) and the sheet of 2022's tables (.xls)
    readable = "('pdf', 'docx', 'doc', 'wps', 'xls')"
    pdfs = query(place, f"SELECT sha256 FROM crawl_documents WHERE format IN {readable}")
    reports = "EXISTS (SELECT 1 FROM crawl_urls u WHERE u.sha256 = d.sha256 AND u.role = 'report')"
    others = query(place, "SELECT sha256, format FROM crawl_documents d "
                          f"WHERE format NOT IN {readable} AND {reports}")
    reasons = dict(query(place, "SELECT sha256, reason FROM load_errors"))
    loaded = {s for (s,) in query(place, "SELECT sha256 FROM documents")}
    # the HTML-only report (an invented report's page) is read; an error page is not
    pages = {s for s, fmt in others if fmt == "html" and s not in reasons}
    # every crawled PDF, Word file and report page is a report in the warehouse
    assert {s for (s,) in pdfs} | pages == loaded and len(pages) == 1
    assert len(loaded) == 18
    assert {k for (k,) in query(place, "SELECT kind FROM documents")} == {
        "pdf", "docx", "doc", "wps", "xls", "html", "scan"}
    assert query(place, "SELECT agency, year, count(*) FROM documents JOIN reports USING "
                        "(document_id) JOIN facts USING (report_id) WHERE kind = 'html' "
                        "GROUP BY ALL") == [("示例市农业农村局", 2019, 198)]
    for sha, fmt in others:  # every other format recorded, with its format, not lost
        assert sha in pages or fmt in reasons[sha]
    # documents are known by the URL they were crawled from, one document for two URLs
    sources = query(place, "SELECT sha256, count(*) FROM document_sources GROUP BY ALL "
                           "HAVING count(*) > 1")
    assert sources and all(n == 2 for _, n in sources)
    assert all(src.startswith("http://127.0.0.1:")
               for (src,) in query(place, "SELECT source FROM document_sources"))
    assert query(place, "SELECT count(*) FROM rule_results")[0][0] > 0
    # the scan: every OCR-read number listed by SQL with both engines' confidences, the
    # doubtful ones those a problem names
    read = query(place, "SELECT row_key, column_key, value, rapidocr_confidence, "
                        "tesseract_confidence, doubtful FROM ocr_readings")
    (scan_facts, problems), = query(
        place, "SELECT count(*), any_value(r.problems) FROM facts JOIN current_reports r "
               "USING (report_id) WHERE r.kind = 'scan'")
    assert len(read) == scan_facts >= 190
    assert all(0 <= rapid <= 1 for *_, rapid, _t, _d in read)
    assert all(tess is not None for *_, value, _r, tess, _d in read if value is not None)
    assert sum(doubtful for *_, doubtful in read) <= problems


def test_the_crawled_series_pair_up_across_years(first, place):
    """The portal's 示例区 (2019-2021) and 示例南县 (2022-2023) columns: each report with a year
    before is checked against it, and the break planted in 示例区 2021 is found."""
    checked = query(place, "SELECT DISTINCT ay.year FROM latest_findings f JOIN report_agency_years ay "
                           "USING (report_id) WHERE f.rule = 'applications.carry_continuity'")
    assert {y for (y,) in checked} == {2020, 2021, 2023}
    assert query(place, "SELECT ay.agency, ay.year, f.column_key FROM latest_findings f "
                        "JOIN report_agency_years ay USING (report_id) WHERE f.status = 'fail' "
                        "AND f.rule = 'applications.carry_continuity' ORDER BY ALL") == [
        ("示例市示例区人民政府", 2021, "natural_person"), ("示例市示例区人民政府", 2021, "total")]


def test_the_crawl_metadata_shows_in_the_ui(first):
    crawl = metadata(first, "crawl_demo")
    for key in ("pages_seen", "documents_found", "new", "changed", "errors"):
        assert key in crawl
    assert crawl["pages_seen"] >= 10 and crawl["errors"] >= 4


def test_second_run_sends_conditional_requests_and_extracts_nothing_again(second, place):
    assert second.success
    crawl = metadata(second, "crawl_demo")
    assert crawl["new"] == 0 and crawl["changed"] == 0 and crawl["unchanged"] > 0
    assert metadata(second, "report_documents")["new_or_changed"] == 0
    assert metadata(second, "extracted_reports")["reports"] == 0
    run = f"{second.run_id}:demo"
    requests = query(place, "SELECT status, bytes FROM crawl_log WHERE run_id = ? "
                            "AND role = 'report' AND attempt > 0", [run])
    assert 304 in {status for status, _ in requests}
    assert sum(size or 0 for _, size in requests) == 0  # no report body downloaded again
    # and the page, the Word files, the sheet
    assert query(place, "SELECT count(*) FROM documents")[0][0] == 18


def test_a_replaced_report_is_a_new_version_and_the_old_one_stays(third, place):
    assert third.success
    assert metadata(third, "crawl_demo")["changed"] == 1
    assert metadata(third, "extracted_reports")["reports"] == 1
    versions = query(place, "SELECT d.version, d.superseded_by IS NULL, r.agency FROM documents d "
                            "JOIN reports r USING (document_id) WHERE d.source LIKE ? "
                            "ORDER BY d.version", [f"%{CHANGED}"])
    assert [(v, current) for v, current, _ in versions] == [(1, False), (2, True)]
    assert [agency for *_, agency in versions] == ["示例市人民政府", "示例县财政局"]

"""The crawler against the demo portal, served for real on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from gongkai.crawl import CrawlSettings, Source, crawl, current_reports
from gongkai.crawl.cli_support import format_dry_run, format_result
from gongkai.crawl.demo_portal import REPORTS
from tests.crawl.conftest import DELAY, SETTINGS, closed_port, new_warehouse

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "portal" / "golden_discovery.json"
SUQIAN_ATTACHMENT = "/trs/xxgk/ndbg/202502/P020250212398765432101.pdf"
SUQIAN_MIRROR = "/trs/xxgk/ndbg/files/city-2024.pdf"


def relative(url: str, base: str) -> str:
    return url[len(base):] if url and url.startswith(base) else url


def summary(result, base: str) -> list[dict]:
    rows = [{"url": relative(d.url, base), "title": d.title, "kind": d.kind,
             "claimed_format": d.claimed_format, "format": d.format, "status": d.status,
             "error": d.error, "final_url": relative(d.final_url, base) if d.final_url else None}
            for d in result.documents]
    return sorted(rows, key=lambda r: r["url"])


@pytest.fixture(scope="module")
def first(portal, demo_source, tmp_path_factory):
    con, store = new_warehouse(tmp_path_factory.mktemp("first"))
    portal.clear_log()
    result = crawl(demo_source, store, con, settings=SETTINGS)
    return SimpleNamespace(result=result, con=con, store=store, log=portal.request_log())


@pytest.fixture(scope="module")
def second(first, portal, demo_source):
    portal.clear_log()
    result = crawl(demo_source, first.store, first.con, settings=SETTINGS)
    return SimpleNamespace(result=result, log=portal.request_log())


@pytest.fixture(scope="module")
def third(second, first, portal, demo_source):
    """The agency quietly replaces one report file; the mirror URL keeps the old bytes."""
    # another demo report, re-saved (bytes of its own): what a quiet replacement looks like
    new_bytes = (REPORTS / "demo-county-finance-2023.pdf").read_bytes() + b"\n% re-saved\n"
    portal.replace(SUQIAN_ATTACHMENT, new_bytes)
    portal.clear_log()
    result = crawl(demo_source, first.store, first.con, settings=SETTINGS)
    return SimpleNamespace(result=result, log=portal.request_log(), new_bytes=new_bytes)


# --- discovery ---------------------------------------------------------------------------

def test_discovered_documents_equal_golden_list(first, portal):
    got = summary(first.result, portal.base_url)
    if os.environ.get("GONGKAI_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert first.result.error is None


def test_every_cms_style_and_page_was_read(first, portal):
    pages = {relative(u, portal.base_url) for u in first.result.pages}
    assert {"/trs/xxgk/ndbg/index.html", "/trs/xxgk/ndbg/index_1.html", "/trs/xxgk/ndbg/index_2.html",
            "/hanweb/col/col123/index.html", "/hanweb/col/col123/index.html?uid=4567&pageNum=2",
            "/generic/ndbg.html", "/generic/ndbg_2.html", "/generic/district/ndbg.html",
            "/generic/south/ndbg.html"} <= pages
    # the pinned item repeated on TRS page 2 and the generic page 2 was fetched once
    paths = [r["path"] for r in first.log]
    assert paths.count("/trs/xxgk/ndbg/202502/t20250212_4011.html") == 1
    assert paths.count("/generic/report-2023.html") == 2  # 500, then the retry's 200
    assert not any("javascript" in p or "openFile" in p for p in paths)


# --- politeness --------------------------------------------------------------------------

def test_no_request_touched_a_disallowed_path(first, second, portal):
    for log in (first.log, second.log):
        assert log[0]["path"] == "/robots.txt"
        assert not [r for r in log if r["path"].startswith("/private/")]
    refused = first.con.execute(
        "SELECT url FROM crawl_log WHERE error = 'refused: disallowed by robots.txt' AND run_id = ?",
        [first.result.run_id]).fetchall()
    assert {relative(u, portal.base_url) for (u,) in refused} == {
        "/private/draft-2024.html", "/private/report-2018.pdf"}


def test_one_request_at_a_time_with_the_delay(first):
    times = [r["time"] for r in first.log]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) > 30
    assert min(gaps) >= DELAY * 0.95, f"requests {min(gaps):.3f} s apart, delay is {DELAY} s"


def test_user_agent_names_gongkai_and_a_contact(first):
    agents = {r["headers"].get("User-Agent") for r in first.log}
    assert len(agents) == 1
    (agent,) = agents
    assert "gongkai" in agent and "+http" in agent


def test_retry_after_is_honoured_and_only_retriable_errors_retried(first, portal):
    limited = [r for r in first.log if r["path"] == "/trs/xxgk/ndbg/202201/P020220120700000000001.pdf"]
    assert [r["status"] for r in limited] == [429, 200]
    assert limited[1]["time"] - limited[0]["time"] >= 1.0  # Retry-After: 1
    assert [r["status"] for r in first.log if r["path"] == "/generic/report-2021.html"] == [404]


def test_default_politeness():
    s = CrawlSettings()
    assert s.delay >= 1.0 and s.max_redirects <= 10 and s.max_bytes <= 100 * 2 ** 20


# --- nothing lost ------------------------------------------------------------------------

def test_bytes_stored_content_addressed(first):
    rows = first.con.execute("SELECT sha256, size, format, path FROM crawl_documents").fetchall()
    assert rows
    for sha, size, fmt, rel in rows:
        path = Path(first.store) / rel
        assert rel.startswith(f"sha256/{sha[:2]}/{sha}.")
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha and len(data) == size


def test_same_bytes_at_two_urls_is_one_document(first, portal):
    rows = first.con.execute(
        "SELECT url, sha256 FROM crawl_urls WHERE url IN (?, ?)",
        [portal.url(SUQIAN_ATTACHMENT), portal.url(SUQIAN_MIRROR)]).fetchall()
    assert len(rows) == 2 and rows[0][1] == rows[1][1]
    assert first.con.execute("SELECT count(*) FROM crawl_documents WHERE sha256 = ?", [rows[0][1]]).fetchone()[0] == 1


def test_formats_come_from_the_bytes(first):
    formats = dict(first.con.execute(
        "SELECT regexp_extract(u.url, '[^/=]+$'), d.format FROM crawl_urls u JOIN crawl_documents d "
        "USING (sha256) WHERE u.role = 'report'").fetchall())
    assert formats["P020210310511223344556.doc"] == "doc"
    assert formats["P020210310511223344557.wps"] == "wps"
    assert formats["P020230215600000000002.xls"] == "xls"
    assert formats["88001"] == "docx"
    assert formats["t20200131_2219.html"] == "html"  # the HTML-only report page
    assert formats["91234"] == "html"  # named .pdf, an error page in fact


def test_html_only_report_is_recorded_as_a_report(first, portal):
    (row,) = [r for r in current_reports(first.con, "demo") if r[1].endswith("t20200131_2219.html")]
    assert row[4] == "html" and "示例市农业农村局" in row[2]


# --- errors leave a clear record, the run goes on ------------------------------------------

def log_rows(con, run_id, base, path):
    return con.execute("SELECT status, error, attempt, bytes FROM crawl_log WHERE run_id = ? AND url = ? "
                       "ORDER BY time", [run_id, base + path]).fetchall()


def test_errors_are_recorded(first, portal):
    run, base = first.result.run_id, portal.base_url
    assert log_rows(first.con, run, base, "/generic/report-2021.html") == [(404, "HTTP 404", 1, len(b"<html><body>404 Not Found</body></html>"))]
    assert [r[:3] for r in log_rows(first.con, run, base, "/generic/report-2023.html")] == [
        (500, "HTTP 500", 1), (200, None, 2)]
    (big,) = log_rows(first.con, run, base, "/generic/files/report-2020-full.pdf")
    assert big[1].startswith("too large") and big[3] == 0
    wrong = log_rows(first.con, run, base, "/hanweb/module/download/downfile.jsp?classid=0&filename=2301101645001.pdf&fileid=91234")
    assert wrong[-1][1] == "format mismatch: named pdf, bytes are html"
    (problem,) = first.con.execute("SELECT problem FROM crawl_urls WHERE url LIKE '%fileid=91234'").fetchone()
    assert problem == "format mismatch: named pdf, bytes are html"
    # … and everything after them was still crawled
    assert first.result.new == 20 and first.result.error_count == 5
    (runs,) = first.con.execute("SELECT count(*) FROM crawl_runs WHERE run_id = ? AND finished IS NOT NULL "
                                "AND errors = 5", [run]).fetchone()
    assert runs == 1


def test_unreachable_source_ends_in_a_recorded_error(tmp_path):
    port = closed_port()
    source = Source("closed", "无人值守局", "测试", "county", (f"http://127.0.0.1:{port}/xxgk/ndbg/index.html",))
    con, store = new_warehouse(tmp_path)
    result = crawl(source, store, con, settings=SETTINGS)
    assert result.error.startswith("no list page could be fetched")
    assert "connection refused" in result.error
    rows = con.execute("SELECT role, status, error FROM crawl_log").fetchall()
    assert ("robots", None, "connection failed: connection refused") in rows
    assert con.execute("SELECT error FROM crawl_runs").fetchone()[0] == result.error
    assert result.counts()["documents_found"] == 0


def test_real_portal_entries_are_never_contacted(tmp_path):
    from gongkai.crawl import get_source
    con, store = new_warehouse(tmp_path)
    result = crawl(get_source("huaian-city"), store, con, settings=SETTINGS)
    assert result.requests == 0
    assert "not in the allowed hosts" in result.error
    assert con.execute("SELECT count(*) FROM crawl_log WHERE attempt > 0").fetchone()[0] == 0


def test_timeout_is_recorded_and_retried():
    from gongkai.crawl.demo_portal import DemoPortal
    from gongkai.crawl.fetch import Fetcher
    entries = []
    fetcher = Fetcher(SETTINGS.with_overrides(timeout=0.2, max_retries=1), log=entries.append)
    with DemoPortal() as own:  # its own server: the late answers must not reach the shared log
        result = fetcher.fetch(own.url("/generic/report-2022.html"), role="detail")
    assert result.error.startswith("timeout after 0.2 s")
    assert [e["attempt"] for e in entries if e["role"] == "detail"] == [1, 2]


# --- the second crawl: conditional requests, 304s, nothing downloaded again -----------------

def test_second_crawl_downloads_nothing_unchanged(first, second, portal):
    r = second.result
    assert (r.new, r.changed, r.error_count) == (0, 0, 5)
    assert r.unchanged == 20
    stored = {relative(u, portal.base_url) for (u,) in first.con.execute(
        "SELECT url FROM crawl_urls WHERE role = 'report'").fetchall()}
    report_requests = [x for x in second.log if x["path"] in stored and not x["path"].startswith("/generic/go.php")]
    assert report_requests
    for x in report_requests:
        assert "If-None-Match" in x["headers"] or "If-Modified-Since" in x["headers"], x["path"]
        assert x["status"] == 304, x["path"]
    assert not [x for x in second.log if x["status"] == 200 and x["path"].endswith((".pdf", ".doc", ".wps", ".xls"))
                and not x["path"].endswith("report-2020-full.pdf")]
    assert first.con.execute(
        "SELECT count(*) FROM crawl_log WHERE run_id = ? AND from_cache", [r.run_id]).fetchone()[0] >= 10
    assert not r.new_or_changed


def test_changed_file_becomes_a_new_version_and_the_old_stays(third, first, portal):
    (changed,) = [d for d in third.result.documents if d.status == "changed"]
    assert changed.url == portal.url(SUQIAN_ATTACHMENT)
    assert third.result.new_or_changed == [changed]
    versions = first.con.execute(
        "SELECT sha256, is_current FROM crawl_urls WHERE url = ? ORDER BY first_seen",
        [changed.url]).fetchall()
    assert [v[1] for v in versions] == [False, True]
    old_sha = versions[0][0]
    assert versions[1][0] == hashlib.sha256(third.new_bytes).hexdigest()
    (old_path,) = first.con.execute("SELECT path FROM crawl_documents WHERE sha256 = ?", [old_sha]).fetchone()
    assert (Path(first.store) / old_path).read_bytes() == (REPORTS / "demo-city-2024.pdf").read_bytes()
    # the mirror URL still serves the old bytes: still current there
    assert first.con.execute("SELECT sha256 FROM crawl_urls WHERE url = ? AND is_current",
                             [portal.url(SUQIAN_MIRROR)]).fetchone()[0] == old_sha


# --- the dry run -------------------------------------------------------------------------

def test_dry_run_fetches_no_report_body(portal, demo_source, tmp_path):
    con, store = new_warehouse(tmp_path)
    portal.clear_log()
    result = crawl(demo_source, store, con, dry_run=True, settings=SETTINGS)
    log = portal.request_log()
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted((d.url, d.title) for d in result.documents) == sorted(
        (portal.url(g["url"]), g["title"]) for g in golden)
    files = {g["url"] for g in golden if g["kind"] == "attachment"} | {g["final_url"] for g in golden if g["final_url"]}
    fetched = {x["path"] for x in log}
    # go.php?id=… look like pages: asked for once, answered 302 to a file, the file not requested
    redirects = {"/generic/go.php?id=2019", "/generic/go.php?id=2018"}
    assert [x["status"] for x in log if x["path"] in redirects] == [302, 302]
    assert not (files - redirects) & fetched
    assert all(d.status in ("planned", "error") for d in result.documents)
    assert con.execute("SELECT count(*) FROM crawl_urls").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM crawl_documents").fetchone()[0] == 0
    assert not Path(store).exists()
    text = format_dry_run(result)
    assert "would fetch" in text and "示例省人民政府2024年政府信息公开工作年度报告" in text
    assert "report files were not downloaded" in text


def test_result_counts_for_dagster(first):
    c = first.result.counts()
    assert set(c) >= {"pages_seen", "documents_found", "new", "changed", "errors"}
    assert c["documents_found"] == len(first.result.documents) and c["pages_seen"] >= 14
    assert "new 20" in format_result(first.result)


def test_cli_dry_run_starts_the_demo_portal_itself():
    from gongkai.crawl.cli_support import run_for_cli
    result, text = run_for_cli("demo", dry_run=True, settings=SETTINGS.with_overrides(delay=0.05))
    assert result.error is None and result.documents_found == 24
    assert text.startswith("dry run of source 'demo'") and "would fetch" in text


def test_size_limit_holds_without_content_length():
    from gongkai.crawl.demo_portal import DemoPortal, Route
    from gongkai.crawl.fetch import Fetcher
    with DemoPortal(routes={"/big.pdf": Route(oversize=3 * 1024 * 1024, no_length=True)}) as p:
        entries = []
        result = Fetcher(SETTINGS.with_overrides(max_bytes=500_000), log=entries.append).fetch(p.url("/big.pdf"))
    assert result.error == "too large: body exceeds limit 500000 bytes" and result.body is None
    assert entries[-1]["bytes"] > 500_000 and entries[-1]["attempt"] == 1  # not retried


def test_robots_txt_behind_a_redirect_is_followed():
    """http→https style: robots.txt answered with a redirect; its rules must still apply."""
    from gongkai.crawl.demo_portal import SITE, DemoPortal, Route
    from gongkai.crawl.fetch import Fetcher
    routes = {"/robots.txt": Route(redirect="/seo/robots.txt"), "/seo/robots.txt": Route(SITE / "robots.txt")}
    with DemoPortal(routes=routes) as moved:
        fetcher = Fetcher(SETTINGS)
        assert fetcher.check_url(moved.url("/private/x.html")) == "refused: disallowed by robots.txt"
        assert fetcher.check_url(moved.url("/generic/ndbg.html")) is None
        assert [r["path"] for r in moved.request_log()] == ["/robots.txt", "/seo/robots.txt"]


def test_hints_pagination_pattern_and_list_selector(portal):
    """A TRS column crawled by hints alone; a dry run without any warehouse."""
    source = Source("trs-hints", "示例市人民政府", "演示", "city", (portal.url("/trs/xxgk/ndbg/index.html"),),
                    hints={"pagination_pattern": "index_{n}.html", "list_selector": "div.list ul",
                           "link_pattern": r"/files/.*\.pdf$"})
    portal.clear_log()
    result = crawl(source, None, None, dry_run=True, settings=SETTINGS)
    paths = [r["path"] for r in portal.request_log()]
    # pages 1 and 2 come from the pager script and the hint; page 3 (a 404) ends the hint's run
    assert paths.count("/trs/xxgk/ndbg/index_1.html") == 1 and "/trs/xxgk/ndbg/index_3.html" in paths
    assert result.error is None and len(result.documents) == 8
    assert any(d.url.endswith("/files/city-2024.pdf") for d in result.documents)

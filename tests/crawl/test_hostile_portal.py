"""A hostile portal on 127.0.0.1 (issue 14, items 10-13 and 16): redirects and links to private
addresses, a server trickling bytes, a list of thousands of attachments, passwords in links,
and the user's own sources file."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gongkai.config import ROOT
from click.testing import CliRunner

from gongkai.crawl import CrawlSettings, Source, crawl, load_sources
from gongkai.crawl.cli_support import format_result
from gongkai.crawl.fetch import ALLOWED_HOSTS_ENV, Fetcher, address_refusal, redact_url
from tests.crawl.conftest import new_warehouse
from tests.crawl.hostile import SSRF_TARGETS, HostilePortal, page, ssrf_routes

FAST = CrawlSettings(delay=0, timeout=5, max_seconds=10, max_retries=0, allowed_hosts=None)

# --- every connect this process makes, seen by an audit hook ----------------------------------
# The hook is the test's own fence: while ``_fence`` names a port, a connect to anything but
# 127.0.0.1:<port> is stopped (and recorded) before it leaves, so even a broken guard sends
# nothing to a private address.
_connects: list = []
_fence: dict = {"port": None}


def _audit(event: str, args) -> None:
    if event == "socket.connect" and _fence["port"] is not None:
        address = args[1]
        _connects.append(address)
        if not (isinstance(address, tuple) and address[:2] == ("127.0.0.1", _fence["port"])):
            raise ConnectionRefusedError(f"test fence: connect to {address} stopped")


sys.addaudithook(_audit)


@pytest.fixture
def unfenced(monkeypatch):
    """No host fence (the guard alone must hold); the audit fence catches a broken guard."""
    monkeypatch.delenv(ALLOWED_HOSTS_ENV, raising=False)
    yield
    _fence["port"] = None


# --- 10. SSRF -------------------------------------------------------------------------------

@pytest.mark.parametrize("address,kind", [
    ("127.0.0.2", "loopback"), ("10.0.0.1", "private"), ("169.254.169.254", "link-local"),
    ("::ffff:127.0.0.2", "loopback"), ("::1", "loopback"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("fe80::1", "link-local"), ("fc00::1", "private"),
    ("100.64.0.1", "not a public"), ("240.0.0.1", "reserved"),
    ("2002:7f00:2::", "loopback"), ("64:ff9b::a00:1", "private")])
def test_private_addresses_are_named(address, kind):
    assert kind in address_refusal(address)


def test_public_address_passes():
    assert address_refusal("93.184.216.34") is None
    assert address_refusal("2606:4700::1111") is None


def test_redirects_and_links_to_private_addresses_are_refused_before_connecting(tmp_path, unfenced):
    con, store = new_warehouse(tmp_path)
    with HostilePortal(ssrf_routes()) as portal:
        _connects.clear()
        _fence["port"] = portal.port
        source = Source("hostile", "示例市人民政府", "示例市", "city", (portal.url("/ndbg.html"),))
        result = crawl(source, store, con, settings=FAST)
        _fence["port"] = None
    # only the portal itself was ever dialled
    assert _connects and all(a[:2] == ("127.0.0.1", portal.port) for a in _connects), _connects
    log = con.execute("SELECT url, attempt, error FROM crawl_log").fetchall()
    for target in SSRF_TARGETS:
        refusals = [(a, e) for u, a, e in log if u == target]
        # once as a redirect target, once as a direct link: refused, nothing sent, the reason said
        assert len(refusals) == 2, (target, log)
        assert all(a == 0 and e.startswith("refused: ") and "address" in e for a, e in refusals)
    assert not con.execute("SELECT url FROM crawl_urls WHERE role = 'report'").fetchall()
    assert not list(store.rglob("*.pdf")) if store.exists() else True
    assert all(d.status == "error" and d.error.startswith("refused: ") for d in result.documents)
    assert len(result.documents) == 2 * len(SSRF_TARGETS)


def test_a_refusal_names_the_address_a_name_resolved_to(unfenced):
    entries = []
    fetcher = Fetcher(FAST, log=entries.append)
    fetched = fetcher.fetch("http://localhost:9/report.pdf")
    assert fetched.error.startswith("refused: localhost (") and "loopback" in fetched.error
    assert entries[-1]["attempt"] == 0


def test_a_host_the_source_names_may_be_private(tmp_path, unfenced):
    """The demo portal on 127.0.0.1, an intranet portal: configured on purpose."""
    con, store = new_warehouse(tmp_path)
    routes = {"/robots.txt": (404, {}, b""),
              "/f/r.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%%EOF\n")}
    routes["/ndbg.html"] = page([("/f/r.pdf", "示例市人民政府2023年政府信息公开工作年度报告")])
    with HostilePortal(routes) as portal:
        source = Source("intranet", "示例市人民政府", "示例市", "city", (portal.url("/ndbg.html"),))
        result = crawl(source, store, con, settings=FAST)
    assert [d.status for d in result.documents] == ["new"]


def test_the_connection_checks_the_address_it_dials(unfenced):
    """Past check_url (as after a DNS answer that changed): the connection refuses by itself."""
    entries = []
    fetcher = Fetcher(FAST, log=entries.append)
    fetched, retriable, _ = fetcher._get_once("http://127.0.0.2:9/x", "report", {}, 1)
    assert fetched.error.startswith("refused: 127.0.0.2 is a loopback address")
    assert not retriable and entries[-1]["attempt"] == 0


def _namespaces_work() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip") or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _namespaces_work(), reason="needs root and unshare -n")
def test_canaries_in_a_private_network_namespace_see_no_request():
    """In a network namespace of the test's own, 127.0.0.2, 10.0.0.1 and 169.254.169.254 exist
    (on lo) and a dual-stack canary listens on port 80 of all of them: it must see nothing."""
    script = ("ip link set lo up && ip addr add 10.0.0.1/32 dev lo && "
              "ip addr add 169.254.169.254/32 dev lo && "
              f"exec {sys.executable} -m tests.crawl.hostile ssrf")
    out = subprocess.run(["unshare", "-n", "sh", "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    # the canary answers a plain connect to each of them
    assert report["control"] == ["10.0.0.1", "127.0.0.2", "169.254.169.254"]
    assert report["hits"] == []
    assert report["reports"] == []
    refused = {u for u, attempt, _, error in report["log"] if attempt == 0 and error.startswith("refused: ")}
    assert set(SSRF_TARGETS) <= refused


# --- 11. slowloris ---------------------------------------------------------------------------

def _trickle(head: bytes, body: bytes, every: float):
    def handler(h) -> None:
        try:
            h.wfile.write(head[:12])  # "HTTP/1.1 200"
            h.wfile.flush()
            for i in range(12, len(head) + len(body)):
                time.sleep(every)
                h.wfile.write((head + body)[i:i + 1])
                h.wfile.flush()
        except OSError:
            pass
        h.close_connection = True
    return handler


@pytest.mark.parametrize("what,head,body", [
    ("slow headers", b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nX-Pad: " + b"a" * 60
     + b"\r\nContent-Length: 5\r\n\r\n", b"%PDF-"),
    ("slow body", b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 200\r\n\r\n",
     b"%PDF-" + b"x" * 195),
    ("slow body, no length", b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n\r\n",
     b"%PDF-" + b"x" * 195),
])
def test_a_trickling_server_is_cut_at_max_seconds(what, head, body):
    routes = {"/robots.txt": (404, {}, b""), "/r.pdf": _trickle(head, body, 0.25)}
    with HostilePortal(routes) as portal:
        settings = CrawlSettings(delay=0, timeout=5, max_seconds=2, max_retries=0,
                                 allowed_hosts=frozenset({"127.0.0.1"}))
        entries = []
        started = time.monotonic()
        fetched = Fetcher(settings, log=entries.append).fetch(portal.url("/r.pdf"), role="report")
        took = time.monotonic() - started
    assert fetched.error == "too slow: response not complete within 2 s", what
    assert fetched.body is None
    assert 1.9 < took < 3.5, took  # each byte came well within the 5 s socket timeout
    assert entries[-1]["error"] == fetched.error


# --- 12. a cap on attachments -----------------------------------------------------------------

def _many_reports(n: int) -> dict:
    routes = {"/robots.txt": (404, {}, b"")}
    links = []
    for i in range(n):
        routes[f"/f/{i}.pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%" + str(i).encode())
        links.append((f"/f/{i}.pdf", f"示例{i}局{2000 + i % 20}年政府信息公开工作年度报告"))
    routes["/ndbg.html"] = page(links)
    return routes


def test_attachments_are_capped_per_source_and_run(tmp_path):
    con, store = new_warehouse(tmp_path)
    with HostilePortal(_many_reports(40)) as portal:
        source = Source("flood", "示例市人民政府", "示例市", "city", (portal.url("/ndbg.html"),),
                        limits={"max_documents": 15})
        settings = FAST.with_overrides(allowed_hosts={"127.0.0.1"})
        result = crawl(source, store, con, settings=settings)
        fetched = [r["path"] for r in portal.log if r["path"].startswith("/f/")]
        assert len(fetched) == 15
        assert result.new == 15 and result.not_fetched == 25
        assert "40 report files found, the first 15 fetched" in result.cap
        assert result.counts()["not_fetched"] == 25
        assert "CAPPED: 40 report files found" in format_result(result)
        # every file left is named in the log, refused before sending, with the cap in words
        capped = con.execute("SELECT count(*) FROM crawl_log WHERE attempt = 0 AND error LIKE "
                             "'refused: over the cap of 15 report files%'").fetchone()[0]
        assert capped == 25
        # what was fetched is kept; the next run fetches those not yet stored first
        assert con.execute("SELECT count(*) FROM crawl_urls WHERE role = 'report'").fetchone()[0] == 15
        portal.log.clear()
        second = crawl(source, store, con, settings=settings)
        assert second.new == 15
        assert con.execute("SELECT count(*) FROM crawl_urls WHERE role = 'report'").fetchone()[0] == 30


def test_max_documents_has_a_default_and_is_a_known_limit():
    assert CrawlSettings().max_documents == 500
    from gongkai.crawl.sources import LIMIT_KEYS
    assert "max_documents" in LIMIT_KEYS


# --- 13. passwords in URLs ------------------------------------------------------------------

def test_redact_url():
    assert redact_url("http://user:pass@h.example/a?b=1") == "http://user:***@h.example/a?b=1"
    assert redact_url("http://token@h.example/") == "http://***@h.example/"
    assert redact_url("http://h.example/a@b") == "http://h.example/a@b"


def test_credentials_in_links_are_not_stored(tmp_path):
    con, store = new_warehouse(tmp_path)
    routes = {"/robots.txt": (404, {}, b""),
              "/f/r.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n%%EOF\n"),
              "/f/gone.pdf": (404, {}, b"")}
    with HostilePortal(routes) as portal:
        base = f"http://admin:s3cret@127.0.0.1:{portal.port}"
        routes["/ndbg.html"] = page([(base + "/f/r.pdf", "示例市人民政府2023年政府信息公开工作年度报告"),
                                     (base + "/f/gone.pdf", "示例市人民政府2022年政府信息公开工作年度报告")])
        source = Source("creds", "示例市人民政府", "示例市", "city", (base + "/ndbg.html",))
        result = crawl(source, store, con, settings=FAST.with_overrides(allowed_hosts={"127.0.0.1"}))
        # the request itself still carried them (the portal asked for them)
        assert any("Authorization" in r["headers"] for r in portal.log)
    stored = [str(row) for table in ("crawl_log", "crawl_urls", "crawl_runs")
              for row in con.execute(f"FROM {table}").fetchall()]
    assert stored and not any("s3cret" in row for row in stored)
    assert any("admin:***@" in row for row in stored)
    shown = json.dumps(result.to_dict(), ensure_ascii=False, default=str)
    assert "s3cret" not in shown and "admin:***@" in shown
    assert [d.status for d in result.documents] == ["new", "error"]


# --- 16. the user's own sources file ---------------------------------------------------------

def _sources_file(path: Path, base: str) -> Path:
    path.write_text(
        "sources:\n"
        "  - id: my-portal\n"
        "    agency: 示例县人民政府\n"
        "    region: 示例县\n"
        "    level: county\n"
        f"    list_urls: ['{base}/ndbg.html']\n"
        "    limits: {delay: 0, max_retries: 0}\n", encoding="utf-8")
    return path


def test_sources_file_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_SOURCES", str(_sources_file(tmp_path / "mine.yaml", "http://127.0.0.1:9")))
    assert list(load_sources()) == ["my-portal"]


def test_gongkai_crawl_dry_run_with_sources_file(tmp_path, monkeypatch):
    from gongkai.cli import main

    monkeypatch.delenv("GONGKAI_SOURCES", raising=False)
    with HostilePortal(_many_reports(2)) as portal:
        sources = _sources_file(tmp_path / "mine.yaml", portal.base_url)
        out = CliRunner().invoke(main, ["crawl", "--sources", str(sources), "--source", "my-portal",
                                        "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "示例0局2000年政府信息公开工作年度报告" in out.output
    assert "GONGKAI_SOURCES" not in os.environ  # the option did not leak into the process

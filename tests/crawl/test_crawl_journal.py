"""A crawl killed before its run publishes keeps its crawl rows: the crawl journals what it
does beside the stored files (``<store>/crawl-journal.jsonl``), and the next crawl of the
source replays into the warehouse the journaled crawls it does not know. The demo portal on
127.0.0.1; the kill is a real SIGKILL of a real `gongkai run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongkai.config import ROOT
from gongkai.crawl import crawl
from gongkai.crawl.store import JOURNAL
from tests.crawl.conftest import SETTINGS
from warehouse.db import connect

GONGKAI = [sys.executable, "-m", "gongkai.cli"]


def _rows(con):
    return {
        "documents": sorted(con.execute("SELECT sha256, path FROM crawl_documents").fetchall()),
        "urls": sorted(con.execute("SELECT url, sha256, role, is_current, first_seen "
                                   "FROM crawl_urls").fetchall()),
        "log": con.execute("SELECT count(*) FROM crawl_log").fetchone()[0],
    }


def _stored_files(store: Path) -> set[str]:
    return {str(p.relative_to(store)) for p in (store / "sha256").rglob("*") if p.is_file()
            and not p.name.startswith(".")}


def test_a_crawl_whose_warehouse_was_lost_is_replayed_from_the_journal(tmp_path, demo_source):
    """A crawl into a staging copy that is then thrown away (as a killed run's is): the next
    crawl into the published warehouse first replays it, once, with its own run id."""
    store = tmp_path / "store"
    lost = connect(tmp_path / "staging-of-a-killed-run.duckdb")
    first = crawl(demo_source, store, lost, settings=SETTINGS, run_id="killed-run:demo",
                  journal_scope="w")
    before = _rows(lost)
    lost.close()  # never published
    assert first.new > 5 and (store / JOURNAL).exists()
    published = connect(tmp_path / "w.duckdb")
    again = crawl(demo_source, store, published, settings=SETTINGS, run_id="next-run:demo",
                  journal_scope="w")
    assert [r["run_id"] for r in again.recovered] == ["killed-run:demo"]
    assert again.recovered[0]["new"] == first.new
    # the next crawl found everything known: conditional requests, nothing new
    assert again.new == 0 and again.changed == 0
    after = _rows(published)
    assert after["documents"] == before["documents"]
    # the same URL versions, first seen when the killed crawl saw them
    assert after["urls"] == before["urls"]
    killed_log = published.execute("SELECT count(*) FROM crawl_log WHERE run_id = ?",
                                   ["killed-run:demo"]).fetchone()[0]
    assert killed_log == before["log"]
    assert published.execute("SELECT new, errors FROM crawl_runs WHERE run_id = ?",
                             ["killed-run:demo"]).fetchone() == (first.new, first.error_count)
    # a third crawl replays nothing again
    third = crawl(demo_source, store, published, settings=SETTINGS, run_id="third-run:demo",
                  journal_scope="w")
    assert third.recovered == []
    assert published.execute("SELECT count(*) FROM crawl_log WHERE run_id = ?",
                             ["killed-run:demo"]).fetchone()[0] == killed_log
    # another warehouse sharing the store replays none of this one's crawls
    other = connect(tmp_path / "other.duckdb")
    assert crawl(demo_source, store, other, settings=SETTINGS, run_id="other:demo",
                 journal_scope="other").recovered == []
    for con in (published, other):
        con.close()


def test_the_journal_keeps_no_password(tmp_path, portal):
    from gongkai.crawl import Source

    source = Source("demo-pw", "示例市人民政府", "示例市", "city",
                    (portal.base_url.replace("http://", "http://user:secret@")
                     + "/generic/ndbg.html",))
    con = connect(tmp_path / "w.duckdb")
    crawl(source, tmp_path / "store", con, settings=SETTINGS)
    con.close()
    text = (tmp_path / "store" / JOURNAL).read_text()
    assert "secret" not in text and text.count("\n") > 3


# --- a real `gongkai run`, killed with SIGKILL mid-crawl ---------------------------------------

def _sources(tmp_path: Path, base: str, delay: float) -> Path:
    path = tmp_path / "mine.yaml"
    urls = ", ".join(f"'{base}{u}'" for u in ("/trs/xxgk/ndbg/index.html",
                                              "/hanweb/col/col123/index.html",
                                              "/generic/ndbg.html"))
    path.write_text(
        "sources:\n  - id: my-demo\n    agency: 示例市人民政府\n    region: 示例市\n"
        f"    level: city\n    list_urls: [{urls}]\n"
        f"    limits: {{delay: {delay}, max_retries: 0, max_bytes: 2000000}}\n", encoding="utf-8")
    return path


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env.update({"DAGSTER_HOME": str(tmp_path / "dagster_home"),
                "GONGKAI_WAREHOUSE": str(tmp_path / "w.duckdb"),
                "GONGKAI_STORE": str(tmp_path / "store"),
                "GONGKAI_CRAWL_ALLOWED_HOSTS": "127.0.0.1", "PYTHONUNBUFFERED": "1"})
    env.pop("GONGKAI_SOURCES", None)
    return env


def _journaled_reports(store: Path) -> list[dict]:
    if not (store / JOURNAL).exists():
        return []
    events = []
    for line in (store / JOURNAL).read_text().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return [e for e in events if e["event"] == "stored" and e["role"] == "report"]


@pytest.mark.xdist_group("crawl_pipeline")
def test_a_crawl_killed_mid_run_keeps_its_crawl_rows(tmp_path, portal):
    store = tmp_path / "store"
    sources = _sources(tmp_path, portal.base_url, delay=0.6)
    log = open(tmp_path / "first.log", "wb")
    first = subprocess.Popen(GONGKAI + ["run", "--sources", str(sources), "--source", "my-demo"],
                             cwd=ROOT, env=_env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(_journaled_reports(store)) < 3:
            if first.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the crawl stored no reports in time:\n"
                            + (tmp_path / "first.log").read_text()[-3000:])
            time.sleep(0.1)
        os.killpg(first.pid, signal.SIGKILL)  # mid-crawl: the run never publishes
        first.wait(30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    killed = {e["run_id"] for e in _journaled_reports(store)}
    assert len(killed) == 1
    [killed_run] = killed
    stored_then = _stored_files(store)
    assert stored_then  # the files are in the store …
    assert not (tmp_path / "w.duckdb").exists()  # … and no warehouse holds a row of them

    sources = _sources(tmp_path, portal.base_url, delay=0.05)
    second = subprocess.run(GONGKAI + ["run", "--sources", str(sources), "--source", "my-demo"],
                            cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True,
                            timeout=600)
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    con = connect(tmp_path / "w.duckdb", read_only=True)
    try:
        documents = dict(con.execute("SELECT path, sha256 FROM crawl_documents").fetchall())
        # every stored file has its crawl_documents row, and each its URL(s) and requests
        assert _stored_files(store) <= set(documents)
        for rel in stored_then:
            sha = documents[rel]
            assert con.execute("SELECT count(*) FROM crawl_urls WHERE sha256 = ?",
                               [sha]).fetchone()[0] >= 1, rel
        # the killed crawl's own rows: its stored reports, first seen by it, its requests
        for e in _journaled_reports(store):
            if e["run_id"] != killed_run:
                continue
            first_seen = con.execute("SELECT first_seen FROM crawl_urls WHERE url = ? AND "
                                     "sha256 = ?", [e["url"], e["sha256"]]).fetchone()
            assert first_seen is not None, e["url"]
            assert first_seen[0].isoformat() == e["time"], e["url"]
            assert con.execute("SELECT count(*) FROM crawl_log WHERE run_id = ? AND url = ?",
                               [killed_run, e["url"]]).fetchone()[0] >= 1
        error = con.execute("SELECT error FROM crawl_runs WHERE run_id = ?",
                            [killed_run]).fetchone()[0]
        assert "recovered from the store's journal" in error
        # nothing twice
        assert con.execute("SELECT count(*) - count(DISTINCT (url, sha256)) FROM crawl_urls"
                           ).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM (SELECT url FROM crawl_urls WHERE is_current "
                           "GROUP BY url HAVING count(*) > 1)").fetchone()[0] == 0
        assert con.execute("SELECT count(*) - count(DISTINCT (time, run_id, url, attempt)) "
                           "FROM crawl_log").fetchone()[0] == 0
        # the second crawl knew the killed one's reports: it asked conditionally
        reports = {e["url"] for e in _journaled_reports(store) if e["run_id"] == killed_run}
        second_run = con.execute("SELECT run_id FROM crawl_runs WHERE run_id <> ? AND NOT dry_run",
                                 [killed_run]).fetchall()
        assert len(second_run) == 1
        conditional = {u for u, c in con.execute(
            "SELECT url, conditional FROM crawl_log WHERE run_id = ?",  # an HTML report: a page
            [second_run[0][0]]).fetchall() if c}
        assert reports <= conditional
        # and the reports were extracted: documents of the warehouse
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] >= len(reports)
    finally:
        con.close()

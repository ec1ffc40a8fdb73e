"""Issue 14 item 6: a crawl killed with SIGKILL mid-run must not hold its host's Dagster pool
slot for ever. Real `gongkai run` processes on a Dagster instance of the test's own, crawling a
portal on 127.0.0.1 whose list page hangs until the test lets it go."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gongkai.config import ROOT

from tests.crawl.hostile import HostilePortal, page

GONGKAI = [sys.executable, "-m", "gongkai.cli"]


def _hanging_list(release: threading.Event, entered: threading.Event):
    status, headers, body = page([])

    def handler(h) -> None:
        entered.set()
        release.wait(120)
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handler


def _env(tmp_path: Path, sources: Path) -> dict:
    env = dict(os.environ)
    env.update({"DAGSTER_HOME": str(tmp_path / "dagster_home"),
                "GONGKAI_WAREHOUSE": str(tmp_path / "w.duckdb"),
                "GONGKAI_STORE": str(tmp_path / "store"),
                "GONGKAI_CRAWL_ALLOWED_HOSTS": "127.0.0.1",
                "PYTHONUNBUFFERED": "1"})
    env.pop("GONGKAI_SOURCES", None)
    return env


def _sources(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "sources:\n  - id: my-portal\n    agency: 示例县人民政府\n    region: 示例县\n"
        f"    level: county\n    list_urls: ['{base}/ndbg.html']\n"
        "    limits: {delay: 0, max_retries: 0, timeout: 60, max_seconds: 90}\n", encoding="utf-8")
    return path


def _start(tmp_path, sources, log_name):
    log = open(tmp_path / log_name, "wb")
    return subprocess.Popen(GONGKAI + ["run", "--sources", str(sources), "--source", "my-portal"],
                            cwd=ROOT, env=_env(tmp_path, sources), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True), tmp_path / log_name


def _wait(event: threading.Event, proc, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not event.wait(0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what}: process ended or took too long\n{log.read_text()[-3000:]}")


def test_a_crawl_killed_mid_run_frees_its_pool_slot(tmp_path):
    release, entered = threading.Event(), threading.Event()
    routes = {"/robots.txt": (404, {}, b""), "/ndbg.html": _hanging_list(release, entered)}
    with HostilePortal(routes) as portal:
        sources = _sources(tmp_path, portal.base_url)
        first, first_log = _start(tmp_path, sources, "first.log")
        try:
            _wait(entered, first, 240, "first crawl reaching the portal", first_log)
            os.kill(first.pid, signal.SIGKILL)  # mid-crawl, holding the host's pool slot
            first.wait(30)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        entered.clear()
        release.set()
        second, second_log = _start(tmp_path, sources, "second.log")
        try:
            rc = second.wait(300)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
            pytest.fail("the second crawl hung:\n" + second_log.read_text()[-3000:])
    out = second_log.read_text()
    assert rc == 0, out[-3000:]
    assert "marked failed" in out and "pool slot" in out, out[-3000:]
    assert entered.is_set()  # the second crawl did reach the portal


def test_a_crawl_waiting_for_a_pool_slot_says_so_and_honours_sigterm(tmp_path):
    """A second run while a live first run holds the host: it says whom it waits for, and
    SIGTERM ends it (and frees what it holds) instead of being ignored."""
    release, entered = threading.Event(), threading.Event()
    routes = {"/robots.txt": (404, {}, b""), "/ndbg.html": _hanging_list(release, entered)}
    with HostilePortal(routes) as portal:
        sources = _sources(tmp_path, portal.base_url)
        first, first_log = _start(tmp_path, sources, "first.log")
        second = None
        try:
            _wait(entered, first, 240, "first crawl reaching the portal", first_log)
            # the second run uses its own warehouse file: the snapshot would stop it otherwise
            env_tmp = tmp_path / "second"
            env_tmp.mkdir()
            log = open(tmp_path / "second.log", "wb")
            env = _env(tmp_path, sources)
            env["GONGKAI_WAREHOUSE"] = str(env_tmp / "w.duckdb")
            second = subprocess.Popen(
                GONGKAI + ["run", "--sources", str(sources), "--source", "my-portal"], cwd=ROOT,
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            second_log = tmp_path / "second.log"
            deadline = time.monotonic() + 240
            while "waiting for pool slot" not in second_log.read_text():
                if second.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("no word of the wait:\n" + second_log.read_text()[-3000:])
                time.sleep(0.5)
            assert first.pid is not None
            text = second_log.read_text()
            assert "of host 127.0.0.1" in text and "held by run" in text, text
            second.send_signal(signal.SIGTERM)
            rc = second.wait(30)
            assert rc != 0
            assert "interrupted" in second_log.read_text()
        finally:
            release.set()
            for proc in (first, second):
                if proc is not None and proc.poll() is None:
                    try:
                        proc.wait(120)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
    assert first.returncode == 0, first_log.read_text()[-3000:]


def test_sigterm_mid_crawl_ends_the_run_and_frees_the_slot(tmp_path):
    release, entered = threading.Event(), threading.Event()
    routes = {"/robots.txt": (404, {}, b""), "/ndbg.html": _hanging_list(release, entered)}
    with HostilePortal(routes) as portal:
        sources = _sources(tmp_path, portal.base_url)
        first, first_log = _start(tmp_path, sources, "first.log")
        try:
            _wait(entered, first, 240, "first crawl reaching the portal", first_log)
            first.send_signal(signal.SIGTERM)  # while the crawl step is reading the list page
            rc = first.wait(60)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        assert rc != 0, first_log.read_text()[-3000:]
        assert "interrupted by SIGTERM" in first_log.read_text()
        entered.clear()
        release.set()
        second, second_log = _start(tmp_path, sources, "second.log")
        try:
            rc = second.wait(300)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
            pytest.fail("the second crawl hung:\n" + second_log.read_text()[-3000:])
    assert rc == 0, second_log.read_text()[-3000:]
    assert "waiting for pool slot" not in second_log.read_text()

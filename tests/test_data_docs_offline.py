"""The Data Docs site works with no network: GX's CDN scripts, styles and fonts are vendored
(expectations/data_docs_assets, with their licences) and linked locally, and the index, loaded
in headless Chromium with the network cut, lists the run's validations."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from expectations.data_docs import (OFFLINE, VENDORED, build_data_docs, make_offline,
                                    validation_pages)
from tests.test_data_docs import BALANCE, NON_NEGATIVE, validations

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _no_network() -> list[str]:
    """A command prefix that runs a program with no network: a new network namespace (only its
    own loopback, down), else nothing (Chromium is then pointed at no proxy and no DNS)."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return ["unshare", "-n"] if probe.returncode == 0 else []


def dump_dom(page: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [*_no_network(), CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             f"--user-data-dir={profile}", "--no-first-run", "--disable-extensions",
             "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
             "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_every_vendored_package_has_its_licence():
    for lib in VENDORED.iterdir():
        assert any(p.name.upper().startswith("LICENSE") for p in lib.iterdir()), lib
    for local in OFFLINE.values():
        assert (VENDORED / local).is_file(), local


def test_the_site_loads_nothing_from_the_network(tmp_path):
    site = tmp_path / "docs"
    build_data_docs(validations(), site)
    assert make_offline(site) == []  # also: rewriting a rewritten site changes nothing
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=[\"']https?:", html), page
        assert not re.search(r"<link[^>]+href=[\"']https?:", html), page
        assert "static/vendor/jquery/dist/jquery.min.js" in html
    # the index and a validation page several folders down both reach the copies
    (page,) = validation_pages(site, BALANCE)
    src = re.search(r'src="([^"]*jquery\.min\.js)"', page.read_text(encoding="utf-8")).group(1)
    assert (page.parent / src).resolve().is_file()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_offline_index_lists_the_validations_in_headless_chromium(tmp_path):
    site = tmp_path / "docs"
    index = build_data_docs(validations(), site)
    pages = [p.relative_to(site).as_posix() for rule in (BALANCE, NON_NEGATIVE)
             for p in validation_pages(site, rule)]
    dom = dump_dom(index)
    # bootstrap-table (a script) turned the index's data into rows, one per validation
    rows = re.findall(r'<tr class="clickable-row" data-href="([^"]+)" data-index="\d+"', dom)
    assert sorted(r for r in rows if r.startswith("validations/")) == sorted(pages)
    assert len(pages) == 2
    # the suites' table too, one row per rule
    assert sorted(r for r in rows if r.startswith("expectations/")) == [
        "expectations/applications/balance.html",
        "expectations/plausibility/non_negative.html"]
    assert "fixed-table-container" in dom
    # and without the vendored copies (what GX's own links give offline), no row at all: the
    # test sees the difference
    shutil.rmtree(site / "static" / "vendor")
    assert 'class="clickable-row"' not in dump_dom(index)

"""People keep the warehouse open in a DuckDB session while a run works: the run neither fails
nor blocks, the open session keeps its consistent (old) data, and a session opened after the run
sees all of it at once. A real second process holds the file open."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from assets.crawl import CRAWL_ASSETS
from pipelines.definitions import defs
from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
from expectations.data_docs import data_docs_dir
from warehouse import store

pytestmark = pytest.mark.xdist_group("pipeline")

REPORTS = Path(__file__).resolve().parent / "fixtures" / "reports"

# holds the warehouse open read-only, reports the documents it sees before and after being told
# that a run has finished, without reconnecting
READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
    sys.stdin.readline()
    print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
""")


def materialize(folder: Path, db: Path):
    """check_reports_job's assets (no crawl) over ``folder``."""
    return dg.materialize(
        [a for a in defs.assets if a not in CRAWL_ASSETS] + list(defs.asset_checks),
        instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(path=str(db)),
                   "reports": ReportFolderResource(folders=[str(folder)]),
                   "crawl": CrawlResource(store_dir=str(db.parent / "store"))},
        raise_on_error=False,
    )


def count_documents(db: Path) -> int:
    con = store.connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()


def test_a_run_while_a_session_holds_the_warehouse_open(tmp_path):
    folder, db = tmp_path / "reports", tmp_path / "gongkai.duckdb"
    folder.mkdir()
    pdfs = sorted(REPORTS.glob("*.pdf"))[:2]
    shutil.copy(pdfs[0], folder)
    assert materialize(folder, db).success
    assert count_documents(db) == 1

    reader = subprocess.Popen([sys.executable, "-c", READER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "1"
        shutil.copy(pdfs[1], folder)
        result = materialize(folder, db)  # the session is still open
        assert result.success
        assert count_documents(db) == 2  # a new session sees the whole run
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"  # the open one, its snapshot, unharmed
    finally:
        reader.kill()
        reader.wait()
    assert not list(tmp_path.glob(".gongkai.duckdb.*.staging"))


def test_a_failed_run_publishes_nothing(tmp_path):
    folder, db = tmp_path / "reports", tmp_path / "gongkai.duckdb"
    folder.mkdir()
    shutil.copy(sorted(REPORTS.glob("*.pdf"))[0], folder)
    assert materialize(folder, db).success
    before = db.read_bytes()
    docs = data_docs_dir(db) / "index.html"  # data_docs/gongkai/: each warehouse its own
    docs_before = docs.read_bytes()
    # a warehouse whose facts break our own integrity check: the blocking check stops the run
    # before publication, and the published file stays as it was
    shutil.copy(sorted(REPORTS.glob("*.pdf"))[1], folder)
    original = store.load_reports

    def load_without_pages(con, items, known=()):
        for report, _, _ in items:
            for fact in report.facts:
                fact.page = 0
        return original(con, items, known)

    store.load_reports = load_without_pages
    try:
        result = materialize(folder, db)
    finally:
        store.load_reports = original
    assert not result.success
    assert db.read_bytes() == before
    assert docs.read_bytes() == docs_before  # the Data Docs of the published run stay

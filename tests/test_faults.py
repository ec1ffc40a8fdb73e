"""Issue 14: what broke under bad input and faults, each reproduced with a file made by
tests/fixtures/faults/make_faults.py (into a temporary folder), then held."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.faults import make_faults as F
from tests.golden import FIXTURES

DISTRICT_FINANCE_GOLDEN = FIXTURES / "golden" / "t21-demo-district-finance-2023.json"


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def stray(faults):
    from gongkai.extract import extract_report

    return extract_report(F.stray_characters(faults))


@pytest.fixture(scope="module")
def garbled(faults):
    from gongkai.extract import extract_report

    return extract_report(F.stray_characters(faults, garble_header="research_institution",
                                             name="garbled-header.pdf"))


# --- 1. an unreadable cell is not a 0 --------------------------------------------------------

def test_unreadable_cells_make_their_rules_not_assessable(stray):
    from expectations.evaluate import check_report

    for key in F.FOURTEENS:
        assert stray.fact(*key).raw == "14x" and stray.fact(*key).value is None
        assert any(p.code == "cell.unreadable" and (p.table, p.row, p.column) == key
                   for p in stray.problems)
    findings = check_report(stray)
    touched = [f for f in findings
               if any((o["table"], o["row"], o["column"]) in F.FOURTEENS for o in f["operands"])]
    assert {(f["rule"], f["column"] or f["row"]) for f in touched} >= {
        ("applications.balance", "natural_person"),
        ("applications.applicant_sum", "new_requests"),
        ("applications.applicant_sum", "total_processed"),
        ("applications.carried_forward_bound", "natural_person"),
        ("applications.processed_bound", "natural_person"),
        ("applications.outcome_sum", "natural_person")}
    for f in touched:
        assert f["status"] == "not_assessable", f["message"]
        assert f["expected"] is None and f["actual"] is None
        assert '"14x" unreadable' in f["message"], f["message"]
        assert "blank cell was counted as 0" not in f["message"]
        assert any(o.get("unreadable") for o in f["operands"])
    # every other instance is unchanged: the report's own failure elsewhere still fails
    assert ("applications.balance", "total") in {
        (f["rule"], f["column"]) for f in findings if f["status"] == "fail"}


def test_a_placeholder_is_still_blank_not_unreadable(stray):
    """'/' (the report's way of writing 0) stays a blank counted as 0, as the goldens say."""
    from expectations.evaluate import check_report

    slash = [f for f in check_report(stray) if f["rule"] == "applications.applicant_sum"
             and f["row"] == "not_processed_petition"][0]
    assert slash["status"] == "pass" and "A blank cell was counted as 0." in slash["message"]
    assert not any(o.get("unreadable") for o in slash["operands"])


# --- 2. no cell vanishes without a problem ---------------------------------------------------

def test_every_cell_is_read_or_named_by_a_problem(garbled):
    from gongkai.extract.tables import expected_cells, unaccounted_cells

    assert garbled.fact("applications", "granted", "research_institution") is None
    assert unaccounted_cells(garbled.template, garbled.facts, garbled.problems) == []
    # the rows that have a problem of their own (the unreadable "14x") lose the garbled
    # column too: named cell by cell
    named = {(p.table, p.row, p.column) for p in garbled.problems if p.code == "cell.missing"}
    assert {("applications", "new_requests", "research_institution"),
            ("applications", "total_processed", "research_institution")} <= named
    assert len(expected_cells(garbled.template, garbled.facts)) == 200


def test_fixture_reports_have_every_cell(stray):
    from gongkai.extract import extract_report
    from gongkai.extract.tables import expected_cells, unaccounted_cells

    report = extract_report(F.DISTRICT_FINANCE)
    assert report.problems == []
    assert {(f.table, f.row, f.column) for f in report.facts} == \
        set(expected_cells(report.template, report.facts))
    assert unaccounted_cells(stray.template, stray.facts, stray.problems) == []


# --- 3. "no copy" PDFs are read --------------------------------------------------------------

@pytest.mark.parametrize("permissions", [0, -3904])
def test_owner_password_pdfs_are_read(faults, permissions, tmp_path, monkeypatch):
    import tempfile
    from pathlib import Path

    # this test's own temporary folder: the decrypted copies of other tests are not counted
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    from gongkai.extract import extract_report
    from gongkai.extract.document import open_pdf

    pdf = F.no_copy(faults, permissions=permissions)
    import pypdfium2.raw as pdfium_c
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    assert pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1  # encrypted indeed
    doc.close()
    before = set(Path(tempfile.gettempdir()).glob("gongkai-unlocked-*"))
    report = extract_report(pdf)
    golden = json.loads(DISTRICT_FINANCE_GOLDEN.read_text())
    assert [(f["table"], f["row"], f["column"], f["value"], f["raw"], f["page"])
            for f in report.facts_json()] == \
        [(f["table"], f["row"], f["column"], f["value"], f["raw"], f["page"])
         for f in golden["facts"]]
    assert report.problems == []
    assert report.document.path == str(pdf)  # the document's own name and bytes
    from gongkai.extract.intake import sha256_of
    assert report.document.sha256 == sha256_of(pdf)
    # the decrypted copy the layout readers were given is gone
    assert set(Path(tempfile.gettempdir()).glob("gongkai-unlocked-*")) == before
    opened = open_pdf(pdf)
    assert opened.layout_path != str(pdf)
    opened.close()
    assert not Path(opened.layout_path).exists()


# --- 4. failures are not permanent -----------------------------------------------------------

def test_failures_are_retried_under_a_new_reader_version(tmp_path):
    from gongkai.extract import extract_report
    from gongkai.extract.intake import Extraction, reader_version, sha256_of
    from warehouse import store

    version = reader_version()
    assert version.startswith("gongkai ") and "; pdf " in version
    con = store.connect(tmp_path / "w.duckdb")
    try:
        store.record_load_error(con, "/r/old.pdf", "extraction failed: a bug of ours", "aa" * 32,
                                reader_version="gongkai 0.0.9; intake 1; pdf 1")
        store.record_load_error(con, "/r/now.pdf", "not a PDF", "bb" * 32)
        assert con.execute("SELECT reader_version FROM load_errors WHERE path = '/r/now.pdf'"
                           ).fetchone()[0] == version
        settled = store.settled_documents(con)
        assert "bb" * 32 in settled and "aa" * 32 not in settled  # older reader: retried
        assert store.settled_documents(con, retry_failed=True) == set()  # on demand: all
        # the same failure again: one row, brought up to the current version
        store.record_load_error(con, "/r/old.pdf", "extraction failed: a bug of ours", "aa" * 32)
        assert con.execute("SELECT count(*), any_value(reader_version) FROM load_errors "
                           "WHERE path = '/r/old.pdf'").fetchone() == (1, version)
        # read at last (the bug fixed): the failure is history
        report = extract_report(F.DISTRICT_FINANCE)
        store.record_load_error(con, str(F.DISTRICT_FINANCE), "extraction failed: old", sha256_of(F.DISTRICT_FINANCE),
                                reader_version="gongkai 0.0.9; intake 1; pdf 1")
        assert sha256_of(F.DISTRICT_FINANCE) not in store.settled_documents(con)
        store.load_extraction(con, Extraction(reports=[report]))
        assert con.execute("SELECT count(*) FROM load_errors WHERE sha256 = ?",
                           [sha256_of(F.DISTRICT_FINANCE)]).fetchone()[0] == 0
        assert sha256_of(F.DISTRICT_FINANCE) in store.settled_documents(con)
    finally:
        con.close()


def test_retry_failed_resource_reads_failed_documents_again(tmp_path):
    import dagster as dg

    from assets import documents
    from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
    from gongkai.extract.intake import sha256_of
    from tests.samples import write_not_a_pdf
    from warehouse import store

    folder = tmp_path / "reports"
    folder.mkdir()
    bad = write_not_a_pdf(folder / "error-page.pdf")
    db = tmp_path / "w.duckdb"
    con = store.connect(db)
    store.record_load_error(con, str(bad), "not a PDF", sha256_of(bad))
    con.close()

    def listed(retry: bool) -> list[dict]:
        result = dg.materialize(
            [documents.report_documents], instance=dg.DagsterInstance.ephemeral(),
            resources={"warehouse": WarehouseResource(path=str(db)),
                       "reports": ReportFolderResource(folders=[str(folder)],
                                                       retry_failed=retry),
                       "crawl": CrawlResource(store_dir=str(tmp_path / "store"))})
        return result.output_for_node("report_documents")

    assert [d["settled"] for d in listed(False)] == [True]
    assert [d["settled"] for d in listed(True)] == [False]


# --- 7. a name that is not UTF-8 ------------------------------------------------------------

NON_UTF8 = "示例报告-".encode() + b"\xb1\xa8\xb8\xe6-2023.pdf"  # GBK bytes in a UTF-8 folder


def _non_utf8_copy(folder) -> str:
    import os

    folder = os.fsencode(str(folder))
    target = os.path.join(folder, NON_UTF8)
    with open(target, "wb") as fh:
        fh.write(F.DISTRICT_FINANCE.read_bytes())
    return os.fsdecode(target)


def test_non_utf8_names_are_stored_losslessly(tmp_path):
    import os

    from gongkai.extract import extract_report
    from gongkai.extract.intake import Extraction, display_name, list_documents, name_bytes
    from warehouse import store

    path = _non_utf8_copy(tmp_path)
    (docs, _notes) = list_documents([tmp_path])
    assert [d["path"] for d in docs] == [path] and docs[0]["sha256"]
    shown = display_name(path)
    assert "\\xb1\\xa8" in shown and shown.endswith("-2023.pdf")
    assert bytes.fromhex(name_bytes(path)) == os.fsencode(path)
    report = extract_report(path)
    con = store.connect(tmp_path / "w.duckdb")
    try:
        result = store.load_extraction(con, Extraction(
            reports=[report], unreadable=[{"path": path + ".bad", "sha256": None,
                                           "reason": f"cannot be read: {path}"}]))
        assert [r["status"] for r in result["loaded"]] == ["loaded"]
        source, raw = con.execute("SELECT source, source_bytes FROM documents").fetchone()
        assert source == shown and bytes.fromhex(raw) == os.fsencode(path)
        error_path, error_bytes, reason = con.execute(
            "SELECT path, path_bytes, reason FROM load_errors").fetchone()
        assert error_path == shown + ".bad" and bytes.fromhex(error_bytes) == \
            os.fsencode(path + ".bad")
        assert shown in reason
    finally:
        con.close()


def _gongkai(*args, timeout=300, **kw):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], capture_output=True,
                          timeout=timeout, **kw)


def test_check_reads_a_non_utf8_name(tmp_path):
    path = _non_utf8_copy(tmp_path)
    for args in ((), ("--json",)):
        proc = _gongkai("check", *args, path)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")
        out = proc.stdout.decode("utf-8")  # valid UTF-8, the name escaped
        assert ("示例报告-\\xb1\\xa8\\xb8\\xe6-2023.pdf" if not args
                else "示例报告-\\\\xb1\\\\xa8") in out
        assert "Traceback" not in proc.stderr.decode("utf-8")
    record = json.loads(_gongkai("check", "--json", path).stdout)
    assert record["document"]["path"].endswith("示例报告-\\xb1\\xa8\\xb8\\xe6-2023.pdf")
    assert len(record["facts"]) == 200


# --- 8. a bound on every document's memory and time ------------------------------------------

def test_a_document_inflating_past_the_memory_limit_is_recorded_and_the_run_goes_on(faults):
    from gongkai.extract.bounded import Limits
    from gongkai.extract.intake import extract_documents

    bomb = F.inflating_stream(faults, size=1536 << 20)  # 1.5 GiB inflated, ~1.5 MiB on disk
    assert bomb.stat().st_size < 4 << 20
    docs = [{"path": str(bomb), "sha256": "bomb"},
            {"path": str(F.DISTRICT_FINANCE), "sha256": "good"}]
    out = extract_documents(docs, limits=Limits(memory_bytes=1 << 30, seconds=120))
    assert [len(r.facts) for r in out.reports] == [200]
    [failed] = out.unreadable
    assert failed["path"] == str(bomb)
    assert "memory limit of 1 GiB per document" in failed["reason"], failed["reason"]


def test_a_document_over_the_time_limit_is_recorded(faults):
    from gongkai.extract.bounded import Limits
    from gongkai.extract.intake import extract_documents

    prose = F.text_report(faults)
    docs = [{"path": str(F.DISTRICT_FINANCE), "sha256": "slow"}, {"path": str(prose), "sha256": "quick"}]
    # a limit no real report is read within (a report takes ~0.2-1 s), so the test does not
    # depend on how fast the machine or the reader is
    out = extract_documents(docs, limits=Limits(memory_bytes=1 << 30, seconds=0.02))
    assert out.unreadable[0]["path"] == str(F.DISTRICT_FINANCE)
    assert "time limit" in out.unreadable[0]["reason"] and "0.02 s" in out.unreadable[0]["reason"]


# --- 9. a FIFO is refused at once -------------------------------------------------------------

def test_check_json_on_a_fifo_returns_at_once(tmp_path):
    import os
    import time

    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)
    started = time.monotonic()
    proc = _gongkai("check", "--json", str(fifo), timeout=120)
    assert time.monotonic() - started < 60
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert record["document"]["sha256"] is None
    assert "not a file (a FIFO)" in record["error"]
    assert "not a file (a FIFO)" in proc.stderr.decode()


# --- 7, 14, 15 through `gongkai run` ---------------------------------------------------------

def _dead_run(home, run_id: str):
    """A run of `gongkai run` left STARTED by a process that is gone (killed with -9)."""
    import os

    import dagster as dg

    import socket

    from assets.crawl import PROCESS_TAG
    from gongkai.cli import INSTANCE_CONFIG

    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG)
    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

            instance.add_run(DagsterRun(job_name="check_reports_job", run_id=run_id,
                                        status=DagsterRunStatus.STARTED,
                                        tags={PROCESS_TAG: f"{socket.gethostname()}:4194000:1"}))
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved


def _status(home, run_id: str):
    import os

    import dagster as dg

    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            return instance.get_run_by_id(run_id).status.value
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved


def test_run_after_a_dead_run_over_odd_names_and_noisy_pdfs(tmp_path, faults):
    """A run after one killed with -9: the dead run is marked failed, its staging copy and
    staged Data Docs are removed; a report and a broken file with names that are not UTF-8
    do not fail the run; pdfminer's warnings about damaged streams go to the library log."""
    import os
    import shutil

    folder = tmp_path / "reports"
    folder.mkdir()
    _non_utf8_copy(folder)
    with open(os.path.join(os.fsencode(str(folder)), b"\xd5\xe2-broken.pdf"), "wb") as fh:
        fh.write(b"%PDF-1.4\n" + b"\x00" * 300)
    shutil.copy(F.corrupt_streams(faults), folder / "corrupt-streams.pdf")
    home, wdir = tmp_path / "dagster_home", tmp_path / "w"
    wdir.mkdir()
    db = wdir / "gongkai.duckdb"
    dead = "0badc0de-dead-4000-8000-000000000001"
    _dead_run(home, dead)
    staging = wdir / f".gongkai.duckdb.{dead}.staging"
    staging.write_bytes(b"a full-size copy, once")
    (wdir / f".gongkai.duckdb.{dead}.staging.base").write_text("absent")
    staged_docs = wdir / f".data_docs.gongkai.{dead}.staging"
    staged_docs.mkdir()
    (staged_docs / "index.html").write_text("<html></html>")

    proc = _gongkai("run", "--reports", str(folder), "--warehouse", str(db), timeout=900,
                    env={**os.environ, "DAGSTER_HOME": str(home)})
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert proc.returncode == 0, out + err
    assert "check_reports_job succeeded" in out
    assert _status(home, dead) == "FAILURE"
    assert f"run {dead} (process 4194000, gone) marked failed" in err
    assert not staging.exists() and not staged_docs.exists()
    assert not list(wdir.glob(f".*{dead}*"))
    assert "documents:                2" in out
    assert "load errors:              1" in out
    assert "\\xd5\\xe2-broken.pdf" in out
    # pdfminer's warnings: in the library log, not on the terminal
    log = home / "logs" / "libraries.log"
    assert "while decompressing data" not in out + err
    assert "while decompressing data" in log.read_text()
    assert f"Library warnings (pdfminer, Camelot …): {log}" in out
    from warehouse import store

    con = store.connect(db, read_only=True)
    try:
        rows = con.execute("SELECT source, source_bytes FROM documents ORDER BY source").fetchall()
        assert [bytes.fromhex(b) for _, b in rows if b] == [
            os.fsencode(os.path.join(str(folder), os.fsdecode(NON_UTF8)))]
        [(path, raw)] = con.execute("SELECT path, path_bytes FROM load_errors").fetchall()
        assert path.endswith("\\xd5\\xe2-broken.pdf") and bytes.fromhex(raw).endswith(
            b"\xd5\xe2-broken.pdf")
    finally:
        con.close()


def test_a_failed_run_ends_with_its_cause(tmp_path):
    """The warehouse cannot be written (its folder is a file): the last line says why."""
    import os
    import shutil

    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(F.DISTRICT_FINANCE, folder / F.DISTRICT_FINANCE.name)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the warehouse's folder should be\n")
    proc = _gongkai("run", "--reports", str(folder), "--warehouse",
                    str(blocker / "gongkai.duckdb"), timeout=900,
                    env={**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")})
    assert proc.returncode != 0
    last = proc.stderr.decode("utf-8").rstrip().splitlines()[-1]
    assert last.startswith("Error: run ") and "failed in step(s)" in last, last
    # the innermost error, as Python said it (mkdir of the warehouse's folder)
    assert last.endswith(f"FileExistsError: [Errno 17] File exists: '{blocker}'"), last


# --- 5. odd entries: every one accounted for -------------------------------------------------

def test_odd_entries_named_pdf_are_recorded(tmp_path):
    import os

    from gongkai.extract.intake import extract_documents, list_documents
    from warehouse import store

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a-folder.pdf").mkdir()
    os.mkfifo(folder / "a-fifo.pdf")
    zipped = F.zip_named_pdf(folder)
    assert b"%PDF-" in zipped.read_bytes()[:1024]
    docs, _notes = list_documents([folder])
    assert sorted(d["name"] for d in docs) == ["a-fifo.pdf", "a-folder.pdf", zipped.name]
    out = extract_documents(docs)
    assert out.reports == []
    reasons = {os.path.basename(u["path"]): u["reason"] for u in out.unreadable}
    assert reasons["a-folder.pdf"] == "not a file (a directory)"
    assert reasons["a-fifo.pdf"] == "not a file (a FIFO)"
    assert "zip" in reasons[zipped.name] and "not a PDF" in reasons[zipped.name]
    con = store.connect(tmp_path / "w.duckdb")
    try:
        store.load_extraction(con, out)
        assert con.execute("SELECT count(*) FROM load_errors").fetchone()[0] == 3
    finally:
        con.close()


# --- 15. each warehouse its own Data Docs ----------------------------------------------------

def test_warehouses_in_one_folder_keep_their_own_data_docs(tmp_path):
    from expectations.data_docs import (data_docs_dir, publish_data_docs,
                                        remove_staged_data_docs, staged_data_docs_dir)
    from warehouse.backend import DuckDBFile

    a, b = DuckDBFile(tmp_path / "a.duckdb"), DuckDBFile(tmp_path / "b.duckdb")
    assert data_docs_dir(a) != data_docs_dir(b)
    for warehouse, text in ((a, "site of a"), (b, "site of b")):
        staged = staged_data_docs_dir(warehouse, "run-1")
        staged.mkdir(parents=True)
        (staged / "index.html").write_text(text)
    publish_data_docs(a, "run-1")
    assert (data_docs_dir(a) / "index.html").read_text() == "site of a"
    # b's staged site is b's: publishing a's neither takes nor removes it
    assert (staged_data_docs_dir(b, "run-1") / "index.html").read_text() == "site of b"
    assert not data_docs_dir(b).exists()
    # at the next start, with run-1 alive, b's staged site stays; once dead, it goes
    assert remove_staged_data_docs(b, {"run-1"}) == []
    assert remove_staged_data_docs(b, set()) == [staged_data_docs_dir(b, "run-1")]
    assert (data_docs_dir(a) / "index.html").exists()


def test_staging_copies_of_live_runs_are_kept(tmp_path):
    from warehouse import snapshot

    published = tmp_path / "gongkai.duckdb"
    published.write_bytes(b"published")
    live, dead = snapshot.staging_path(published, "live-run"), \
        snapshot.staging_path(published, "dead-run")
    for path in (live, dead):
        path.write_bytes(b"copy")
        path.with_name(path.name + ".base").write_text("absent")
    removed = snapshot.remove_leftovers(published, {"live-run"})
    assert sorted(p.name for p in removed) == sorted([dead.name, dead.name + ".base"])
    assert live.exists() and published.read_bytes() == b"published"


def test_the_ocr_engines_get_their_allowance_only_in_a_bounded_worker():
    """A bounded worker's soft limit is the document's, its hard limit leaves OCR_ALLOWANCE for
    the engines; allow_ocr() raises the soft one to it (and does nothing unbounded)."""
    import multiprocessing
    import resource

    from gongkai.extract import bounded

    def limits_before_and_after(conn):
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, (1 << 30) + bounded.OCR_ALLOWANCE))
        before = resource.getrlimit(resource.RLIMIT_AS)
        bounded.allow_ocr()
        conn.send((before, resource.getrlimit(resource.RLIMIT_AS)))

    parent, child = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(target=limits_before_and_after,
                                                          args=(child,))
    process.start()
    before, after = parent.recv()
    process.join(10)
    limit = 1 << 30
    assert before == (limit, limit + bounded.OCR_ALLOWANCE)
    assert after == (limit + bounded.OCR_ALLOWANCE, limit + bounded.OCR_ALLOWANCE)
    unbounded = resource.getrlimit(resource.RLIMIT_AS)
    bounded.allow_ocr()
    assert resource.getrlimit(resource.RLIMIT_AS) == unbounded

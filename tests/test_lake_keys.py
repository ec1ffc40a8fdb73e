"""Every table's natural key holds no duplicate, on the DuckDB file (which enforces its keys)
and on a DuckLake (which enforces none: the writers keep them unique), after loading the same
reports twice, evaluating the rules twice, and two processes loading the same reports into one
lake at the same moment. Identifiers come from the data: the same document gets the same id on
both backends."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest

from warehouse import db, store
from warehouse.integrity import duplicate_keys

pytestmark = pytest.mark.xdist_group("lake")

REPORTS = Path(__file__).resolve().parent / "fixtures" / "reports"
FIXTURES = sorted(REPORTS.glob("*.pdf"))[:4]


@cache
def extraction():
    from gongkai.extract import intake

    documents, _ = intake.list_documents([REPORTS], recursive=False)
    chosen = [d for d in documents if Path(d["path"]).name in {p.name for p in FIXTURES}]
    return intake.extract_documents(chosen, bounded=False)


def load_and_evaluate(con) -> None:
    from expectations import incremental
    from expectations.validate import Validation

    store.load_extraction(con, extraction())
    work = incremental.plan(con)
    incremental.store_changes(con, work, incremental.evaluate_changes(
        con, work, validation=Validation()))


def assert_sound(con) -> None:
    assert duplicate_keys(con) == {}
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == len(FIXTURES)
    # ids from the data: report_id = document_id = the sha256's first 15 hex digits
    for sha, doc, rep in con.execute("SELECT d.sha256, d.document_id, r.report_id FROM "
                                     "documents d JOIN reports r USING (document_id)").fetchall():
        assert doc == rep == store.document_id(sha) == int(sha[:15], 16)


def test_every_natural_key_is_declared():
    keys = db.natural_keys()
    assert keys["documents"] == [("document_id",), ("sha256",)]
    assert keys["facts"] == [("report_id", "table_name", "row_key", "column_key")]
    assert keys["rule_results"] and keys["load_errors"]
    # a table without a key says so in schema.sql
    assert {t for t, k in keys.items() if not k} == {"extraction_problems", "crawl_log",
                                                     "last_write"}
    lake_ddl = db.schema_sql(lake=True)
    assert "PRIMARY KEY" not in lake_ddl and "nextval" not in lake_ddl
    assert " UNIQUE" not in db._strip_comments(lake_ddl)


def test_no_duplicate_key_on_the_file(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    try:
        load_and_evaluate(con)
        load_and_evaluate(con)  # again: nothing new, nothing doubled
        assert_sound(con)
        assert con.execute("SELECT count(*) FROM rule_results").fetchone()[0] > 0
    finally:
        con.close()


def test_no_duplicate_key_on_the_lake(pg, tmp_path):
    location = pg.lake("keys")
    from warehouse import lake

    con = lake.connect(location, data_path=str(tmp_path / "data"))
    try:
        load_and_evaluate(con)
        load_and_evaluate(con)
        assert_sound(con)
        results = con.execute("SELECT count(*) FROM rule_results").fetchone()[0]
    finally:
        con.close()
    # the same reports on the file give the same rows, the same ids
    file_con = db.connect(tmp_path / "w.duckdb")
    try:
        load_and_evaluate(file_con)
        assert file_con.execute("SELECT count(*) FROM rule_results").fetchone()[0] == results
        ids = sorted(file_con.execute("SELECT report_id FROM reports").fetchall())
    finally:
        file_con.close()
    con = lake.connect(location, read_only=True)
    try:
        assert sorted(con.execute("SELECT report_id FROM reports").fetchall()) == ids
    finally:
        con.close()


# loads the four reports into the lake, once the parent says go (so that both processes
# commit at the same moment)
LOADER = textwrap.dedent("""
    import sys
    from tests.test_lake_keys import extraction
    from warehouse import lake, store
    batch = extraction()
    con = lake.connect(sys.argv[1], data_path=sys.argv[2])
    print("ready", flush=True)
    sys.stdin.readline()
    result = store.load_extraction(con, batch)
    print(sorted(r["status"] for r in result["loaded"]), flush=True)
""")


def test_two_writers_loading_the_same_reports_at_once(pg, tmp_path):
    """Both commit; the second conflicts (the ``last_write`` row), is retried, finds the
    documents loaded and loads nothing twice."""
    location = pg.lake("same_reports")
    data = str(tmp_path / "data")
    from warehouse import lake

    lake.connect(location, data_path=data).close()  # the schema, made once
    root = Path(__file__).resolve().parents[1]
    writers = [subprocess.Popen([sys.executable, "-c", LOADER, location, data], cwd=root,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    for w in writers:
        assert w.stdout.readline().strip() == "ready"
    for w in writers:
        w.stdin.write("go\n")
        w.stdin.flush()
    outputs = [w.communicate(timeout=600)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    statuses = sorted(o.strip().splitlines()[-1] for o in outputs)
    assert statuses == [str(["loaded"] * 4), str(["unchanged"] * 4)], outputs
    con = lake.connect(location, read_only=True)
    try:
        assert_sound(con)
    finally:
        con.close()

"""`gongkai sql`: a read-only query on the configured warehouse, as a table, CSV or JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gongkai.extract import extract_report
from tests.samples import sample_pdfs
from warehouse import db, store


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("sql") / "gongkai.duckdb"
    con = db.connect(path)
    try:
        store.load_report(con, extract_report(sample_pdfs(1)[0]))
    finally:
        con.close()
    return path


def sql(*args, env=None):
    return subprocess.run([sys.executable, "-m", "gongkai.cli", "sql", *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_csv_and_json(warehouse):
    proc = sql("--csv", "SELECT count(*) AS n FROM reports", "--warehouse", str(warehouse))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "n\n1\n"
    proc = sql("--json", "SELECT agency, year FROM reports",
               env={"GONGKAI_WAREHOUSE": str(warehouse)})
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert set(row) == {"agency", "year"} and row["agency"]


def test_table_names_columns_and_rows(warehouse):
    proc = sql("SELECT table_name, count(*) AS cells FROM facts GROUP BY ALL ORDER BY 1",
               "--warehouse", str(warehouse))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["table_name", "cells"] and lines[-1] == "(3 rows)"


def test_writes_are_refused_and_errors_are_clear(warehouse, tmp_path):
    proc = sql("DELETE FROM facts", "--warehouse", str(warehouse))
    assert proc.returncode != 0 and "read-only" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr
    proc = sql("SELECT * FROM no_such_table", "--warehouse", str(warehouse))
    assert proc.returncode != 0 and "no_such_table" in proc.stderr
    missing = tmp_path / "none.duckdb"
    proc = sql("SELECT 1", "--warehouse", str(missing))
    assert proc.returncode != 0 and str(missing) in proc.stderr and not missing.exists()

"""`gongkai export --format parquet|csv|xlsx`: the wide views and findings of a warehouse built
from real PDFs, written and read back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.xdist_group("export")

FIXTURES = Path(__file__).parent / "fixtures"
PDFS = (FIXTURES / "reports" / "t21-gulou-finance-2023.pdf",
        FIXTURES / "real" / "huaian-city-2024.pdf")
VIEWS = {"active_disclosure": "v_active_disclosure", "applications": "v_applications",
         "review_litigation": "v_review_litigation", "findings": "v_findings"}


@pytest.fixture(scope="module")
def wh(tmp_path_factory) -> Path:
    import expectations
    from gongkai.extract import extract_report
    from warehouse.store import connect, load_report

    path = tmp_path_factory.mktemp("wh") / "gongkai.duckdb"
    con = connect(path)
    try:
        ids = [load_report(con, extract_report(p), str(p))["report_id"] for p in PDFS]
        expectations.store(con, expectations.evaluate(con, ids))
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def view_rows(wh) -> dict[str, int]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        counts = {name: con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
                  for name, view in VIEWS.items()}
        counts["failed"] = con.execute(
            "SELECT count(*) FROM v_findings WHERE status = 'fail'").fetchone()[0]
        counts["columns"] = {name: [d[0] for d in con.execute(
            f"SELECT * FROM {view} LIMIT 0").description] for name, view in VIEWS.items()}
    finally:
        con.close()
    assert counts["applications"] > 0 and counts["findings"] > 0 and counts["failed"] > 0
    return counts


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_files(wh, view_rows, tmp_path, fmt):
    from gongkai.export import export

    written = export(wh, fmt, tmp_path)
    assert [name for name, _, _ in written] == list(VIEWS)
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    con = duckdb.connect()
    for name, path, rows in written:
        assert path == tmp_path / f"{name}.{fmt}" and path.exists()
        assert rows == view_rows[name]
        back = con.execute(f"SELECT * FROM {reader}('{path}')")
        assert [d[0] for d in back.description] == view_rows["columns"][name]
        assert len(back.fetchall()) == view_rows[name]
    failed = con.execute(f"SELECT count(*) FROM {reader}('{tmp_path}/findings.{fmt}') "
                         "WHERE status = 'fail'").fetchone()[0]
    assert failed == view_rows["failed"]
    # the agency is readable text, not mojibake
    agencies = {a for (a,) in con.execute(
        f"SELECT DISTINCT agency FROM {reader}('{tmp_path}/applications.{fmt}')").fetchall()}
    assert agencies == {"南京市鼓楼区财政局", "淮安市人民政府"}


def test_export_xlsx(wh, view_rows, tmp_path):
    from openpyxl import load_workbook

    from gongkai.export import export

    written = export(wh, "xlsx", tmp_path)
    book = tmp_path / "gongkai.xlsx"
    assert {p for _, p, _ in written} == {book}
    wb = load_workbook(book, read_only=True)
    assert wb.sheetnames == list(VIEWS)
    for name in VIEWS:
        rows = list(wb[name].iter_rows(values_only=True))
        assert list(rows[0]) == view_rows["columns"][name]
        assert len(rows) - 1 == view_rows[name]
    header = list(wb["applications"].iter_rows(max_row=1, values_only=True))[0]
    agency = header.index("agency")
    assert {r[agency] for r in wb["applications"].iter_rows(min_row=2, values_only=True)} == \
        {"南京市鼓楼区财政局", "淮安市人民政府"}
    wb.close()


def test_export_cli_read_only(wh, view_rows, tmp_path):
    # a reader keeps the warehouse open meanwhile: export opens it read-only too
    reader = duckdb.connect(str(wh), read_only=True)
    try:
        for fmt in ("parquet", "csv", "xlsx"):
            out = tmp_path / fmt
            proc = subprocess.run([sys.executable, "-m", "gongkai.cli", "export", "--format",
                                   fmt, "--warehouse", str(wh), "--out", str(out)],
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr
            assert f"{view_rows['applications']} rows" in proc.stdout
            assert any(out.iterdir())
    finally:
        reader.close()


def test_export_missing_warehouse(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gongkai.cli", "export", "--format", "csv",
                           "--warehouse", str(tmp_path / "none.duckdb"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "no warehouse at" in proc.stderr

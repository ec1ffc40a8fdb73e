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
PDFS = (FIXTURES / "reports" / "t21-demo-district-finance-2023.pdf",
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
        # what the findings export holds by default: failures, infos left out
        counts["failures"] = con.execute(
            "SELECT count(*) FROM v_findings WHERE status = 'fail' AND severity <> 'info'"
        ).fetchone()[0]
        counts["columns"] = {name: [d[0] for d in con.execute(
            f"SELECT * FROM {view} LIMIT 0").description] for name, view in VIEWS.items()}
    finally:
        con.close()
    assert counts["applications"] > 0 and counts["findings"] > 0 and counts["failed"] > 0
    return counts


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_files(wh, view_rows, tmp_path, fmt):
    from gongkai.export import export

    written = export(wh, fmt, tmp_path, headers="keys", all_findings=True)
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
    assert agencies == {"示例市示例区财政局", "淮安市人民政府"}


def test_export_xlsx(wh, view_rows, tmp_path):
    from openpyxl import load_workbook

    from gongkai.export import export

    written = export(wh, "xlsx", tmp_path, headers="keys", all_findings=True)
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
        {"示例市示例区财政局", "淮安市人民政府"}
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


def test_csv_opens_right_in_excel_and_wps(wh, view_rows, tmp_path):
    """UTF-8 with a BOM (else Excel and WPS read it as GBK), the template's Chinese labels as
    headers, the findings file the failures with their messages."""
    from gongkai import vocabulary as V
    from gongkai.export import export

    written = dict((name, (path, rows)) for name, path, rows in export(wh, "csv", tmp_path))
    data = written["applications"][0].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0].split(",")
    assert header[:3] == ["报告编号", "机构", "年度"]
    assert [V.label("applications", c.key, column=True) for c in V.APP_COLUMNS] == header[-7:]
    assert "自然人" in header and "natural_person" not in header
    ad = written["active_disclosure"][0].read_bytes()[3:].decode("utf-8").splitlines()[0]
    assert "本年制发件数" in ad and "本年收费金额（单位：万元）" in ad
    path, rows = written["findings"]
    assert rows == view_rows["failures"] > 0
    con = duckdb.connect()
    back = con.execute(f"SELECT 结果, 严重程度, 说明 FROM read_csv('{path}')").fetchall()
    assert len(back) == rows
    assert all(status == "fail" and severity in ("error", "warning") and message
               for status, severity, message in back)


def test_findings_with_all_and_keys(wh, view_rows, tmp_path):
    from gongkai.export import export

    written = {n: (p, r) for n, p, r in export(wh, "csv", tmp_path, headers="keys",
                                              all_findings=True)}
    assert written["findings"][1] == view_rows["findings"] > view_rows["failures"]
    first = written["applications"][0].read_bytes()[3:].decode("utf-8").splitlines()[0]
    assert first.split(",") == view_rows["columns"]["applications"]


def test_parquet_is_written_by_duckdb_without_pyarrow(wh, tmp_path):
    """Parquet needs no pyarrow: DuckDB's own COPY writes it (pyarrow is not installed)."""
    import importlib.util

    from gongkai.export import export

    assert importlib.util.find_spec("pyarrow") is None
    written = export(wh, "parquet", tmp_path)
    for _, path, _ in written:
        assert path.read_bytes()[:4] == b"PAR1"


def test_workbook_has_widths_frozen_header_filters_and_the_failures(wh, view_rows, tmp_path):
    from openpyxl import load_workbook

    from gongkai.export import export

    export(wh, "xlsx", tmp_path)
    wb = load_workbook(tmp_path / "gongkai.xlsx")
    try:
        for ws in wb.worksheets:
            assert ws.freeze_panes == "A2"
            assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}" \
                                         f"{ws.max_row}"
            widths = {ws.column_dimensions[c.column_letter].width for c in ws[1]}
            assert all(w and w >= 4 for w in widths) and len(widths) > 1
            assert ws["A1"].font.bold
        findings = wb["findings"]
        header = [c.value for c in findings[1]]
        assert "说明" in header and "结果" in header
        assert findings.max_row - 1 == view_rows["failures"]
        status = header.index("结果")
        assert {r[status] for r in findings.iter_rows(min_row=2, values_only=True)} == {"fail"}
        # a message (long) is wider than a year
        assert findings.column_dimensions[findings.cell(1, header.index("说明") + 1)
                                          .column_letter].width > \
            findings.column_dimensions[findings.cell(1, header.index("年度") + 1)
                                       .column_letter].width
    finally:
        wb.close()

"""``gongkai export``: the warehouse's wide tables and findings as Parquet, CSV or one workbook,
made to open right where people open them (Excel and WPS on Windows).

The warehouse is opened read-only (a published warehouse may be open in other sessions). Each
of the readable views becomes one file (parquet, csv) or one sheet (xlsx):

===================  =====================  ==========================================
name                 view                   one row is
===================  =====================  ==========================================
active_disclosure    v_active_disclosure    report × row of 二、主动公开
applications         v_applications         report × row of 三、收到和处理申请
review_litigation    v_review_litigation    report × row of 四、复议诉讼
findings             v_findings             a failed rule instance (error or warning) of
                                            a current report; every result with ``all``
===================  =====================  ==========================================

- Headers: the template's Chinese labels (``gongkai.vocabulary``: 本年新收政府信息公开申请数量,
  自然人 …) for CSV and the workbook, the English keys with ``headers="keys"``. Parquet keeps
  the keys unless asked for labels (it is read by programs, which want stable names).
- CSV: UTF-8 with a byte-order mark, so that Excel and WPS read Chinese as Chinese; written by
  DuckDB (``COPY … TO``).
- Parquet: written by DuckDB itself (``COPY … (FORMAT parquet)``): no pyarrow needed.
- Workbook (openpyxl): column widths fitted to the text (CJK characters counted double), the
  header frozen and bold, an autofilter over every sheet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from gongkai import vocabulary as V

FORMATS = ("parquet", "csv", "xlsx")
HEADERS = ("labels", "keys")

# (file / sheet name, view, the vocabulary table its value columns come from)
TABLES = (
    ("active_disclosure", "v_active_disclosure", V.ACTIVE_DISCLOSURE),
    ("applications", "v_applications", V.APPLICATIONS),
    ("review_litigation", "v_review_litigation", V.REVIEW_LITIGATION),
    ("findings", "v_findings", None),
)
WORKBOOK = "gongkai.xlsx"
BOM = b"\xef\xbb\xbf"

# the labels of the columns that are not the template's cells
COMMON_LABELS = {
    "report_id": "报告编号", "agency": "机构", "year": "年度", "template": "模板",
    "row_key": "行（键）", "row_label": "行", "page": "页码", "source": "来源文件",
    "rule": "规则", "severity": "严重程度", "status": "结果", "table_name": "表",
    "column_key": "列（键）", "figure": "文字所述数字", "expected": "应为", "actual": "实际",
    "residual": "差额", "blank_involved": "涉及空白单元格", "message": "说明",
    "operands": "涉及的单元格", "evaluated_at": "检查时间", "previous_report_id": "上年报告编号",
    "message_zh": "说明（中文）", "rule_version": "规则版本",
}
# view columns named with their unit (schema.sql): the template's column with that unit
UNIT_COLUMNS = {"fee_amount_wan_yuan": "fee_amount", "procurement_amount_wan_yuan":
                "procurement_amount"}
WIDTH_SAMPLE = 500   # rows read to fit the workbook's column widths
MAX_WIDTH = 60


class ExportError(Exception):
    """The warehouse cannot be read (missing, locked by a writer) or the format is unknown."""


def column_label(table: str | None, key: str) -> str:
    """The Chinese header of a view column: the template's label for a cell column, else the
    common label, else the key itself."""
    if table is not None:
        cell = UNIT_COLUMNS.get(key, key)
        try:
            text = V.label(table, cell, column=True)
        except StopIteration:
            text = None
        if text:
            return text + ("（万元）" if key in UNIT_COLUMNS and "万元" not in text else "")
    return COMMON_LABELS.get(key, key)


def headers_of(table: str | None, columns: list[str], headers: str) -> list[str]:
    """One header per column, unique (a repeated label gets its key in brackets)."""
    if headers == "keys":
        return list(columns)
    labels = [column_label(table, c) for c in columns]
    return [f"{label}（{key}）" if labels.count(label) > 1 else label
            for label, key in zip(labels, columns)]


def _connect(warehouse_path: Path):
    import duckdb

    from warehouse.backend import open_backend

    backend = open_backend(warehouse_path)
    if not backend.exists():
        raise ExportError(f"no warehouse at {warehouse_path} (run `gongkai run` first, or "
                          "pass --warehouse)")
    try:
        return backend.connect(read_only=True)
    except duckdb.Error as e:
        raise ExportError(f"cannot open {warehouse_path} read-only: {e}") from e


def _sql_string(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _query(con, view: str, table: str | None, headers: str, all_findings: bool) -> str:
    """The SELECT of one export: the view's columns under their headers; findings: failures
    (error and warning) only unless ``all_findings``."""
    columns = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
    names = headers_of(table, columns, headers)
    select = ", ".join(f"{_ident(c)} AS {_ident(n)}" for c, n in zip(columns, names))
    where = "" if table is not None or all_findings else \
        " WHERE status = 'fail' AND severity <> 'info'"
    return f"SELECT {select} FROM {view}{where}"


def export(warehouse_path: str | Path, fmt: str, out_dir: str | Path, *,
           headers: str | None = None, all_findings: bool = False,
           ) -> list[tuple[str, Path, int]]:
    """Write the four tables of the warehouse at ``warehouse_path`` to ``out_dir``.

    ``headers``: "labels" (Chinese, the default for csv and xlsx) or "keys" (the default for
    parquet). ``all_findings``: every rule result, passes and infos included, instead of the
    failures. Returns ``(name, path, rows)`` per table (for xlsx every path is the workbook).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    headers = headers or ("keys" if fmt == "parquet" else "labels")
    if headers not in HEADERS:
        raise ExportError(f"unknown headers {headers!r} (one of {', '.join(HEADERS)})")
    out = Path(out_dir)
    con = _connect(Path(warehouse_path))
    try:
        out.mkdir(parents=True, exist_ok=True)
        if fmt == "xlsx":
            return _xlsx(con, out / WORKBOOK, headers, all_findings)
        written = []
        for name, view, table in TABLES:
            path = out / f"{name}.{fmt}"
            query = _query(con, view, table, headers, all_findings)
            tmp = path.with_name(path.name + ".tmp")
            if fmt == "parquet":
                con.execute(f"COPY ({query}) TO {_sql_string(tmp)} "
                            "(FORMAT parquet, COMPRESSION zstd)")
                tmp.replace(path)
            else:
                con.execute(f"COPY ({query}) TO {_sql_string(tmp)} (FORMAT csv, HEADER true)")
                _with_bom(tmp, path)
            rows = con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]
            written.append((name, path, rows))
        return written
    finally:
        con.close()


def _with_bom(tmp: Path, path: Path) -> None:
    """``tmp`` (DuckDB's UTF-8 CSV) as ``path`` with the UTF-8 byte-order mark in front: what
    Excel and WPS need to read the file as UTF-8 rather than the system's GBK."""
    part = path.with_name(path.name + ".part")
    with open(tmp, "rb") as src, open(part, "wb") as dst:
        dst.write(BOM)
        shutil.copyfileobj(src, dst, 1 << 20)
    tmp.unlink()
    part.replace(path)


def _cell(value):
    """A value openpyxl can write: strings without control characters Excel refuses."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    return value


def text_width(value) -> int:
    """Columns a value takes in a spreadsheet: CJK and full-width characters count double."""
    from gongkai.values import display_width

    if value is None:
        return 0
    return display_width(str(value).split("\n", 1)[0])


def _xlsx(con, path: Path, headers: str, all_findings: bool) -> list[tuple[str, Path, int]]:
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as e:  # pragma: no cover - openpyxl is a dependency
        raise ExportError("--format xlsx needs openpyxl: pip install openpyxl") from e

    wb = Workbook(write_only=True)
    written = []
    for name, view, table in TABLES:
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        cursor = con.execute(_query(con, view, table, headers, all_findings))
        columns = [d[0] for d in cursor.description]
        first = cursor.fetchmany(WIDTH_SAMPLE)
        # widths before any row is written (a write-only sheet writes its columns first)
        for i, column in enumerate(columns, 1):
            width = max([text_width(column)] + [text_width(row[i - 1]) for row in first])
            ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, width + 2)
        header = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=c)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        rows = 0
        batch = first
        while batch:
            for row in batch:
                ws.append([_cell(v) for v in row])
            rows += len(batch)
            batch = cursor.fetchmany(2048)
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(columns)))}{rows + 1}"
        written.append((name, path, rows))
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return written

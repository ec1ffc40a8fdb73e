"""The reader of spreadsheets where a portal attaches the tables as a sheet: ``.xlsx`` with
openpyxl, ``.xls`` (BIFF, also WPS Office's ``.et``) with xlrd.

A merged range is one Cell spanning its rows and columns, its value the top-left cell's; the
cells it covers are not cells of their own (nothing is copied into them). A sheet's rows of
cells make a table; an empty row or a row of one cell on its own (a title, a heading such as
"三、收到和处理政府信息公开申请情况", prose) ends it, so the three statutory tables may stand one
under the other on one sheet or one per sheet.

Locators: ``{"sheet": name, "cell": "B7", "row": 7, "col": 2}``, row and column 1-based as
the spreadsheet shows them. Text outside the tables (a title in a merged row above the table,
prose in a cell of its own) is the report's text, for the agency and the year.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from decimal import Decimal
from pathlib import Path

from gongkai.extract.cellgrid import Cell, CellTable, report_from_cell_tables
from gongkai.model import Document, Report, UnreadableDocument

def read_xlsx(path: str | Path) -> Report:
    from gongkai.extract.intake import regular_file

    path = regular_file(path)
    return _report(path, "xlsx", _xlsx_sheets(path))


def _xlsx_sheets(path) -> list:
    import openpyxl

    try:
        book = openpyxl.load_workbook(str(path), read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException alike
        raise UnreadableDocument(
            str(path), f"not a readable xlsx workbook (damaged, or not a workbook inside): "
                       f"{type(exc).__name__}{': ' + str(exc) if str(exc) else ''}") from None
    sheets = []
    for ws in book.worksheets:
        values = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    values[(c.row, c.column)] = _text(c.value, c.number_format)
        merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append((ws.title, values, merged))
    return sheets


def read_xls(path: str | Path) -> Report:
    from gongkai.extract.intake import regular_file

    path = regular_file(path)
    kind = "et" if Path(path).suffix.lower() == ".et" else "xls"
    return _report(path, kind, _xls_sheets(path))


def _xls_sheets(path) -> list:
    import xlrd

    try:
        # xlrd's warnings go to its log, not to stdout (``gongkai check --json`` prints there)
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True,
                                  logfile=io.StringIO())
    except Exception as exc:  # xlrd.XLRDError, CompDocError, struct.error ...
        raise UnreadableDocument(
            str(path), f"not a readable xls workbook (damaged, or not a workbook inside): "
                       f"{type(exc).__name__}{': ' + str(exc) if str(exc) else ''}") from None
    sheets = []
    try:
        for ws in book.sheets():
            values = {}
            for r in range(ws.nrows):
                for c in range(ws.ncols):
                    cell = ws.cell(r, c)
                    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        continue
                    if cell.ctype == xlrd.XL_CELL_NUMBER:
                        values[(r + 1, c + 1)] = _text(cell.value)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        values[(r + 1, c + 1)] = xlrd.error_text_from_code.get(cell.value, "#ERR")
                    else:
                        values[(r + 1, c + 1)] = str(cell.value)
            # xlrd: (rlo, rhi, clo, chi), 0-based, the high ends exclusive
            merged = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in ws.merged_cells]
            sheets.append((ws.name, values, merged))
    finally:
        book.release_resources()
    return sheets


def workbook_tables(path: str | Path, kind: str = "xlsx") -> list[CellTable]:
    """The tables of the workbook at ``path`` as the reader reads them: what ``gongkai check
    --html`` shows."""
    sheets = _xlsx_sheets(path) if kind == "xlsx" else _xls_sheets(path)
    return [t for name, values, merged in sheets for t in sheet_tables_of(name, values, merged)[0]]


def _text(value, number_format: str | None = None) -> str:
    """A cell's value as the sheet shows it, for the cell parser: 12.0 -> "12"."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def _report(path: Path, kind: str, sheets) -> Report:
    from gongkai.extract.intake import sha256_of

    tables: list[CellTable] = []
    texts: list[str] = []
    for name, values, merged in sheets:
        sheet_tables, prose = sheet_tables_of(name, values, merged)
        tables += sheet_tables
        texts += prose
    doc = Document(path=str(path), sha256=sha256_of(path), pages=1, kind=kind)
    return report_from_cell_tables(doc, ["\n".join(texts)], tables,
                                   where_title="in the sheet's title rows")


def sheet_tables_of(name: str, values: dict, merged: list) -> tuple[list[CellTable], list[str]]:
    """The tables of one sheet (rows with two or more cells, runs of them), and its text rows
    (rows of a single cell: a title, a heading, prose)."""
    anchor = {}  # top-left (row, col) -> (rowspan, colspan)
    covered = set()
    for r0, c0, r1, c1 in merged:
        anchor[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered.add((r, c))
    slots = set(values) | set(anchor)
    if not slots:
        return [], []
    last_row = max(r for r, _ in slots)
    # a row's cells: each value or merged anchor starting on it (a covered slot is no cell)
    by_row: dict[int, list[int]] = {}
    for r, c in slots:
        if (r, c) not in covered:
            by_row.setdefault(r, []).append(c)
    tables, prose = [], []
    block: list[int] = []

    def close():
        if block:
            tables.append(_table(name, block, by_row, values, anchor, len(tables)))
            block.clear()

    for r in range(1, last_row + 1):
        cols = sorted(by_row.get(r, []))
        within = any(rr < r <= rr + anchor[(rr, cc)][0] - 1 for (rr, cc) in anchor if rr in block)
        texts = [t for t in (values.get((r, c), "").strip() for c in cols) if t]
        if len(cols) >= 2:
            block.append(r)
        elif not texts:
            if within:
                block.append(r)
            else:
                close()
        elif _heading(texts[0]) or not block or (
                anchor.get((r, cols[0]), (1, 1))[1] == 1 and not within):
            # one cell on its own: a title, a section heading, prose between the tables
            close()
            prose.append(texts[0])
        else:  # a row merged across the table inside it ("第二十条第（一）项")
            block.append(r)
    close()
    return tables, prose


def _heading(text: str) -> bool:
    """A section heading of the report ("三、收到和处理政府信息公开申请情况")."""
    return bool(re.match(r"\s*[一二三四五六七八九十]+\s*[、.．]", text))


def _table(name, block, by_row, values, anchor, index) -> CellTable:
    first_col = min(c for r in block for c in by_row.get(r, []))
    rows = []
    taken = set()  # slots covered by a span from a row above, within the table
    for r in block:
        cells = []
        col = first_col
        for c in sorted(by_row.get(r, [])):
            # empty slots before this cell (not covered from above): empty cells, so that the
            # laid-out cell stands at its own column
            while col < c:
                if (r, col) not in taken:
                    cells.append(Cell("", locator=_locator(name, r, col)))
                col += 1
            rowspan, colspan = anchor.get((r, c), (1, 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            cells.append(Cell(values.get((r, c), ""), rowspan=rowspan, colspan=colspan,
                              locator=_locator(name, r, c)))
            col = c + colspan
        rows.append(cells)
    return CellTable(rows, place=f"sheet {name}" + (f" table {index + 1}" if index else ""))


def _locator(sheet: str, row: int, col: int) -> dict:
    from openpyxl.utils import get_column_letter  # 1 -> "A", 28 -> "AB", as the sheet shows it

    return {"sheet": sheet, "cell": f"{get_column_letter(col)}{row}", "row": row, "col": col}

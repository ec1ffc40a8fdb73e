"""``gongkai export``: the warehouse's wide tables and findings as parquet, CSV or one workbook.

The warehouse is opened read-only (a published warehouse may be open in other sessions). Each
of the readable views becomes one file (parquet, csv) or one sheet (xlsx):

===================  =====================  ==========================================
name                 view                   one row is
===================  =====================  ==========================================
active_disclosure    v_active_disclosure    report × row of 二、主动公开
applications         v_applications         report × row of 三、收到和处理申请
review_litigation    v_review_litigation    report × row of 四、复议诉讼
findings             v_findings             a rule result of a current report
===================  =====================  ==========================================

Parquet and CSV are written by DuckDB itself (``COPY … TO``); CSV is UTF-8 with a header row.
The workbook needs openpyxl.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("parquet", "csv", "xlsx")

# (file / sheet name, view), in the order the files are written and the sheets appear
TABLES = (
    ("active_disclosure", "v_active_disclosure"),
    ("applications", "v_applications"),
    ("review_litigation", "v_review_litigation"),
    ("findings", "v_findings"),
)
WORKBOOK = "gongkai.xlsx"


class ExportError(Exception):
    """The warehouse cannot be read (missing, locked by a writer) or the format is unknown."""


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


def export(warehouse_path: str | Path, fmt: str, out_dir: str | Path) -> list[tuple[str, Path, int]]:
    """Write the four tables of the warehouse at ``warehouse_path`` to ``out_dir``.

    Returns ``(name, path, rows)`` per table (for xlsx every path is the one workbook).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    out = Path(out_dir)
    con = _connect(Path(warehouse_path))
    try:
        out.mkdir(parents=True, exist_ok=True)
        if fmt == "xlsx":
            return _xlsx(con, out / WORKBOOK)
        written = []
        for name, view in TABLES:
            path = out / f"{name}.{fmt}"
            options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" \
                else "FORMAT csv, HEADER true"
            con.execute(f"COPY (SELECT * FROM {view}) TO {_sql_string(path)} ({options})")
            rows = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            written.append((name, path, rows))
        return written
    finally:
        con.close()


def _cell(value):
    """A value openpyxl can write: strings without control characters Excel refuses."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    return value


def _xlsx(con, path: Path) -> list[tuple[str, Path, int]]:
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
    except ImportError as e:  # pragma: no cover - openpyxl comes with camelot-py
        raise ExportError("--format xlsx needs openpyxl: pip install openpyxl") from e

    wb = Workbook(write_only=True)
    written = []
    for name, view in TABLES:
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        cursor = con.execute(f"SELECT * FROM {view}")
        columns = [d[0] for d in cursor.description]
        header = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=c)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        rows = 0
        while batch := cursor.fetchmany(2048):
            for row in batch:
                ws.append([_cell(v) for v in row])
            rows += len(batch)
        written.append((name, path, rows))
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return written

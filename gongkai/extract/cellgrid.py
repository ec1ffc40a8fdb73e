"""Tables that arrive as cells (HTML, Word, spreadsheets) turned into the grids of regions that
``gongkai.extract.tables`` reads, so every format is mapped onto the template by the same code.

A format reader gives each table as rows of ``Cell``s (text, row and column spans, and a locator
a person can follow: the table's index, the row and column, for HTML a CSS path). ``lay_out``
places them on a grid as a browser does (a cell spanning rows occupies the slots below it; a
spanned value is *not* copied into the slots it covers, unlike ``pandas.read_html``). Each
grid column is given a unit width, so the x-position logic that matches a PDF table's columns
and continued fragments works unchanged; consecutive tables count as consecutive pages, so a
table cut in two is continued as a PDF table over a page break is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gongkai.extract.assemble import report_from_grids
from gongkai.extract.grid import Grid, Region
from gongkai.model import Document, Report

# the geometry given to a cell table: one unit of width per column, one of height per row
COLUMN_WIDTH = 100.0
ROW_HEIGHT = 20.0
TOP = 10_000.0


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    locator: dict = field(default_factory=dict)  # e.g. {"table": 2, "row": 5, "col": 3}


@dataclass
class PlacedCell:
    cell: Cell
    row: int  # the grid slot of its top-left corner
    col: int


@dataclass
class CellTable:
    """One table as published: its rows of cells, in document order."""

    rows: list[list[Cell]]
    place: str  # how messages name it: "table 2", "sheet 表三"

    def placed(self) -> list[PlacedCell]:
        return lay_out(self.rows)


def lay_out(rows: list[list[Cell]]) -> list[PlacedCell]:
    """Each cell at the first grid slot of its row not taken by a cell spanning down from a
    row above (the HTML table model). Rows whose spans disagree with the header simply end
    early or run long: nothing is padded or copied."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            rowspan, colspan = max(1, cell.rowspan), max(1, cell.colspan)
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            placed.append(PlacedCell(cell, r, c))
            c += colspan
    return placed


def grid_of(table: CellTable, sequence: int) -> Grid:
    """The grid of ``table``, the ``sequence``-th table (1-based) of its document."""
    placed = table.placed()
    nrows = max((p.row + p.cell.rowspan for p in placed), default=0)
    ncols = max((p.col + p.cell.colspan for p in placed), default=0)
    regions = []
    for p in placed:
        last_row = p.row + max(1, p.cell.rowspan) - 1
        last_col = p.col + max(1, p.cell.colspan) - 1
        regions.append(Region(
            rows=(p.row, last_row), cols=(p.col, last_col),
            x0=p.col * COLUMN_WIDTH, x1=(last_col + 1) * COLUMN_WIDTH,
            y0=TOP - (last_row + 1) * ROW_HEIGHT, y1=TOP - p.row * ROW_HEIGHT,
            # one reading of a cell table: the text is the document's own, there is no second
            # method to compare with (the PDF reader's pdfminer reading)
            text=p.cell.text, check_text=p.cell.text,
            locator=dict(p.cell.locator) or None,
        ))
    return Grid(page=sequence, nrows=nrows, ncols=ncols, regions=regions,
                col_edges=[(c * COLUMN_WIDTH, (c + 1) * COLUMN_WIDTH) for c in range(ncols)],
                top=TOP, place=table.place)


def report_from_cell_tables(document: Document, texts: list[str], tables: list, *,
                            agency: str | None = None, year: int | None = None,
                            where_title: str = "in the document's title") -> Report:
    """The report of a document whose tables are cell tables. ``texts``: its text (one entry
    per page where the format has pages, else one), for the agency, the year and the
    narrative rules. Facts and problems are on page 1 of such a document unless the reader
    knows better; where a cell is, is its locator.

    ``tables`` may hold, in document order among them, pictures whose tables OCR read
    (``gongkai.extract.pictures.Picture``): their grids are in the picture's points, their
    facts keep that box and in the locator the picture and both engines' readings."""
    grids, heights, pictures = [], [], []
    for i, table in enumerate(tables, 1):
        if isinstance(table, CellTable):
            grids.append(grid_of(table, i))
            heights.append(TOP)
        else:  # a picture: its tables as the i-th "page" of the document, as a cell table is
            table.move_to_page(i)
            grids += table.grids
            heights.append(table.tables.page_height)
            pictures.append(table)
    report = report_from_grids(document, texts, grids, heights, agency=agency,
                               year=year, where_title=where_title)
    if pictures:
        from gongkai.extract.pictures import add_proof

        add_proof(report, pictures)
    for item in (*report.facts, *report.problems):
        if item.page is not None:
            item.page = 1
    return report


# --- the tables as published, for a person ---------------------------------------------------

def locator_key(locator: dict | None) -> tuple | None:
    """What identifies a cell of a cell table by its locator: (sheet, table, row, col)."""
    if not locator or locator.get("row") is None or locator.get("col") is None:
        return None
    return (locator.get("sheet"), locator.get("table"), locator["row"], locator["col"])


def published_tables(tables: list[CellTable], marks: dict[tuple, list[int]],
                     holding: set[tuple]) -> list[tuple[str, str]]:
    """The tables that hold a cell of ``holding`` (by :func:`locator_key`: the cells the
    report's facts were read from) as (place, HTML fragment): the document's own cells with
    their spans and text, each cell in ``marks`` boxed in red with the numbers of the findings
    it belongs to. For ``gongkai check --html`` of Word and spreadsheet reports."""
    from html import escape

    out = []
    for table in tables:
        keys = [[locator_key(cell.locator) for cell in row] for row in table.rows]
        if not any(k in holding for row in keys for k in row if k is not None):
            continue
        parts = ["<table>"]
        for row, row_keys in zip(table.rows, keys):
            parts.append("<tr>")
            for cell, key in zip(row, row_keys):
                spans = "".join(f' {name}="{n}"' for name, n in
                                (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if n > 1)
                numbers = marks.get(key) if key is not None else None
                where = (f' data-locator="{escape("/".join(str(x) for x in key if x is not None))}"'
                         if key is not None else "")
                text = "<br>".join(escape(line) for line in cell.text.split("\n"))
                if numbers:
                    parts.append(f'<td class="boxed"{spans}{where}>{text}<sup class="box-num">'
                                 f'{",".join(map(str, numbers))}</sup></td>')
                else:
                    parts.append(f"<td{spans}{where}>{text}</td>")
            parts.append("</tr>")
        parts.append("</table>")
        out.append((table.place, "".join(parts)))
    return out

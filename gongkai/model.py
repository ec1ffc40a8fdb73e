"""What extraction produces: a report, its facts with provenance, and what could not be read.

Plain dataclasses, no Dagster, no DuckDB: the extractor fills them, the warehouse loads them,
the rules read them and ``gongkai check --json`` prints them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal


class UnreadableDocument(Exception):
    """A document we cannot extract at all (missing, not a PDF, encrypted, no text layer).

    The message names the document and the reason; callers record it and go on.
    """

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Document:
    path: str
    sha256: str
    pages: int
    # the format it was read as: "pdf" (a text layer), "scan", "html", "docx", "doc", "wps",
    # "xlsx", "xls"
    kind: str


@dataclass
class Fact:
    """One cell of a statutory table: (table, row, column) -> value, with where it was read."""

    table: str
    row: str
    column: str
    # int for counts and signed changes, Decimal for money (万元); None when the cell holds no
    # number (blank, "/", "—", "无"): the raw text says which, nothing is turned into 0 here
    value: int | Decimal | None
    raw: str
    page: int  # 1-based
    # the cell's box on the page in PDF points, origin top-left: (x0, top, x1, bottom)
    bbox: tuple[float, float, float, float] | None = None
    # the cell's position in the extracted grid of that page's table: (row index, column index)
    grid: tuple[int, int] | None = None
    unit: str | None = None  # the unit the report wrote for money ("元" / "万元"), if any
    # where the cell is outside a PDF page's geometry, for a person to find it. One convention
    # for every cell-table format, all 1-based, counted as a person counts from the top-left:
    # HTML and Word {"table": t, "row": r, "col": c} (t the table's number among those the
    # reader took, r its row as the document writes it (<tr>, w:tr), c the grid column of the
    # cell's left edge, spans before it counted); HTML adds "css" (a CSS path, :nth-child
    # counting cells); a sheet {"sheet", "cell": "B7", "row": 7, "col": 2} (its own row and
    # column). Scans: the OCR engines' readings. A PDF's cells keep page and bbox.
    locator: dict | None = None

    def json_value(self):
        from gongkai.values import plain_number

        return plain_number(self.value)


@dataclass
class Problem:
    """Something we could not read with certainty. Never silently guessed: it is reported."""

    code: str  # stable id, e.g. "table.missing", "cell.unreadable", "cell.methods_disagree"
    message: str
    table: str | None = None
    row: str | None = None
    column: str | None = None
    page: int | None = None


@dataclass
class Report:
    document: Document
    agency: str | None
    year: int | None
    template: str | None  # "2019" | "2021"
    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # the text of each page (index 0 = page 1), for narrative checks and auditing
    page_texts: list[str] = field(default_factory=list)
    # the second reading (pdfminer, by character origin): of the cells read, how many it reads
    # otherwise than PDFium's glyphs (each of them is also a Problem)
    cells_read: int = 0
    cells_disagreeing: int = 0

    def fact(self, table: str, row: str, column: str) -> Fact | None:
        for f in self.facts:
            if (f.table, f.row, f.column) == (table, row, column):
                return f
        return None

    def facts_json(self) -> list[dict]:
        # a locator only where the format has one (HTML, Word, sheets): a PDF's facts are as
        # they were
        return [
            {"table": f.table, "row": f.row, "column": f.column, "value": f.json_value(),
             "raw": f.raw, "page": f.page, **({"locator": f.locator} if f.locator else {})}
            for f in self.facts
        ]

    def problems_json(self) -> list[dict]:
        return [asdict(p) for p in self.problems]

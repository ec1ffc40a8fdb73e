"""Camelot's ruled tables as grids of merged regions, each read twice.

Camelot (lattice) finds the tables and the ruling lines: a grid of cells, each knowing which of
its four borders is drawn. Cells with no border between them form one merged region (the
vertical 三、本年度办理结果 label, a header spanning five columns). Every region is read by two
independent methods:

- ``text``: PDFium's glyphs whose tight outline box has its centre inside the region;
- ``check_text``: the characters of Camelot's own layout (playa, a pdfminer.six descendant
  that parses the content stream itself, independently of PDFium), placed by their origin in
  the text matrix, a point inside the glyph body whatever the font declares. Camelot lays the
  page out anyway to find its tables: keeping its characters makes the second reading cost no
  second parse of the page.

Camelot's own cell text is not used: pdfminer's character *boxes* come from the font's declared
ascent/descent, and with CJK fonts that LibreOffice embeds from CFF outlines (Noto Serif/Sans
CJK) those put whole lines of text into the row above or below, or drop them.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from gongkai.extract.document import Glyph

log = logging.getLogger(__name__)

# a glyph whose box crosses its region's border by more than this (points) is suspect
STRADDLE_TOLERANCE = 1.5


@dataclass(eq=False)  # identity: regions are keys while glyphs are sorted into them
class Region:
    rows: tuple[int, int]  # first, last grid row (inclusive)
    cols: tuple[int, int]
    # PDF user space, origin bottom-left
    x0: float
    y0: float
    x1: float
    y1: float
    text: str = ""
    check_text: str = ""
    straddling: list[str] = field(default_factory=list)  # glyphs that cross the border
    # where a person finds the cell when it is not on a PDF page (an HTML or Word table's
    # index, row and column): set by gongkai.extract.cellgrid, None for PDF regions
    locator: dict | None = None

    @property
    def width(self) -> int:
        return self.cols[1] - self.cols[0] + 1

    @property
    def height(self) -> int:
        return self.rows[1] - self.rows[0] + 1

    def bbox_top_left(self, page_height: float) -> tuple[float, float, float, float]:
        """(x0, top, x1, bottom) with the origin at the top-left, as a person measures a page."""
        return (round(self.x0, 2), round(page_height - self.y1, 2),
                round(self.x1, 2), round(page_height - self.y0, 2))


@dataclass
class Grid:
    page: int  # 1-based
    nrows: int
    ncols: int
    regions: list[Region]
    col_edges: list[tuple[float, float]]  # x range of each grid column
    top: float  # y of the table's top edge (for reading order on the page)
    # how messages name where the table is; None: "page N" (PDF); "table 2" for HTML or Word
    place: str | None = None
    # how problems name the two readings of its regions (text, check_text): a scan's are OCR
    # engines
    readings: tuple[str, str] = ("PDFium's glyphs", "pdfminer's characters")

    @property
    def where(self) -> str:
        return self.place or f"page {self.page}"

    def region_at(self, row: int, col: int) -> Region | None:
        for region in self.regions:
            if region.rows[0] <= row <= region.rows[1] and region.cols[0] <= col <= region.cols[1]:
                return region
        return None

    def text(self) -> str:
        return "".join(r.text for r in self.regions)


def read_grids(path: str, glyphs: Sequence[list[Glyph]], pages: list[int]) -> list[Grid]:
    """The ruled tables on ``pages`` (1-based) of the document, in reading order."""
    import camelot  # imported here: it is slow to import and only extraction needs it

    if not pages:
        return []
    handler = _layout_keeping_handler(camelot)(path, pages=",".join(map(str, pages)))
    with warnings.catch_warnings(), handler:
        warnings.simplefilter("ignore")  # "No tables found on page-N" is normal for prose pages
        # what camelot.read_pdf(path, pages, flavor="lattice", engine="vector") does, through a
        # handler that keeps each page's characters; boxes_flow=None: Camelot's cells need the
        # text lines (a grid with no text in it is rejected), not the order of the text boxes
        # on the page, whose hierarchical grouping is most of the layout's cost
        tables = handler.parse(flavor="lattice", engine="vector",
                               layout_kwargs={"boxes_flow": None})
    grids = [_grid(t, glyphs[t.page - 1], _origin_glyphs(handler.chars[t.page]))
             for t in tables]
    grids.sort(key=lambda g: (g.page, -g.top))
    return grids


@functools.cache
def _layout_keeping_handler(camelot):
    """Camelot's PDFHandler that also keeps the characters (``LTChar``) of each page's layout,
    ``chars[page]`` (1-based), as Camelot used them."""
    class LayoutKeepingHandler(camelot.handlers.PDFHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.chars: dict[int, list] = {}

        def _get_layout(self, page, **layout_kwargs):
            layout = super()._get_layout(page, **layout_kwargs)
            self.chars[page.page_idx + 1] = layout[3]  # (layout, dimensions, images, chars, …)
            return layout

    return LayoutKeepingHandler


def _origin_glyphs(chars) -> list[Glyph]:
    """The layout's upright characters, each boxed from its origin and font size.

    The origin (the text matrix's translation) is where the content stream put the glyph; the
    box [baseline, baseline + 0.8 size] stands for the glyph body without trusting the font's
    declared metrics.
    """
    return [Glyph(c.get_text(), c.x0, c.matrix[5], c.x1, c.matrix[5] + 0.8 * c.size,
                  c.matrix[5])
            for c in chars if c.upright]


def merged_cells(nrows: int, ncols: int, joined_right, joined_below) -> list[list[tuple[int, int]]]:
    """The grid's merged cells: groups of (row, column) slots with no ruling between them.
    ``joined_right(r, c)``: no border between (r, c) and (r, c + 1); ``joined_below(r, c)``:
    none between (r, c) and (r + 1, c). Shared by the text-PDF grid (Camelot's cell borders)
    and the scan reader (rulings found in the image)."""
    parent = {(r, c): (r, c) for r in range(nrows) for c in range(ncols)}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for r in range(nrows):
        for c in range(ncols):
            if c + 1 < ncols and joined_right(r, c):
                parent[find((r, c + 1))] = find((r, c))
            if r + 1 < nrows and joined_below(r, c):
                parent[find((r + 1, c))] = find((r, c))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for key in parent:
        groups.setdefault(find(key), []).append(key)
    return list(groups.values())


def _grid(table, page_glyphs: list[Glyph], check_glyphs: list[Glyph]) -> Grid:
    cells = table.cells
    nrows, ncols = len(cells), len(cells[0])
    # no drawn border between neighbours: one merged cell
    groups = merged_cells(
        nrows, ncols,
        lambda r, c: not (cells[r][c].right or cells[r][c + 1].left),
        lambda r, c: not (cells[r][c].bottom or cells[r + 1][c].top))

    regions, owner = [], {}
    for members in groups:
        rows = [m[0] for m in members]
        cols = [m[1] for m in members]
        boxes = [cells[r][c] for r, c in members]
        region = Region(
            rows=(min(rows), max(rows)), cols=(min(cols), max(cols)),
            x0=min(b.x1 for b in boxes), y0=min(b.y1 for b in boxes),
            x1=max(b.x2 for b in boxes), y1=max(b.y2 for b in boxes),
        )
        regions.append(region)
        for m in members:
            owner[m] = region

    for region, inside in _assign(cells, owner, page_glyphs).items():
        region.text = _reading_order(inside)
        region.straddling = [
            g.char for g in inside if g.top > g.bottom and not g.char.isspace() and (
                g.left < region.x0 - STRADDLE_TOLERANCE or g.right > region.x1 + STRADDLE_TOLERANCE
                or g.bottom < region.y0 - STRADDLE_TOLERANCE or g.top > region.y1 + STRADDLE_TOLERANCE)
        ]
    for region, inside in _assign(cells, owner, check_glyphs).items():
        region.check_text = _reading_order(inside)
    regions.sort(key=lambda rg: (rg.rows[0], rg.cols[0]))
    col_edges = [(cells[0][c].x1, cells[0][c].x2) for c in range(ncols)]
    return Grid(page=table.page, nrows=nrows, ncols=ncols, regions=regions,
                col_edges=col_edges, top=max(cells[0][c].y2 for c in range(ncols)))


def _assign(cells, owner, glyphs: list[Glyph]) -> dict:
    """Each region's glyphs: those whose centre lies in one of its cells."""
    inside: dict = {}
    for glyph in glyphs:
        cell = _cell_of(cells, glyph.cx, glyph.cy)
        if cell is not None:
            inside.setdefault(owner[cell], []).append(glyph)
    return inside


def _cell_of(cells, x: float, y: float):
    for r, row in enumerate(cells):
        if not row[0].y1 <= y < row[0].y2:
            continue
        for c, cell in enumerate(row):
            if cell.x1 <= x < cell.x2:
                return (r, c)
    return None


def _reading_order(glyphs: list[Glyph]) -> str:
    """Glyphs into lines by their baseline (top to bottom), each left to right.

    The baseline, not the box: a comma's box sits low ("4,241"), a quote's high.
    """
    if not glyphs:
        return ""
    inked = [g for g in glyphs if g.top > g.bottom]
    height = (sum(g.top - g.bottom for g in inked) / len(inked)) if inked else 5.0
    lines: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: -g.baseline):
        if lines and abs(lines[-1][0].baseline - glyph.baseline) <= max(height * 0.4, 1.5):
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return "\n".join("".join(g.char for g in sorted(line, key=lambda g: g.left)).strip()
                     for line in lines).strip()

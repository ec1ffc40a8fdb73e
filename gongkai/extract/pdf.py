"""The reader of text PDFs: Camelot's ruled grids, every cell read twice (PDFium glyphs and
pdfminer characters), mapped onto the template by ``assemble`` (as every format's are)."""

from __future__ import annotations

from pathlib import Path

from gongkai.extract.assemble import report_from_grids
from gongkai.extract.document import open_pdf
from gongkai.extract.grid import read_grids
from gongkai.extract.tables import table_pages
from gongkai.model import Report


def read_pdf(path: str | Path) -> Report:
    """Extract one report. Raises UnreadableDocument for a file that cannot be read at all;
    anything read with doubt is listed in ``Report.problems``, never guessed."""
    with open_pdf(path) as opened:
        # Camelot lays out only the pages that may hold a table and draw lines at all
        pages = [p for p in table_pages(opened.page_texts) if opened.drawn[p - 1]]
        grids = read_grids(str(path), opened.glyphs, pages=pages)
    return report_from_grids(opened.document, opened.page_texts, grids, opened.page_heights)

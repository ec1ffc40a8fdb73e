"""The reader of text PDFs: Camelot's ruled grids, every cell read twice (PDFium glyphs and
pdfminer characters), mapped onto the template by ``assemble`` (as every format's are). A PDF
without a text layer (a scan) is read by OCR instead: ``gongkai.extract.scan``."""

from __future__ import annotations

from pathlib import Path

from gongkai.extract.assemble import report_from_grids
from gongkai.extract.document import open_pdf
from gongkai.extract.grid import read_grids
from gongkai.extract.tables import table_pages
from gongkai.model import Report, UnreadableDocument

# how open_pdf says a PDF has no text layer: a scan, for the OCR reader
NO_TEXT_LAYER = "no text layer"

# raised whenever the reader may now read a PDF it failed on (or read it otherwise): load
# errors of older versions are retried (intake.reader_version). 2: owner-password-only PDFs;
# 3: scans (no text layer) read by OCR
READER_VERSION = 3


def read_pdf(path: str | Path) -> Report:
    """Extract one report. Raises UnreadableDocument for a file that cannot be read at all;
    anything read with doubt is listed in ``Report.problems``, never guessed."""
    try:
        opened = open_pdf(path)
    except UnreadableDocument as exc:
        if not exc.reason.startswith(NO_TEXT_LAYER):
            raise
        from gongkai.extract.scan import read_scan  # OCR engines load only for a scan

        return read_scan(path)
    with opened:
        # Camelot lays out only the pages that may hold a table and draw lines at all
        pages = [p for p in table_pages(opened.page_texts) if opened.drawn[p - 1]]
        grids = read_grids(opened.layout_path, opened.glyphs, pages=pages)
    return report_from_grids(opened.document, opened.page_texts, grids, opened.page_heights)

"""The reader of text PDFs: Camelot's ruled grids, every cell read twice (PDFium glyphs and
pdfminer characters), mapped onto the template by ``assemble`` (as every format's are). A PDF
without a text layer (a scan) is read by OCR instead: ``gongkai.extract.scan``; so are the
pictures of a text PDF large enough to hold a table (a table pasted as a screenshot or a scan:
``gongkai.extract.pictures``), whose tables join the text tables of their pages."""

from __future__ import annotations

from pathlib import Path

from gongkai.extract.assemble import report_from_grids
from gongkai.extract.document import open_pdf
from gongkai.extract.grid import read_grids
from gongkai.extract.pictures import add_proof, pdf_pictures
from gongkai.extract.tables import table_pages
from gongkai.model import Problem, Report, UnreadableDocument

# how open_pdf says a PDF has no text layer: a scan, for the OCR reader
NO_TEXT_LAYER = "no text layer"

# raised whenever the reader may now read a PDF it failed on (or read it otherwise): load
# errors of older versions are retried (intake.reader_version). 2: owner-password-only PDFs;
# 3: scans (no text layer) read by OCR; 4: damaged pages (a PDFium-saved copy, else page by
# page) where Camelot's layout failed
READER_VERSION = 4


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
        grids, failed = _grids_of_readable_pages(opened, pages)
        problems: list[Problem] = []
        pictures = pdf_pictures(opened.pdf, problems,
                                [i for i, has in enumerate(opened.pictured or []) if has])
    page_texts = list(opened.page_texts)
    for picture in pictures:
        grids += picture.grids
        # the picture's text is its page's, as a text table's is
        page_texts[picture.grids[0].page - 1] += "\n" + picture.tables.text
    grids.sort(key=lambda g: (g.page, -g.top))
    report = report_from_grids(opened.document, page_texts, grids, opened.page_heights)
    add_proof(report, pictures)
    report.problems[:0] = problems
    # a page the layout reader could not lay out: said, page by page (what it held is named
    # missing by the tables' own problems)
    report.problems[:0] = [Problem("page.unreadable", f"page {page} could not be laid out "
                                   f"(Camelot): {why}", page=page) for page, why in failed]
    return report


def _grids_of_readable_pages(opened, pages: list[int]):
    """(grids, [(page, reason)]): the grids of ``pages``; should the layout reader fail on the
    document (a damaged page stream, a page tree PDFium repairs and pdfminer does not), each
    page is laid out alone, and the pages that still fail are returned with the reason. When
    every page fails, the document is unreadable, with that reason."""
    try:
        return read_grids(opened.layout_path, opened.glyphs, pages=pages), []
    except (MemoryError, UnreadableDocument):  # the bounded worker's to answer
        raise
    except Exception as whole:  # noqa: BLE001 - the layout library's failure on bad bytes
        grids = _grids_of_resaved_copy(opened, pages)
        if grids is not None:
            return grids, []
        if len(pages) <= 1:
            reasons = [(p, _layout_failure(whole)) for p in pages]
            grids = []
        else:
            grids, reasons = [], []
            for page in pages:
                try:
                    grids += read_grids(opened.layout_path, opened.glyphs, pages=[page])
                except (MemoryError, UnreadableDocument):
                    raise
                except Exception as exc:  # noqa: BLE001
                    reasons.append((page, _layout_failure(exc)))
        if reasons and len(reasons) == len(pages):
            raise UnreadableDocument(
                opened.document.path, f"damaged PDF: no page of its tables could be laid out "
                f"(Camelot): {reasons[0][1]}") from whole
        grids.sort(key=lambda g: (g.page, -g.top))
        return grids, reasons


def _grids_of_resaved_copy(opened, pages: list[int]):
    """The grids of ``pages`` laid out from a copy PDFium saves of the document (PDFium
    repairs what it opened: an xref whose /Prev loops, offsets that are wrong), or None when
    that fails too. The copy is removed."""
    from gongkai.extract.document import _unlocked_copy

    try:
        copy = _unlocked_copy(opened.pdf)
    except Exception:  # noqa: BLE001 - no copy, no second try
        return None
    try:
        return read_grids(copy, opened.glyphs, pages=pages)
    except (MemoryError, UnreadableDocument):
        raise
    except Exception:  # noqa: BLE001
        return None
    finally:
        Path(copy).unlink(missing_ok=True)


def _layout_failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

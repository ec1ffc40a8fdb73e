"""Opening a report PDF: is it one we can read, what it is, and where every glyph sits.

PDFium gives each character its tight glyph box, computed from the outlines themselves. That
matters: pdfminer (under Camelot) places text by the font's declared metrics, and with CJK fonts
that LibreOffice embeds from CFF outlines (Noto Serif CJK) those put text a row off.
"""

from __future__ import annotations

import ctypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from gongkai.extract.intake import sha256_of
from gongkai.model import Document, UnreadableDocument

# fewer printable characters than this in the whole file: a scan without a text layer
MIN_TEXT_CHARS = 50


@dataclass(frozen=True)
class Glyph:
    char: str
    # PDF user space, origin bottom-left (as Camelot's cells): tight glyph box
    left: float
    bottom: float
    right: float
    top: float
    baseline: float  # y of the glyph's origin: one value for a whole line of text

    @property
    def cx(self) -> float:
        return (self.left + self.right) / 2

    @property
    def cy(self) -> float:
        return (self.bottom + self.top) / 2


@dataclass
class OpenedPdf:
    document: Document
    page_texts: list[str]
    glyphs: list[list[Glyph]]  # per page
    page_heights: list[float]
    # the file the layout readers (Camelot, pdfplumber) are given: the document itself, or for
    # a "no copy" PDF (an owner password only) a decrypted copy, removed by ``close``
    layout_path: str = ""

    def close(self) -> None:
        if self.layout_path and self.layout_path != self.document.path:
            Path(self.layout_path).unlink(missing_ok=True)


def open_pdf(path: str | Path) -> OpenedPdf:
    """Read the document or raise UnreadableDocument naming it and the reason."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise UnreadableDocument(name, "no such file")
    if not path.is_file():
        raise UnreadableDocument(name, "not a file")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise UnreadableDocument(name, "not a PDF (no %PDF header)")
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise UnreadableDocument(name, "encrypted: the PDF needs a password to open") from exc
        raise UnreadableDocument(name, f"damaged PDF: {reason}") from exc
    layout_path = name
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            # encrypted, yet open without a password: an owner password only ("禁止复制", P=0
            # or restrictive permissions). Reading is allowed, and PDFium reads it; pdfminer
            # under Camelot refuses it (PDFTextExtractionNotAllowed, or fails on the P value),
            # so the layout readers get a copy PDFium saves with the security removed
            layout_path = _unlocked_copy(pdf)
        page_texts, glyphs, heights = [], [], []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            page_texts.append(textpage.get_text_range())
            glyphs.append(_glyphs(textpage, _to_displayed(page)))
            heights.append(page.get_height())
            textpage.close()
            page.close()
        pages = len(pdf)
    except BaseException:
        if layout_path != name:
            Path(layout_path).unlink(missing_ok=True)
        raise
    finally:
        pdf.close()
    if sum(len("".join(t.split())) for t in page_texts) < MIN_TEXT_CHARS:
        if layout_path != name:
            Path(layout_path).unlink(missing_ok=True)
        raise UnreadableDocument(name, "no text layer (a scanned image?): OCR is not supported")
    document = Document(path=name, sha256=sha256_of(path), pages=pages, kind="pdf")
    return OpenedPdf(document, page_texts, glyphs, heights, layout_path)


# FPDF_SaveAsCopy flag: write the document without its encryption (fpdf_save.h)
_FPDF_REMOVE_SECURITY = 3


def _unlocked_copy(pdf) -> str:
    """A temporary copy of the open ``pdf`` without its security handler."""
    fd, copy = tempfile.mkstemp(prefix="gongkai-unlocked-", suffix=".pdf")
    os.close(fd)
    try:
        pdf.save(copy, flags=_FPDF_REMOVE_SECURITY)
    except BaseException:
        Path(copy).unlink(missing_ok=True)
        raise
    return copy


def _to_displayed(page):
    """PDFium gives character boxes in the page's own space; Camelot (and pdfplumber) work in
    the space the page is shown in, turned by its /Rotate. The map from one to the other."""
    left, bottom, right, top = page.get_mediabox()
    width, height = right - left, top - bottom
    turn = {0: lambda x, y: (x - left, y - bottom),
            90: lambda x, y: (y - bottom, width - (x - left)),
            180: lambda x, y: (width - (x - left), height - (y - bottom)),
            270: lambda x, y: (height - (y - bottom), x - left)}
    return turn[page.get_rotation() % 360]


def _glyphs(textpage, to_displayed) -> list[Glyph]:
    out = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for i in range(textpage.count_chars()):
        # PDFium inserts spaces and line breaks of its own between words: not in the document
        if pdfium_c.FPDFText_IsGenerated(textpage.raw, i) == 1:
            continue
        char = textpage.get_text_range(i, 1)
        if not char or char in "\r\n":
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=False)
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, ctypes.byref(x), ctypes.byref(y))
        (x0, y0), (x1, y1) = to_displayed(left, bottom), to_displayed(right, top)
        glyph = Glyph(char, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1),
                      to_displayed(x.value, y.value)[1])
        if char.isspace():
            # spaces have no outline; keep them (for "5048 万元") in the line of the glyph
            # before, with its height
            if not out:
                continue
            glyph = Glyph(" ", glyph.left, out[-1].bottom, glyph.right, out[-1].top,
                          out[-1].baseline)
        out.append(glyph)
    return out

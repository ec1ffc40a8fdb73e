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


class PageGlyphs:
    """Each page's glyphs (``glyphs[index]``, 0-based), read from the open document the first
    time a page is asked for: only the pages with a table are read glyph by glyph."""

    def __init__(self, pdf):
        self._pdf = pdf
        self._pages: dict[int, list[Glyph]] = {}

    def __len__(self) -> int:
        return len(self._pdf)

    def __getitem__(self, index: int) -> list[Glyph]:
        if index not in self._pages:
            page = self._pdf[index]
            textpage = page.get_textpage()
            try:
                self._pages[index] = _glyphs(textpage, _to_displayed(page))
            finally:
                textpage.close()
                page.close()
        return self._pages[index]


@dataclass
class OpenedPdf:
    """An open report PDF (close it, or use it as a context manager, when done with it)."""

    document: Document
    page_texts: list[str]
    glyphs: PageGlyphs  # per page, read when asked for
    page_heights: list[float]
    # per page: whether it draws anything (path or form objects): a page with neither has no
    # ruling lines, so no ruled table for Camelot to find
    drawn: list[bool]
    pdf: object = None  # the pdfium document, open until close()
    # the file the layout readers (Camelot) are given: the document itself, or for a "no copy"
    # PDF (an owner password only) a decrypted copy, removed by ``close``
    layout_path: str = ""
    # per page: whether it holds an image (or a form, which may hold one): only those pages
    # are looked at for tables pasted as pictures (``gongkai.extract.pictures``)
    pictured: list[bool] | None = None

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()
            self.pdf = None
        if self.layout_path and self.layout_path != self.document.path:
            Path(self.layout_path).unlink(missing_ok=True)

    def __enter__(self) -> OpenedPdf:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
        page_texts, heights, drawn, pictured = [], [], [], []
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:  # a page tree that loops, a page object lost
                raise UnreadableDocument(name, f"damaged PDF: page {index + 1} of {len(pdf)} "
                                               f"cannot be loaded (PDFium: {exc})") from exc
            textpage = page.get_textpage()
            page_texts.append(textpage.get_text_range())
            heights.append(page.get_height())
            drawn.append(_draws(page))
            pictured.append(_draws(page, _PICTURED))
            textpage.close()
            page.close()
        pages = len(pdf)
        if sum(len("".join(t.split())) for t in page_texts) < MIN_TEXT_CHARS:
            raise UnreadableDocument(name,
                                     "no text layer (a scanned image?): OCR is not supported")
        document = Document(path=name, sha256=sha256_of(path), pages=pages, kind="pdf")
    except BaseException:
        pdf.close()
        if layout_path != name:
            Path(layout_path).unlink(missing_ok=True)
        raise
    return OpenedPdf(document, page_texts, PageGlyphs(pdf), heights, drawn, pdf, layout_path,
                     pictured)


_DRAWING = (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM)
_PICTURED = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM)


def _draws(page, kinds=_DRAWING) -> bool:
    """Whether the page has a path object, or a form XObject (which may hold paths); or
    another ``kinds`` of page object."""
    raw = page.raw
    return any(pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(raw, i)) in kinds
               for i in range(pdfium_c.FPDFPage_CountObjects(raw)))


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
    raw = textpage.raw
    x, y = ctypes.c_double(), ctypes.c_double()
    box = [ctypes.c_double() for _ in range(4)]
    left_, right_, bottom_, top_ = (ctypes.byref(b) for b in box)  # PDFium's order: l, r, b, t
    for i in range(textpage.count_chars()):
        # PDFium inserts spaces and line breaks of its own between words: not in the document
        if pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
            continue
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        # a character of the Basic Multilingual Plane is its code point; anything else (a
        # surrogate, none) is read as the text API gives it, UTF-16 decoded
        char = (chr(code) if 0 < code < 0xD800 or 0xE000 <= code < 0xFFFE
                else textpage.get_text_range(i, 1))
        if not char or char in "\r\n":
            continue
        if not pdfium_c.FPDFText_GetCharBox(raw, i, left_, right_, bottom_, top_):
            raise pdfium.PdfiumError("Failed to get charbox.")
        left, right, bottom, top = (b.value for b in box)
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ctypes.byref(x), ctypes.byref(y))
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

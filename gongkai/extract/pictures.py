"""Tables pasted as pictures into documents that are not scans: a text PDF whose tables are
images, an HTML article whose tables are ``<img>``, a Word report whose tables are embedded
pictures. Each picture is read as a page of a scan is (``gongkai.extract.scan.read_picture``:
seal, contrast, deskew, rulings by OpenCV, every cell by RapidOCR and Tesseract), and its
tables are mapped onto the template with the document's other tables.

What a picture costs is bounded: at most ``MAX_PICTURES`` pictures of one document are read
(the rest are named by a problem), a picture of more than ``MAX_PICTURE_PIXELS`` is not
decoded, and pictures too small to hold a table (logos, seals, icons) are not read at all.
Nothing is fetched: a picture the document only links to (an ``<img>`` on another host, a
Word picture linked, not embedded) is a problem naming its address.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from gongkai.model import Problem, Report

# the most pictures of one document read by OCR: a hostile page of a thousand images would
# cost hours (each is a second or more)
MAX_PICTURES = 20
# a picture smaller than this holds no statutory table (a logo, a seal, a signature, an icon)
MIN_WIDTH_IN, MIN_HEIGHT_IN = 3.0, 0.8  # on a PDF page, inches
MIN_WIDTH_PX, MIN_HEIGHT_PX = 300, 60  # a picture file
# more pixels than this (a 300 dpi A3 page is 17 million) is not decoded
MAX_PICTURE_PIXELS = 40_000_000
# a picture file whose resolution is not stated (or stated below this): taken to be as wide
# as an A4 page's text, as a pasted table is
MIN_STATED_DPI = 100
ASSUMED_WIDTH_IN = 6.3


class PictureError(Exception):
    """A picture that cannot be decoded (the reason)."""


@dataclass
class Picture:
    """One picture of a document, read by OCR, and how a person finds it."""

    tables: object  # scan.PictureTables
    where: str  # how problems name it: "page 3", "picture 2 (files/t2.jpg)"
    locator: dict = field(default_factory=dict)  # what a fact's locator adds: picture, src

    @property
    def grids(self):
        return self.tables.grids

    def move_to_page(self, page: int) -> None:
        """Its grids on page ``page`` (the sequence number a cell-table document gives its
        tables), its readings keyed by that page."""
        readings = self.tables.readings
        self.tables.readings = {(page, box): r for (_p, box), r in readings.items()}
        for grid in self.grids:
            grid.page = page


class PictureBudget:
    """How many pictures of one document may still be read; the first one refused records
    the cap (``{kind}.too_many_images``) and the count of those left is said at the end."""

    def __init__(self, kind: str, problems: list[Problem]):
        self.kind, self.problems = kind, problems
        self.read = self.refused = 0

    def take(self) -> bool:
        if self.read < MAX_PICTURES:
            self.read += 1
            return True
        self.refused += 1
        return False

    def close(self) -> None:
        if self.refused:
            self.problems.append(Problem(
                f"{self.kind}.too_many_images", f"the document holds more than {MAX_PICTURES} "
                f"pictures large enough to hold a table: the first {MAX_PICTURES} were read by "
                f"OCR, {self.refused} were not (a table in them is missing)"))


def decode(data: bytes) -> tuple[np.ndarray, float | None]:
    """RGB pixels of a picture file, and the resolution it states (dpi) if any."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PICTURE_PIXELS:
                raise PictureError(f"{image.width}x{image.height} pixels, more than "
                                   f"{MAX_PICTURE_PIXELS} are not read")
            stated = image.info.get("dpi")
            pixels = np.asarray(image.convert("RGB"))
    except PictureError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit, before ours
        raise PictureError(f"more than {MAX_PICTURE_PIXELS} pixels are not read ({exc})") from None
    except UnidentifiedImageError:
        raise PictureError("not a picture that can be decoded (no image format Pillow "
                           "reads)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise PictureError(f"not a picture that can be decoded ({type(exc).__name__}: "
                           f"{exc})") from None
    dpi = float(stated[0]) if stated and stated[0] else None
    return pixels, dpi


def large_enough(pixels: np.ndarray) -> bool:
    return pixels.shape[1] >= MIN_WIDTH_PX and pixels.shape[0] >= MIN_HEIGHT_PX


def file_dpi(pixels: np.ndarray, shown_width_in: float | None, stated: float | None) -> float:
    """The resolution a picture file is read at: its width over the width it is shown at
    (a Word picture's extent), else the resolution it states, else its width over a page's
    text width."""
    if shown_width_in and shown_width_in > 0.5:
        return pixels.shape[1] / shown_width_in
    if stated and stated >= MIN_STATED_DPI:
        return stated
    return pixels.shape[1] / ASSUMED_WIDTH_IN


def read_file_picture(data: bytes, number: int, src: str, kind: str, problems: list[Problem],
                      budget: PictureBudget, shown_width_in: float | None = None
                      ) -> Picture | None:
    """Picture ``number`` of an HTML or Word document, its bytes ``data`` (``src`` names it):
    its tables read by OCR, or None (no table in it, too small to hold one, not decodable:
    then ``{kind}.image_unreadable`` naming it, or over the budget)."""
    from gongkai.extract.scan import read_picture

    where = f"picture {number} ({_short(src)})"
    try:
        pixels, stated = decode(data)
    except PictureError as exc:
        problems.append(Problem(f"{kind}.image_unreadable", f"{where}: {exc}"))
        return None
    if not large_enough(pixels) or not budget.take():
        return None
    try:
        tables = read_picture(pixels, file_dpi(pixels, shown_width_in, stated), place=where)
    except (MemoryError, TimeoutError):
        raise
    except Exception as exc:  # noqa: BLE001 - OpenCV or an engine failing on odd pixels
        problems.append(Problem(f"{kind}.image_unreadable",
                                f"{where}: OCR failed ({type(exc).__name__}: {exc})"))
        return None
    if not tables.grids:
        return None
    return Picture(tables, where, {"picture": number, "src": _short(src, 300)})


def _short(src: str, limit: int = 80) -> str:
    return src if len(src) <= limit else src[:limit - 1] + "…"


# --- text PDFs -------------------------------------------------------------------------------

def pdf_pictures(pdf, problems: list[Problem], pages: list[int] | None = None
                 ) -> list[Picture]:
    """The tables of the pictures on the pages of an open PDF (PDFium; ``pages``: 0-based,
    default all): each image object at least ``MIN_WIDTH_IN`` by ``MIN_HEIGHT_IN`` is
    rendered where it stands, at its own resolution (within the scan reader's bounds), and
    read; its grids are in the page's points, so its facts keep page and box as a text
    table's do."""
    import pypdfium2 as pdfium

    budget = PictureBudget("pdf", problems)
    out = []
    for index in range(len(pdf)) if pages is None else pages:
        page = pdf[index]
        try:
            width, height = page.get_size()
            boxes = []
            turned = page.get_rotation() % 360
            for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
                left, bottom, right, top = obj.get_bounds()
                left, bottom = max(0.0, left), max(0.0, bottom)
                right, top = min(width, right), min(height, top)
                if right - left < MIN_WIDTH_IN * 72 or top - bottom < MIN_HEIGHT_IN * 72:
                    continue
                try:
                    px_width = obj.get_px_size()[0]
                except Exception:  # noqa: BLE001 - an image PDFium cannot size
                    px_width = 0
                boxes.append((left, bottom, right, top, px_width))
            if boxes and turned:
                # the pictures' boxes are in the page's own space, its tables' in the space it
                # is shown in: not read rather than placed wrong
                problems.append(Problem(
                    "pdf.image_unreadable", f"page {index + 1} is shown turned by {turned}°: "
                    f"its {len(boxes)} picture(s) were not read by OCR", page=index + 1))
                boxes = []
            if boxes:  # the OCR engines and OpenCV load only for a page with a picture
                from gongkai.extract.scan import MAX_DPI, MIN_DPI, read_picture
            for left, bottom, right, top, px_width in boxes:
                if not budget.take():
                    continue
                where = f"page {index + 1}"
                dpi = min(MAX_DPI, max(MIN_DPI, px_width / ((right - left) / 72)))
                try:
                    bitmap = page.render(scale=dpi / 72, crop=(left, bottom, width - right,
                                                               height - top))
                    pixels = bitmap.to_numpy()
                    if bitmap.mode.startswith("BGR"):
                        pixels = pixels[..., 2::-1]
                    tables = read_picture(np.ascontiguousarray(pixels), dpi, page=index + 1,
                                          left=left, top=top, page_height=height)
                except (MemoryError, TimeoutError):
                    raise
                except Exception as exc:  # noqa: BLE001 - a picture PDFium or OCR fails on
                    problems.append(Problem(
                        "pdf.image_unreadable", f"{where}: the picture at ({left:.0f}, "
                        f"{height - top:.0f}) pt could not be read ({type(exc).__name__}: "
                        f"{exc})", page=index + 1))
                    continue
                if tables.grids:
                    out.append(Picture(tables, where))
        finally:
            page.close()
    budget.close()
    return out


# --- proof -----------------------------------------------------------------------------------

def add_proof(report: Report, pictures: list[Picture]) -> None:
    """Each fact read from a picture keeps both engines' readings (and, in an HTML or Word
    document, which picture: number and src) in its locator; a doubtful reading is a
    ``cell.ocr_doubtful`` problem naming both readings and the picture (a PDF's: its page)."""
    from gongkai.extract.scan import _add_proof

    readings, places = {}, {}
    for picture in pictures:
        readings.update(picture.tables.readings)
        if picture.locator:
            places[picture.grids[0].page] = (picture.where, picture.locator)
    _add_proof(report, readings, places)

"""The reader of scanned reports: PDFs of page images, read by two OCR engines.

An agency that scans the signed, stamped paper report publishes pages that are pictures: a red
seal (公章) pressed across the tables, a little skewed, JPEG-compressed, greyscale or colour.
Each page is

1. taken at the resolution it was scanned at (the embedded image's, between 200 and 300 dpi),
   its red ink whitened by colour (HSV) and the red channel kept, so a seal over a table leaves
   the black print under it; the background flattened and the contrast stretched; deskewed by
   the angle whose row profile is sharpest;
2. searched for ruled tables by line morphology (OpenCV): long thin horizontal and vertical
   runs, short breaks closed, so faint, broken and sealed-over lines are found. The lines make
   a grid of cells, each knowing which of its borders is drawn, and cells with no ruling between
   them form one merged region — the grid ``gongkai.extract.grid`` builds from Camelot's cells
   for a text PDF, in the same PDF coordinates (points, origin bottom-left), so
   ``gongkai.extract.tables`` maps it onto the template by the same code;
3. read cell by cell: every region with ink is read by RapidOCR (``Region.text``) and a second
   time by Tesseract (``Region.check_text``, digits only where RapidOCR read a number), so a
   cell the engines read differently is a ``cell.methods_disagree`` problem; a reading either
   engine is unsure of is a ``cell.ocr_doubtful`` problem naming both readings. Nothing is
   decided by arithmetic. A label (a cell with words) is read by RapidOCR only: labels are
   matched to the template's rows, not stored as values;
4. outside its tables, read line by line by RapidOCR, for the title (agency and year) and the
   prose the narrative rules read.

Each fact keeps its page and its box in page points (of the deskewed page), and in its locator
both engines' readings and confidences.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from gongkai.extract import tesseract
from gongkai.extract.assemble import report_from_grids
from gongkai.extract.grid import Grid, Region, merged_cells
from gongkai.extract.intake import sha256_of
from gongkai.model import Document, Problem, Report, UnreadableDocument

log = logging.getLogger(__name__)

# the resolution pages are read at: the scan's own, within these bounds (below 200 dpi the
# glyphs are upsampled for the recogniser; above 300 nothing is gained but time)
MIN_DPI, MAX_DPI = 200, 300
# confidences below these are doubtful: RapidOCR's score (0..1), Tesseract's word conf (0..100)
RAPID_DOUBT = 0.90
TESSERACT_DOUBT = 40.0  # a lone mark or digit that both engines read alike scores 40-60
# the paper's background is estimated at 1/BACKGROUND_SCALE of the page's resolution, as the
# median over BACKGROUND_MEDIAN pixels there (about 30 px of the page)
BACKGROUND_SCALE, BACKGROUND_MEDIAN = 4, 7
# the least height (inches) of a cell's line of text given to the engines: a 10.5 pt line
LINE_HEIGHT = 0.15
# white added around a cell's crop for Tesseract (pixels)
TESSERACT_MARGIN = 16
# a pixel this red (chroma Cr; 128 is grey, a seal about 200) and at least this light in
# grey is red ink on paper: black print under a seal stays darker
SEAL_CR, SEAL_GREY = 136, 125
# how Tesseract reads a number, a dash or a slash, and another value ("无", "12.6 万元")
TESSERACT_NUMBERS = tesseract.Settings("eng", whitelist="0123456789,.+-/—")
TESSERACT_WORDS = tesseract.Settings("chi_sim+eng")
# a ghost pixel this dark, within this many pixels of sure print, is print (print_under_seal)
STROKE_GREY, STROKE_STEPS = 170, 2
# a cell's glyph no darker than this (grey, print is near 0) and at least this wide and tall
# (inches; a seal's characters are about 0.19 in, a digit of a cell 0.1 in by 0.05) is a
# seal's, scanned in greyscale (_faint_glyphs)
FAINT_INK, FAINT_SIZE = 60, 0.08
# a greyscale page's seal (grey_seal): its ink lighter than FAINT_INK and darker than this
# (of the page stretched to paper 255), away from print
GREY_SEAL_INK = 200
# within a seal, a pixel darker than this is print (the seal's ink, at its darkest where
# pressed hardest, is about 90 of the page stretched to paper 255; 80 kept too much of it),
# and a lighter one this many steps from it print's edge (kept). At 150 dpi a blurred thin
# stroke of print is 60-90 too: under a seal it is lost in part (measured on make_dev.py)
GREY_SEAL_PRINT, GREY_SEAL_STEPS = FAINT_INK, 1
# seals' rings are searched for at this resolution (dpi), and one is a ring when inked along
# at least this share of its round (the print it crosses hides some of it)
GREY_SEAL_SCALE, GREY_SEAL_RING = 50, 0.6
# a glyph read "1" and "/" is a slash when its ink's x-y correlation is below minus this
SLASH_LEAN = 0.5
# page orientation: Tesseract's OSD at this resolution, trusted from this confidence on (it
# gives 4-15 for a page of text or a table, below 1 when it cannot tell)
OSD_DPI, OSD_CONFIDENCE = 150, 2.0
# how the two readings are named in problems (tables.py's cell.methods_disagree)
READINGS = ("RapidOCR", "Tesseract")

# a reading that is a value, not a label: digits with their separators, sign and unit, or one
# of the ways of writing nothing
_VALUE_LIKE = re.compile(r"^[\s+\-−–—－/／\\0-9０-９,，.．]*(?:万元|元|件|个|项|条)?$|^[无空]$")
_NUMERIC = re.compile(r"^[+\-]?[0-9][0-9,.]*$")
_DASHES = set("-—–－一_~～−")


@dataclass
class OcrReading:
    text: str
    confidence: float  # RapidOCR: 0..1; Tesseract: 0..100; 1.0 / 100 for a cell without ink


@dataclass
class CellReading:
    """Both engines' readings of one region (the proof kept in the fact's locator)."""

    rapid: OcrReading
    tesseract: OcrReading | None  # None: a label, read by RapidOCR only
    inked: bool = True
    # the engines read a lone glyph as "1" and "/": the one its lean says (_slash_or_one)
    by_shape: str | None = None

    def doubtful(self) -> bool:
        if not self.inked:
            return False
        return self.rapid.confidence < RAPID_DOUBT or (
            self.tesseract is not None and self.tesseract.confidence < TESSERACT_DOUBT)

    def locator(self) -> dict:
        out = {"rapidocr": [self.rapid.text, round(self.rapid.confidence, 4)]}
        if self.tesseract is not None:
            out["tesseract"] = [self.tesseract.text, round(self.tesseract.confidence, 1)]
        if self.by_shape is not None:
            out["shape"] = self.by_shape
        return {"ocr": out}


@dataclass
class ScanPage:
    number: int  # 1-based
    dpi: float
    grey: np.ndarray  # deskewed, seal whitened, contrast normalised; 0 ink .. 255 paper
    ink: np.ndarray  # binary (255 = ink) of ``grey``
    angle: float  # degrees the page was turned back by
    height_pt: float
    width_pt: float
    line_mask: np.ndarray | None = None
    # binary ink the rulings are found in: the seal's ghost is not whitened there, since that
    # would also take the pixels of a thin line under the seal (None: ``ink``)
    rulings_ink: np.ndarray | None = None
    turned: int = 0  # degrees the page was turned clockwise to stand upright (0, 90, 180, 270)
    orientation_seconds: float = 0.0  # CPU time of finding ``turned`` (PageTiming.orientation)

    def to_points(self, x: float, y: float) -> tuple[float, float]:
        """Pixel (x right, y down) to PDF points (origin bottom-left)."""
        scale = 72.0 / self.dpi
        return float(x * scale), float(self.height_pt - y * scale)


@dataclass
class _TableCells:
    """A ruled table found on a page: its line positions in pixels and the merged regions."""

    ys: list[int]
    xs: list[int]
    regions: list[tuple[tuple[int, int], tuple[int, int]]]  # (rows, cols) inclusive


@dataclass
class PageTiming:
    """Where one page's time went, in CPU seconds of this process and of its Tesseract runs
    (the benchmark reads ``TIMINGS``: one core, whatever else the machine runs)."""

    page: int
    tables: int
    prepare: float = 0.0  # render, seal, flatten, deskew
    grid: float = 0.0  # rulings and regions
    rapidocr: float = 0.0
    tesseract: float = 0.0  # libtesseract's CPU time, or the tesseract processes'
    orientation: float = 0.0  # Tesseract's OSD (page_orientation), not part of ``prepare``
    turned: int = 0  # the page's ScanPage.turned

    @property
    def total(self) -> float:
        return self.prepare + self.grid + self.rapidocr + self.tesseract + self.orientation


TIMINGS: list[PageTiming] = []  # of the last document read


class _Clock:
    """CPU time of this process plus that of its finished children (the tesseract command,
    where libtesseract is not loaded)."""

    def __init__(self):
        import resource

        self._resource = resource
        self.mark = self.now()

    def now(self) -> tuple[float, float]:
        import time

        children = self._resource.getrusage(self._resource.RUSAGE_CHILDREN)
        return time.process_time(), children.ru_utime + children.ru_stime

    def lap(self) -> tuple[float, float]:
        own, children = self.now()
        out = own - self.mark[0], children - self.mark[1]
        self.mark = (own, children)
        return out


def read_scan(path: str | Path) -> Report:
    """Read a PDF of page images. Raises UnreadableDocument when no page holds legible text."""
    path = Path(path)
    name = str(path)
    _tune_malloc()
    pdf = pdfium.PdfDocument(name)
    grids: list[Grid] = []
    readings: dict[tuple[int, tuple], CellReading] = {}
    page_texts, heights = [], []
    TIMINGS.clear()
    clock = _Clock()
    try:
        for index in range(len(pdf)):
            clock.lap()
            page = prepare_page(pdf[index], index + 1)
            prepare = sum(clock.lap())
            tables = find_tables(page)
            timing = PageTiming(index + 1, len(tables), prepare - page.orientation_seconds,
                                sum(clock.lap()), orientation=page.orientation_seconds,
                                turned=page.turned)
            page_grids = [_read_table(page, t, readings, clock, timing) for t in tables]
            grids += page_grids
            page_texts.append(_page_text(page, tables, page_grids))
            timing.rapidocr += sum(clock.lap())
            TIMINGS.append(timing)
            heights.append(page.height_pt)
        pages = len(pdf)
    finally:
        pdf.close()
    if not any(t.strip() for t in page_texts):
        raise UnreadableDocument(name, "no text layer, and OCR read no text in its page images "
                                       "(a scan of nothing legible?)")
    grids.sort(key=lambda g: (g.page, -g.top))
    document = Document(path=name, sha256=sha256_of(path), pages=pages, kind="scan")
    report = report_from_grids(document, page_texts, grids, heights)
    _add_proof(report, readings)
    return report


def _tune_malloc() -> None:
    """Allocate from one glibc arena in every thread. OpenCV's and ONNX Runtime's threads each
    reserve an arena of their own (64 MiB of address space and more) that is never given back:
    reading a scan reached 1.2 GB of address space for 0.3 GB resident; with one arena it stays
    at 0.8-1.05 GB with the OSD engine loaded, within the bounded reader's limit and the OCR
    engines' allowance (``bounded.allow_ocr``). (A fixed mapping threshold of 1 MiB kept it
    at 0.83-0.93 GB but made RapidOCR and the page preparation a quarter slower: every large
    block mapped and unmapped.) Affects arenas made after the call (the engines' threads
    start when a scan is first read)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


# --- pages -----------------------------------------------------------------------------------

def prepare_page(page, number: int) -> ScanPage:
    """The page as black ink on white: rendered at its scan's resolution, seal whitened,
    background flattened, deskewed."""
    width_pt, height_pt = page.get_size()
    dpi = min(MAX_DPI, max(MIN_DPI, _scan_dpi(page, width_pt)))
    bitmap = page.render(scale=dpi / 72)
    pixels = bitmap.to_numpy()
    page.close()
    if pixels.ndim == 2 or bitmap.mode == "L":
        grey = pixels if pixels.ndim == 2 else pixels[..., 0]
        ruled = grey
    else:
        ruled, grey = black_ink(pixels[..., :3].copy(), bgr=bitmap.mode.startswith("BGR"))
    grey = flatten(grey)
    ruled = grey if ruled is None or ruled is pixels else flatten(ruled)
    if _colourless(pixels):  # a greyscale scan: no colour to tell a seal by, its greyness
        seal = grey_seal(pixels if pixels.ndim == 2 else pixels[..., 0], dpi)
        if seal is not None:
            grey = np.where(seal, np.uint8(255), grey)
    clock = _Clock()
    turn = page_orientation(grey, dpi)
    orientation_seconds = sum(clock.lap())
    if turn:  # a page scanned upside down or sideways, turned upright before deskewing
        grey, ruled = upright(grey, turn), (grey if ruled is grey else upright(ruled, turn))
        if turn in (90, 270):
            width_pt, height_pt = height_pt, width_pt
    angle = skew_angle(grey)
    if abs(angle) > 0.02:
        grey = rotate(grey, angle)
        ruled = grey if ruled is grey else rotate(ruled, angle)
    return ScanPage(number, dpi, grey, binarize(grey), angle, height_pt, width_pt,
                    rulings_ink=binarize(ruled), turned=turn,
                    orientation_seconds=orientation_seconds)


def page_orientation(grey: np.ndarray, dpi: float) -> int:
    """The degrees (0, 90, 180 or 270) to turn the page clockwise so its text stands upright:
    Tesseract's orientation detection (OSD, Debian's tesseract-ocr-osd) on the page at
    ``OSD_DPI``, in this process or by the command (``tesseract.way()``). 0 when it is unsure
    (a page of few characters) or cannot tell."""
    scale = OSD_DPI / dpi
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    found = tesseract.orientation(small, OSD_DPI)
    if found is None:
        return 0  # too few characters to tell: taken as it lies
    turn, confidence = found
    return turn if confidence >= OSD_CONFIDENCE else 0


def upright(image: np.ndarray, turn: int) -> np.ndarray:
    """``image`` turned ``turn`` degrees clockwise."""
    return np.ascontiguousarray(np.rot90(image, -(turn // 90)))


def _scan_dpi(page, width_pt: float) -> float:
    """The resolution of the page's largest image (the scan), or the lower bound."""
    best = 0
    for obj in page.get_objects():
        if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE:
            try:
                w, _h = obj.get_px_size()
            except Exception:  # an image PDFium cannot size: take the default
                continue
            best = max(best, w)
    return best / (width_pt / 72) if best else MIN_DPI


def black_ink(rgb: np.ndarray, bgr: bool) -> tuple[np.ndarray, np.ndarray]:
    """Grey levels of the black ink only: red ink (a seal, a stamp) made paper. Two images:
    one to find the rulings in, one to read the glyphs from (the seal's ghost whitened too).

    A seal is pressed over the print: where it covers black text the pixel stays dark, and
    red ink alone is light in the red channel (about 210 of 255). So each pixel's grey is the
    lighter of its luma and its red channel: black stays black, red becomes near-white, and a
    light blue shading keeps its luma. (A hue test whitening "red" pixels would also whiten a
    black line under a seal: JPEG subsamples colour, so such a line takes the seal's red from
    its neighbours.)"""
    if not bgr:
        rgb = rgb[..., ::-1]
    rgb = np.ascontiguousarray(rgb)
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_BGR2YCrCb)
    ruled = np.maximum(ycrcb[..., 0], rgb[..., 2])
    # what is left of the seal where JPEG smeared it (a grey ghost): red and lighter than
    # print, whitened for reading glyphs (not for finding rulings: a thin line is that light)
    grey = ruled.copy()
    ghost = (ycrcb[..., 1] >= SEAL_CR) & (grey >= SEAL_GREY)
    grey[ghost & ~print_under_seal(grey, ghost)] = 255
    return ruled, grey


def print_under_seal(grey: np.ndarray, ghost: np.ndarray,
                     sure_below: int = SEAL_GREY, steps: int = STROKE_STEPS) -> np.ndarray:
    """The pixels of ``ghost`` (red, lighter than print) that are thin strokes of the black
    print under a seal, not the seal's smear: JPEG gives a hairline under a seal (the arcs of
    a serif "0") the seal's colour, and whitened it splits the glyph ("0" read "()" or "U").
    They are the ghost pixels still darker than the paper around them that are reached from
    sure print (darker than any ghost) through such pixels within a stroke's width; the
    seal's own smear, away from print, is not reached."""
    sure = (grey < sure_below).astype(np.uint8)
    passable = (ghost & (grey < STROKE_GREY)).astype(np.uint8)
    reached = sure
    kernel = np.ones((3, 3), np.uint8)
    for _ in range(steps):
        grown = cv2.dilate(reached, kernel) & (passable | sure)
        if np.array_equal(grown, reached):
            break
        reached = grown
    return (reached > 0) & ghost


def _colourless(pixels: np.ndarray) -> bool:
    """The page is a greyscale image (PDFium renders one as BGR of equal channels)."""
    if pixels.ndim == 2 or pixels.shape[2] == 1:
        return True
    return bool(np.array_equal(pixels[..., 0], pixels[..., 1])
                and np.array_equal(pixels[..., 1], pixels[..., 2]))


def grey_seal(raw: np.ndarray, dpi: float) -> np.ndarray | None:
    """The pixels of a greyscale page (as scanned) that are a seal's ink, to be made paper for
    reading glyphs (the rulings are found in the page as it is: a thin line under the seal is
    as light); None where the page has no seal.

    Scanned in greyscale a red seal is mid-grey (its red is about 90 of 255 in luma, lighter
    where the pressure was less), print is black. The page's grey levels are stretched (its
    darkest print 0, its paper 255) but not flattened: dividing by the background, print
    under a seal's dense strokes would be lifted to the seal's grey. Seal-like ink is the
    mid-grey pixels (lighter than ``FAINT_INK``, darker than ``GREY_SEAL_INK``) not at print's
    soft edge (``print_under_seal``); a seal is where that ink draws a ring (``_seal_rings``),
    and within the ring every pixel lighter than print and not at its edge
    (``GREY_SEAL_STEPS``) is the seal's. Outside a seal nothing changes: a thin stroke of print
    alone (a slash at 150 dpi) is as light as a seal's."""
    low, paper = np.percentile(raw[::4, ::4], (0.5, 50))
    levels = (np.arange(256, dtype=np.float32) - low) * (255.0 / max(1.0, paper - low))
    grey = cv2.LUT(raw, levels.clip(0, 255).astype(np.uint8))
    mid = (grey > FAINT_INK) & (grey < GREY_SEAL_INK)
    near_print = print_under_seal(grey, mid, sure_below=FAINT_INK)
    seal_ink = (mid & ~near_print).astype(np.uint8)
    region = np.zeros(grey.shape, np.uint8)
    for cx, cy, radius in _seal_rings(seal_ink, dpi):
        cv2.circle(region, (cx, cy), radius, 1, thickness=-1)
    if not region.any():
        return None
    ghost = (region > 0) & (grey >= GREY_SEAL_PRINT)
    return ghost & ~print_under_seal(grey, ghost, sure_below=GREY_SEAL_PRINT,
                                     steps=GREY_SEAL_STEPS)


def _seal_rings(seal_ink: np.ndarray, dpi: float) -> list[tuple[int, int, int]]:
    """The seals' rings in a mask of seal-like ink: circles 1.1-2.0 in across (a 30-50 mm
    seal) proposed by the Hough transform, kept where the ring is inked along most of its
    round (``GREY_SEAL_RING``; light print in a table or a paragraph makes no circle).
    (x, y, radius) in pixels, the radius to the ring's outer edge."""
    scale = GREY_SEAL_SCALE / dpi  # found at GREY_SEAL_SCALE dpi: a ring is 2-3 px wide there
    small = cv2.resize(seal_ink * 255, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    low, high = int(GREY_SEAL_SCALE * 0.55), int(GREY_SEAL_SCALE * 1.0)
    found = cv2.HoughCircles(small, cv2.HOUGH_GRADIENT, dp=1, minDist=low, param1=60,
                             param2=12, minRadius=low, maxRadius=high)
    out = []
    if found is None:
        return out
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    inked = small > 40
    for x, y, r in found[0][:8]:
        # the ring is a few pixels wide and the circle approximate: inked within 2 px of it
        on = np.zeros(len(angles), bool)
        for dr in (-2, -1, 0, 1, 2):
            px = np.round(x + (r + dr) * np.cos(angles)).astype(int)
            py = np.round(y + (r + dr) * np.sin(angles)).astype(int)
            ok = (px >= 0) & (py >= 0) & (px < small.shape[1]) & (py < small.shape[0])
            on[ok] |= inked[py[ok], px[ok]]
        if on.mean() >= GREY_SEAL_RING:
            out.append((int(x / scale), int(y / scale), int((r + 3) / scale)))
    return out


def flatten(grey: np.ndarray) -> np.ndarray:
    """The background (paper, shading) divided out and the contrast stretched: paper 255.

    The background is the paper around the ink: the page dilated (a 7 px maximum takes the
    strokes out) and its median over about 30 px (what is left of dense print). It varies
    slowly, so the median is taken at a quarter of the resolution and scaled back up: at full
    resolution it was a third of a page's preparation. The stretch is a look-up table over the
    grey levels (no float image of the page: at 300 dpi that was 66 MiB of a worker's 1 GiB)."""
    height, width = grey.shape
    dilated = cv2.dilate(grey, np.ones((7, 7), np.uint8))
    small = cv2.resize(dilated, (max(1, width // BACKGROUND_SCALE), max(1, height // BACKGROUND_SCALE)),
                       interpolation=cv2.INTER_AREA)
    background = cv2.resize(cv2.medianBlur(small, BACKGROUND_MEDIAN), (width, height),
                            interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, background, scale=255)
    # the 0.5th percentile of the grey levels: where print is black
    counts = np.cumsum(cv2.calcHist([flat], [0], None, [256], [0, 256]).ravel())
    low = float(np.searchsorted(counts, 0.005 * flat.size))
    levels = (np.arange(256, dtype=np.float32) - low) * (255.0 / max(1.0, 250 - low))
    return cv2.LUT(flat, levels.clip(0, 255).astype(np.uint8))


def binarize(grey: np.ndarray) -> np.ndarray:
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def skew_angle(grey: np.ndarray) -> float:
    """The angle (degrees) that makes text lines and rulings horizontal: the one whose row
    profile of ink is sharpest, searched coarse on a small image, then fine."""
    small = cv2.resize(binarize(grey), None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)

    def sharpness(image, angle):
        turned = rotate(image, angle, border=0)
        rows = turned.astype(np.float32).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-2.0, 2.01, 0.25), key=lambda a: sharpness(small, a))
    half = cv2.resize(binarize(grey), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.05), key=lambda a: sharpness(half, a)))


def rotate(image: np.ndarray, angle: float, border: int = 255) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


# --- the grid --------------------------------------------------------------------------------

def find_tables(page: ScanPage) -> list[_TableCells]:
    """The ruled tables of the page, top to bottom."""
    dpi = page.dpi
    ink = page.rulings_ink if page.rulings_ink is not None else page.ink
    gap = max(3, int(dpi * 0.03))  # breaks in a line this long are closed
    h_len = max(30, int(dpi * 0.30))  # a run this long is a horizontal rule, not a glyph
    v_len = max(20, int(dpi * 0.17))  # a row of a table is taller than this, a glyph shorter
    # open first (only runs longer than any glyph's stroke stay), then close the breaks of
    # what stayed: closing first would join the strokes of neighbouring glyphs into "lines"
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, h_len), np.uint8))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, np.ones((1, gap * 3), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((v_len, 1), np.uint8))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, np.ones((gap * 3, 1), np.uint8))
    page.line_mask = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))
    joined = cv2.dilate(horizontal | vertical, np.ones((5, 5), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    h, w = ink.shape
    tables = []
    for i in range(1, count):
        x, y, bw, bh, _area = stats[i]
        if bw < w * 0.3 or bh < dpi * 0.4:
            continue
        table = _table_cells(horizontal[y:y + bh, x:x + bw], vertical[y:y + bh, x:x + bw],
                             x, y, dpi)
        if table is not None:
            tables.append(table)
    tables.sort(key=lambda t: t.ys[0])
    return tables


def _positions(profile: np.ndarray, minimum: float, tolerance: int) -> list[int]:
    """Centres of the runs of ``profile`` at or above ``minimum`` (a line a few pixels thick
    is one position; runs closer than ``tolerance`` are one line)."""
    hits = np.flatnonzero(profile >= minimum)
    if hits.size == 0:
        return []
    groups, start, last = [], hits[0], hits[0]
    for p in hits[1:]:
        if p - last > tolerance:
            groups.append((start, last))
            start = p
        last = p
    groups.append((start, last))
    return [int((a + b) // 2) for a, b in groups]


def _table_cells(horizontal: np.ndarray, vertical: np.ndarray, x0: int, y0: int,
                 dpi: float) -> _TableCells | None:
    tolerance = max(3, int(dpi * 0.02))
    ys = _positions((horizontal > 0).sum(axis=1), dpi * 0.25, tolerance)
    xs = _positions((vertical > 0).sum(axis=0), dpi * 0.12, tolerance)
    if len(ys) < 2 or len(xs) < 2:
        return None
    band = max(2, int(dpi * 0.012))  # how far from its position a line's pixels may lie

    def drawn_h(y: int, xa: int, xb: int) -> bool:
        strip = horizontal[max(0, y - band):y + band + 1, xa:xb].max(axis=0)
        return strip.size > 0 and (strip > 0).mean() >= 0.6

    def drawn_v(x: int, ya: int, yb: int) -> bool:
        strip = vertical[ya:yb, max(0, x - band):x + band + 1].max(axis=1)
        return strip.size > 0 and (strip > 0).mean() >= 0.6

    nrows, ncols = len(ys) - 1, len(xs) - 1
    # no ruling between neighbours: one merged cell (as grid.py does with Camelot's)
    groups = merged_cells(
        nrows, ncols,
        lambda r, c: not drawn_v(xs[c + 1], ys[r] + band, ys[r + 1] - band),
        lambda r, c: not drawn_h(ys[r + 1], xs[c] + band, xs[c + 1] - band))
    regions = []
    for members in groups:
        rows = [m[0] for m in members]
        cols = [m[1] for m in members]
        regions.append(((min(rows), max(rows)), (min(cols), max(cols))))
    regions.sort()
    return _TableCells([y + y0 for y in ys], [x + x0 for x in xs], regions)


# --- reading the cells -----------------------------------------------------------------------

def _read_table(page: ScanPage, table: _TableCells,
                readings: dict[tuple[int, tuple], CellReading],
                clock: _Clock | None = None, timing: PageTiming | None = None) -> Grid:
    clock = clock or _Clock()
    timing = timing or PageTiming(page.number, 1)
    regions, crops = [], []
    for rows, cols in table.regions:
        xa, xb = table.xs[cols[0]], table.xs[cols[1] + 1]
        ya, yb = table.ys[rows[0]], table.ys[rows[1] + 1]
        (x0, y1), (x1, y0) = page.to_points(xa, ya), page.to_points(xb, yb)
        region = Region(rows=rows, cols=cols, x0=x0, y0=y0, x1=x1, y1=y1)
        regions.append(region)
        crops.append(_cell_lines(page, xa, ya, xb, yb))
    timing.grid += sum(clock.lap())
    rapid = _rapid_cells(crops)
    timing.rapidocr += sum(clock.lap())
    # the second reading: every cell that holds a value (RapidOCR's reading is no label)
    second_of = [i for i, (lines, r) in enumerate(zip(crops, rapid))
                 if lines and _VALUE_LIKE.match(_normalise(r.text))]
    second = tesseract_cells([(crops[i], bool(_NUMERIC.match(rapid[i].text)
                                              or _normalise(rapid[i].text) in ("—", "/")))
                              for i in second_of])
    timing.tesseract += sum(clock.lap())
    checks = dict(zip(second_of, second))
    for i, region in enumerate(regions):
        inked = bool(crops[i])
        reading = CellReading(rapid[i], checks.get(i), inked)
        if not inked:
            reading.tesseract = OcrReading("", 100.0)
        region.text = _normalise(rapid[i].text)
        region.check_text = (_normalise(reading.tesseract.text)
                             if reading.tesseract is not None else region.text)
        if {region.text, region.check_text} == {"1", "/"}:
            reading.by_shape = region.text = _slash_or_one(crops[i])
        readings[(page.number, region.bbox_top_left(page.height_pt))] = reading
    (_, top) = page.to_points(0, table.ys[0])
    col_edges = [(page.to_points(table.xs[c], 0)[0], page.to_points(table.xs[c + 1], 0)[0])
                 for c in range(len(table.xs) - 1)]
    return Grid(page=page.number, nrows=len(table.ys) - 1, ncols=len(table.xs) - 1,
                regions=regions, col_edges=col_edges, top=top, readings=READINGS)


def _slash_or_one(lines: list[np.ndarray]) -> str:
    """A lone glyph one engine reads "1" and the other "/" (a cell without a number written "/",
    thin at 150-200 dpi): "/" when its ink leans as a slash does — its pixels' x and y are
    strongly anti-correlated (rising to the right; y grows downwards) — else "1" (upright; its
    flag and foot hardly correlate them). Still a doubt: ``_add_proof`` names the cell."""
    ink = np.concatenate([line < 128 for line in lines], axis=0).astype(np.uint8)
    m = cv2.moments(ink, binaryImage=True)
    spread = (m["mu20"] * m["mu02"]) ** 0.5
    return "/" if spread and m["mu11"] / spread <= -SLASH_LEAN else "1"


def _cell_lines(page: ScanPage, xa: int, ya: int, xb: int, yb: int) -> list[np.ndarray]:
    """The text lines of a cell as grey crops (rulings removed, a white margin added); none
    for a cell without ink (specks of noise are not ink)."""
    inset = max(2, int(page.dpi * 0.012))
    ya, yb, xa, xb = ya + inset, yb - inset, xa + inset, xb - inset
    if yb - ya < 4 or xb - xa < 4:
        return []
    ink = page.ink[ya:yb, xa:xb].copy()
    ink[page.line_mask[ya:yb, xa:xb] > 0] = 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    # specks of noise are not ink; a full stop or a minus sign is (smaller than these
    # thresholds it would vanish from both engines' crop alike, and "-2" read "2" by both)
    speck = max(3.0, (page.dpi / 100) ** 2)
    keep = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        keep[i] = area >= speck and max(w, h) >= 2
    keep &= ~_faint_glyphs(page, page.grey[ya:yb, xa:xb], labels, stats)
    if not keep.any():
        return []
    raw = ink
    ink = np.where(keep[labels], 255, 0).astype(np.uint8)
    rows = np.flatnonzero(ink.max(axis=1))
    cols = np.flatnonzero(ink.max(axis=0))
    grey = page.grey[ya:yb, xa:xb].copy()
    paper = raw == 0  # only what is no ink at all is lightened
    grey[paper] = np.maximum(grey[paper], 255 - (255 - grey[paper]) // 4)
    grey[page.line_mask[ya:yb, xa:xb] > 0] = 255
    profile = ink[rows[0]:rows[-1] + 1].max(axis=1) > 0
    lines, start = [], None
    min_gap = max(2, int(page.dpi * 0.015))
    gap = 0
    for offset, inked in enumerate(np.append(profile, False)):
        if inked:
            if start is None:
                start = offset
            gap = 0
        elif start is not None:
            gap += 1
            if gap >= min_gap or offset == len(profile):
                end = offset - gap + 1
                band = ink[rows[0] + start:rows[0] + end]
                # a band lower than a comma's tail and narrower than a dash is a speck
                if end - start >= page.dpi * 0.03 or \
                        np.count_nonzero(band.max(axis=0)) >= page.dpi * 0.05:
                    lines.append((rows[0] + start, rows[0] + end))
                start, gap = None, 0
    # a glyph of strokes one above the other (三, 二) is one line, not three
    merged: list[tuple[int, int]] = []
    for top, bottom in lines:
        if merged and top - merged[-1][1] < page.dpi * 0.04 and min(
                bottom - top, merged[-1][1] - merged[-1][0]) < page.dpi * 0.06:
            merged[-1] = (merged[-1][0], bottom)
        else:
            merged.append((top, bottom))
    lines = merged
    pad = max(4, int(page.dpi * 0.04))
    out = []
    for top, bottom in lines:
        band = ink[top:bottom]
        used = np.flatnonzero(band.max(axis=0))
        left, right = used[0], used[-1] + 1
        crop = grey[top:bottom, left:right]
        # a flat glyph alone (a dash) keeps the height of a line of text around it: blown up
        # to the recogniser's height by itself it is a bar, and read as "1"
        short = max(0, int(page.dpi * LINE_HEIGHT) - crop.shape[0])
        out.append(cv2.copyMakeBorder(crop, pad + short // 2, pad + short - short // 2, pad, pad,
                                      cv2.BORDER_CONSTANT, value=255))
    return out


def _faint_glyphs(page: ScanPage, grey: np.ndarray, labels: np.ndarray,
                  stats: np.ndarray) -> np.ndarray:
    """Per connected component of a cell's ink: a glyph no darker than ``FAINT_INK`` anywhere,
    as wide and as tall as a seal's character. Print is black; a seal scanned in greyscale (no
    colour to whiten it by) is mid-grey, and its characters (府, 人 of the agency's name) would
    join the cell's number ("府19,029"). Narrow or short marks (a slash, a dash, a digit) are
    never dropped: blurred, a thin stroke is lighter than a glyph's."""
    darkest = np.full(len(stats), 255, np.int32)
    np.minimum.at(darkest, labels.ravel(), grey.ravel().astype(np.int32))
    large = np.minimum(stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]) >= \
        page.dpi * FAINT_SIZE
    faint = (darkest > FAINT_INK) & large
    faint[0] = False
    return faint


_ENGINE = None


def rapidocr():
    """One RapidOCR recogniser per process, on one thread (its models ship in the wheel)."""
    global _ENGINE
    if _ENGINE is None:
        from gongkai.extract.bounded import allow_ocr

        allow_ocr()  # the engines' room, beside the document's, in a bounded worker
        from rapidocr import RapidOCR

        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        _ENGINE = RapidOCR(params={
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
    return _ENGINE


# the recogniser's input height, and how many pixels of its input one output step covers
REC_HEIGHT, REC_STEP = 48, 8
# the least width of its input (pixels): 4/3 of its height
REC_MIN_WIDTH = 64
# crops of one width read by one call of the model
REC_BATCH = 16


def recognise(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """RapidOCR's recognition model on each grey line crop: its text and score (the mean of
    its characters' probabilities, RapidOCR's own score).

    Each crop goes in at its own width, padded with paper. RapidOCR's pipeline pads every crop
    to 320 pixels (48 high) with grey, and the model's cost is its input's width: a number
    cell is 30-60 pixels wide, so most of the time went on padding (and grey padding makes
    its confidence in a lone dash waver more than paper does). Crops are not packed side by side
    into one input: that costs the same (the width is the same), and a row of lone dashes
    packed together is read as hyphens, doubtfully. Crops of the same input width go in
    together, REC_BATCH at a time: each is read as alone (the model reads each input of a
    batch by itself), for a sixth less time than one call per crop."""
    recogniser = rapidocr()._load_rec_model()  # the model RapidOCR.__call__ runs (pinned)
    characters = recogniser.postprocess_op.character
    inputs = []
    for crop in crops:
        width = max(1, int(np.ceil(REC_HEIGHT * crop.shape[1] / crop.shape[0])))
        sized = cv2.resize(crop, (width, REC_HEIGHT))
        # paper to the right, to a whole output step and at least REC_MIN_WIDTH: a lone
        # dash or digit in a narrower input is often read as nothing
        padded = max(REC_MIN_WIDTH, -(-width // REC_STEP) * REC_STEP)
        if padded != width:
            sized = cv2.copyMakeBorder(sized, 0, 0, 0, padded - width, cv2.BORDER_CONSTANT,
                                       value=255)
        inputs.append(sized)
    by_width: dict[int, list[int]] = {}
    for i, sized in enumerate(inputs):
        by_width.setdefault(sized.shape[1], []).append(i)
    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    for chosen in by_width.values():
        for start in range(0, len(chosen), REC_BATCH):
            part = chosen[start:start + REC_BATCH]
            grey = np.stack([inputs[i] for i in part]).astype(np.float32) / 127.5 - 1.0
            steps = recogniser.session(np.repeat(grey[:, None], 3, axis=1))
            for i, read in zip(part, steps):
                out[i] = _ctc_decode(read, characters)
    return out


def _ctc_decode(steps: np.ndarray, characters: list[str]) -> tuple[str, float]:
    """Greedy CTC: each step's likeliest class, repeats merged, blanks (class 0) dropped;
    spaces at either end are no part of the text nor of its score."""
    best = steps.argmax(axis=1)
    chosen = np.ones(len(best), bool)
    chosen[1:] = best[1:] != best[:-1]
    chosen &= best != 0
    tokens = [(characters[c], float(p)) for c, p in zip(best[chosen], steps.max(axis=1)[chosen])]
    while tokens and tokens[0][0] == " ":
        tokens.pop(0)
    while tokens and tokens[-1][0] == " ":
        tokens.pop()
    if not tokens:
        return "", 0.0
    return "".join(t for t, _p in tokens), round(float(np.mean([p for _t, p in tokens])), 5)


def _rapid_cells(cells: list[list[np.ndarray]]) -> list[OcrReading]:
    """RapidOCR's reading of each cell (its text lines, all of a table's read together): the
    lines' texts, and the lowest line's score; a cell without ink is read as blank."""
    read = iter(recognise([line for lines in cells for line in lines]))
    out = []
    for lines in cells:
        if not lines:
            out.append(OcrReading("", 1.0))
            continue
        texts = [next(read) for _line in lines]
        out.append(OcrReading("\n".join(t for t, _c in texts).strip(), min(c for _t, c in texts)))
    return out


def tesseract_cells(cells: list[tuple[list[np.ndarray], bool]]) -> list[OcrReading]:
    """Tesseract's reading of each cell (its text lines), one engine per kind of cell: a
    cell RapidOCR read as a number, a dash or a slash with a whitelist of digits and those
    marks (so "0", "—" and blank stay apart), another value cell ("无", "12.6 万元") with
    chi_sim + eng. In this process by libtesseract, or by the command (``tesseract.way()``)."""
    out: list[OcrReading | None] = [None] * len(cells)
    for numeric in (True, False):
        chosen = [i for i, (_lines, is_number) in enumerate(cells) if is_number == numeric]
        if not chosen:
            continue
        settings = TESSERACT_NUMBERS if numeric else TESSERACT_WORDS
        # Tesseract drops a lone narrow glyph ("1") near the image's edge: a wide margin
        images = [(i, k, cv2.copyMakeBorder(crop, *(TESSERACT_MARGIN,) * 4,
                                            cv2.BORDER_CONSTANT, value=255))
                  for i in chosen for k, crop in enumerate(cells[i][0])]
        words = tesseract.read_lines([crop for _i, _k, crop in images], settings)
        texts: dict[int, list[str]] = {}
        confs: dict[int, float] = {}
        for (i, k, _crop), (text, conf) in zip(images, words):
            texts.setdefault(i, []).append(text)
            confs[i] = min(confs.get(i, 100.0), conf)
        for i in chosen:
            out[i] = OcrReading("\n".join(texts.get(i, [])).strip(), confs.get(i, 0.0))
    return out  # type: ignore[return-value]


def _normalise(text: str) -> str:
    """The ways OCR writes what the page prints: a lone dash (read as 一 or _) is "—", a lone
    slash "/"; O and o between digits are zeros."""
    text = text.strip()
    compact = "".join(text.split())
    if compact and set(compact) <= _DASHES:
        return "—" if len(compact) == 1 or "—" in compact or "一" in compact else compact
    if compact in ("/", "／", "丿", "\\"):
        return "/"
    return text


# --- text outside the tables -----------------------------------------------------------------

def _page_text(page: ScanPage, tables: list[_TableCells], grids: list[Grid]) -> str:
    """The page's text in reading order: its lines outside the tables (RapidOCR, line by line)
    and each table's cells row by row where the table stands."""
    ink = page.ink.copy()
    for table in tables:
        ink[table.ys[0] - 3:table.ys[-1] + 4, table.xs[0] - 3:table.xs[-1] + 4] = 0
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # noise specks
    pad = max(4, int(page.dpi * 0.04))
    lines = _text_lines(ink, page.dpi)
    crops = [cv2.copyMakeBorder(page.grey[top:bottom, left:right], pad, pad, pad, pad,
                                cv2.BORDER_CONSTANT, value=255)
             for top, bottom, left, right in lines]
    pieces: list[tuple[int, str]] = [(line[0], text.strip()) for line, (text, _score)
                                     in zip(lines, recognise(crops)) if text.strip()]
    for table, grid in zip(tables, grids):
        rows: dict[int, list[str]] = {}
        for region in sorted(grid.regions, key=lambda g: (g.rows[0], g.cols[0])):
            if region.text:
                rows.setdefault(region.rows[0], []).append(region.text.replace("\n", ""))
        pieces.append((table.ys[0], "\n".join(" ".join(cells) for _r, cells in sorted(rows.items()))))
    pieces.sort(key=lambda p: p[0])
    return "\n".join(text for _top, text in pieces)


def _text_lines(ink: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Bands of ink rows (text lines) and the x extent of each."""
    profile = (ink > 0).sum(axis=1) >= 2
    lines, start = [], None
    for y, inked in enumerate(np.append(profile, False)):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            if y - start >= dpi * 0.05:  # taller than noise or a rule's edge
                # a glyph in two parts (告 of a title: its top, a gap, 口) is one line: a gap
                # between lines is wider than a third of the lines' height
                if lines and start - lines[-1][1] < 0.3 * max(y - start, lines[-1][1] - lines[-1][0]):
                    lines[-1] = (lines[-1][0], y)
                else:
                    lines.append((start, y))
            start = None
    out = []
    for top, bottom in lines:
        band = ink[top:bottom]
        cols = np.flatnonzero(band.max(axis=0))
        if cols.size and (bottom - top) < dpi * 0.6:
            out.append((top, bottom, int(cols[0]), int(cols[-1]) + 1))
    return out


# --- proof -----------------------------------------------------------------------------------

def cell_crop_png(page: ScanPage, bbox: tuple[float, float, float, float],
                  margin_pt: float = 2.0) -> bytes:
    """The PNG of a cell's box (points, origin top-left, of the page as read) cut from the
    page as it was read: what the engines saw, for a person to compare with the value."""
    scale = page.dpi / 72.0
    x0, top, x1, bottom = bbox
    h, w = page.grey.shape
    ya, yb = max(0, int((top - margin_pt) * scale)), min(h, int((bottom + margin_pt) * scale) + 1)
    xa, xb = max(0, int((x0 - margin_pt) * scale)), min(w, int((x1 + margin_pt) * scale) + 1)
    ok, png = cv2.imencode(".png", page.grey[ya:yb, xa:xb])
    return png.tobytes() if ok else b""


def _add_proof(report: Report, readings: dict[tuple[int, tuple], CellReading],
               places: dict[int, tuple[str, dict]] | None = None) -> None:
    """Both engines' readings in each fact's locator; a doubtful reading a problem naming both.
    ``places``: by page, how problems name it and what the locator adds there (a picture of an
    HTML or Word document: "picture 2 (…)", its number and src); by default "page N"."""
    for fact in report.facts:
        reading = readings.get((fact.page, fact.bbox))
        if reading is None:
            continue
        where, extra = (places or {}).get(fact.page, (f"page {fact.page}", {}))
        fact.locator = {**extra, **reading.locator()}
        if reading.by_shape is not None:
            report.problems.append(Problem(
                "cell.ocr_doubtful",
                f"{fact.table}.{fact.row}.{fact.column} on {where}: RapidOCR read "
                f"{reading.rapid.text!r}, Tesseract read "
                f"{reading.tesseract.text if reading.tesseract else ''!r}: taken as "
                f"{reading.by_shape!r} by the glyph's lean",
                table=fact.table, row=fact.row, column=fact.column, page=fact.page))
        if reading.doubtful():
            second = (f"Tesseract read {reading.tesseract.text!r} "
                      f"(confidence {reading.tesseract.confidence:.0f})"
                      if reading.tesseract is not None else "Tesseract did not read it")
            report.problems.append(Problem(
                "cell.ocr_doubtful",
                f"{fact.table}.{fact.row}.{fact.column} on {where}: RapidOCR read "
                f"{reading.rapid.text!r} (confidence {reading.rapid.confidence:.2f}), {second}",
                table=fact.table, row=fact.row, column=fact.column, page=fact.page))


# --- pictures in documents that are not scans ------------------------------------------------

@dataclass
class PictureTables:
    """The ruled tables OCR read in one picture of a text PDF, an HTML page or a Word document
    (a table pasted as a screenshot or a scan): grids as a scanned page's, with both engines'
    readings of every cell keyed as ``read_scan`` keys them, (page, box top-left)."""

    grids: list[Grid]
    text: str  # its lines outside the tables and its tables' cells row by row; "" with no table
    readings: dict[tuple[int, tuple], CellReading]
    page_height: float  # of the page the grids' coordinates are on (points)


def read_picture(pixels: np.ndarray, dpi: float, *, page: int = 1, left: float = 0.0,
                 top: float | None = None, page_height: float | None = None,
                 place: str | None = None) -> PictureTables:
    """The ruled tables of a picture (RGB or grey ``pixels``, ``dpi`` pixels per inch), read as
    a page of a scan is: the picture becomes a one-page PDF of its own size holding it, and that
    page goes through ``prepare_page``, ``find_tables`` and the cell reading unchanged.

    Coordinates are points (origin bottom-left) of page ``page``, ``page_height`` high, on
    which the picture's top-left corner stands at (``left``, ``top``); by default the picture's
    own. ``place`` names the picture in problems ("picture 2"; None: "page N"). A picture with
    no ruled table costs its preparation and the search for rulings only."""
    height_px, width_px = pixels.shape[:2]
    width_pt, height_pt = width_px * 72.0 / dpi, height_px * 72.0 / dpi
    top = height_pt if top is None else top
    page_height = height_pt if page_height is None else page_height
    scan = _one_picture_page(pixels, width_pt, height_pt, page)
    tables = find_tables(scan)
    if not tables:
        return PictureTables([], "", {}, page_height)
    own: dict[tuple[int, tuple], CellReading] = {}
    grids = [_read_table(scan, table, own) for table in tables]
    text = _page_text(scan, tables, grids)
    # from the picture's points to the page's: shifted by where the picture stands on it
    dx, dy = left, top - height_pt
    readings = {}
    for grid in grids:
        for region in grid.regions:
            reading = own.get((page, region.bbox_top_left(height_pt)))
            region.x0, region.x1, region.y0, region.y1 = (
                region.x0 + dx, region.x1 + dx, region.y0 + dy, region.y1 + dy)
            if reading is not None:
                readings[(page, region.bbox_top_left(page_height))] = reading
        grid.col_edges = [(a + dx, b + dx) for a, b in grid.col_edges]
        grid.top += dy
        grid.place = place
    return PictureTables(grids, text, readings, page_height)


def _one_picture_page(pixels: np.ndarray, width_pt: float, height_pt: float,
                      number: int) -> ScanPage:
    """``prepare_page`` of a PDF page the size of the picture that holds only the picture."""
    from PIL import Image

    pdf = pdfium.PdfDocument.new()
    try:
        page = pdf.new_page(width_pt, height_pt)
        image = pdfium.PdfImage.new(pdf)
        picture = Image.fromarray(pixels if pixels.ndim == 2 else pixels[..., :3])
        image.set_bitmap(pdfium.PdfBitmap.from_pil(picture.convert("RGB")))
        image.set_matrix(pdfium.PdfMatrix().scale(width_pt, height_pt))
        page.insert_obj(image)
        page.gen_content()
        return prepare_page(page, number)
    finally:
        pdf.close()

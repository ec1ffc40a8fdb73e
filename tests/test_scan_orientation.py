"""Pages scanned upside down or sideways (a landscape page image) are turned upright before
they are deskewed and read: ``scan.page_orientation`` (Tesseract's OSD).

The fixture is made by ``tests/fixtures/scans/make_scans.py`` (``TURNED``, listed in
``turned.json``): a demo report (invented agency) whose page 2 lies upside down and page 3
sideways on the glass; its golden file is the source's."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pypdfium2 as pdfium

from gongkai.extract import scan, tesseract
from gongkai.extract.intake import read_document
from gongkai.extract.scan import prepare_page
from tests.golden import check_scan_identity_and_doubts, load, scan_accurate

SCANS = Path(__file__).parent / "fixtures" / "scans"
PORTAL_SCANS = Path(__file__).parent / "fixtures" / "portal" / "scans"
DEMO_GOLDEN = Path(__file__).parent / "fixtures" / "portal" / "golden"
(TURNED,) = json.loads((SCANS / "turned.json").read_text(encoding="utf-8"))


def test_turned_pages_are_read_upright():
    pdf = pdfium.PdfDocument(str(SCANS / f"{TURNED['name']}.pdf"))
    try:
        turned = [prepare_page(pdf[i], i + 1).turned for i in range(len(pdf))]
    finally:
        pdf.close()
    # each page turned back by what it was laid turned (counter-clockwise) on the glass
    laid = dict(tuple(p) for p in TURNED["turned_pages"])
    assert turned == [laid.get(n, 0) for n in range(1, len(turned) + 1)]
    assert {180, 90} <= set(turned)

    golden = load(DEMO_GOLDEN / f"{TURNED['source']}.json")
    report = read_document(SCANS / f"{TURNED['name']}.pdf")
    wrong = check_scan_identity_and_doubts(report, golden)
    assert scan_accurate(wrong, golden), wrong
    # the cells' boxes are on the upright page: a sideways page's box fits its portrait size
    for fact in report.facts:
        assert fact.bbox[2] <= 600 and fact.bbox[3] <= 845, fact


def _osd_page(path: Path, number: int):
    """A fixture's page as ``page_orientation`` gives it to the OSD: grey, flattened, at
    ``OSD_DPI`` (a page scanned in colour has its seal's red taken out first)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[number - 1]
        dpi = min(scan.MAX_DPI, max(scan.MIN_DPI, scan._scan_dpi(page, page.get_size()[0])))
        bitmap = page.render(scale=dpi / 72)
        pixels = bitmap.to_numpy()
    finally:
        pdf.close()
    if pixels.ndim == 2 or bitmap.mode == "L":
        grey = pixels if pixels.ndim == 2 else pixels[..., 0]
    else:
        _ruled, grey = scan.black_ink(pixels[..., :3].copy(), bgr=bitmap.mode.startswith("BGR"))
    scale = scan.OSD_DPI / dpi
    return cv2.resize(scan.flatten(grey), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def test_orientation_in_process_is_found_as_the_command_finds_it(monkeypatch):
    # the turned report's pages (upright, upside down, sideways), a held-out page Tesseract
    # reads as upside down without confidence, the demo portal's scan (a page of every set:
    # the benchmark compares all pages' turns both ways)
    pages = [(SCANS / f"{TURNED['name']}.pdf", n) for n in (1, 2, 3, 4)]
    pages += [(SCANS / "heldout" / "heldout-demo-city-2022.pdf", 3),
              (PORTAL_SCANS / "demo-county-2019-scan.pdf", 2)]
    images = [_osd_page(path, n) for path, n in pages]
    assert tesseract.library() is not None, tesseract.way()
    in_process = [tesseract.orientation(image, scan.OSD_DPI) for image in images]
    monkeypatch.setenv("GONGKAI_TESSERACT", "command")
    command = [tesseract.orientation(image, scan.OSD_DPI) for image in images]
    # the command prints the confidence to two decimals
    assert [(turn, round(conf, 2)) for turn, conf in in_process] == command
    assert [turn for turn, _conf in in_process[:4]] == [0, 180, 90, 0]
    assert in_process[4][0] == 180 and in_process[4][1] < scan.OSD_CONFIDENCE

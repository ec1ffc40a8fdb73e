"""Pages scanned upside down or sideways (a landscape page image) are turned upright before
they are deskewed and read: ``scan.page_orientation`` (Tesseract's OSD).

The fixture is made by ``tests/fixtures/scans/make_scans.py`` (``TURNED``, listed in
``turned.json``): a demo report (invented agency) whose page 2 lies upside down and page 3
sideways on the glass; its golden file is the source's."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium

from gongkai.extract.intake import read_document
from gongkai.extract.scan import prepare_page
from tests.golden import check_scan_identity_and_doubts, load, scan_accurate

SCANS = Path(__file__).parent / "fixtures" / "scans"
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

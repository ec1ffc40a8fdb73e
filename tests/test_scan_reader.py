"""Scanned reports (PDFs of page images) read by OCR: every cell right or named by a problem.

The scans are made by ``tests/fixtures/scans/make_scans.py`` from text-PDF fixtures (skewed,
noisy, blurred, JPEG, greyscale or colour, red seals over table cells); a scan's golden file is
its source's. Each scan is read once (about 15 s of CPU) and checked for everything at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import warehouse

from gongkai.extract.intake import read_document
from gongkai.extract.scan import black_ink, rotate, skew_angle
from tests.golden import (
    GOLDEN, check_scan_identity_and_doubts, fact_key, load, scan_accurate,
)

SCANS = Path(__file__).parent / "fixtures" / "scans"
MADE = json.loads((SCANS / "scans.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("scan", MADE, ids=[s["name"] for s in MADE])
def test_scan_is_read_cell_by_cell_with_proof(scan, tmp_path):
    golden = load(GOLDEN / f"{scan['source']}.json")
    report = read_document(SCANS / f"{scan['name']}.pdf")

    wrong = check_scan_identity_and_doubts(report, golden)
    assert scan_accurate(wrong, golden), [(fact_key(g), g["raw"]) for g in wrong]

    # proof: page, box and both engines' readings for every cell with a value
    for fact in report.facts:
        assert fact.page >= 1 and fact.bbox is not None
        x0, top, x1, bottom = fact.bbox
        assert 0 <= x0 < x1 and 0 <= top < bottom
        assert "rapidocr" in fact.locator["ocr"]
        if fact.raw:
            assert "tesseract" in fact.locator["ocr"], fact
        json.dumps({"bbox": fact.bbox, "locator": fact.locator})  # plain numbers, storable

    # the warehouse keeps both readings: SQL lists every OCR-read number with its confidence
    con = warehouse.connect(tmp_path / "scan.duckdb")
    warehouse.load_report(con, report, scan["name"] + ".pdf")
    read, lowest = con.execute(
        "SELECT count(*), min(CAST(json_extract(locator, '$.ocr.rapidocr[1]') AS DOUBLE)) "
        "FROM facts WHERE json_extract_string(locator, '$.ocr.rapidocr[0]') IS NOT NULL"
    ).fetchone()
    assert read == len(report.facts) and 0 <= lowest <= 1


def test_red_seal_is_paper_and_black_under_it_stays_black():
    paper, seal, black, black_under_seal = (245, 245, 245), (214, 38, 46), (20, 20, 20), (18, 4, 5)
    rgb = np.array([[paper, seal, black, black_under_seal]], dtype=np.uint8)
    grey = black_ink(rgb, bgr=False)[1][0]
    assert grey[0] > 240 and grey[1] > 200  # the seal is as light as paper to Otsu
    assert grey[2] < 40 and grey[3] < 40


def test_skew_is_measured_from_the_page():
    page = np.full((800, 600), 255, np.uint8)
    for y in range(100, 700, 40):  # rulings and text lines
        page[y:y + 3, 50:550] = 0
    turned = rotate(page, 1.2)
    assert abs(skew_angle(turned) + 1.2) <= 0.1

"""Scanned reports (PDFs of page images) read by OCR: every cell right or named by a problem.

The scans are made by ``tests/fixtures/scans/make_scans.py`` from text-PDF fixtures (skewed,
noisy, blurred, JPEG, greyscale or colour, red seals over table cells); a scan's golden file is
its source's. Each scan is read once (about 15 s of CPU) and checked for everything at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import warehouse

from gongkai.extract import tesseract
from gongkai.config import ROOT
from gongkai.extract.bounded import BoundedReader, Limits
from gongkai.extract.intake import read_document
from gongkai.extract.scan import TESSERACT_NUMBERS, black_ink, rotate, skew_angle
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


def _line_of_print(text: str) -> np.ndarray:
    crop = np.full((60, 40 + 24 * len(text)), 255, np.uint8)
    cv2.putText(crop, text, (20, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 2, cv2.LINE_AA)
    return crop


def test_tesseract_in_process_reads_as_the_command_does(monkeypatch):
    crops = [_line_of_print(t) for t in ("1024", "-3", "76,5")]
    assert tesseract.library() is not None, tesseract.way()  # libtesseract5 is installed
    in_process = tesseract.read_lines(crops, TESSERACT_NUMBERS)
    monkeypatch.setenv("GONGKAI_TESSERACT", "command")
    assert tesseract.way().startswith("the tesseract command")
    assert tesseract.read_lines(crops, TESSERACT_NUMBERS) == in_process
    assert [text for text, _conf in in_process] == ["1024", "-3", "76,5"]


def test_scans_one_after_another_are_each_read_within_the_limit():
    """A worker that read by OCR is replaced: the engines' models and arenas it holds would
    otherwise push the third scan in a row over the limit (recorded as not read)."""
    with BoundedReader(Limits()) as reader:
        for scan in MADE:
            report = reader.read(str(SCANS / f"{scan['name']}.pdf"))
            assert report.facts, scan["name"]
            assert reader._process is None  # retired: the next document gets a fresh one
        text = reader.read(str(ROOT / "tests/fixtures/real/huaian-city-2024.pdf"))
        assert text.facts and reader._process is not None  # no OCR: the worker is kept


def test_scan_is_read_in_a_bounded_worker():
    """The worker's address space is limited (1 GiB by default): the page images, both
    engines' models and libtesseract in it fit."""
    scan = next(s for s in MADE if s["name"] == "scan-t21-demo-county-2022")
    golden = load(GOLDEN / f"{scan['source']}.json")
    with BoundedReader(Limits()) as reader:
        report = reader.read(str(SCANS / f"{scan['name']}.pdf"))
    wrong = check_scan_identity_and_doubts(report, golden)
    assert scan_accurate(wrong, golden), [(fact_key(g), g["raw"]) for g in wrong]

"""The readable HTML page of `gongkai check FILE --html OUT`, from real PDFs.

A report with a balance failure (t21-demo-district-finance-2023: 上年结转 written "/") and the real 淮安
report, which passes every rule, go through extract_report + check_report + render_html; the
page must hold the agency, every cell as extracted, the failing cells marked, and the failing
pages' images with red boxes where the cells are.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gongkai.values import plain_number

pytestmark = pytest.mark.xdist_group("report_html")

FIXTURES = Path(__file__).parent / "fixtures"
DISTRICT_FINANCE = FIXTURES / "reports" / "t21-demo-district-finance-2023.pdf"
HUAIAN = FIXTURES / "real" / "huaian-city-2024.pdf"


class Page(HTMLParser):
    """The cells (data-cell -> classes, text) and page images (data-page -> PNG bytes)."""

    def __init__(self, text: str):
        super().__init__()
        self.cells: dict[tuple[str, str, str], dict] = {}
        self.images: dict[int, tuple[float, bytes]] = {}
        self._cell = None
        self._in_sup = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and "data-cell" in a:
            self._cell = {"classes": set((a.get("class") or "").split()), "text": "",
                          "title": a.get("title") or "", "page": a.get("data-page")}
            self.cells[tuple(a["data-cell"].split("/"))] = self._cell
        elif tag == "sup":
            self._in_sup = True
        elif tag == "img" and "data-page" in a:
            src = a["src"]
            assert src.startswith("data:image/png;base64,")
            self.images[int(a["data-page"])] = (float(a["data-scale"]),
                                                base64.b64decode(src.split(",", 1)[1]))

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "sup":
            self._in_sup = False

    def handle_data(self, data):
        if self._cell is not None and not self._in_sup:
            self._cell["text"] += data


def checked(pdf: Path, out: Path):
    from expectations import check_report
    from gongkai.extract import extract_report
    from gongkai.report_html import render_html

    report = extract_report(pdf)
    findings = check_report(report)
    path = render_html(report, findings, out)
    return report, findings, path


@pytest.fixture(scope="module")
def district_finance(tmp_path_factory):
    return checked(DISTRICT_FINANCE, tmp_path_factory.mktemp("html") / "district_finance.html")


@pytest.fixture(scope="module")
def huaian(tmp_path_factory):
    return checked(HUAIAN, tmp_path_factory.mktemp("html") / "huaian.html")


def shown(fact) -> str:
    if fact.value is None:
        return fact.raw.strip()
    return str(plain_number(fact.value))


def failing_keys(findings) -> set[tuple[str, str, str]]:
    """The cells of failed errors and warnings (info findings are listed, not painted)."""
    return {(o["table"], o["row"], o["column"]) for f in findings
            if f["status"] == "fail" and f["severity"] != "info" for o in f["operands"]}


def assert_every_fact_shown(report, page: Page):
    assert report.facts
    for f in report.facts:
        cell = page.cells.get((f.table, f.row, f.column))
        assert cell is not None, (f.table, f.row, f.column)
        assert cell["text"].replace("\xa0", "").strip() == shown(f), (f, cell)
        assert f"第 {f.page} 页" in cell["title"] and f.raw in cell["title"]
        assert cell["page"] == str(f.page)
        assert ("blank" in cell["classes"]) == (f.value is None)


def red_near(img, x: float, y: float, reach: int = 4) -> bool:
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            r, g, b = img.getpixel((int(x) + dx, int(y) + dy))[:3]
            if r > 180 and g < 60 and b < 60:
                return True
    return False


def test_failing_report_page(district_finance):
    report, findings, path = district_finance
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    assert path.exists() and text.startswith("<!DOCTYPE html>")
    assert report.agency == "示例市示例区财政局" and report.agency in text
    assert report.document.sha256 in text
    assert_every_fact_shown(report, page)

    failed = [f for f in findings if f["status"] == "fail"]
    assert any(f["rule"] == "applications.balance" for f in failed)
    # the failing cells, and only they, are marked
    bad = failing_keys(findings)
    marked = {k for k, c in page.cells.items() if "fail" in c["classes"]}
    assert marked == bad
    # each finding in Chinese (from the operands) and English (the rule's message)
    assert "申请数量勾稽关系" in text and "Applications balance" in text
    assert ("第 2、3 页：自然人列 ［第 2 页］本年新收 14 + 上年结转 “/”（按 0 计） = 14，"
            "但 ［第 3 页］总计 14 + 结转下年度 1 = 15，相差 1。") in text
    for f in failed:
        assert f["message"].replace('"', "&quot;") in text
    passes = sum(f["status"] == "pass" for f in findings)
    assert f"另有 {passes} 项规则实例通过" in text


def test_failing_pages_have_boxed_images(district_finance):
    from PIL import Image

    report, findings, path = district_finance
    page = Page(path.read_text(encoding="utf-8"))
    facts = {(f.table, f.row, f.column): f for f in report.facts}
    bad = [facts[k] for k in failing_keys(findings) if k in facts]
    assert {f.page for f in bad} == set(page.images) == {2, 3}
    for f in bad:
        scale, png = page.images[f.page]
        img = Image.open(io.BytesIO(png)).convert("RGB")
        x0, top, x1, bottom = f.bbox
        # the box's left and right edges, half-way down the cell
        mid = (top + bottom) / 2 * scale
        assert red_near(img, x0 * scale, mid), f
        assert red_near(img, x1 * scale, mid), f
        # and not inside the cell, where the number is
        assert not red_near(img, (x0 + x1) / 2 * scale, mid, reach=1)


def test_passing_report_page(huaian):
    report, findings, path = huaian
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    assert "淮安市人民政府" in text
    assert_every_fact_shown(report, page)
    assert not [f for f in findings if f["status"] == "fail" and f["severity"] != "info"]
    assert not any("fail" in c["classes"] for c in page.cells.values())
    assert not page.images and "<img" not in text
    assert "全部规则通过" in text or "没有不通过的规则" in text


def test_sentence_zh_names_operands_and_pages():
    from gongkai.report_html import sentence_zh

    finding = {"rule": "applications.balance", "status": "fail", "column": "natural_person",
               "expected": 3035, "actual": 3036, "operands": [
                   {"table": "applications", "row": r, "column": "natural_person", "value": v,
                    "raw": str(v), "page": 4}
                   for r, v in (("new_requests", 3001), ("carried_over", 34),
                                ("total_processed", 2933), ("carried_forward", 103))]}
    assert sentence_zh(finding) == ("第 4 页：自然人列 本年新收 3001 + 上年结转 34 = 3035，"
                                    "但 总计 2933 + 结转下年度 103 = 3036，相差 1。")


def test_check_html_cli(tmp_path):
    out = tmp_path / "out" / "district_finance.html"
    proc = subprocess.run([sys.executable, "-m", "gongkai.cli", "check", str(DISTRICT_FINANCE),
                           "--html", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "FAILED applications.balance" in proc.stdout
    assert f"wrote {out}" in proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "示例市示例区财政局" in text and 'class="fail"' in text
    assert re.search(r'<img [^>]*data-page="3"', text)


def test_a_scan_shows_each_ocr_cell_crop_beside_its_value():
    """`gongkai check SCAN --html`: every OCR-read cell's crop of the page as it was read
    (base64 PNG) beside the value and both engines' readings; doubtful cells marked."""
    from PIL import Image

    from expectations import check_report
    from gongkai.extract import extract_report
    from gongkai.report_html import build_html

    report = extract_report(FIXTURES / "portal" / "scans" / "demo-county-2019-scan.pdf")
    text = build_html(report, check_report(report))
    rows = re.findall(r'<tr class="(doubtful|sure)" data-cell="([^"]+)">(.*?)</tr>', text)
    assert len(rows) == len(report.facts) >= 190
    doubted = {f"{p.table}.{p.row}.{p.column}" for p in report.problems if p.row}
    assert {cell for cls, cell, _ in rows if cls == "doubtful"} == \
        doubted & {f"{f.table}.{f.row}.{f.column}" for f in report.facts}
    facts = {f"{f.table}.{f.row}.{f.column}": f for f in report.facts}
    for cls, cell, body in rows:
        (png,) = re.findall(r'src="data:image/png;base64,([^"]+)"', body)
        crop = Image.open(io.BytesIO(base64.b64decode(png))).convert("L")
        assert crop.width > 10 and crop.height > 10
        fact = facts[cell]
        assert fact.locator["ocr"]["rapidocr"][0] in body
        if fact.value is not None:  # the number's ink is in the crop
            assert min(crop.getdata()) < 100, cell
            assert f"<td>{'⚠ ' if cls == 'doubtful' else ''}{plain_number(fact.value)}</td>" in body
        assert ("⚠" in body) == (cls == "doubtful")

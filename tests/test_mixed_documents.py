"""Mixed documents: a text PDF, an HTML article and a Word report whose tables were pasted as
pictures. Their pictures are read by OCR as a scan's pages are; every cell right or named by a
problem, and the document's agency, year and template found as for any report of its format.

The documents are made by ``tests/fixtures/mixed/make_mixed.py`` from the demo portal's invented
reports, whose golden files (``tests/fixtures/portal/golden``) hold the same cells. Each is read
once (about 12 s of CPU) and checked for everything at once. The other tests here make small
hostile pages and documents in ``tmp_path``: nothing is fetched, a picture that cannot be read
is named, a document of many pictures costs no more than ``MAX_PICTURES`` of them.
"""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from expectations import check_report
from gongkai.extract.intake import read_document
from gongkai.extract.pictures import MAX_PICTURES
from gongkai.report_html import render_html
from tests.golden import fact_key, load

MIXED = Path(__file__).parent / "fixtures" / "mixed"
PORTAL_GOLDEN = Path(__file__).parent / "fixtures" / "portal" / "golden"
MADE = json.loads((MIXED / "mixed.json").read_text(encoding="utf-8"))
ACCURACY = 0.99
TITLE = "示例县人民政府2023年政府信息公开工作年度报告"


def _number(x):
    return None if x is None else Decimal(str(x))


@pytest.mark.parametrize("made", MADE, ids=[m["name"] for m in MADE])
def test_tables_pasted_as_pictures_are_read_cell_by_cell(made, tmp_path):
    golden = load(PORTAL_GOLDEN / f"{made['source']}.json")
    path = MIXED / f"{made['name']}.{made['kind']}"
    report = read_document(path)

    assert report.document.kind == made["kind"]
    assert (report.agency, report.year, report.template) == (
        golden["agency"], golden["year"], golden["template"])

    facts = {(f.table, f.row, f.column): f for f in report.facts}
    named = {(p.table, p.row, p.column) for p in report.problems if p.row}
    wrong = [g for g in golden["facts"]
             if facts.get(fact_key(g)) is None
             or _number(facts[fact_key(g)].json_value()) != _number(g["value"])]
    silent = [(fact_key(g), g["raw"], getattr(facts.get(fact_key(g)), "raw", None))
              for g in wrong if fact_key(g) not in named]
    assert not silent, f"wrong cells no problem names: {silent}"
    assert 1 - len(wrong) / len(golden["facts"]) >= ACCURACY, [fact_key(g) for g in wrong]
    assert not [p for p in report.problems if p.code.endswith("image_unreadable")]

    # proof: both engines' readings; a PDF's cells keep their page and box on the page, an
    # HTML or Word document's the picture they are in and their box in it
    for fact in report.facts:
        assert "rapidocr" in fact.locator["ocr"], fact
        x0, top, x1, bottom = fact.bbox
        assert 0 <= x0 < x1 and 0 <= top < bottom
        if made["kind"] == "pdf":
            assert x1 <= 596 and bottom <= 842  # A4, in points
            assert fact.page == next(g["page"] for g in golden["facts"]
                                     if fact_key(g) == (fact.table, fact.row, fact.column))
        else:
            assert fact.page == 1 and fact.locator["picture"] >= 1 and fact.locator["src"]
        json.dumps({"bbox": fact.bbox, "locator": fact.locator})  # plain values, storable

    if made["kind"] == "html":  # the page's picture on another host: named, never fetched
        remote = [p for p in report.problems if p.code == "html.image_not_fetched"]
        assert len(remote) == 1 and "https://www.example.com/shili/qrcode-weixin.png" in \
            remote[0].message
        sources = {f.locator["src"] for f in report.facts}
        assert any(s.startswith("data:image/jpeg") for s in sources)
        assert any(s.startswith(f"{made['name']}_files/") for s in sources)

    # the auditor's page: a failing cell in a picture is named with its picture and box
    findings = check_report(report)
    page = render_html(report, findings, tmp_path / "page.html").read_text("utf-8")
    if made["kind"] != "pdf" and any(f["status"] == "fail" for f in findings):
        assert "Cells read by OCR in the document&#x27;s pictures" in page or \
            "Cells read by OCR in the document's pictures" in page


# --- hostile pictures ------------------------------------------------------------------------

def _png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "site" / "report.html"
    page.parent.mkdir(exist_ok=True)
    page.write_text(f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
                    f"<h1>{TITLE}</h1><div class='TRS_Editor'><p>一、总体情况</p>{body}</div>"
                    "</body></html>", encoding="utf-8")
    return page


def test_html_pictures_are_never_fetched_and_unreadable_ones_are_named(tmp_path):
    (tmp_path / "secret.png").write_bytes(_png(400, 200))
    (tmp_path / "site" / "files").mkdir(parents=True)
    (tmp_path / "site" / "files" / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    page = _page(tmp_path, "".join(f"<p><img src='{src}'></p>" for src in (
        "http://127.0.0.1:9/table-1.png", "//cdn.example.com/table-2.png", "/uploads/t3.png",
        "files/broken.jpg", "files/missing.png", "../secret.png",
        "data:image/png;base64,@@@", "icon.gif' width='16")))
    report = read_document(page)

    codes = [(p.code, p.message) for p in report.problems]
    fetched = [m for c, m in codes if c == "html.image_not_fetched"]
    assert len(fetched) == 3 and "http://127.0.0.1:9/table-1.png" in fetched[0] \
        and "//cdn.example.com/table-2.png" in fetched[1] and "/uploads/t3.png" in fetched[2]
    unreadable = [m for c, m in codes if c == "html.image_unreadable"]
    assert len(unreadable) == 4, unreadable
    assert "files/broken.jpg" in unreadable[0] and "files/missing.png" in unreadable[1]
    assert "outside the page's folder" in unreadable[2]
    assert "data: URI" in unreadable[3]
    assert any(c == "html.no_tables" for c, _m in codes)  # no table as HTML nor as a picture


def test_a_page_of_many_pictures_reads_only_the_first_ones(tmp_path):
    blank = "data:image/png;base64," + base64.b64encode(_png(600, 200)).decode("ascii")
    page = _page(tmp_path, f"<p><img src='{blank}'></p>" * (MAX_PICTURES + 5))
    report = read_document(page)
    capped = [p for p in report.problems if p.code == "html.too_many_images"]
    assert len(capped) == 1 and "5 were not" in capped[0].message


def test_a_word_picture_that_cannot_be_decoded_is_named(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_picture(io.BytesIO(_png(600, 200)))
    image_part = next(p for p in document.part.related_parts.values()
                      if p.partname.startswith("/word/media/"))
    image_part._blob = b"\x89PNG\r\n\x1a\n broken"  # python-docx writes the part's blob
    path = tmp_path / "report.docx"
    document.save(str(path))

    report = read_document(path)
    unreadable = [p for p in report.problems if p.code == "word.image_unreadable"]
    assert len(unreadable) == 1 and "picture 1" in unreadable[0].message \
        and "/word/media/image1.png" in unreadable[0].message


def test_a_picture_of_too_many_pixels_is_not_decoded(tmp_path):
    import struct
    import zlib

    png = bytearray(_png(600, 200))  # its IHDR then says 8000 x 8000 pixels
    png[16:24] = struct.pack(">II", 8000, 8000)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    page = _page(tmp_path, "<p><img src='data:image/png;base64,"
                 f"{base64.b64encode(bytes(png)).decode('ascii')}'></p>")
    report = read_document(page)
    unreadable = [p.message for p in report.problems if p.code == "html.image_unreadable"]
    assert len(unreadable) == 1 and "8000x8000 pixels" in unreadable[0]


def test_a_text_pdf_of_many_pictures_reads_only_the_first_ones(tmp_path):
    import pypdfium2 as pdfium

    source = Path(__file__).parent / "fixtures" / "portal" / "reports" / "demo-county-2019.pdf"
    pdf = pdfium.PdfDocument(str(source))
    page = pdf[len(pdf) - 1]
    blank = tmp_path / "blank.png"
    blank.write_bytes(_png(700, 200))
    from PIL import Image

    bitmap = pdfium.PdfBitmap.from_pil(Image.open(blank).convert("RGB"))
    for _ in range(MAX_PICTURES + 2):  # blank pictures 3.5 x 1 in: read, and no table in them
        image = pdfium.PdfImage.new(pdf)
        image.set_bitmap(bitmap)
        image.set_matrix(pdfium.PdfMatrix().scale(252, 72).translate(72, 72))
        page.insert_obj(image)
    page.gen_content()
    path = tmp_path / "many-pictures.pdf"
    pdf.save(str(path))
    pdf.close()

    report = read_document(path)
    golden = load(PORTAL_GOLDEN / "demo-county-2019.json")
    assert len(report.facts) == len(golden["facts"])  # the text tables as before
    capped = [p for p in report.problems if p.code == "pdf.too_many_images"]
    assert len(capped) == 1 and "2 were not" in capped[0].message


def test_a_word_picture_with_its_vml_copy_is_one_picture():
    from lxml import etree

    from gongkai.extract.word import pictures_in

    paragraph = etree.fromstring(
        '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><w:r><mc:AlternateContent>'
        '<mc:Choice Requires="wps"><w:drawing><wp:inline/></w:drawing></mc:Choice>'
        '<mc:Fallback><w:pict><v:shape><v:imagedata/></v:shape></w:pict></mc:Fallback>'
        '</mc:AlternateContent></w:r></w:p>')
    assert [el.tag.split("}")[1] for el in pictures_in(paragraph)] == ["inline"]

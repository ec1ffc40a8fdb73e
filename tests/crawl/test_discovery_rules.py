"""Discovery rules on saved pages and bytes: no network."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gongkai.crawl import discover
from gongkai.crawl.formats import claimed_format, sniff_format
from gongkai.crawl.sources import SourceError, load_sources

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "portal" / "site"


@pytest.mark.parametrize("title, expected", [
    ("示例市2024年政府信息公开工作年度报告", True),
    ("示例省人民政府2021年度政府信息公开年报", True),
    ("二〇二三年政府信息公开工作年度报告", True),
    ("政府信息公开年报", False),                 # the column, not a report
    ("2023年政府网站工作年度报表", False),
    ("示例市2023年部门预算公开", False),
    ("政府信息公开工作年度报告", False),          # no year
])
def test_report_titles(title, expected):
    assert discover.is_report_title(title) is expected


@pytest.mark.parametrize("body, header, expected", [
    ("<meta charset='gbk'>堃园镇".encode("gbk"), "text/html", "堃园镇"),
    ("<meta charset=gb2312>堃园镇".encode("gbk"), None, "堃园镇"),       # GB2312 declared, GBK used
    ("<p>堃园镇 政府信息公开</p>".encode("gb18030"), "text/html; charset=GBK", "堃园镇"),
    ("<p>政府信息公开</p>".encode("utf-8"), "text/html; charset=ISO-8859-1", "政府信息公开"),
    ("<p>政府信息公开工作年度报告，总体情况</p>".encode("gbk"), None, "政府信息公开工作年度报告"),
    ("\ufeff<p>年度报告</p>".encode("utf-8"), "text/html; charset=gbk", "年度报告"),
])
def test_decoding(body, header, expected):
    text, _ = discover.decode_html(body, header)
    assert expected in text


def test_links_are_absolute_unique_and_followable():
    html = textwrap.dedent("""
        <a href="./202402/t20240220_123.html" title="2023年政府信息公开工作年度报告">2023年政府信息公开工作年...</a>
        <a href="./202402/t20240220_123.html#top">重复</a>
        <a href="javascript:void(0)">2022年政府信息公开工作年度报告</a>
        <a href="JavaScript:openFile('x.pdf')">2021年年报</a>
        <a href="mailto:a@b.cn">联系</a><a href="#">顶部</a>
        <a href="../../art/2024/2/20/art_123_456.html">2019年度政府信息公开年报</a>
    """)
    doc = discover.parse_html(html, "http://h.gov.cn/xxgk/ndbg/index.html")
    found = discover.links(doc, "http://h.gov.cn/xxgk/ndbg/index.html")
    assert [l.url for l in found] == ["http://h.gov.cn/xxgk/ndbg/202402/t20240220_123.html",
                                      "http://h.gov.cn/art/2024/2/20/art_123_456.html"]
    assert found[0].title == "2023年政府信息公开工作年度报告"  # the full title from @title


def test_trs_pager_and_next_page_links():
    page = (SITE / "trs/xxgk/ndbg/index.html").read_text(encoding="utf-8")
    url = "http://h.gov.cn/xxgk/ndbg/index.html"
    doc = discover.parse_html(page, url)
    assert discover.pagination(doc, url, page) == ["http://h.gov.cn/xxgk/ndbg/index_1.html",
                                                  "http://h.gov.cn/xxgk/ndbg/index_2.html"]
    html = '<a href="list.jsp?page=2">下一页</a><a href="index_3.html">3</a><a href="javascript:go(2)">下一页</a>'
    doc = discover.parse_html(html, url)
    assert discover.pagination(doc, url, html) == ["http://h.gov.cn/xxgk/ndbg/list.jsp?page=2",
                                                  "http://h.gov.cn/xxgk/ndbg/index_3.html"]
    assert discover.numbered_page(url, "index_{n}.html", 4) == "http://h.gov.cn/xxgk/ndbg/index_4.html"


def test_hanweb_records_inside_the_datastore_script():
    page = (SITE / "hanweb/col/col123/index.html").read_text(encoding="utf-8")
    url = "http://www.example.gov.cn/col/col123/index.html"
    titles = [l.title for l in discover.links(discover.parse_html(page, url), url)
              if discover.is_report_title(l.title)]
    assert titles == ["示例省人民政府2024年政府信息公开工作年度报告", "示例省人民政府2022年政府信息公开工作年度报告"]


def test_attachments_and_html_reports():
    url = "http://h.gov.cn/art/2025/2/7/art_123_4561.html"
    doc = discover.parse_html((SITE / "hanweb/art/2025/2/7/art_123_4561.html").read_text(encoding="utf-8"), url)
    (att,) = discover.attachments(doc, url)
    assert "downfile.jsp" in att.url and claimed_format(att.url, att.title) == "pdf"
    assert not discover.looks_like_html_report(doc)
    html_report = (SITE / "trs/xxgk/ndbg/202001/t20200131_2219.html").read_text(encoding="utf-8")
    doc = discover.parse_html(html_report, url)
    assert discover.attachments(doc, url) == [] and discover.looks_like_html_report(doc)
    assert discover.page_title(doc) == "示例市农业农村局2019年政府信息公开工作年度报告"


@pytest.mark.parametrize("data, claimed, fmt", [
    (b"%PDF-1.7\n...", "pdf", "pdf"),
    (b"<html><body>404</body></html>", "pdf", "html"),
    (b"\r\n<!DOCTYPE html><html>", None, "html"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "wps", "wps"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "pdf", "doc"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"), "xls", "xls"),
    (b"Rar!\x1a\x07\x00", None, "rar"),
    (b"\x00\x01binary", "pdf", "unknown"),
])
def test_formats_from_bytes(data, claimed, fmt):
    assert sniff_format(data, claimed) == fmt


def test_docx_from_zip_contents():
    assert sniff_format((SITE / "hanweb/files/2201181020777.docx").read_bytes()) == "docx"


@pytest.mark.parametrize("url, title, fmt", [
    ("http://h/P0202402.pdf", "", "pdf"),
    ("http://h/module/download/downfile.jsp?classid=0&filename=240220.docx", "", "docx"),
    ("http://h/download.do?id=9", "2023年年报.wps", "wps"),
    ("http://h/art_1.html", "2023年年报", None),
])
def test_claimed_format(url, title, fmt):
    assert claimed_format(url, title) == fmt


# --- sources.yaml --------------------------------------------------------------------------

def test_shipped_sources_are_valid():
    sources = load_sources()
    assert {"hlj-gxt", "huaian-city", "shanghai-city", "demo"} <= set(sources)
    assert len(sources) >= 6
    assert "gxt.hlj.gov.cn" in sources["hlj-gxt"].hosts
    assert sources["demo"].list_urls[0].startswith("{demo}/")
    filled = load_sources(demo="http://127.0.0.1:9")["demo"]
    assert filled.list_urls[0] == "http://127.0.0.1:9/trs/xxgk/ndbg/index.html"


@pytest.mark.parametrize("entry, message", [
    ("- {id: x, agency: a, region: r, level: city}", "'list_urls'"),
    ("- {id: x, agency: a, region: r, level: town, list_urls: [http://a/]}", "level must be one of"),
    ("- {id: x, agency: a, region: r, level: city, list_urls: [ftp://a/]}", "not an http(s) URL"),
    ("- {id: x, agency: a, region: r, level: city, list_urls: [http://a/], hints: {link_patern: x}}", "unknown hints"),
    ("- {id: x, agency: a, region: r, level: city, list_urls: [http://a/], hints: {pagination_pattern: index.html}}", "{n}"),
    ("- {id: X Y, agency: a, region: r, level: city, list_urls: [http://a/]}", "'id'"),
])
def test_bad_sources_are_explained(tmp_path, entry, message):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=__import__("re").escape(message)):
        load_sources(path)


def test_base_href_and_selectors():
    html = ('<html><head><base href="http://files.h.gov.cn/up/"></head><body>'
            '<div class="nav"><a href="a.pdf">2022年年度报告</a></div>'
            '<div class="list"><a href="b.pdf">2023年年度报告</a></div></body></html>')
    doc = discover.parse_html(html, "http://h.gov.cn/x/index.html")
    assert [l.url for l in discover.links(doc, "http://h.gov.cn/x/index.html", "div.list")] == [
        "http://files.h.gov.cn/up/b.pdf"]
    # a selector that matches nothing falls back to the whole page rather than hiding it
    assert len(discover.links(doc, "http://h.gov.cn/x/index.html", "div.gone")) == 2

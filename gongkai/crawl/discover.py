"""Reading portal pages: decoding, links, report titles, pagination, attachments, HTML reports.

Pure functions over bytes and URLs, no network, so each rule is testable on a saved page.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from charset_normalizer import from_bytes

from gongkai.crawl.formats import claimed_format

# 年度报告 / 年报 with a year: "2023年政府信息公开工作年度报告", "2023年度信息公开年报".
REPORT_WORDS = re.compile(r"年度报告|年报")
YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)|[二〇○零一三四五六七八九]{4}年")
NEXT_PAGE_TEXT = re.compile(r"^\s*(下一页|下页|后一页|后页|next|>|›|»|&gt;)\s*$", re.I)
NUMBERED_PAGE = re.compile(r"(^|/)index_\d+\.s?html?$", re.I)
TRS_PAGER = re.compile(r"createPageHTML\(\s*['\"]?(\w+)['\"]?\s*,\s*['\"]?(\w+)['\"]?\s*,\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]")
DOWNLOAD_URL = re.compile(r"downfile|download|getfile|attachment|fileDown|/P0\d{8,}", re.I)
CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.I)
HTML_REPORT_WORDS = re.compile(r"政府信息公开|信息公开申请|主动公开|行政复议")

_ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                     "cp936": "gb18030", "ms936": "gb18030", "euc-cn": "gb18030"}


@dataclass(frozen=True)
class Link:
    url: str
    title: str


def is_report_title(title: str, pattern: str | None = None) -> bool:
    """A link or page title naming an annual report: 年度报告/年报 and a year (or a site's own pattern)."""
    if pattern:
        return re.search(pattern, title) is not None
    return bool(REPORT_WORDS.search(title) and YEAR.search(title))


def normalise_encoding(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    name = _ENCODING_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([\w:.-]+)", content_type, re.I)
    return m.group(1) if m else None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Text and the encoding used: BOM, then HTTP charset, then <meta charset>, then a guess.

    GB2312/GBK are read as GB18030 (their superset): portals declare GB2312 and use GBK
    characters. A declared charset that does not decode is ignored rather than trusted.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(enc, errors="replace").lstrip("\ufeff"), enc
    candidates = []
    header = charset_from_content_type(content_type)
    # ISO-8859-1 in a header is usually a server default, not a statement about the page.
    if header and normalise_encoding(header) not in ("iso8859-1", "latin-1", "cp1252"):
        candidates.append(header)
    m = META_CHARSET.search(body[:8192])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    for name in candidates:
        enc = normalise_encoding(name)
        if enc:
            try:
                return body.decode(enc), enc
            except UnicodeDecodeError:
                continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    enc = normalise_encoding(best.encoding) if best else None
    if not enc or enc in ("iso8859-1", "cp1252", "latin-1"):
        enc = "gb18030"  # Chinese portals: the most likely legacy encoding
    return body.decode(enc, errors="replace"), enc


def parse_html(text: str, base_url: str):
    """The parsed page; hrefs stay as written (``#`` and ``javascript:`` must remain recognisable)."""
    return lxml.html.document_fromstring(text or "<html></html>", base_url=base_url)


def _base(doc, page_url: str) -> str:
    base = doc.find(".//base[@href]")
    return urljoin(page_url, base.get("href").strip()) if base is not None else page_url


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def page_title(doc) -> str:
    title = doc.findtext(".//title") or ""
    for xpath in (".//h1", ".//h2", ".//*[contains(@class,'title')]"):
        found = doc.xpath(xpath)
        if found and is_report_title(_clean(found[0].text_content())):
            return _clean(found[0].text_content())
    return _clean(title)


def _select(doc, selector: str | None):
    if not selector:
        return [doc]
    found = doc.cssselect(selector)
    return found or [doc]  # a selector that no longer matches must not hide the page


def links(doc, base_url: str, selector: str | None = None) -> list[Link]:
    """Every followable link in order, once each: absolute, no fragment, no javascript:/mailto:.

    Hanweb lists keep their records as HTML inside ``<script type="text/xml">`` CDATA blocks;
    those are parsed too.
    """
    seen: set[str] = set()
    out: list[Link] = []
    base_url = _base(doc, base_url)

    def add(href: str | None, title: str) -> None:
        if not href:
            return
        href = href.strip()
        if re.match(r"^(javascript|mailto|tel|data|vbscript):", href, re.I) or href.startswith("#"):
            return
        url = urldefrag(urljoin(base_url, href))[0]
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            return
        seen.add(url)
        out.append(Link(url, title))

    for root in _select(doc, selector):
        for a in root.iter("a"):
            add(a.get("href"), _clean(a.get("title")) or _clean(a.text_content()))
        for script in root.iter("script"):
            for fragment in CDATA.findall(script.text or ""):
                if "<a" not in fragment:
                    continue
                sub = lxml.html.fragment_fromstring(fragment, create_parent="div")
                for a in sub.iter("a"):
                    add(a.get("href"), _clean(a.get("title")) or _clean(a.text_content()))
    return out


def pagination(doc, page_url: str, html_text: str) -> list[str]:
    """Further list pages: 下一页 links, numbered ``index_N.html`` links, the TRS createPageHTML pager."""
    found: list[str] = []
    base = _base(doc, page_url)
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith("javascript:"):
            continue
        if href.startswith("#"):
            continue
        text = _clean(a.text_content())
        url = urldefrag(urljoin(base, href))[0]
        if NEXT_PAGE_TEXT.match(text) or (NUMBERED_PAGE.search(urlsplit(url).path) and _same_dir(url, page_url)):
            found.append(url)
    m = TRS_PAGER.search(html_text)
    if m:
        count, name, ext = _js_int(m.group(1), html_text), m.group(3), m.group(4)
        for i in range(1, count):
            found.append(urljoin(page_url, f"{name}_{i}.{ext}"))
    return list(dict.fromkeys(u for u in found if u != page_url))


def _js_int(token: str, html_text: str) -> int:
    """A number, or the value of the script variable it names (``var countPage = 3``)."""
    if token.isdigit():
        return int(token)
    m = re.search(rf"\b{re.escape(token)}\s*=\s*['\"]?(\d+)", html_text)
    return int(m.group(1)) if m else 0


def _same_dir(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.netloc == pb.netloc and pa.path.rsplit("/", 1)[0] == pb.path.rsplit("/", 1)[0]


def numbered_page(list_url: str, pattern: str, n: int) -> str:
    """The n-th page by a site's pagination hint, e.g. ``index_{n}.html``."""
    return urljoin(list_url, pattern.format(n=n))


def is_attachment(link: Link) -> bool:
    return claimed_format(link.url, link.title) is not None or bool(DOWNLOAD_URL.search(link.url))


def attachments(doc, base_url: str, selector: str | None = None) -> list[Link]:
    return [link for link in links(doc, base_url, selector) if is_attachment(link)]


def looks_like_html_report(doc, selector: str | None = None) -> bool:
    """The page is itself the report: it has tables and speaks of 政府信息公开 applications."""
    for root in _select(doc, selector):
        tables = root.xpath(".//table")
        if tables and HTML_REPORT_WORDS.search(root.text_content()):
            return True
    return False

"""The reader of HTML article pages: a report published as the body of a portal's article.

Portals (TRS WCM, Hanweb 大汉, generic CMSs) wrap the report in a page of navigation, sidebars,
related links and footers, often laid out with tables of their own. The reader

1. decodes the bytes: the declared charset (``<meta charset>``, ``http-equiv``) when the bytes
   are valid in it, else what ``charset-normalizer`` detects from the bytes (GBK pages declared
   as UTF-8 exist), recorded as a problem;
2. finds the article body: the CMS's own container (``TRS_Editor``, Hanweb's ``#zoom``, an
   ``<article>``, ``#content`` …) holding the statutory tables, else the element that holds
   them all;
3. takes each statutory table (an innermost ``<table>``: a page laid out in a table is no
   statutory table) as rows of ``Cell``s with their spans and a locator (table, row and grid
   column, 1-based, and a CSS path), so ``cellgrid`` maps them onto the template as every format's are;
4. gives the body's prose (tables left out, one paragraph a line) as the report's text for the
   agency, the year and the narrative rules; the agency and year from the page's title, its
   headline or the CMS's ``ArticleTitle`` meta when they name them.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from pathlib import Path

from lxml import etree

from gongkai.extract.cellgrid import Cell, CellTable, lay_out, report_from_cell_tables
from gongkai.extract.identify import identify
from gongkai.extract.intake import regular_file, sha256_of
from gongkai.model import Document, Problem, Report, UnreadableDocument

# the article containers of the CMSs portals run, most specific first
BODY_SELECTORS = (
    ".TRS_Editor", ".trs_editor_view", ".TRS_UEDITOR", "#zoom", ".bt_content", "#UCAP-CONTENT",
    ".article-content", ".article_con", ".art_con", ".wzcon", "#Zoom", ".zoom", ".article",
    "article", "#content", ".content", "#main-content",
)
HEADLINE_SELECTORS = ("h1", ".title", ".article-title", ".bt_title", "#title", "h2", ".tit")
# the CMS metadata (政府网站发展指引) naming the article
TITLE_METAS = ("ArticleTitle", "title", "dc.title")
# the agency the article is from (not SiteName: a department's report on the city's portal)
SOURCE_METAS = ("ContentSource",)

# words only the statutory tables print (a table with two of them is one of the three)
TABLE_WORDS = ("信息内容", "第二十条", "规章", "规范性文件", "行政许可", "行政处罚", "行政事业性收费",
               "申请人情况", "自然人", "商业企业", "本年新收", "予以公开", "不予公开", "结转下年度",
               "无法提供", "不予处理", "国家秘密", "信访举报", "另行制作", "仍不明确", "重复申请",
               "行政复议", "行政诉讼", "维持", "纠正", "审结", "复议后起诉")

_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
               "section", "article", "blockquote", "center", "pre", "dd", "dt", "ul", "ol"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "select", "option",
              "button", "iframe", "object"}
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# raised when the reader may now read a page it failed on, or read it otherwise (load errors
# of older versions are retried: intake.reader_version). 1: tables pasted as pictures (OCR)
READER_VERSION = 1
_DOCUMENT_ENCODINGS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030",
                       "x-gbk": "gb18030", "cp936": "gb18030", "utf8": "utf-8", "utf-8": "utf-8"}


def read_html(path: str | Path) -> Report:
    """Extract the report of one HTML page. Raises UnreadableDocument for a page that holds
    no report at all (a portal's error page saved under a report's name)."""
    path = regular_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot be read: {exc.strerror or exc}") from None
    text, problems = decode(data)
    root = parse(text, str(path))
    page = Page(root)
    statutory = page.statutory_tables()
    body = page.article_body(statutory)
    prose = body_prose(body, statutory)
    headline = page.headline()
    if not statutory and not _names_a_report(" ".join((headline or "", page.title or "", prose[:400]))):
        shown = re.sub(r"\s+", " ", " ".join(root.itertext()))[:60].strip()
        raise UnreadableDocument(str(path), "not a PDF: an html page that holds no report (no "
                                            f"statutory table nor a report's title): {shown!r}")
    # the headline heads the text as a PDF's title heads its page 1 (unless the body has it)
    texts = [f"{headline}\n{prose}" if headline and headline not in prose[:300] else prose]
    agency, year = page.agency_and_year(headline, texts, problems)
    tables = [(t, cell_table(t, i + 1, css_path(t))) for i, t in enumerate(statutory)]
    pictures = body_pictures(body, statutory, path, problems)
    # the tables and the pictures in the order the page prints them
    order = {el: i for i, el in enumerate(body.iter())}
    items = [item for _el, item in sorted(tables + pictures, key=lambda p: order.get(p[0], 0))]
    document = Document(path=str(path), sha256=sha256_of(path), pages=1, kind="html")
    report = report_from_cell_tables(document, texts, items, agency=agency, year=year,
                                     where_title="in the page's title or headline")
    if not statutory and not pictures:
        problems.append(Problem(
            "html.no_tables", "the page's article body holds no statutory table as an HTML "
            "<table> nor a picture of one (the tables may be in an attachment)"))
    report.problems[:0] = problems
    return report


# --- pictures --------------------------------------------------------------------------------

def body_pictures(body, statutory: list, page: Path, problems: list[Problem]) -> list[tuple]:
    """(``<img>``, Picture) for each picture of the article body whose tables OCR read (a
    table pasted as a screenshot), in document order. A picture is read from a ``data:`` URI
    or from a file beside the saved page (in its folder or below); one on another host is
    never fetched (``html.image_not_fetched``, naming its address); one that cannot be read is
    ``html.image_unreadable``. A picture inside a statutory table, or shown smaller than
    ``_ICON`` pixels, is no table."""
    from gongkai.extract.pictures import PictureBudget, read_file_picture

    budget = PictureBudget("html", problems)
    in_tables = {img for table in statutory for img in table.iter("img")}
    out, number = [], 0
    for img in body.iter("img"):
        src = (img.get("src") or "").strip()
        if not src or img in in_tables or _in_skipped(img) or _shown_small(img):
            continue
        number += 1
        data = _picture_bytes(src, page, number, problems)
        if data is not None:
            name = src.split(",", 1)[0] + ",…" if src.lower().startswith("data:") else src
            picture = read_file_picture(data, number, name, "html", problems, budget)
            if picture is not None:
                out.append((img, picture))
    budget.close()
    return out


# an <img> whose width or height attribute says fewer pixels than this is an icon, a spacer
_ICON = 100
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# the most bytes of a picture file beside the page read
_PICTURE_BYTES = 50 << 20


def _shown_small(img) -> bool:
    for name in ("width", "height"):
        m = re.match(r"\s*(\d+)\s*(px)?\s*$", img.get(name) or "")
        if m and int(m.group(1)) < _ICON:
            return True
    return False


def _picture_bytes(src: str, page: Path, number: int, problems: list[Problem]) -> bytes | None:
    """The bytes of an ``<img>``'s picture, or None with the problem recorded."""
    import base64
    import binascii
    from urllib.parse import unquote, unquote_to_bytes

    scheme = _SCHEME.match(src)
    where = f"picture {number}"
    if scheme and scheme.group(1).lower() == "data":
        header, _, payload = src.partition(",")
        try:
            if header.lower().endswith(";base64"):
                return base64.b64decode("".join(payload.split()), validate=True)
            return unquote_to_bytes(payload)
        except (binascii.Error, ValueError) as exc:
            problems.append(Problem("html.image_unreadable",
                                    f"{where}: a data: URI that cannot be decoded ({exc})"))
            return None
    if scheme or src.startswith(("/", "\\")):
        # another host or scheme, or the root of the page's site ("/uploads/…"): on a server
        problems.append(Problem(
            "html.image_not_fetched", f"{where}: {src[:300]!r} is not beside the page (another "
            "host, scheme or the site's root) and is never fetched: a table in it is not read"))
        return None
    folder = page.resolve().parent
    target = (folder / unquote(re.split(r"[?#]", src, maxsplit=1)[0])).resolve()
    if not target.is_relative_to(folder):
        problems.append(Problem("html.image_unreadable",
                                f"{where}: {src[:300]!r} is outside the page's folder: not read"))
        return None
    try:
        with target.open("rb") as fh:
            data = fh.read(_PICTURE_BYTES + 1)
    except OSError as exc:
        problems.append(Problem("html.image_unreadable", f"{where}: {src[:300]!r} cannot be "
                                f"read beside the page: {exc.strerror or exc}"))
        return None
    if len(data) > _PICTURE_BYTES:
        problems.append(Problem("html.image_unreadable", f"{where}: {src[:300]!r} is larger "
                                f"than {_PICTURE_BYTES >> 20} MB: not read"))
        return None
    return data


# --- bytes to text ---------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, list[Problem]]:
    """The page's text, and a problem when its declaration and its bytes disagree."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                          (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace"), []
    m = _DECLARED.search(data[:4096])
    declared = m.group(1).decode("ascii").lower() if m else None
    encoding = _DOCUMENT_ENCODINGS.get(declared, declared) if declared else None
    if encoding == "gb18030" and not data.isascii():
        # GB18030 decodes almost any bytes, UTF-8 text too (into nonsense); valid UTF-8 with
        # Chinese in it is no GBK page by chance
        try:
            text = data.decode("utf-8")
            return text, [Problem("html.charset", f"the page declares charset {declared} but "
                                  "its bytes are UTF-8; read as UTF-8")]
        except UnicodeDecodeError:
            pass
    if encoding:
        try:
            return data.decode(encoding), []
        except (UnicodeDecodeError, LookupError):
            pass
    else:
        try:  # no declaration: UTF-8 when the bytes are valid UTF-8 (they rarely are by chance)
            return data.decode("utf-8"), []
        except UnicodeDecodeError:
            pass
    detected = _detect(data)
    if declared:
        message = (f"the page declares charset {declared} but its bytes are not {declared}; "
                   f"read as {detected}, detected from the bytes")
    else:
        message = f"the page declares no charset; read as {detected}, detected from the bytes"
    return data.decode(detected, errors="replace"), [Problem("html.charset", message)]


def _detect(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["utf_8", "gb18030", "big5", "utf_16"]).best()
    if best is None:
        return "gb18030"
    name = best.encoding.lower().replace("_", "-")
    # GB2312 and GBK pages are read as GB18030, their superset (a rare character is no error)
    return "gb18030" if name in ("gb2312", "gbk", "gb18030", "cp936") else name


def parse(text: str, where: str):
    try:
        # plain lxml elements: lxml.html's element classes cost a third of the reading
        root = etree.fromstring(text, etree.HTMLParser(remove_comments=True))
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableDocument(where, f"an HTML page that cannot be parsed: {exc}") from None
    if root is None:
        raise UnreadableDocument(where, "an HTML page with no content")
    return root


def _all_text(el) -> str:
    return "".join(el.itertext())


# --- the page --------------------------------------------------------------------------------

class Page:
    def __init__(self, root):
        self.root = root
        title = root.find(".//title")
        self.title = _squash(_all_text(title)) if title is not None else None
        self.meta = {}
        for m in root.iter("meta"):
            name = (m.get("name") or m.get("property") or "").strip()
            if name and m.get("content") and name not in self.meta:
                self.meta[name] = m.get("content").strip()

    def matching(self, selectors) -> list[list]:
        """The elements each simple selector (``tag``, ``.class``, ``#id``) matches, in
        document order (an XPath per selector, as cssselect makes, costs ten times more)."""
        index = {selector: i for i, selector in enumerate(selectors)}
        found: list[list] = [[] for _ in selectors]
        for el in self.root.xpath("//*[@class or @id]"):
            for name in (el.get("class") or "").split():
                if "." + name in index:
                    found[index["." + name]].append(el)
            if el.get("id") and "#" + el.get("id") in index:
                found[index["#" + el.get("id")]].append(el)
        tags = [selector for selector in selectors if selector[0] not in ".#"]
        if tags:
            for el in self.root.iter(*tags):
                found[index[el.tag]].append(el)
        return found

    def statutory_tables(self) -> list:
        """The page's statutory tables (and their fragments) in document order: innermost
        ``<table>``s with the tables' words, and a table of figures right after one of them."""
        tables = [t for t in self.root.iter("table") if not _holds_table(t) and not _in_skipped(t)]
        chosen = []
        for i, t in enumerate(tables):
            words = _table_words(t)
            if _mostly_links(t):
                continue
            follows = bool(chosen) and chosen[-1] is tables[i - 1]
            if words >= 2 or (follows and (words >= 1 or _figures_only(t))):
                # (the rest of the table before, cut off after few labels or none)
                chosen.append(t)
        return chosen

    def article_body(self, statutory: list):
        """The CMS's article container holding the statutory tables; else the element that
        holds them all; else the page's body."""
        for found in self.matching(BODY_SELECTORS):
            for el in found:
                if all(_contains(el, t) for t in statutory) and (
                        statutory or len(_squash(_all_text(el))) > 200):
                    return el
        if statutory:
            common = statutory[0].getparent()
            while common is not None and not all(_contains(common, t) for t in statutory):
                common = common.getparent()
            if common is not None:
                return common
        body = self.root.find(".//body")
        return body if body is not None else self.root

    def headline(self) -> str | None:
        """The article's headline: the CMS's ArticleTitle, the headline element, the title."""
        for name in TITLE_METAS:
            if self.meta.get(name) and _names_a_report(self.meta[name]):
                return _squash(self.meta[name])
        for found in self.matching(HEADLINE_SELECTORS):
            for el in found:
                text = _squash(_all_text(el))
                if _names_a_report(text) and len(text) < 120:
                    return text
        if self.title:
            # "XX区2023年政府信息公开工作年度报告_通知公告_XX区人民政府": the site's name after
            return re.split(r"\s*[_|\-—–]{1,2}\s*", self.title)[0] or self.title
        return None

    def agency_and_year(self, headline: str | None, texts: list[str],
                        problems: list[Problem]) -> tuple[str | None, int | None]:
        """The agency and year the page names in its headline, ``ArticleTitle`` or title, else
        in its text (as a PDF's are read); else the agency its CMS names as the source
        (``ContentSource``) and the year before the one it was published in (``PubDate``; the
        条例 has reports published by 31 January), each then recorded as a problem."""
        agency = year = None
        for text in (headline, self.meta.get("ArticleTitle"), self.title, *texts):
            if not text:
                continue
            found_agency, found_year = identify([text])
            agency = agency or found_agency
            year = year or found_year
            if agency and year:
                return agency, year
        source = next((self.meta[k] for k in SOURCE_METAS if self.meta.get(k)), None)
        if agency is None and source:
            agency = source
            problems.append(Problem("agency.from_page", f"no title naming the agency; the "
                                    f"page's metadata names {source!r} as its source"))
        published = re.match(r"\s*(20\d\d)\D?(\d{1,2})", self.meta.get("PubDate") or "")
        if year is None and published and int(published.group(2)) <= 6:
            year = int(published.group(1)) - 1
            problems.append(Problem("year.from_page", f"no year in the title or the reporting "
                                    f"period; the page was published {self.meta['PubDate']!r}, "
                                    f"so the report is taken for {year}"))
        return agency, year


def _names_a_report(text: str) -> bool:
    return bool(re.search(r"政府信息公开.{0,6}报告", text or ""))


def _holds_table(t) -> bool:
    return any(True for _ in t.iterdescendants("table"))


def _in_skipped(el) -> bool:
    return any(a.tag in _SKIP_TAGS for a in el.iterancestors())


def _table_words(t) -> int:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _all_text(t)))
    return sum(w in text for w in TABLE_WORDS)


def _mostly_links(t) -> bool:
    total = len(_squash(_all_text(t)))
    linked = sum(len(_squash(_all_text(a))) for a in t.iter("a"))
    return total > 0 and linked > 0.5 * total


def _figures_only(t) -> bool:
    text = _squash(_all_text(t))
    return bool(re.search(r"\d", text)) and not re.search(r"[\u4e00-\u9fff]{2}", text)


def _contains(el, inner) -> bool:
    return el is inner or any(a is el for a in inner.iterancestors())


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# --- text ------------------------------------------------------------------------------------

def element_text(el, leave_out=()) -> str:
    """The text of ``el`` as a browser shows it: a line break at each paragraph, ``<br>`` and
    block; inline tags (``<span class="MsoNormal">``, ``<font>``) joined; ``&nbsp;`` a space.
    The elements in ``leave_out`` (the statutory tables, for the prose) are skipped."""
    parts: list[str] = []
    skipped = {id(x) for x in leave_out}

    def walk(node):
        tag = node.tag if isinstance(node.tag, str) else None  # None: a comment
        if tag is not None and tag not in _SKIP_TAGS and id(node) not in skipped:
            block = tag in _BLOCK_TAGS
            if block:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
            if block:
                parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    if el.text:
        parts.append(el.text)
    for child in el:
        walk(child)
    text = "".join(parts).replace("\xa0", " ").replace("\u3000", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def body_prose(body, tables) -> str:
    """The article body's text, the statutory tables left out, one paragraph a line."""
    return element_text(body, leave_out=tables)


# --- tables ----------------------------------------------------------------------------------

def table_rows(table) -> list:
    """The ``<tr>``s of ``table`` itself (not of a table nested in it), in order."""
    rows = []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(tr for tr in child if tr.tag == "tr")
    return rows


def _span(value: str | None) -> int:
    m = re.match(r"\s*(\d+)", value or "")
    return max(1, min(int(m.group(1)), 1000)) if m else 1


def cells_of(tr) -> list:
    """The ``<td>``/``<th>`` of a ``<tr>``, in order."""
    return [td for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]


def grid_columns(trs: list) -> list[list[int]]:
    """Each cell's grid column (1-based, its left edge) as a browser lays the table out: a
    cell spanning rows occupies the slots below it, a colspan the slots to its right. The
    column of a locator (``gongkai.model.Fact.locator``)."""
    placed = lay_out([[Cell("", rowspan=_span(td.get("rowspan")), colspan=_span(td.get("colspan")))
                       for td in cells_of(tr)] for tr in trs])
    columns = iter(p.col + 1 for p in placed)
    return [[next(columns) for _ in cells_of(tr)] for tr in trs]


def cell_table(table, index: int, path: str) -> CellTable:
    """One ``<table>`` as rows of cells. A header row printed again further down (a table the
    editor cut and pasted with its header) is left out: it is no row of figures.

    Locators: ``{"table": index, "row": r, "col": c, "css": …}``, ``r`` the ``<tr>``'s number
    in the table and ``c`` the cell's grid column (both 1-based, as every cell-table format's:
    ``gongkai.model.Fact.locator``); the CSS path names the cell as the page writes it
    (``:nth-child``, counting cells)."""
    rows: list[list[Cell]] = []
    seen_headers: list[tuple[str, ...]] = []
    trs = table_rows(table)
    for r, (tr, columns) in enumerate(zip(trs, grid_columns(trs)), 1):
        parent = tr.getparent()
        # a browser puts the rows of a table written without <tbody> into one
        row_path = (f"{path} > tbody > tr:nth-of-type({_nth_of_type(tr)})" if parent is table
                    else f"{path} > {parent.tag}:nth-of-type({_nth_of_type(parent)}) > "
                         f"tr:nth-of-type({_nth_of_type(tr)})")
        cells = [Cell(element_text(td), rowspan=_span(td.get("rowspan")),
                      colspan=_span(td.get("colspan")),
                      locator={"table": index, "row": r, "col": col,
                               "css": f"{row_path} > :nth-child({n})"})
                 for n, (td, col) in enumerate(zip(cells_of(tr), columns), 1)]
        if not cells:
            continue
        signature = tuple(_squash(c.text) for c in cells)
        if len(rows) < 4 and not any(re.search(r"\d", s) for s in signature):
            seen_headers.append(signature)
        elif signature in seen_headers and len(signature) > 1:
            continue
        rows.append(cells)
    return CellTable(rows, place=f"table {index}")


def _nth_of_type(el) -> int:
    return 1 + sum(1 for s in el.itersiblings(preceding=True) if s.tag == el.tag)


def css_path(el) -> str:
    """A CSS selector a person (or a browser's console) finds ``el`` by: from the nearest
    ancestor with an id, each step its tag and position."""
    steps = []
    node = el
    while node is not None and isinstance(node.tag, str):
        if node.get("id") and re.fullmatch(r"[A-Za-z][\w\-]*", node.get("id")):
            steps.append(f"{node.tag}#{node.get('id')}")
            break
        if node.tag in ("html",):
            steps.append("html")
            break
        parent = node.getparent()
        if parent is None or node.tag == "body":
            steps.append(node.tag)
        else:
            steps.append(f"{node.tag}:nth-of-type({_nth_of_type(node)})")
        node = parent
    return " > ".join(reversed(steps))


# --- the tables as published, for a person ---------------------------------------------------

def published_tables(path: str | Path, marks: dict[tuple[int, int, int], list[int]]) -> list[str]:
    """The page's statutory tables as HTML fragments, as the page prints them (its own cells,
    spans and text; its styles and scripts left out), each cell in ``marks`` (by its locator's
    (table, row, col)) boxed in red with the numbers of the findings it belongs to."""
    text, _ = decode(Path(path).read_bytes())
    tables = Page(parse(text, str(path))).statutory_tables()
    out = []
    for i, table in enumerate(tables, 1):
        table = copy.deepcopy(table)
        for el in table.iter(etree.Element):
            for attribute in [a for a in el.attrib if a not in ("rowspan", "colspan")]:
                del el.attrib[attribute]
        trs = table_rows(table)
        for r, (tr, columns) in enumerate(zip(trs, grid_columns(trs)), 1):
            for td, c in zip(cells_of(tr), columns):
                numbers = marks.get((i, r, c))
                td.set("data-locator", f"{i}/{r}/{c}")
                if numbers:
                    td.set("class", "boxed")
                    tag = etree.SubElement(td, "sup")
                    tag.set("class", "box-num")
                    tag.text = ",".join(map(str, numbers))
        out.append(etree.tostring(table, encoding="unicode", method="html"))
    return out

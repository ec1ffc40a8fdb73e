"""The report's prose: its sentences, the figures they state, its section 六.

Input is ``Report.page_texts`` (PDFium's text per page), which also holds the statutory tables and
the page numbers.  Those are dropped here, so that a table cell can never be read as a figure the
prose states.  Plain functions: no Dagster, no DuckDB.

Figure extraction is deliberately conservative (precision over recall): only the phrases of the
contract (issue 4, narrative.stated_figures) are read, with an exact count of 件 right after the
figure's words.  A missed figure costs a check; a wrong one raises a false warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gongkai import vocabulary as V


@dataclass(frozen=True)
class Sentence:
    page: int  # 1-based page the sentence starts on
    seq: int  # 0-based position in the document
    text: str


# --- lines ------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-－—–_]+\s*\d{1,4}\s*[-－—–_]+|\d{1,4}|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+)\s*$")
# 一、总体情况 / （二）依申请公开 at the start of a line
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)])")
# the report's six section headings (unlike table rows such as 一、本年新收…申请数量)
_SECTION = re.compile(
    r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]\s*(?:总体情况|主动公开政府信息|收到和处理政府信息公开"
    r"|政府信息公开行政复议|.*行政诉讼情况|存在的主要问题|其[他它]需要?报告)")
# lines that open a statutory table (before its first row of numbers)
_TABLE_ANCHOR = re.compile(
    r"^\s*(?:[（(]\s*本列数据的勾稽关系|第二十条\s*第?\s*[（(]|信息内容\s|申请人情况"
    r"|行政复议\s*行政诉讼\s*$)")
# a table row's tail: numbers (or the blanks agencies write: / — 无), separated by spaces
_TOKEN = r"(?:[+\-−－]?\d[\d,，.．]*(?:\s*(?:万元|元|%))?|[/／—–\-－]{1,2}|无)"
_ROW_TAIL = re.compile(rf"(?:^|(?<=\s)){_TOKEN}(?:\s+{_TOKEN})*\s*$")
# a line starting with a unit continues a prose sentence whose number ended the line before
_UNIT_START = re.compile(r"^\s*[件条个次篇项场期份名人家户元万%‰起部册批]")
_SENTENCE_END = "。！？；"  # not ASCII ? !, which URLs hold
_CLOSERS = "”’」』）)】》"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\ufeff]")


def _width(text: str) -> float:
    """Printed width in em: CJK characters 1, ASCII (digits, spaces) about half."""
    return sum(1.0 if ord(c) > 0x2E7F else 0.5 for c in text.strip())


def _typical_width(lines: list[str]) -> float:
    """The width of a full prose line: wrapped lines are full, paragraph ends and table cells
    are shorter."""
    prose = sorted(_width(line) for line in lines if "，" in line or "。" in line)
    return prose[int(len(prose) * 0.75)] if prose else 30.0


def _is_number_row(line: str, next_line: str, typical: float) -> bool:
    tail = _ROW_TAIL.search(line)
    if not tail or _UNIT_START.match(next_line):
        return False
    label = line[:tail.start()]
    if "。" in label or "；" in label:
        return False
    numbers = len(re.findall(_TOKEN, tail.group()))
    if numbers >= 2 or not label.strip():
        return True
    # one number after a short label: 行政许可 447228
    return _width(label) < 0.6 * typical and not re.search("[，：:]", label)


def _is_prose(line: str, typical: float) -> bool:
    return "。" in line and _width(line) >= 0.8 * typical


def _join(left: str, right: str) -> str:
    # CJK wraps mid-sentence without a space; only words of Latin letters need one
    if left and right and left[-1].isascii() and left[-1].isalpha() \
            and right[0].isascii() and right[0].isalpha():
        return left + " " + right
    return left + right


def _tidy(text: str) -> str:
    """Whitespace removed next to CJK characters and punctuation, collapsed elsewhere."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


def _split(raw: str, pages: list[int]) -> list[tuple[int, str]]:
    """One paragraph -> (page, sentence) at 。！？； (closing quotes stay with the sentence)."""
    out, start, i = [], 0, 0
    while i < len(raw):
        if raw[i] in _SENTENCE_END:
            i += 1
            while i < len(raw) and raw[i] in _CLOSERS:
                i += 1
            out.append((start, raw[start:i]))
            start = i
        else:
            i += 1
    out.append((start, raw[start:]))
    result = []
    for offset, piece in out:
        text = _tidy(piece)
        if text.strip(_SENTENCE_END + _CLOSERS + "，、：:,. "):
            lead = len(piece) - len(piece.lstrip())
            result.append((pages[offset + lead], text))
    return result


def sentences(page_texts: list[str]) -> list[Sentence]:
    """The prose of a report as sentences, tables and page numbers left out.

    Lines are joined into paragraphs (a short line ends one; a heading starts one), so a
    sentence wrapped over lines or a page break is whole and keeps the page it starts on.
    A table starts at its anchor (第二十条第（一）项, 信息内容, 申请人情况 …) or a row of numbers
    and lasts until the next section heading or a full line of prose.  Standalone short lines
    without punctuation (title fragments, stray header cells, the sign-off) are not sentences.
    """
    lines = [(page, _CONTROL.sub("", line))
             for page, text in enumerate(page_texts, 1) for line in (text or "").splitlines()]
    lines = [(page, line) for page, line in lines if line.strip() and not _PAGE_NUMBER.match(line)]
    typical = _typical_width([line for _, line in lines])

    found: list[tuple[int, str]] = []
    raw, raw_pages = "", []  # the paragraph being read, and each character's page

    def flush() -> None:
        nonlocal raw, raw_pages
        if raw.strip():
            found.extend(_split(raw, raw_pages))
        raw, raw_pages = "", []

    in_table = False
    for i, (page, line) in enumerate(lines):
        next_line = lines[i + 1][1] if i + 1 < len(lines) else ""
        if _SECTION.match(line) or (in_table and _is_prose(line, typical)):
            in_table = False
        elif in_table:
            continue
        if _TABLE_ANCHOR.match(line) or _is_number_row(line, next_line, typical):
            flush()
            in_table = True
            continue
        heading = bool(_HEADING.match(line)) and not raw.rstrip().endswith("第")
        if heading:
            flush()
        short = _width(line) < 0.75 * typical
        if short and not heading and not raw.strip() and not re.search("[，。；：:、！？]", line):
            continue
        # a heading's title (六、其他需要报告的事项) is a line of its own, even in a short text
        short = short or (heading and _width(line) <= 20 and not re.search("[。！？；]", line))
        base = raw.rstrip()
        raw = _join(base, line.strip())
        raw_pages = raw_pages[:len(base)] + [page] * (len(raw) - len(base))
        if short:
            flush()
    flush()
    return [Sentence(page, seq, text) for seq, (page, text) in enumerate(found)]


# --- figures ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # how the tables name it
    table: str
    rows: tuple[str, ...] = ()
    row_prefix: str = ""  # or: every row of the template starting with this
    column: str = ""  # "" = the document column of the template (regulations, normative_documents)

    def cells(self, template: str) -> tuple[tuple[str, str, str], ...]:
        """The (table, row, column) cells whose sum the stated figure should equal."""
        rows = self.rows or tuple(r.key for r in V.rows(self.table, template)
                                  if r.key.startswith(self.row_prefix))
        column = self.column or {"2021": "issued", "2019": "newly_made"}[template]
        return tuple((self.table, row, column) for row in rows)


_APP, _RL, _AD = V.APPLICATIONS, V.REVIEW_LITIGATION, V.ACTIVE_DISCLOSURE
FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("new_requests", "本年新收政府信息公开申请", _APP, ("new_requests",), column="total"),
    Figure("carried_over", "上年结转政府信息公开申请", _APP, ("carried_over",), column="total"),
    Figure("total_processed", "办结（总计）", _APP, ("total_processed",), column="total"),
    Figure("carried_forward", "结转下年度继续办理", _APP, ("carried_forward",), column="total"),
    Figure("granted", "予以公开", _APP, ("granted",), column="total"),
    Figure("partially_granted", "部分公开", _APP, ("partially_granted",), column="total"),
    Figure("withheld", "不予公开", _APP, row_prefix="withheld_", column="total"),
    Figure("unavailable", "无法提供", _APP, row_prefix="unavailable_", column="total"),
    Figure("unavailable_not_held", "本机关不掌握相关政府信息", _APP, ("unavailable_not_held",),
           column="total"),
    Figure("not_processed", "不予处理", _APP, row_prefix="not_processed_", column="total"),
    Figure("administrative_review", "行政复议", _RL, ("administrative_review",), column="total"),
    Figure("litigation", "行政诉讼", _RL, ("litigation_direct", "litigation_after_review"),
           column="total"),
    Figure("regulations", "规章（本年制发）", _AD, ("regulations",)),
    Figure("normative_documents", "行政规范性文件（本年制发）", _AD, ("normative_documents",)),
)}

_N = r"(?P<n>\d{1,3}(?:[,，]\d{3})+(?!\d)|\d+)"
_PIECES = r"\s?件"
# the few words that may sit between a verb and 件: 共/共计/为, 数量
_AMOUNT = r"(?:数量)?(?:共计?|总计|合计|为)?\s?" + _N + _PIECES
# a qualifier between verb and noun (市政府, 各类 …): no digits, punctuation, conjunctions (a
# combined 规章和规范性文件 count is no figure) or another document kind
_QUALIFIER = r"(?:(?!规章|文件|规范性|政策|废止|清理|失效)[^\W\d_和及与或]){0,8}?"
# 受理/办结/答复 count only as a whole, after a boundary, an adverb (共, 累计, 已, 全部 …), a time
# (全年, 本年度) or an agency (我局, 市政府, 本机关): not 网上受理, 当面受理, 未办结, 延期答复 …
_WHOLE = r"(?:^|(?<=[\s，,；;：:（(、已共计年度并均部全局委厅办府区县市镇乡处室院会心关]))"
_PATTERNS: dict[str, tuple[str, ...]] = {
    "new_requests": (
        rf"{_WHOLE}(?:收到|受理|新收|共接收)(?:{_QUALIFIER}信息公开)?申请{_AMOUNT}",),
    "carried_over": (rf"上一?年度?结转(?:的)?(?:政府信息公开)?(?:申请)?{_AMOUNT}",),
    "total_processed": (rf"{_WHOLE}(?:已?办结|答复|办理完毕)(?:的)?(?:申请)?{_AMOUNT}",),
    "carried_forward": (
        rf"结转(?:到|至)?下一?年度?(?:继续办理)?(?:的)?(?:申请)?{_AMOUNT}",
        rf"(?<![\d,，.]){_N}{_PIECES}(?:申请)?顺延(?:到|至)下一?年度?",),
    "granted": (rf"(?<!不)予以公开{_AMOUNT}",),
    "partially_granted": (rf"部分公开{_AMOUNT}",),
    "withheld": (rf"不予公开{_AMOUNT}",),
    "unavailable": (rf"无法提供{_AMOUNT}",),
    "unavailable_not_held": (rf"不掌握相关政府信息{_AMOUNT}",),
    "not_processed": (rf"不予处理{_AMOUNT}",),
    "administrative_review": (rf"行政复议\s?{_N}{_PIECES}",),
    "litigation": (rf"行政诉讼\s?{_N}{_PIECES}",),
    # 新增公开 as well: a 规章 must be published when made (规章制定程序条例 第三十二条), so a
    # 规章 newly published in the year is one made in the year
    "regulations": (rf"(?:制发|出台|新制定|新增公开){_QUALIFIER}规章{_AMOUNT}",),
    "normative_documents": (
        rf"(?:制发|出台|新制定|新增公开){_QUALIFIER}(?:行政)?规范性文件{_AMOUNT}",),
}
_COMPILED = {key: tuple(re.compile(p) for p in ps) for key, ps in _PATTERNS.items()}
# application figures are not read after a mention of 复议/诉讼 in the sentence: those counts
# (上年结转, 办结 …) are the review's or lawsuit's, not the applications'
_APPLICATION_FIGURES = {k for k, f in FIGURES.items() if f.table == _APP}
_CASES = re.compile("复议|诉讼")
_APPROXIMATE_BEFORE = "约近超逾"
# a comparison with last year (上年受理…申请10件) is no figure of this year
_LAST_YEAR = re.compile(r"(?:上一?年度?|去年|同期)$")


@dataclass(frozen=True)
class StatedFigure:
    figure: str
    value: int
    page: int
    seq: int
    sentence: str
    phrase: str  # the matched span, e.g. 受理政府信息公开申请3119件


def stated_figures(sents: list[Sentence]) -> list[StatedFigure]:
    """The figures of FIGURES the prose states, in document order (several per sentence)."""
    out = []
    for s in sents:
        found = []
        for key, patterns in _COMPILED.items():
            for pattern in patterns:
                for m in pattern.finditer(s.text):
                    if s.text[:m.start("n")].rstrip()[-1:] in _APPROXIMATE_BEFORE:
                        continue
                    if key in _APPLICATION_FIGURES and _CASES.search(s.text, 0, m.start()):
                        continue
                    if key != "carried_over" and _LAST_YEAR.search(s.text, 0, m.start()):
                        continue
                    value = int(re.sub("[,，]", "", m.group("n")))
                    found.append((m.start(), StatedFigure(key, value, s.page, s.seq, s.text,
                                                          m.group().strip())))
        out += [f for _, f in sorted(found, key=lambda x: x[0])]
    return out


# --- section 六, text similarity --------------------------------------------------------------

_SECTION_SIX = re.compile(r"^六\s*[、，,.．]?\s*其[他它]需要?报告的?事项")


def section_six(sents: list[Sentence]) -> list[Sentence] | None:
    """The sentences from the heading 六、其他需要报告的事项 to the end; None without it."""
    starts = [i for i, s in enumerate(sents) if _SECTION_SIX.match(s.text)]
    return sents[starts[-1]:] if starts else None


def comparable(sentence: Sentence) -> str | None:
    """A sentence as two years' texts are compared: digits masked (the year and the counts
    change every year), whitespace removed; None under 12 characters (headings are alike
    anyway)."""
    masked = re.sub(r"\s+", "", re.sub(r"\d", "#", sentence.text))
    return masked if len(masked) >= 12 else None


def comparable_sentences(sents: list[Sentence]) -> list[str]:
    """The comparable form of every sentence that has one."""
    return [c for c in map(comparable, sents) if c is not None]

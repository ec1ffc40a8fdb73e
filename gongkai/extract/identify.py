"""Who published a report and for which year, read from its title (or its statement of period)."""

from __future__ import annotations

import re
import unicodedata

_REPORT = r"政府信息公开(?:工作)?(?:年度)?(?:工作)?报告"
# "淮安市人民政府\n2024 年政府信息公开工作年度报告" / "黑龙江省工业和信息化厅 2020 年度政府信息公开工作报告"
_AGENCY_FIRST = re.compile(r"(?P<agency>[\u4e00-\u9fff（）()]{2,40}?)\s*(?P<year>20\d\d)\s*年度?\s*" + _REPORT)
# "2019年上海市人民政府办公厅政府信息公开工作年度报告"
_YEAR_FIRST = re.compile(r"(?P<year>20\d\d)\s*年度?\s*(?P<agency>[\u4e00-\u9fff（）()]{2,40}?)\s*" + _REPORT)
# "XX区人民政府办公室政府信息公开工作年度报告（2023年度）"
_YEAR_AFTER = re.compile(r"(?P<agency>[\u4e00-\u9fff]{2,40}?)\s*" + _REPORT
                         + r"\s*[（(]\s*(?P<year>20\d\d)\s*年度?\s*[）)]")
# a title naming only the year: "2022年度政府信息公开工作年度报告"
_YEAR_ONLY = re.compile(r"(?P<year>20\d\d)\s*年度?\s*" + _REPORT)
# the sign-off (落款) at the end: the agency's name on a line, the date on the next
_SIGN_OFF = re.compile(r"(?P<agency>[\u4e00-\u9fff（）()]{2,40}"
                       r"(?:人民政府|政府|办公室|办公厅|局|委员会|厅|委|院|办事处|中心|署|部))\s*\n\s*"
                       r"20\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_PERIOD = re.compile(r"(20\d\d)\s*年\s*1\s*月\s*1\s*日\s*(?:至|到)\s*(?:20\d\d\s*年\s*)?12\s*月\s*31\s*日")
# words that precede the agency in a title line but are not part of its name
_LEADING = re.compile(r"^(?:关于|印发|发布)")


def identify(page_texts: list[str]) -> tuple[str | None, int | None]:
    """(agency, year) from the first page's title; else the year from a title naming only the
    year or the reporting period, and the agency from the sign-off at the end."""
    first = unicodedata.normalize("NFKC", page_texts[0] if page_texts else "")
    head = re.sub(r"[ \t\u3000]+", " ", first[:600])
    joined = re.sub(r"\s*\n\s*", "", head)  # a title wrapped over two lines
    agency = year = None
    for text in (head, joined):
        for pattern in (_AGENCY_FIRST, _YEAR_FIRST, _YEAR_AFTER):
            m = pattern.search(text)
            if m and not m.group("agency").endswith("年"):
                agency = _LEADING.sub("", m.group("agency"))
                year = int(m.group("year"))
                break
        if agency:
            break
    if year is None:
        m = _YEAR_ONLY.search(joined) or _PERIOD.search(
            unicodedata.normalize("NFKC", "".join(page_texts)))
        if m:
            year = int(m.group(1))
    if agency is None and page_texts:
        last = unicodedata.normalize("NFKC", page_texts[-1])
        signed = list(_SIGN_OFF.finditer(re.sub(r"[ \t\u3000]+", "", last)))
        if signed:
            agency = signed[-1].group("agency")
    return agency, year

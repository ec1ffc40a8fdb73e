"""Reading one cell's text into a value, as ../shared/spec/statutory-tables.md prescribes.

A cell with no number (blank, "/", "—", "无") is None: the raw text says which, and nothing is
turned into 0 here. Full-width digits and thousands separators are normalised; 本年增/减 keeps
its sign (also written in words, "增加3" / "减少2"); a count may carry its unit ("12 件");
money is returned in 万元 whatever unit the report wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# what agencies write for "nothing": kept as raw text, value None
NO_NUMBER = {"", "/", "／", "—", "——", "-", "－", "–", "无", "空", "\\"}

_NUMBER = re.compile(r"^(?P<sign>[+\-]?)(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?$")
_UNIT = re.compile(r"(万元|元)$")
_COUNT_UNIT = re.compile(r"(?<=\d)(件|个|项|条)$")


class CellValueError(ValueError):
    """The cell holds text that is neither a number nor one of the ways of writing nothing."""


@dataclass(frozen=True)
class CellValue:
    value: int | Decimal | None
    unit: str | None = None  # the unit written in the cell, for money


def clean_raw(text: str) -> str:
    """The raw text as stored: surrounding whitespace trimmed, inner whitespace runs folded."""
    return re.sub(r"\s+", " ", (text or "").strip())


def parse_cell(raw: str, kind: str = "count", default_unit: str = "万元") -> CellValue:
    """Parse ``raw`` as a value of ``kind`` ("count", "signed" or "money").

    ``default_unit`` is the unit the column header states (money without a unit in the cell).
    Raises CellValueError for text that is not a value: the caller reports it, never guesses.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    text = re.sub(r"\s+", "", text).replace("，", ",")
    if text in NO_NUMBER or set(text) <= {"-", "—", "/"}:
        return CellValue(None)
    unit = None
    if kind == "signed":
        # 本年增/减 written in words: "增加3" / "减少2" (or "增3" / "减2")
        text = re.sub(r"^增(?:加)?(?=\d)", "+", text)
        text = re.sub(r"^减(?:少)?(?=\d)", "-", text)
    elif kind == "count":
        text = _COUNT_UNIT.sub("", text)  # "12 件": the unit the column already means
    if kind == "money":
        m = _UNIT.search(text)
        if m:
            unit = m.group(1)
            text = text[: m.start()]
    m = _NUMBER.match(text)
    if not m:
        raise CellValueError(f"not a number: {raw!r}")
    digits = m.group("digits").replace(",", "")
    sign = -1 if m.group("sign") == "-" else 1
    if kind == "money":
        try:
            amount = Decimal(digits + ("." + m.group("frac") if m.group("frac") else "")) * sign
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
            raise CellValueError(f"not a number: {raw!r}") from exc
        if (unit or default_unit) == "元":
            amount = amount / Decimal(10000)
        # normalise trailing zeros away without the exponent form ('1E+1' -> '10')
        return CellValue(Decimal(format(amount.normalize(), "f")), unit)
    if m.group("frac"):
        raise CellValueError(f"a count with decimals: {raw!r}")
    # a sign on a count is kept as printed ("-1" in a 总计 cell): reading it faithfully is our
    # job, judging it is the rules'
    return CellValue(sign * int(digits))


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a spreadsheet: CJK and full-width characters
    count double."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plain_number(x):
    """A number as a person (or JSON) writes it: Decimal 12.0 -> 12, Decimal 0.394 -> 0.394."""
    if isinstance(x, Decimal):
        return int(x) if x == x.to_integral() else float(x)
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x

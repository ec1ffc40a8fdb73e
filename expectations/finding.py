"""What evaluating a rule instance gives: a :class:`Finding`, with its :class:`Operand` cells.

Findings stay plain JSON-able dicts (``gongkai check --json`` prints them, ``rule_results``
stores them); these types name their fields once, for the evaluator, the store and the JSON
contract alike.
"""

from __future__ import annotations

from typing import TypedDict


class Operand(TypedDict, total=False):
    """A cell (or a sentence: table ``text``) the finding read, with its value, raw text and
    page; a cell of last year's report also names that report and its year."""

    table: str
    row: str | None
    column: str | None
    value: int | float | None
    raw: str | None
    page: int | None
    report_id: int
    year: int | None


class Finding(TypedDict):
    """One instance of one rule for one report. Every key is always present, ``None`` where it
    does not apply: ``table`` is the rule's table; ``row``/``column``/``figure`` the instance of
    per-row, per-column and narrative rules; ``previous_report_id`` the report a cross-year
    instance compares with; ``message_zh`` the Chinese sentence where the rule has one apart."""

    report_id: int
    rule: str
    rule_version: int
    severity: str  # error | warning | info
    status: str  # pass | fail | not_assessable
    table: str | None
    row: str | None
    column: str | None
    figure: str | None
    previous_report_id: int | None
    expected: int | float | None
    actual: int | float | None
    blank_involved: bool
    message: str
    message_zh: str | None
    operands: list[Operand]


FINDING_FIELDS: tuple[str, ...] = tuple(Finding.__annotations__)
OPERAND_FIELDS = ("table", "row", "column", "value", "raw", "page")

# the JSON contract of a finding (version 2, issue 4), as ``gongkai check --json`` prints it:
# the finding's fields but the warehouse's own ids and bookkeeping, and ``previous`` ({path,
# year} of the report a cross-year finding compares with) in place of its id
CONTRACT_FIELDS = ("rule", "severity", "status", "table", "row", "column", "figure", "expected",
                   "actual", "message", "message_zh", "operands", "previous")


def instance_name(f: dict) -> str:
    """Which instance a finding is about, in words: 'row granted', 'column total',
    'figure new_requests', 'table applications' or 'report'."""
    for key in ("row", "column", "figure"):
        if f.get(key) is not None:
            return f"{key} {f[key]}"
    from expectations.rules import BY_ID

    rule = BY_ID.get(f.get("rule"))
    return f"table {f['table']}" if rule is not None and rule.scope == "table" else "report"

"""Messages naming every operand with its value and page, from the catalogue's templates.

Each rule declares one ``str.format`` template per status (``Rule.messages``); this module
computes the fields they may use (README.md lists them: the ones every rule has here, the ones
of its kind in ``expectations/kinds/``) and fills the template in.
"""

from __future__ import annotations

from expectations.kinds.common import fmt, operand_name, operand_text
from expectations.rules import Rule


def fields(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None) -> dict:
    """The values a message template may name (see README.md, Message fields): those every
    rule has, and its kind's (``expectations.kinds``)."""
    from expectations.kinds import kind_of

    row = row or {}
    kind = kind_of(rule)
    expected, actual = finding["expected"], finding["actual"]
    out = {"id": rule.id, "title_zh": rule.title_zh, "title_en": rule.title_en,
           "expected": fmt(expected), "actual": fmt(actual),
           "names": ", ".join(operand_name(rule, o) for o in operands),
           "operands": "; ".join(operand_text(rule, o) for o in operands)}
    if expected is not None and actual is not None and kind.KIND.difference:
        out["difference"] = fmt(expected - actual)
        out["excess"] = fmt(actual - expected)
    out["notes"] = kind.message_fields(rule, finding, operands, row, out)
    return out


def messages(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None
             ) -> tuple[str, str | None]:
    """(message, message_zh): the message names every operand; where the rule has a Chinese
    template apart, message_zh is that sentence and the message ends with it."""
    values = fields(rule, finding, operands, row)
    unread = [o for o in operands if o.get("unreadable")]
    if finding["status"] == "not_assessable" and unread:
        text, zh = _unreadable_message(rule, values, unread)
        return text, (zh if rule.message_template_zh(finding["status"]) is not None else None)
    text = rule.message_template(finding["status"]).format_map(values)
    zh = rule.message_template_zh(finding["status"])
    if zh is None:
        return text, None
    zh = zh.format_map(values)
    return f"{text} {zh}", zh


def message(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None) -> str:
    return messages(rule, finding, operands, row)[0]


def _unreadable_message(rule: Rule, values: dict, unread: list[dict]) -> tuple[str, str]:
    """Not assessable because an operand's text is no number: the message names it (its
    catalogue template speaks of cells not extracted, which is not what happened)."""
    from expectations.kinds.common import operand_zh

    where = f" for {values['where']}" if values.get("where") else ""
    names = "; ".join(operand_text(rule, o) for o in unread)
    zh = "；".join(operand_zh(o) for o in unread)
    where_zh = f"{values['where_zh']}：" if values.get("where_zh") else ""
    zh = f"{where_zh}{zh}，无法评估。"
    return f"{rule.id} cannot be assessed{where}: {names}. {zh}", zh

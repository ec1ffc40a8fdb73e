"""Plain-words messages naming every operand with its value and page."""

from __future__ import annotations

from expectations.rules import Rule, short_label


def _fmt(value) -> str:
    return "0" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _name(rule: Rule, o: dict) -> str:
    # per-column rules name operands by row, per-row rules by column
    return short_label(o["table"], row=o["row"]) if rule.scope == "column" \
        else short_label(o["table"], column=o["column"])


def _operand(rule: Rule, o: dict) -> str:
    name = _name(rule, o)
    if not o["present"]:
        return f"{name} not extracted→0"
    page = f" (p.{o['page']})" if o["page"] is not None else ""
    if o["value"] is None:
        shown = f'"{o["raw"]}"' if o["raw"] else "blank"
        return f"{name} {shown}→0{page}"
    return f"{name} {_fmt(o['value'])}{page}"


def _side(rule: Rule, operands: list[dict], total) -> str:
    text = " + ".join(_operand(rule, o) for o in operands)
    return text if len(operands) == 1 else f"{text} = {_fmt(total)}"


def message(rule: Rule, finding: dict, operands: list[dict]) -> str:
    if rule.scope == "column":
        key = finding["column"]
        where = f"column {short_label(rule.table, column=key)} ({key})"
    else:
        key = finding["row"]
        where = f"row {short_label(rule.table, row=key)} ({key})"
    if finding["status"] == "not_assessable":
        names = ", ".join(_name(rule, o) for o in operands)
        return (f"{rule.id} cannot be assessed for {where}: none of its cells was extracted "
                f"({names}).")
    expected = _side(rule, [o for o in operands if o["side"] == "expected"], finding["expected"])
    actual = _side(rule, [o for o in operands if o["side"] == "actual"], finding["actual"])
    if finding["status"] == "fail":
        diff = _fmt(finding["expected"] - finding["actual"])
        text = f"{rule.id} fails for {where}: {expected}, but {actual} (difference {diff})."
    else:
        text = f"{rule.id} holds for {where}: {expected} = {actual}."
    if finding["blank_involved"]:
        text += " A blank cell was counted as 0."
    if any(not o["present"] for o in operands):
        text += " A cell was not extracted and was counted as 0."
    return text

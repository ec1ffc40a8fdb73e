"""Messages naming every operand with its value and page, from the catalogue's templates.

Each rule declares one ``str.format`` template per status (``Rule.messages``); this module
computes the fields they may use (README.md lists them) and fills the template in.
"""

from __future__ import annotations

from gongkai import vocabulary as V
from expectations.rules import Rule, short_label

# what the fee limit of plausibility.fee_unit was chosen by
_LEVELS = {"government": "provincial, prefecture or city government",
           "local": "county, district, town or department"}


def _fmt(value) -> str:
    return "0" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _name(rule: Rule, o: dict) -> str:
    # per-column rules name operands by row, per-row rules by column, others by both
    if rule.scope == "column":
        return short_label(o["table"], row=o["row"])
    if rule.scope == "row":
        return short_label(o["table"], column=o["column"])
    return cell_name(o)


def cell_name(o: dict) -> str:
    """'上年结转·自然人', '行政事业性收费·本年收费金额（单位：万元）'."""
    if o["table"] not in V.TABLES:  # the reports row: year, template
        return f"{o['table']}.{o['column']}"
    return (f"{short_label(o['table'], row=o['row'])}·"
            f"{short_label(o['table'], column=o['column'])}")


def _operand(rule: Rule, o: dict) -> str:
    name = _name(rule, o)
    if not o["present"]:
        return f"{name} not extracted→0" if rule.blank_policy == "zero" \
            else f"{name} not extracted"
    page = f" (p.{o['page']})" if o["page"] is not None else ""
    if o["value"] is None:
        shown = f'"{o["raw"]}"' if o["raw"] else "blank"
        return f"{name} {shown}→0{page}" if rule.blank_policy == "zero" \
            else f"{name} {shown}{page}"
    return f"{name} {_fmt(o['value'])}{page}"


def _side(rule: Rule, operands: list[dict], total) -> str:
    text = " + ".join(_operand(rule, o) for o in operands)
    return text if len(operands) == 1 else f"{text} = {_fmt(total)}"


def fields(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None) -> dict:
    """The values a message template may name (see README.md, Message fields)."""
    row = row or {}
    expected, actual = finding["expected"], finding["actual"]
    out = {"id": rule.id, "title_zh": rule.title_zh, "title_en": rule.title_en,
           "expected": _fmt(expected), "actual": _fmt(actual),
           "names": ", ".join(_name(rule, o) for o in operands),
           "operands": "; ".join(_operand(rule, o) for o in operands)}
    if expected is not None and actual is not None and rule.kind != "template":
        out["difference"] = _fmt(expected - actual)
        out["excess"] = _fmt(actual - expected)
    notes = ""
    if rule.kind == "sum":
        if rule.scope == "column":
            key = finding["column"]
            label = short_label(rule.table, column=key)
            out["where"], out["where_zh"] = f"column {label} ({key})", f"{label}列"
        else:
            key = finding["row"]
            label = short_label(rule.table, row=key)
            out["where"], out["where_zh"] = f"row {label} ({key})", f"“{label}”行"
        out["expected_side"] = _side(rule, [o for o in operands if o["side"] == "expected"],
                                     expected)
        out["actual_side"] = _side(rule, [o for o in operands if o["side"] == "actual"], actual)
        if finding["blank_involved"]:
            notes += " A blank cell was counted as 0."
        if any(not o["present"] for o in operands):
            notes += " A cell was not extracted and was counted as 0."
    elif rule.kind == "cells":
        out["n_cells"] = row.get("n_cells", 0)
        out["n_blank"] = row.get("n_blank", 0)
        if rule.blank_policy == "reported":
            out["cells"] = "; ".join(
                f"{cell_name(o)}" + (f" (p.{o['page']})" if o["page"] is not None else "")
                for o in operands)
        else:
            out["cells"] = "; ".join(_operand(rule, o) for o in operands)
            if out["n_blank"]:
                notes += f" {out['n_blank']} blank cell(s) were counted as 0."
        if "table" in finding:
            out["table"] = finding["table"]
            out["table_label"] = V.TABLE_LABELS[finding["table"]]
    elif rule.kind == "threshold":
        out["cell"] = "; ".join(_operand(rule, o) for o in operands)
        out["level"] = _LEVELS.get(row.get("level"), row.get("level") or "")
    elif rule.kind == "template":
        by_column = {o["column"]: o for o in operands}
        out["year"] = _fmt(by_column["year"]["value"]) if by_column["year"]["present"] \
            else "unknown"
        out["template"] = _fmt(by_column["template"]["value"]) \
            if by_column["template"]["present"] else "unknown"
    out["notes"] = notes
    return out


def message(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None) -> str:
    return rule.message_template(finding["status"]).format_map(
        fields(rule, finding, operands, row))

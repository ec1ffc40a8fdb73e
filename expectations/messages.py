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


_TIERS_ZH = {"national": "国务院部门", "provincial": "省级", "prefecture": "市级", "county": "县级",
             "township": "乡镇级", "unknown": "层级不明"}
_KINDS_ZH = {"government": "人民政府", "department": "部门", "unknown": "机关"}


def _name(rule: Rule, o: dict) -> str:
    # per-column rules name operands by row, per-row rules by column, others by both; a
    # cross-year operand also by its year
    if o.get("year") is not None:
        return f"{o['year']} {cell_name(o)}"
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


def _operand_zh(o: dict) -> str:
    """'2023年 结转下年度·自然人 3（第5页）', '上年结转·总计 空白（按0计，第4页）'."""
    name = cell_name(o) if o["table"] in V.TABLES else o["column"]
    if o.get("year") is not None:
        name = f"{o['year']}年{name}"
    page = f"第{o['page']}页" if o.get("page") is not None else ""
    if not o["present"]:
        return f"{name} 未提取（按0计）"
    if o["value"] is None:
        return f"{name} 空白（按0计{'，' + page if page else ''}）"
    return f"{name} {_fmt(o['value'])}" + (f"（{page}）" if page else "")


def _side_zh(operands: list[dict], total) -> str:
    text = ""
    for i, o in enumerate(operands):
        minus = o.get("sign", 1) < 0
        text += (("−" if minus else "") if i == 0 else (" − " if minus else " + ")) \
            + _operand_zh(o)
    return text if len(operands) == 1 else f"{text} = {_fmt(total)}"


def _side(rule: Rule, operands: list[dict], total) -> str:
    text = ""
    for i, o in enumerate(operands):
        minus = o.get("sign", 1) < 0
        text += (("-" if minus else "") if i == 0 else (" - " if minus else " + ")) \
            + _operand(rule, o)
    return text if len(operands) == 1 else f"{text} = {_fmt(total)}"


def fields(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None) -> dict:
    """The values a message template may name (see README.md, Message fields)."""
    row = row or {}
    expected, actual = finding["expected"], finding["actual"]
    out = {"id": rule.id, "title_zh": rule.title_zh, "title_en": rule.title_en,
           "expected": _fmt(expected), "actual": _fmt(actual),
           "names": ", ".join(_name(rule, o) for o in operands),
           "operands": "; ".join(_operand(rule, o) for o in operands)}
    if expected is not None and actual is not None and rule.kind not in ("template",
                                                                         "similarity"):
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
        if rule.scope == "table":
            out["table"] = finding["table"]
            out["table_label"] = V.TABLE_LABELS[finding["table"]]
    elif rule.kind == "threshold":
        out["cell"] = "; ".join(_operand(rule, o) for o in operands)
        out["level"] = _LEVELS.get(row.get("level"), row.get("level") or "")
    elif rule.kind == "continuity":
        key = finding["column"] if rule.scope == "column" else finding["row"]
        label = short_label(rule.table, **({"column": key} if rule.scope == "column"
                                           else {"row": key}))
        out["where"] = f"{rule.scope} {label} ({key})"
        out["where_zh"] = f"{label}{'列' if rule.scope == 'column' else '行'}"
        out["previous_year"] = next((o["year"] for o in operands if o.get("year") is not None
                                     and o["report_id"] == finding["previous_report_id"]), "?")
        for side, total in (("expected", expected), ("actual", actual)):
            mine = [o for o in operands if o["side"] == side]
            out[f"{side}_side"] = _side(rule, mine, total)
            out[f"{side}_side_zh"] = _side_zh(mine, total)
        if finding["blank_involved"]:
            notes += " A blank cell was counted as 0."
        if any(not o["present"] for o in operands):
            notes += " A cell was not extracted and was counted as 0."
    elif rule.kind == "narrative":
        cells = [o for o in operands if o["side"] == "expected"]
        text = next(o for o in operands if o["table"] == "text")
        from gongkai.narrative import FIGURES

        spec = FIGURES.get(finding["figure"])
        out["figure"] = finding["figure"]
        out["figure_zh"] = spec.label if spec else finding["figure"]
        out["quote"], out["page"] = text["raw"], _fmt(text["page"])
        out["expected_side"] = _side(rule, cells, expected) if cells else "no cell"
        out["expected_side_zh"] = _side_zh(cells, expected) if cells else "无对应单元格"
        if finding["blank_involved"]:
            notes += " A blank cell was counted as 0."
    elif rule.kind == "power":
        out["cell"] = "; ".join(_operand(rule, o) for o in operands)
        out["cell_zh"] = "；".join(_operand_zh(o) for o in operands)
        agency, tier, kind = row.get("agency"), row.get("tier"), row.get("agency_kind")
        out["agency"] = agency or "the agency (name not found)"
        out["level"] = f"{tier} {kind}"
        out["level_zh"] = f"{_TIERS_ZH.get(tier, tier)}{_KINDS_ZH.get(kind, kind)}"
        power = row.get("rule_making_power")
        out["power"] = {True: "has rule-making power", False: "has no rule-making power",
                        None: "rule-making power unknown"}[power]
        out["power_zh"] = {True: "有规章制定权", False: "无规章制定权，未报告制发规章",
                           None: "规章制定权无法判断"}[power]
    elif rule.kind == "statement":
        cell = [o for o in operands if o["table"] != "text"]
        said = [o for o in operands if o["table"] == "text"]
        out["cell"] = "; ".join(_operand(rule, o) for o in cell)
        out["cell_zh"] = "；".join(_operand_zh(o) for o in cell)
        out["n_sentences"] = row.get("n_sentences", 0)
        if said:
            out["statement"] = f"section 六 says “{said[0]['raw']}” (p.{said[0]['page']})"
            out["statement_zh"] = f"第{said[0]['page']}页：“{said[0]['raw']}”"
        else:
            out["statement"] = "no unpaid-fee outcome, no statement needed"
            out["statement_zh"] = "无逾期未缴费情形。"
    elif rule.kind == "similarity":
        n, shared = row.get("n") or 0, row.get("n_shared") or 0
        out.update(n=n, shared=shared, previous_year=row.get("previous_year") or "?",
                   percent=f"{100 * shared / n:.0f}%" if n else "—",
                   examples="; ".join(f"“{o['raw']}” (p.{o['page']})" for o in operands[:2]))
    elif rule.kind == "template":
        by_column = {o["column"]: o for o in operands}
        out["year"] = _fmt(by_column["year"]["value"]) if by_column["year"]["present"] \
            else "unknown"
        out["template"] = _fmt(by_column["template"]["value"]) \
            if by_column["template"]["present"] else "unknown"
    out["notes"] = notes
    return out


def messages(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None
             ) -> tuple[str, str | None]:
    """(message, message_zh): the message names every operand; where the rule has a Chinese
    template apart, message_zh is that sentence and the message ends with it."""
    values = fields(rule, finding, operands, row)
    text = rule.message_template(finding["status"]).format_map(values)
    zh = rule.message_template_zh(finding["status"])
    if zh is None:
        return text, None
    zh = zh.format_map(values)
    return f"{text} {zh}", zh


def message(rule: Rule, finding: dict, operands: list[dict], row: dict | None = None) -> str:
    return messages(rule, finding, operands, row)[0]

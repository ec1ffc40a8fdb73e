"""The ``power`` rule kind. The cell ``params["cells"]`` (per template) against the agency's rule-making power
(``agency_identity``); ``violations`` is 1 when it is > 0 and the agency has none."""

from __future__ import annotations

from expectations.kinds.common import (
    Kind, KINDS_ZH, lit, operand_text, operand_zh, report_filter, TIERS_ZH, unreadable,
)
from expectations.rules import Rule

KIND = Kind("power", measure="violations", reads_agencies=True)


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Regulations issued against the agency's rule-making power (``agency_identity``)."""
    cells = rule.param("cells")
    column = "CASE rpt.template " + " ".join(
        f"WHEN {lit(t)} THEN {lit(c)}" for t, _table, _row, c in cells) + " END"
    _template, table, row, _column = cells[0]
    return f"""
WITH rpt AS (
    SELECT r.report_id, r.agency, coalesce(r.template, '2021') AS template,
           coalesce(a.tier, 'unknown') AS tier, coalesce(a.kind, 'unknown') AS agency_kind,
           a.rule_making_power
    FROM reports r LEFT JOIN agency_identity a ON a.agency = r.agency
    {report_filter(rule, report_ids, "r.template")}
),
inst AS (
    SELECT rpt.*, {column} AS column_key, f.value, f.raw, f.page,
           f.report_id IS NOT NULL AS present, {unreadable("f")} AS unreadable
    FROM rpt LEFT JOIN facts f ON f.report_id = rpt.report_id AND f.table_name = {lit(table)}
         AND f.row_key = {lit(row)} AND f.column_key = {column}
)
SELECT report_id, {lit(rule.id)} AS rule, agency, tier, agency_kind, rule_making_power,
       [{{'table': {lit(table)}, 'row': {lit(row)}, 'column': column_key, 'value': value,
         'raw': raw, 'page': page, 'present': present, 'unreadable': unreadable}}] AS operands,
       CASE WHEN value IS NOT NULL AND rule_making_power IS NOT NULL THEN 0 END AS expected,
       CASE WHEN value IS NOT NULL AND rule_making_power IS NOT NULL THEN value END AS actual,
       CASE WHEN value IS NOT NULL AND rule_making_power IS NOT NULL
            THEN (value > 0 AND NOT rule_making_power)::INTEGER END AS violations,
       present AND value IS NULL AND NOT unreadable AS blank_involved,
       NOT present AS missing_involved,
       value IS NOT NULL AND rule_making_power IS NOT NULL AS assessable
FROM inst
ORDER BY report_id
"""


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    notes = ""
    out["cell"] = "; ".join(operand_text(rule, o) for o in operands)
    out["cell_zh"] = "；".join(operand_zh(o) for o in operands)
    agency, tier, kind = row.get("agency"), row.get("tier"), row.get("agency_kind")
    out["agency"] = agency or "the agency (name not found)"
    out["level"] = f"{tier} {kind}"
    out["level_zh"] = f"{TIERS_ZH.get(tier, tier)}{KINDS_ZH.get(kind, kind)}"
    power = row.get("rule_making_power")
    out["power"] = {True: "has rule-making power", False: "has no rule-making power",
                    None: "rule-making power unknown"}[power]
    out["power_zh"] = {True: "有规章制定权", False: "无规章制定权，未报告制发规章",
                       None: "规章制定权无法判断"}[power]
    return notes

"""The ``threshold`` rule kind. One cell per report (``params["cell"]``) against an upper limit chosen by the agency's name;
``expected`` = the limit, ``actual`` = the cell; ``violations`` is 1 when actual ≥ limit."""

from __future__ import annotations

from expectations.kinds.common import Kind, LEVELS, lit, operand_text, report_filter, unreadable
from expectations.rules import Rule

KIND = Kind("threshold", measure="violations")


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """One cell per report against an upper limit chosen by the agency's name."""
    table, row, column = rule.param("cell")
    pattern = lit(rule.param("government_pattern"))
    zero = rule.blank_policy == "zero"
    value = "coalesce(value, 0)" if zero else "value"
    # a cell whose text is no number is not a 0, even where a blank one is
    ok = "present AND NOT unreadable" if zero else "value IS NOT NULL"
    return f"""
WITH rpt AS (SELECT report_id, agency FROM reports {report_filter(rule, report_ids)}),
inst AS (
    SELECT rpt.report_id, f.value, f.raw, f.page, f.report_id IS NOT NULL AS present,
           {unreadable("f")} AS unreadable,
           CASE WHEN rpt.agency IS NULL OR regexp_matches(rpt.agency, {pattern})
                THEN {int(rule.param("limit"))} ELSE {int(rule.param("limit_local"))} END AS lim,
           CASE WHEN rpt.agency IS NULL OR regexp_matches(rpt.agency, {pattern})
                THEN 'government' ELSE 'local' END AS level
    FROM rpt LEFT JOIN facts f ON f.report_id = rpt.report_id AND f.table_name = {lit(table)}
         AND f.row_key = {lit(row)} AND f.column_key = {lit(column)}
)
SELECT report_id, {lit(rule.id)} AS rule, level,
       [{{'table': {lit(table)}, 'row': {lit(row)}, 'column': {lit(column)}, 'value': value,
         'raw': raw, 'page': page, 'present': present, 'unreadable': unreadable}}] AS operands,
       CASE WHEN {ok} THEN lim END AS expected,
       CASE WHEN {ok} THEN {value} END AS actual,
       CASE WHEN {ok} THEN ({value} >= lim)::INTEGER END AS violations,
       present AND value IS NULL AND NOT unreadable AS blank_involved,
       NOT present AS missing_involved, unreadable AS unreadable_involved,
       {ok} AS assessable
FROM inst
ORDER BY report_id
"""


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    notes = ""
    out["cell"] = "; ".join(operand_text(rule, o) for o in operands)
    out["level"] = LEVELS.get(row.get("level"), row.get("level") or "")
    return notes

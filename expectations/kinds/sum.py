"""The ``sum`` rule kind. Per instance (one column, or one row, of one table of one report): ``expected`` = the sum of
the operand cells, ``actual`` = the sum of the reported cells, ``residual = expected - actual``;
``comparison`` "eq" fails when |residual| > tolerance, "le" when ``actual > expected + tolerance``
(a bound)."""

from __future__ import annotations

from expectations.kinds.common import (
    Kind, lit, operand_spec, reference, report_filter, side_text, unreadable,
)
from expectations.rules import Rule, short_label

KIND = Kind("sum", measure="residual")


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    spec = reference("sum_operands", "key VARCHAR, key_pos INTEGER, side VARCHAR, "
                     "row_key VARCHAR, column_key VARCHAR, op_pos INTEGER, optional BOOLEAN, "
                     "unless_present VARCHAR[], key_templates VARCHAR[]",
                     [tuple(s) for s in operand_spec(rule)])
    where = report_filter(rule, report_ids)
    ok = "n_present > 0"
    if rule.blank_policy == "not_assessable":
        ok += " AND NOT blank_involved AND NOT missing_involved"
    # a cell whose text is no number is not a 0: the instance cannot be assessed
    ok += " AND NOT unreadable_involved"
    key_col = "column_key" if rule.scope == "column" else "row_key"
    return f"""
WITH rpt AS (
    -- a report without a template is read as 2021 (the template in force since 2021)
    SELECT report_id, coalesce(template, '2021') AS template,
           EXISTS (SELECT 1 FROM facts f WHERE f.report_id = reports.report_id
                   AND f.table_name = {lit(rule.table)}) AS table_present
    FROM reports {where}
),
-- (key, key_pos, side, row_key, column_key, op_pos, optional, unless_present, key_templates)
spec AS (SELECT * FROM {spec}),
cell AS (
    SELECT rpt.report_id, rpt.template, rpt.table_present, spec.*,
           f.value, f.raw, f.page, f.report_id IS NOT NULL AS present,
           {unreadable("f")} AS unreadable
    FROM rpt CROSS JOIN spec
    LEFT JOIN facts f ON f.report_id = rpt.report_id AND f.table_name = {lit(rule.table)}
         AND f.row_key = spec.row_key AND f.column_key = spec.column_key
),
used AS (
    -- optional operands count only when present; an alternative row only when its
    -- replacements are absent
    SELECT c.* FROM cell c
    WHERE NOT (c.optional AND NOT c.present)
      AND NOT (c.unless_present IS NOT NULL AND EXISTS (
            SELECT 1 FROM cell o WHERE o.report_id = c.report_id AND o.key = c.key
              AND o.present AND list_contains(c.unless_present, o.row_key)))
),
inst AS (
    SELECT report_id, key, min(key_pos) AS key_pos,
           any_value(table_present) AS table_present,
           list_contains(any_value(key_templates), any_value(template)) AS in_template,
           list({{'side': side, 'table': {lit(rule.table)}, 'row': row_key,
                 'column': column_key, 'value': value, 'raw': raw, 'page': page,
                 'present': present, 'unreadable': unreadable}} ORDER BY op_pos) AS operands,
           sum(coalesce(value, 0)) FILTER (WHERE side = 'expected') AS expected,
           sum(coalesce(value, 0)) FILTER (WHERE side = 'actual') AS actual,
           coalesce(bool_or(present AND value IS NULL AND NOT unreadable), FALSE)
               AS blank_involved,
           coalesce(bool_or(unreadable), FALSE) AS unreadable_involved,
           coalesce(bool_or(NOT present), FALSE) AS missing_involved,
           count(*) FILTER (WHERE present) AS n_present
    FROM used GROUP BY report_id, key
)
SELECT report_id, {lit(rule.id)} AS rule, key AS {key_col}, operands,
       CASE WHEN {ok} THEN coalesce(expected, 0) END AS expected,
       CASE WHEN {ok} THEN coalesce(actual, 0) END AS actual,
       CASE WHEN {ok} THEN coalesce(expected, 0) - coalesce(actual, 0) END AS residual,
       blank_involved, missing_involved, unreadable_involved, {ok} AS assessable
FROM inst
WHERE {"n_present > 0 OR (NOT table_present AND in_template)" if rule.instances == "present"
       else "TRUE"}
ORDER BY report_id, key_pos
"""


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    expected, actual = finding["expected"], finding["actual"]
    notes = ""
    if rule.scope == "column":
        key = finding["column"]
        label = short_label(rule.table, column=key)
        out["where"], out["where_zh"] = f"column {label} ({key})", f"{label}列"
    else:
        key = finding["row"]
        label = short_label(rule.table, row=key)
        out["where"], out["where_zh"] = f"row {label} ({key})", f"“{label}”行"
    out["expected_side"] = side_text(rule, [o for o in operands if o["side"] == "expected"],
                                 expected)
    out["actual_side"] = side_text(rule, [o for o in operands if o["side"] == "actual"], actual)
    if finding["blank_involved"]:
        notes += " A blank cell was counted as 0."
    if any(not o["present"] for o in operands):
        notes += " A cell was not extracted and was counted as 0."
    return notes

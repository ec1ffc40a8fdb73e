"""One DuckDB query per rule over ``facts``: per instance, each operand and the residual."""

from __future__ import annotations

from gongkai import vocabulary as V
from expectations.rules import Rule


def _lit(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_lit(v) for v in value) + "]::VARCHAR[]"
    return "'" + str(value).replace("'", "''") + "'"


def _key_templates(rule: Rule, key: str) -> tuple[str, ...]:
    if rule.scope == "row":
        pool = V.APP_ROWS if rule.table == V.APPLICATIONS else V.RL_ROWS
        return next(r.templates for r in pool if r.key == key)
    return V.TEMPLATES


def operand_spec(rule: Rule) -> list[tuple]:
    """(key, key_pos, side, row_key, column_key, op_pos, optional, unless_present, key_templates)."""
    unless = dict(rule.unless_present)
    out = []
    for key_pos, key in enumerate(rule.keys):
        ops = [("expected", k) for k in rule.expected] + [("actual", k) for k in rule.actual]
        for op_pos, (side, other) in enumerate(ops):
            row, column = (other, key) if rule.scope == "column" else (key, other)
            optional = rule.sum_present and side == "expected"
            out.append((key, key_pos, side, row, column, op_pos, optional,
                        list(unless.get(other, ())) or None, list(_key_templates(rule, key))))
    return out


def rule_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """The query of ``rule``: one row per (report, instance key), failures not yet decided."""
    values = ",\n        ".join(
        "(" + ", ".join(_lit(v) for v in spec[:7]) + ", " + _lit(spec[7]) + ", "
        + _lit(spec[8]) + ")" for spec in operand_spec(rule))
    where = ""
    if report_ids is not None:
        where = "WHERE report_id IN (" + (", ".join(str(int(i)) for i in report_ids) or "NULL") + ")"
    key_col = "column_key" if rule.scope == "column" else "row_key"
    return f"""
WITH rpt AS (
    -- a report without a template is read as 2021 (the template in force since 2021)
    SELECT report_id, coalesce(template, '2021') AS template,
           EXISTS (SELECT 1 FROM facts f WHERE f.report_id = reports.report_id
                   AND f.table_name = {_lit(rule.table)}) AS table_present
    FROM reports {where}
),
spec(key, key_pos, side, row_key, column_key, op_pos, optional, unless_present, key_templates) AS (
    VALUES
        {values}
),
cell AS (
    SELECT rpt.report_id, rpt.template, rpt.table_present, spec.*,
           f.value, f.raw, f.page, f.report_id IS NOT NULL AS present
    FROM rpt CROSS JOIN spec
    LEFT JOIN facts f ON f.report_id = rpt.report_id AND f.table_name = {_lit(rule.table)}
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
           list({{'side': side, 'table': {_lit(rule.table)}, 'row': row_key,
                 'column': column_key, 'value': value, 'raw': raw, 'page': page,
                 'present': present}} ORDER BY op_pos) AS operands,
           sum(coalesce(value, 0)) FILTER (WHERE side = 'expected') AS expected,
           sum(coalesce(value, 0)) FILTER (WHERE side = 'actual') AS actual,
           coalesce(bool_or(present AND value IS NULL), FALSE) AS blank_involved,
           coalesce(bool_or(NOT present), FALSE) AS missing_involved,
           count(*) FILTER (WHERE present) AS n_present
    FROM used GROUP BY report_id, key
)
SELECT report_id, {_lit(rule.id)} AS rule, key AS {key_col}, operands,
       CASE WHEN n_present > 0 THEN coalesce(expected, 0) END AS expected,
       CASE WHEN n_present > 0 THEN coalesce(actual, 0) END AS actual,
       CASE WHEN n_present > 0 THEN coalesce(expected, 0) - coalesce(actual, 0) END AS residual,
       blank_involved, missing_involved, n_present > 0 AS assessable
FROM inst
WHERE {"n_present > 0 OR (NOT table_present AND in_template)" if rule.instances == "present"
       else "TRUE"}
ORDER BY report_id, key_pos
"""

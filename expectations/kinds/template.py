"""The ``template`` rule kind. The ``reports`` row (year, template): ``expected`` = the template of the year
(``params["by_year"]``), ``actual`` = the report's; ``violations`` is 1 when they differ."""

from __future__ import annotations

from expectations.kinds.common import Kind, fmt, lit, report_filter
from expectations.rules import Rule

KIND = Kind("template", measure="violations", difference=False)


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """The report's template against the template of its year (``params["by_year"]``)."""
    whens = " ".join(
        f"WHEN year >= {int(first)}" + (f" AND year <= {int(last)}" if last is not None else "")
        + f" THEN {int(template)}" for first, last, template in rule.param("by_year"))
    return f"""
WITH rpt AS (
    SELECT report_id, year, TRY_CAST(template AS INTEGER) AS template,
           CASE {whens} END AS expected
    FROM reports {report_filter(rule, report_ids)}
)
SELECT report_id, {lit(rule.id)} AS rule,
       [{{'table': 'reports', 'row': NULL::VARCHAR, 'column': 'year', 'value': year,
          'raw': year::VARCHAR, 'page': NULL::INTEGER, 'present': year IS NOT NULL}},
        {{'table': 'reports', 'row': NULL::VARCHAR, 'column': 'template', 'value': template,
          'raw': template::VARCHAR, 'page': NULL::INTEGER,
          'present': template IS NOT NULL}}] AS operands,
       CASE WHEN expected IS NOT NULL AND template IS NOT NULL THEN expected END AS expected,
       CASE WHEN expected IS NOT NULL AND template IS NOT NULL THEN template END AS actual,
       CASE WHEN expected IS NOT NULL AND template IS NOT NULL
            THEN (expected <> template)::INTEGER END AS violations,
       FALSE AS blank_involved, year IS NULL OR template IS NULL AS missing_involved,
       expected IS NOT NULL AND template IS NOT NULL AS assessable
FROM rpt
ORDER BY report_id
"""


# --- cross-year kinds -------------------------------------------------------------------------


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    notes = ""
    by_column = {o["column"]: o for o in operands}
    out["year"] = fmt(by_column["year"]["value"]) if by_column["year"]["present"] \
        else "unknown"
    out["template"] = fmt(by_column["template"]["value"]) \
        if by_column["template"]["present"] else "unknown"
    return notes

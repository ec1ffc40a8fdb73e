"""The ``continuity`` rule kind. Cross-year: the same agency's reports of years N-1 and N (``agency_identity``); per instance
key, ``expected`` and ``actual`` are signed sums of ``params["expected"]``/``params["actual"]``
terms ``(report, key, sign)``, report "previous" or "current"; ``residual = expected - actual``.
Instances exist only where the previous report exists."""

from __future__ import annotations

from expectations.kinds.common import (
    Kind, lit, side_text, side_zh, unreadable, values_list, year_pairs,
)
from expectations.rules import Rule, short_label

KIND = Kind("continuity", measure="residual", cross_year=True, reads_agencies=True)


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Per key, signed sums of cells of the previous and the current report."""
    spec = []
    for key_pos, key in enumerate(rule.keys):
        terms = [("expected", t) for t in rule.param("expected")] + \
                [("actual", t) for t in rule.param("actual")]
        for op_pos, (side, (which, other, sign)) in enumerate(terms):
            row, column = (other, key) if rule.scope == "column" else (key, other)
            spec.append((key, key_pos, side, which, row, column, sign, op_pos))
    key_col = "column_key" if rule.scope == "column" else "row_key"
    # a cell whose text is no number is not a 0: the instance cannot be assessed
    ok = "n_present > 0 AND NOT unreadable_involved"
    return f"""
WITH {year_pairs(rule, report_ids)},
spec(key, key_pos, side, which, row_key, column_key, sign, op_pos) AS (
    VALUES
        {values_list(spec)}
),
cell AS (
    SELECT p.report_id, p.previous_report_id, spec.*,
           CASE spec.which WHEN 'previous' THEN p.previous_year ELSE p.year END AS op_year,
           CASE spec.which WHEN 'previous' THEN p.previous_report_id ELSE p.report_id END
               AS op_report,
           f.value, f.raw, f.page, f.report_id IS NOT NULL AS present,
           {unreadable("f")} AS unreadable
    FROM pairs p CROSS JOIN spec
    LEFT JOIN facts f ON f.report_id = (CASE spec.which WHEN 'previous'
                                        THEN p.previous_report_id ELSE p.report_id END)
         AND f.table_name = {lit(rule.table)}
         AND f.row_key = spec.row_key AND f.column_key = spec.column_key
),
inst AS (
    SELECT report_id, any_value(previous_report_id) AS previous_report_id, key,
           min(key_pos) AS key_pos,
           list({{'side': side, 'table': {lit(rule.table)}, 'row': row_key,
                 'column': column_key, 'value': value, 'raw': raw, 'page': page,
                 'present': present, 'report_id': op_report, 'year': op_year,
                 'sign': sign, 'unreadable': unreadable}} ORDER BY op_pos) AS operands,
           sum(sign * coalesce(value, 0)) FILTER (WHERE side = 'expected') AS expected,
           sum(sign * coalesce(value, 0)) FILTER (WHERE side = 'actual') AS actual,
           coalesce(bool_or(present AND value IS NULL AND NOT unreadable), FALSE)
               AS blank_involved,
           coalesce(bool_or(unreadable), FALSE) AS unreadable_involved,
           coalesce(bool_or(NOT present), FALSE) AS missing_involved,
           count(*) FILTER (WHERE present) AS n_present
    FROM cell GROUP BY report_id, key
)
SELECT report_id, {lit(rule.id)} AS rule, key AS {key_col}, previous_report_id, operands,
       CASE WHEN {ok} THEN coalesce(expected, 0) END AS expected,
       CASE WHEN {ok} THEN coalesce(actual, 0) END AS actual,
       CASE WHEN {ok} THEN coalesce(expected, 0) - coalesce(actual, 0) END AS residual,
       blank_involved, missing_involved, unreadable_involved, {ok} AS assessable
FROM inst
ORDER BY report_id, key_pos
"""


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    expected, actual = finding["expected"], finding["actual"]
    notes = ""
    key = finding["column"] if rule.scope == "column" else finding["row"]
    label = short_label(rule.table, **({"column": key} if rule.scope == "column"
                                       else {"row": key}))
    out["where"] = f"{rule.scope} {label} ({key})"
    out["where_zh"] = f"{label}{'列' if rule.scope == 'column' else '行'}"
    out["previous_year"] = next((o["year"] for o in operands if o.get("year") is not None
                                 and o["report_id"] == finding["previous_report_id"]), "?")
    for side, total in (("expected", expected), ("actual", actual)):
        mine = [o for o in operands if o["side"] == side]
        out[f"{side}_side"] = side_text(rule, mine, total)
        out[f"{side}_side_zh"] = side_zh(mine, total)
    if finding["blank_involved"]:
        notes += " A blank cell was counted as 0."
    if any(not o["present"] for o in operands):
        notes += " A cell was not extracted and was counted as 0."
    return notes

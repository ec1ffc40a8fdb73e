"""The ``statement`` rule kind. ``params["cell"]`` > 0 needs a sentence of section 六 containing ``params["words"]``;
``violations`` is 1 when there is none."""

from __future__ import annotations

from expectations.kinds.common import Kind, lit, operand_text, operand_zh, report_filter, unreadable
from expectations.rules import Rule

KIND = Kind("statement", measure="violations")


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """A cell > 0 needs a sentence of section 六 (or of the whole text when the report has no
    section 六 heading) containing ``params["words"]``."""
    table, row, column = rule.param("cell")
    words = lit(rule.param("words"))
    return f"""
WITH rpt AS (SELECT report_id FROM reports {report_filter(rule, report_ids)}),
text AS (
    SELECT rpt.report_id,
           count(s.seq) AS n_sentences,
           coalesce(bool_or(s.in_section_six), FALSE) AS has_six,
           min(s.seq) FILTER (WHERE contains(s.text, {words}) AND s.in_section_six) AS in_six,
           min(s.seq) FILTER (WHERE contains(s.text, {words})) AS anywhere
    FROM rpt LEFT JOIN report_sentences s ON s.report_id = rpt.report_id
    GROUP BY rpt.report_id
),
said AS (
    SELECT t.*, CASE WHEN t.has_six THEN t.in_six ELSE t.anywhere END AS statement_seq
    FROM text t
),
inst AS (
    SELECT said.*, f.value, f.raw, f.page, f.report_id IS NOT NULL AS present,
           {unreadable("f")} AS unreadable,
           st.text AS statement, st.page AS statement_page
    FROM said
    LEFT JOIN facts f ON f.report_id = said.report_id AND f.table_name = {lit(table)}
         AND f.row_key = {lit(row)} AND f.column_key = {lit(column)}
    LEFT JOIN report_sentences st ON st.report_id = said.report_id
         AND st.seq = said.statement_seq
)
SELECT report_id, {lit(rule.id)} AS rule, n_sentences, has_six, statement, statement_page,
       list_concat(
           [{{'side': 'actual', 'table': {lit(table)}, 'row': {lit(row)},
             'column': {lit(column)}, 'value': value, 'raw': raw, 'page': page,
             'present': present, 'unreadable': unreadable}}],
           CASE WHEN statement IS NULL THEN [] ELSE
           [{{'side': 'expected', 'table': 'text', 'row': NULL::VARCHAR,
             'column': 'statement', 'value': NULL::DECIMAL(18,4), 'raw': statement,
             'page': statement_page, 'present': TRUE, 'unreadable': FALSE}}] END)
           AS operands,
       CASE WHEN value IS NOT NULL AND n_sentences > 0 THEN 0 END AS expected,
       CASE WHEN value IS NOT NULL AND n_sentences > 0 THEN value END AS actual,
       CASE WHEN value IS NOT NULL AND n_sentences > 0
            THEN (value > 0 AND statement IS NULL)::INTEGER END AS violations,
       present AND value IS NULL AND NOT unreadable AS blank_involved,
       NOT present AS missing_involved,
       value IS NOT NULL AND n_sentences > 0 AS assessable
FROM inst
ORDER BY report_id
"""


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    notes = ""
    cell = [o for o in operands if o["table"] != "text"]
    said = [o for o in operands if o["table"] == "text"]
    out["cell"] = "; ".join(operand_text(rule, o) for o in cell)
    out["cell_zh"] = "；".join(operand_zh(o) for o in cell)
    out["n_sentences"] = row.get("n_sentences", 0)
    if said:
        out["statement"] = f"section 六 says “{said[0]['raw']}” (p.{said[0]['page']})"
        out["statement_zh"] = f"第{said[0]['page']}页：“{said[0]['raw']}”"
    else:
        out["statement"] = "no unpaid-fee outcome, no statement needed"
        out["statement_zh"] = "无逾期未缴费情形。"
    return notes

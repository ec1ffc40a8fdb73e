"""The ``narrative`` rule kind. Per figure the text states (``stated_figures``): ``expected`` = the sum of the figure's
table cells (``figure_cells``), ``actual`` = the stated figure."""

from __future__ import annotations

from expectations.kinds.common import Kind, fmt, lit, report_filter, side_text, side_zh, unreadable
from expectations.rules import Rule

KIND = Kind("narrative", measure="residual")


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Each stated figure against the sum of its table cells (``figure_cells``)."""
    return f"""
WITH rpt AS (SELECT report_id, coalesce(template, '2021') AS template FROM reports
             {report_filter(rule, report_ids)}),
sf AS (
    SELECT s.report_id, s.position, s.figure, s.value AS stated, s.page AS stated_page,
           s.phrase, rpt.template, coalesce(sen.text, s.phrase) AS sentence
    FROM stated_figures s JOIN rpt USING (report_id)
    LEFT JOIN report_sentences sen ON sen.report_id = s.report_id AND sen.seq = s.seq
),
cell AS (
    SELECT sf.report_id, sf.position, fc.table_name, fc.row_key, fc.column_key,
           f.value, f.raw, f.page, f.report_id IS NOT NULL AS present,
           {unreadable("f")} AS unreadable
    FROM sf JOIN figure_cells fc ON fc.figure = sf.figure AND fc.template = sf.template
    LEFT JOIN facts f ON f.report_id = sf.report_id AND f.table_name = fc.table_name
         AND f.row_key = fc.row_key AND f.column_key = fc.column_key
),
inst AS (
    SELECT sf.report_id, sf.position, any_value(sf.figure) AS figure,
           any_value(sf.stated) AS stated, any_value(sf.stated_page) AS stated_page,
           any_value(sf.sentence) AS sentence, any_value(sf.phrase) AS phrase,
           list({{'side': 'expected', 'table': c.table_name, 'row': c.row_key,
                 'column': c.column_key, 'value': c.value, 'raw': c.raw, 'page': c.page,
                 'present': c.present, 'unreadable': c.unreadable}}
                ORDER BY c.table_name, c.row_key)
                FILTER (WHERE c.report_id IS NOT NULL) AS cells,
           sum(coalesce(c.value, 0)) AS expected,
           coalesce(bool_or(c.present AND c.value IS NULL AND NOT c.unreadable), FALSE)
               AS blank_involved,
           coalesce(bool_or(c.unreadable), FALSE) AS unreadable_involved,
           coalesce(bool_or(NOT c.present), FALSE) AS missing_involved,
           count(c.report_id) FILTER (WHERE c.present) AS n_present
    FROM sf LEFT JOIN cell c USING (report_id, position)
    GROUP BY sf.report_id, sf.position
)
SELECT report_id, {lit(rule.id)} AS rule, figure AS figure_key, position, sentence, phrase,
       stated_page,
       list_concat(coalesce(cells, []),
                   [{{'side': 'actual', 'table': 'text', 'row': NULL::VARCHAR,
                     'column': figure, 'value': stated, 'raw': sentence,
                     'page': stated_page, 'present': TRUE, 'unreadable': FALSE}}]) AS operands,
       CASE WHEN n_present > 0 AND NOT unreadable_involved THEN coalesce(expected, 0) END
           AS expected,
       stated AS actual,
       CASE WHEN n_present > 0 AND NOT unreadable_involved THEN coalesce(expected, 0) - stated
           END AS residual,
       blank_involved, missing_involved, unreadable_involved,
       n_present > 0 AND NOT unreadable_involved AS assessable
FROM inst
ORDER BY report_id, position
"""


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    expected = finding["expected"]
    notes = ""
    cells = [o for o in operands if o["side"] == "expected"]
    text = next(o for o in operands if o["table"] == "text")
    from gongkai.narrative import FIGURES

    spec = FIGURES.get(finding["figure"])
    out["figure"] = finding["figure"]
    out["figure_zh"] = spec.label if spec else finding["figure"]
    out["quote"], out["page"] = text["raw"], fmt(text["page"])
    out["expected_side"] = side_text(rule, cells, expected) if cells else "no cell"
    out["expected_side_zh"] = side_zh(cells, expected) if cells else "无对应单元格"
    if finding["blank_involved"]:
        notes += " A blank cell was counted as 0."
    return notes

"""The ``similarity`` rule kind. Cross-year: the share of the report's comparable sentences (digits masked) found in the
previous report; ``violations`` is 1 when it reaches ``params["share"]``."""

from __future__ import annotations

from expectations.kinds.common import Kind, lit, year_pairs
from expectations.rules import Rule

KIND = Kind("similarity", measure="violations", cross_year=True, reads_agencies=True, difference=False)


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """The share of the report's comparable sentences that the previous report has too."""
    share = float(rule.param("share"))
    least = int(rule.param("min_sentences"))
    return f"""
WITH {year_pairs(rule, report_ids)},
mine AS (
    SELECT report_id, comparable, min(seq) AS seq, any_value(page) AS page,
           any_value(text) AS text
    FROM report_sentences WHERE comparable IS NOT NULL GROUP BY report_id, comparable
),
matched AS (
    SELECT p.report_id, p.previous_report_id, p.previous_year, m.seq, m.page, m.text,
           EXISTS (SELECT 1 FROM mine o WHERE o.report_id = p.previous_report_id
                   AND o.comparable = m.comparable) AS shared
    FROM pairs p JOIN mine m ON m.report_id = p.report_id
),
inst AS (
    SELECT p.report_id, p.previous_report_id, p.previous_year,
           count(m.seq) AS n, count(m.seq) FILTER (WHERE m.shared) AS n_shared,
           list({{'side': 'actual', 'table': 'text', 'row': NULL::VARCHAR,
                 'column': 'sentence', 'value': NULL::DECIMAL(18,4), 'raw': m.text,
                 'page': m.page, 'present': TRUE, 'report_id': p.report_id,
                 'year': p.year, 'sign': 1}} ORDER BY m.seq)
                FILTER (WHERE m.shared) AS shared_sentences
    FROM pairs p LEFT JOIN matched m ON m.report_id = p.report_id
    GROUP BY p.report_id, p.previous_report_id, p.previous_year, p.year
)
SELECT report_id, {lit(rule.id)} AS rule, previous_report_id, previous_year, n, n_shared,
       coalesce(shared_sentences[1:3], []) AS operands,
       CASE WHEN n >= {least} THEN {share} END AS expected,
       CASE WHEN n >= {least} THEN round(n_shared / n, 4) END AS actual,
       CASE WHEN n >= {least} THEN (n_shared >= {share} * n)::INTEGER END AS violations,
       FALSE AS blank_involved, FALSE AS missing_involved, n >= {least} AS assessable
FROM inst
ORDER BY report_id
"""


# --- text and agency kinds --------------------------------------------------------------------


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    notes = ""
    n, shared = row.get("n") or 0, row.get("n_shared") or 0
    out.update(n=n, shared=shared, previous_year=row.get("previous_year") or "?",
               percent=f"{100 * shared / n:.0f}%" if n else "—",
               examples="; ".join(f"“{o['raw']}” (p.{o['page']})" for o in operands[:2]))
    return notes

"""The ``agreement`` rule kind. Across documents: an agency that publishes the same year's
report more than once (an HTML article page and a PDF or Word attachment, a scan beside the
text PDF) publishes one report; every cell that both documents hold must be the same.

One instance per current document of an agency (canonical), year and template but the first
loaded (``documents.first_seen``; of documents loaded at once, the smallest id — ids are
hashes, not an order): it is compared with that first document (``previous_report_id``), so that a
disagreement of two documents is one finding naming both, however often either is evaluated
(a third document is compared with the first too).
``violations`` counts the cells whose values differ; a cell that only one of them holds is not
compared (its absence is the extractor's problem), nor a cell whose text is no number in either
(``common.unreadable``), nor a cell whose reading its extractor doubts (``doubted``: a scan's
two OCR engines disagreeing or unsure, a text PDF's two readings disagreeing) — a wrong OCR
reading is a named problem of the scan, not a disagreement of the agency's documents. A blank cell ("—", "/", "无", empty) agrees with 0: the template has
no way to tell them apart. Instances exist only where a sibling document exists."""

from __future__ import annotations

from expectations.kinds.common import (
    Kind, cell_name, cell_positions, fmt, lit, report_filter, unreadable, values_list,
)
from expectations.rules import Rule

KIND = Kind("agreement", measure="violations", same_year=True, reads_agencies=True,
            difference=False)


# the problems that say a cell's value may be misread (not that the report is wrong)
DOUBTS = ("cell.methods_disagree", "cell.ocr_doubtful")


def doubted(f: str) -> str:
    """SQL: the fact ``f``'s reading is doubted by its extractor (a problem in ``DOUBTS``)."""
    return (f"EXISTS (SELECT 1 FROM extraction_problems dp WHERE dp.report_id = {f}.report_id "
            f"AND dp.code IN ({', '.join(lit(c) for c in DOUBTS)}) "
            f"AND dp.table_name = {f}.table_name AND dp.row_key = {f}.row_key "
            f"AND dp.column_key = {f}.column_key)")


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Per pair of sibling documents: the cells both hold, those whose values differ."""
    return f"""
WITH ay AS (
    SELECT r.report_id, r.canonical_agency, r.year, coalesce(r.template, '2021') AS template,
           d.source, d.sha256, d.kind, (doc.first_seen, d.report_id) AS loaded
    FROM report_agency_years r JOIN current_reports d USING (report_id)
         JOIN documents doc ON doc.document_id = d.document_id
    WHERE r.canonical_agency IS NOT NULL AND r.year IS NOT NULL
),
cur AS (SELECT * FROM ay WHERE report_id IN (SELECT report_id FROM reports
        {report_filter(rule, report_ids)})),
first AS (
    SELECT cur.report_id, arg_min(other.report_id, other.loaded) AS previous_report_id
    FROM cur JOIN ay other ON other.canonical_agency = cur.canonical_agency
         AND other.year = cur.year AND other.template = cur.template
         AND other.loaded < cur.loaded
    GROUP BY cur.report_id
),
pairs AS (
    SELECT cur.report_id, other.report_id AS previous_report_id, cur.year,
           cur.source AS document, cur.sha256, cur.kind AS document_kind,
           other.source AS other_document, other.sha256 AS other_sha256,
           other.kind AS other_kind
    FROM first JOIN cur USING (report_id) JOIN ay other ON other.report_id = first.previous_report_id
),
pos(table_name, row_key, column_key, pos) AS (
    VALUES
        {values_list(cell_positions())}
),
cell AS (
    SELECT p.report_id, p.previous_report_id, p.year, a.table_name, a.row_key, a.column_key,
           a.value, a.raw, a.page, a.locator, b.value AS other_value, b.raw AS other_raw,
           b.page AS other_page, b.locator AS other_locator,
           coalesce(pos.pos, 1000000) AS pos,
           coalesce(a.value, 0) <> coalesce(b.value, 0) AS differs
    FROM pairs p
    JOIN facts a ON a.report_id = p.report_id
    JOIN facts b ON b.report_id = p.previous_report_id AND b.table_name = a.table_name
         AND b.row_key = a.row_key AND b.column_key = a.column_key
    LEFT JOIN pos ON pos.table_name = a.table_name AND pos.row_key = a.row_key
         AND pos.column_key = a.column_key
    WHERE NOT {unreadable("a")} AND NOT {unreadable("b")}
          AND NOT {doubted("a")} AND NOT {doubted("b")}
),
inst AS (
    SELECT p.report_id, p.previous_report_id, any_value(p.year) AS year,
           any_value(p.document) AS document, any_value(p.sha256) AS sha256,
           any_value(p.document_kind) AS document_kind,
           any_value(p.other_document) AS other_document,
           any_value(p.other_sha256) AS other_sha256, any_value(p.other_kind) AS other_kind,
           count(c.table_name) AS n_compared,
           count(c.table_name) FILTER (WHERE c.differs) AS n_differing,
           flatten(list([
               {{'side': 'actual', 'table': c.table_name, 'row': c.row_key,
                 'column': c.column_key, 'value': c.value, 'raw': c.raw, 'page': c.page,
                 'present': TRUE, 'report_id': c.report_id, 'year': c.year, 'sign': 1}},
               {{'side': 'expected', 'table': c.table_name, 'row': c.row_key,
                 'column': c.column_key, 'value': c.other_value, 'raw': c.other_raw,
                 'page': c.other_page, 'present': TRUE, 'report_id': c.previous_report_id,
                 'year': c.year, 'sign': 1}}]
               ORDER BY c.pos, c.table_name, c.row_key, c.column_key)
               FILTER (WHERE c.differs)) AS operands,
           list({{'locator': c.locator::VARCHAR, 'other_locator': c.other_locator::VARCHAR}}
                ORDER BY c.pos, c.table_name, c.row_key, c.column_key)
                FILTER (WHERE c.differs) AS locators
    FROM pairs p LEFT JOIN cell c ON c.report_id = p.report_id
         AND c.previous_report_id = p.previous_report_id
    GROUP BY p.report_id, p.previous_report_id
)
SELECT report_id, {lit(rule.id)} AS rule, previous_report_id, year, document, sha256,
       document_kind, other_document, other_sha256, other_kind, n_compared, locators,
       operands,
       CASE WHEN n_compared > 0 THEN 0 END AS expected,
       CASE WHEN n_compared > 0 THEN n_differing END AS actual,
       CASE WHEN n_compared > 0 THEN n_differing END AS violations,
       FALSE AS blank_involved, FALSE AS missing_involved, n_compared > 0 AS assessable
FROM inst
ORDER BY report_id, previous_report_id
"""


def _where(operand: dict, locator: str | None) -> str:
    """Where a cell is in its document, for a person: the locator of HTML, Word and sheets
    (table, row, column), else the page."""
    import json

    loc = json.loads(locator) if locator else None
    if loc and loc.get("table") is not None:
        parts = [f"table {loc['table']}"]
        if loc.get("row") is not None:
            parts.append(f"row {loc['row']}")
        if loc.get("col") is not None:
            parts.append(f"column {loc['col']}")
        if loc.get("sheet"):
            parts.insert(0, f"sheet {loc['sheet']}")
        return ", ".join(parts)
    if loc and loc.get("cell"):
        return f"cell {loc['cell']}"
    return f"p.{operand['page']}" if operand.get("page") is not None else "?"


def _shown(operand: dict) -> str:
    if operand["value"] is None:
        return f'"{operand["raw"]}"' if operand.get("raw") else "blank"
    return fmt(operand["value"])


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    doc, other = row.get("document") or "?", row.get("other_document") or "?"
    out.update(document=doc, other_document=other,
               sha256=(row.get("sha256") or "?")[:12],
               other_sha256=(row.get("other_sha256") or "?")[:12],
               kind=row.get("document_kind") or "?", other_kind=row.get("other_kind") or "?",
               n_compared=row.get("n_compared") or 0, year=row.get("year") or "?")
    locators = row.get("locators") or []
    cells, cells_zh = [], []
    for i in range(0, len(operands) - 1, 2):
        mine, theirs = operands[i], operands[i + 1]
        loc = locators[i // 2] if i // 2 < len(locators) else {}
        here = _where(mine, loc.get("locator"))
        there = _where(theirs, loc.get("other_locator"))
        cells.append(f"{cell_name(mine)} ({mine['table']}.{mine['row']}.{mine['column']}) "
                     f"{_shown(mine)} ({here}) here, {_shown(theirs)} ({there}) in "
                     f"{other}")
        cells_zh.append(f"{cell_name(mine)} 本文件为{_shown(mine)}，另一文件为{_shown(theirs)}")
    out["cells"] = "; ".join(cells) or "none"
    out["cells_zh"] = "；".join(cells_zh) or "无"
    return ""

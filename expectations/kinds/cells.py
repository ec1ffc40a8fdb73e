"""The ``cells`` rule kind. One instance per report (``scope`` "report") or per table (``scope`` "table"): the cells
matching ``params["predicate"]`` among the cells of ``params["kinds"]`` are counted (``actual``,
expected 0) and listed as operands; GX asserts ``violations`` ≤ tolerance."""

from __future__ import annotations

from gongkai import vocabulary as V
from expectations.kinds.common import (
    Kind, cell_name, cell_positions, column_kinds, lit, operand_text, reference, report_filter,
    values_list,
)
from expectations.rules import Rule

KIND = Kind("cells", measure="violations")
KINDS_COLUMNS = "table_name VARCHAR, column_key VARCHAR, kind VARCHAR"
POS_COLUMNS = "table_name VARCHAR, row_key VARCHAR, column_key VARCHAR, pos INTEGER"


def sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Count (and list) the cells of ``params["kinds"]`` matching ``params["predicate"]``."""
    per_table = rule.scope == "table"
    kinds = "(" + ", ".join(lit(k) for k in rule.param("kinds")) + ")"
    tables = [(t, i) for i, t in enumerate(V.TABLES) if rule.table in (None, t)]
    tbl = f"""tbl(table_name, table_pos) AS (
    VALUES {values_list(tables)}
),""" if per_table else ""
    return f"""
WITH rpt AS (SELECT report_id FROM reports {report_filter(rule, report_ids)}),
{tbl}
kinds AS (SELECT * FROM {reference("column_kinds", KINDS_COLUMNS, column_kinds())}),
pos AS (SELECT * FROM {reference("cell_positions", POS_COLUMNS, cell_positions())}),
cell AS (
    SELECT f.report_id, f.table_name, f.row_key, f.column_key, f.value, f.raw, f.page,
           coalesce(pos.pos, 1000000) AS pos,
           coalesce(({rule.param("predicate")}), FALSE) AS hit,
           (f.value IS NULL AND trim(coalesce(f.raw, '')) = '') AS blank
    FROM facts f JOIN rpt USING (report_id)
    JOIN kinds k ON k.table_name = f.table_name AND k.column_key = f.column_key
         AND k.kind IN {kinds}
    LEFT JOIN pos ON pos.table_name = f.table_name AND pos.row_key = f.row_key
         AND pos.column_key = f.column_key
    {"WHERE f.table_name = " + lit(rule.table) if rule.table else ""}
),
inst AS (
    SELECT rpt.report_id, {"tbl.table_name, tbl.table_pos," if per_table else ""}
           count(c.report_id) AS n_cells,
           count(c.report_id) FILTER (WHERE c.hit) AS n_hit,
           count(c.report_id) FILTER (WHERE c.blank) AS n_blank,
           list({{'table': c.table_name, 'row': c.row_key, 'column': c.column_key,
                 'value': c.value, 'raw': c.raw, 'page': c.page}}
                ORDER BY c.pos, c.table_name, c.row_key, c.column_key)
                FILTER (WHERE c.hit) AS operands
    FROM rpt {"CROSS JOIN tbl" if per_table else ""}
    LEFT JOIN cell c ON c.report_id = rpt.report_id
         {"AND c.table_name = tbl.table_name" if per_table else ""}
    GROUP BY ALL
)
SELECT report_id, {lit(rule.id)} AS rule, {"table_name AS table_key," if per_table else ""}
       operands, n_cells, n_blank,
       CASE WHEN n_cells > 0 THEN 0 END AS expected,
       CASE WHEN n_cells > 0 THEN n_hit END AS actual,
       CASE WHEN n_cells > 0 THEN n_hit END AS violations,
       n_blank > 0 AS blank_involved, FALSE AS missing_involved, n_cells > 0 AS assessable
FROM inst
ORDER BY report_id{", table_pos" if per_table else ""}
"""


def message_fields(rule: Rule, finding: dict, operands: list[dict], row: dict, out: dict) -> str:
    """Add the kind's message fields to ``out``; return the notes the message ends with."""
    notes = ""
    out["n_cells"] = row.get("n_cells", 0)
    out["n_blank"] = row.get("n_blank", 0)
    if rule.blank_policy == "reported":
        out["cells"] = "; ".join(
            f"{cell_name(o)}" + (f" (p.{o['page']})" if o["page"] is not None else "")
            for o in operands)
    else:
        out["cells"] = "; ".join(operand_text(rule, o) for o in operands)
        if out["n_blank"]:
            notes += f" {out['n_blank']} blank cell(s) were counted as 0."
    if rule.scope == "table":
        out["table"] = finding["table"]
        out["table_label"] = V.TABLE_LABELS[finding["table"]]
    return notes

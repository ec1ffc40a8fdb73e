"""One DuckDB query per rule over ``facts`` and ``reports``, built from the rule's declared fields:
per instance, its operands, ``expected``, ``actual`` and the measure GX asserts (``residual`` for
sum rules, ``violations`` for the others). One builder per ``Rule.kind``."""

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


def _report_filter(rule: Rule, report_ids: list[int] | None, template: str = "template") -> str:
    """WHERE clause on ``reports``: the given reports, the rule's templates and years.

    A report without a template is read as 2021 (the template in force since 2021), one without
    a year is always included.
    """
    conds = [f"coalesce({template}, '2021') IN ("
             + ", ".join(_lit(t) for t in rule.templates) + ")"]
    first, last = rule.years
    if first is not None:
        conds.append(f"(year IS NULL OR year >= {int(first)})")
    if last is not None:
        conds.append(f"(year IS NULL OR year <= {int(last)})")
    if report_ids is not None:
        conds.append("report_id IN (" + (", ".join(str(int(i)) for i in report_ids) or "NULL")
                     + ")")
    return "WHERE " + " AND ".join(conds)


def rule_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """The query of ``rule``: one row per (report, instance), failures not yet decided.

    Every query returns ``report_id``, ``rule``, the instance key (``column_key``, ``row_key``
    or ``table_key``; none for per-report rules), ``operands`` (a list of structs),
    ``expected``, ``actual``, the measure GX asserts (``residual`` or ``violations``),
    ``blank_involved``, ``missing_involved`` and ``assessable``.
    """
    build = {"sum": _sum_sql, "cells": _cells_sql, "threshold": _threshold_sql,
             "template": _template_sql, "continuity": _continuity_sql,
             "narrative": _narrative_sql, "power": _power_sql, "statement": _statement_sql,
             "similarity": _similarity_sql}[rule.kind]
    return build(rule, report_ids)


def _sum_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    values = ",\n        ".join(
        "(" + ", ".join(_lit(v) for v in spec[:7]) + ", " + _lit(spec[7]) + ", "
        + _lit(spec[8]) + ")" for spec in operand_spec(rule))
    where = _report_filter(rule, report_ids)
    ok = "n_present > 0"
    if rule.blank_policy == "not_assessable":
        ok += " AND NOT blank_involved AND NOT missing_involved"
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
       CASE WHEN {ok} THEN coalesce(expected, 0) END AS expected,
       CASE WHEN {ok} THEN coalesce(actual, 0) END AS actual,
       CASE WHEN {ok} THEN coalesce(expected, 0) - coalesce(actual, 0) END AS residual,
       blank_involved, missing_involved, {ok} AS assessable
FROM inst
WHERE {"n_present > 0 OR (NOT table_present AND in_template)" if rule.instances == "present"
       else "TRUE"}
ORDER BY report_id, key_pos
"""


def _values(rows: list[tuple]) -> str:
    return ",\n        ".join("(" + ", ".join(_lit(v) for v in row) + ")" for row in rows)


def _cell_positions() -> list[tuple]:
    """(table, row, column, position): the template reading order, both templates merged."""
    seen: dict[tuple, int] = {}
    for template in ("2021", "2019"):
        for cell in V.cells(template):
            seen.setdefault(cell, len(seen))
    return [(*cell, pos) for cell, pos in seen.items()]


def _column_kinds() -> list[tuple]:
    out = [(V.ACTIVE_DISCLOSURE, c.key, c.kind) for c in V.AD_COLUMNS.values()]
    out += [(V.APPLICATIONS, c.key, c.kind) for c in V.APP_COLUMNS]
    out += [(V.REVIEW_LITIGATION, c.key, c.kind) for c in V.RL_COLUMNS]
    return out


def _cells_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Count (and list) the cells of ``params["kinds"]`` matching ``params["predicate"]``."""
    per_table = rule.scope == "table"
    kinds = "(" + ", ".join(_lit(k) for k in rule.param("kinds")) + ")"
    tables = [(t, i) for i, t in enumerate(V.TABLES) if rule.table in (None, t)]
    tbl = f"""tbl(table_name, table_pos) AS (
    VALUES {_values(tables)}
),""" if per_table else ""
    return f"""
WITH rpt AS (SELECT report_id FROM reports {_report_filter(rule, report_ids)}),
{tbl}
kinds(table_name, column_key, kind) AS (
    VALUES
        {_values(_column_kinds())}
),
pos(table_name, row_key, column_key, pos) AS (
    VALUES
        {_values(_cell_positions())}
),
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
    {"WHERE f.table_name = " + _lit(rule.table) if rule.table else ""}
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
SELECT report_id, {_lit(rule.id)} AS rule, {"table_name AS table_key," if per_table else ""}
       operands, n_cells, n_blank,
       CASE WHEN n_cells > 0 THEN 0 END AS expected,
       CASE WHEN n_cells > 0 THEN n_hit END AS actual,
       CASE WHEN n_cells > 0 THEN n_hit END AS violations,
       n_blank > 0 AS blank_involved, FALSE AS missing_involved, n_cells > 0 AS assessable
FROM inst
ORDER BY report_id{", table_pos" if per_table else ""}
"""


def _threshold_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """One cell per report against an upper limit chosen by the agency's name."""
    table, row, column = rule.param("cell")
    pattern = _lit(rule.param("government_pattern"))
    zero = rule.blank_policy == "zero"
    value = "coalesce(value, 0)" if zero else "value"
    ok = "present" if zero else "value IS NOT NULL"
    return f"""
WITH rpt AS (SELECT report_id, agency FROM reports {_report_filter(rule, report_ids)}),
inst AS (
    SELECT rpt.report_id, f.value, f.raw, f.page, f.report_id IS NOT NULL AS present,
           CASE WHEN rpt.agency IS NULL OR regexp_matches(rpt.agency, {pattern})
                THEN {int(rule.param("limit"))} ELSE {int(rule.param("limit_local"))} END AS lim,
           CASE WHEN rpt.agency IS NULL OR regexp_matches(rpt.agency, {pattern})
                THEN 'government' ELSE 'local' END AS level
    FROM rpt LEFT JOIN facts f ON f.report_id = rpt.report_id AND f.table_name = {_lit(table)}
         AND f.row_key = {_lit(row)} AND f.column_key = {_lit(column)}
)
SELECT report_id, {_lit(rule.id)} AS rule, level,
       [{{'table': {_lit(table)}, 'row': {_lit(row)}, 'column': {_lit(column)}, 'value': value,
         'raw': raw, 'page': page, 'present': present}}] AS operands,
       CASE WHEN {ok} THEN lim END AS expected,
       CASE WHEN {ok} THEN {value} END AS actual,
       CASE WHEN {ok} THEN ({value} >= lim)::INTEGER END AS violations,
       present AND value IS NULL AS blank_involved, NOT present AS missing_involved,
       {ok} AS assessable
FROM inst
ORDER BY report_id
"""


def _template_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """The report's template against the template of its year (``params["by_year"]``)."""
    whens = " ".join(
        f"WHEN year >= {int(first)}" + (f" AND year <= {int(last)}" if last is not None else "")
        + f" THEN {int(template)}" for first, last, template in rule.param("by_year"))
    return f"""
WITH rpt AS (
    SELECT report_id, year, TRY_CAST(template AS INTEGER) AS template,
           CASE {whens} END AS expected
    FROM reports {_report_filter(rule, report_ids)}
)
SELECT report_id, {_lit(rule.id)} AS rule,
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

def _pairs(rule: Rule, report_ids: list[int] | None) -> str:
    """CTEs ``ay`` (current reports with their agency and year) and ``pairs`` (report_id,
    previous_report_id, year, previous_year): each report of the rule's templates and years
    with the same agency's report of the year before, in one of ``params["previous_templates"]``
    (when several reports of that agency and year are current, the last loaded)."""
    previous = rule.param("previous_templates", V.TEMPLATES)
    return f"""ay AS (
    SELECT report_id, canonical_agency, year, coalesce(template, '2021') AS template
    FROM report_agency_years WHERE canonical_agency IS NOT NULL AND year IS NOT NULL
),
cur AS (SELECT * FROM ay WHERE report_id IN (SELECT report_id FROM reports
        {_report_filter(rule, report_ids)})),
pairs AS (
    SELECT cur.report_id, max(prev.report_id) AS previous_report_id,
           any_value(cur.year) AS year, any_value(prev.year) AS previous_year
    FROM cur JOIN ay prev ON prev.canonical_agency = cur.canonical_agency
         AND prev.year = cur.year - 1
         AND prev.template IN ({", ".join(_lit(t) for t in previous)})
    GROUP BY cur.report_id
)"""


def _continuity_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Per key, signed sums of cells of the previous and the current report."""
    spec = []
    for key_pos, key in enumerate(rule.keys):
        terms = [("expected", t) for t in rule.param("expected")] + \
                [("actual", t) for t in rule.param("actual")]
        for op_pos, (side, (which, other, sign)) in enumerate(terms):
            row, column = (other, key) if rule.scope == "column" else (key, other)
            spec.append((key, key_pos, side, which, row, column, sign, op_pos))
    key_col = "column_key" if rule.scope == "column" else "row_key"
    return f"""
WITH {_pairs(rule, report_ids)},
spec(key, key_pos, side, which, row_key, column_key, sign, op_pos) AS (
    VALUES
        {_values(spec)}
),
cell AS (
    SELECT p.report_id, p.previous_report_id, spec.*,
           CASE spec.which WHEN 'previous' THEN p.previous_year ELSE p.year END AS op_year,
           CASE spec.which WHEN 'previous' THEN p.previous_report_id ELSE p.report_id END
               AS op_report,
           f.value, f.raw, f.page, f.report_id IS NOT NULL AS present
    FROM pairs p CROSS JOIN spec
    LEFT JOIN facts f ON f.report_id = (CASE spec.which WHEN 'previous'
                                        THEN p.previous_report_id ELSE p.report_id END)
         AND f.table_name = {_lit(rule.table)}
         AND f.row_key = spec.row_key AND f.column_key = spec.column_key
),
inst AS (
    SELECT report_id, any_value(previous_report_id) AS previous_report_id, key,
           min(key_pos) AS key_pos,
           list({{'side': side, 'table': {_lit(rule.table)}, 'row': row_key,
                 'column': column_key, 'value': value, 'raw': raw, 'page': page,
                 'present': present, 'report_id': op_report, 'year': op_year,
                 'sign': sign}} ORDER BY op_pos) AS operands,
           sum(sign * coalesce(value, 0)) FILTER (WHERE side = 'expected') AS expected,
           sum(sign * coalesce(value, 0)) FILTER (WHERE side = 'actual') AS actual,
           coalesce(bool_or(present AND value IS NULL), FALSE) AS blank_involved,
           coalesce(bool_or(NOT present), FALSE) AS missing_involved,
           count(*) FILTER (WHERE present) AS n_present
    FROM cell GROUP BY report_id, key
)
SELECT report_id, {_lit(rule.id)} AS rule, key AS {key_col}, previous_report_id, operands,
       CASE WHEN n_present > 0 THEN coalesce(expected, 0) END AS expected,
       CASE WHEN n_present > 0 THEN coalesce(actual, 0) END AS actual,
       CASE WHEN n_present > 0 THEN coalesce(expected, 0) - coalesce(actual, 0) END AS residual,
       blank_involved, missing_involved, n_present > 0 AS assessable
FROM inst
ORDER BY report_id, key_pos
"""


def _similarity_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """The share of the report's comparable sentences that the previous report has too."""
    share = float(rule.param("share"))
    least = int(rule.param("min_sentences"))
    return f"""
WITH {_pairs(rule, report_ids)},
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
SELECT report_id, {_lit(rule.id)} AS rule, previous_report_id, previous_year, n, n_shared,
       coalesce(shared_sentences[1:3], []) AS operands,
       CASE WHEN n >= {least} THEN {share} END AS expected,
       CASE WHEN n >= {least} THEN round(n_shared / n, 4) END AS actual,
       CASE WHEN n >= {least} THEN (n_shared >= {share} * n)::INTEGER END AS violations,
       FALSE AS blank_involved, FALSE AS missing_involved, n >= {least} AS assessable
FROM inst
ORDER BY report_id
"""


# --- text and agency kinds --------------------------------------------------------------------

def _narrative_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Each stated figure against the sum of its table cells (``figure_cells``)."""
    return f"""
WITH rpt AS (SELECT report_id, coalesce(template, '2021') AS template FROM reports
             {_report_filter(rule, report_ids)}),
sf AS (
    SELECT s.report_id, s.position, s.figure, s.value AS stated, s.page AS stated_page,
           s.phrase, rpt.template, coalesce(sen.text, s.phrase) AS sentence
    FROM stated_figures s JOIN rpt USING (report_id)
    LEFT JOIN report_sentences sen ON sen.report_id = s.report_id AND sen.seq = s.seq
),
cell AS (
    SELECT sf.report_id, sf.position, fc.table_name, fc.row_key, fc.column_key,
           f.value, f.raw, f.page, f.report_id IS NOT NULL AS present
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
                 'present': c.present}} ORDER BY c.table_name, c.row_key)
                FILTER (WHERE c.report_id IS NOT NULL) AS cells,
           sum(coalesce(c.value, 0)) AS expected,
           coalesce(bool_or(c.present AND c.value IS NULL), FALSE) AS blank_involved,
           coalesce(bool_or(NOT c.present), FALSE) AS missing_involved,
           count(c.report_id) FILTER (WHERE c.present) AS n_present
    FROM sf LEFT JOIN cell c USING (report_id, position)
    GROUP BY sf.report_id, sf.position
)
SELECT report_id, {_lit(rule.id)} AS rule, figure AS figure_key, position, sentence, phrase,
       stated_page,
       list_concat(coalesce(cells, []),
                   [{{'side': 'actual', 'table': 'text', 'row': NULL::VARCHAR,
                     'column': figure, 'value': stated, 'raw': sentence,
                     'page': stated_page, 'present': TRUE}}]) AS operands,
       CASE WHEN n_present > 0 THEN coalesce(expected, 0) END AS expected,
       stated AS actual,
       CASE WHEN n_present > 0 THEN coalesce(expected, 0) - stated END AS residual,
       blank_involved, missing_involved, n_present > 0 AS assessable
FROM inst
ORDER BY report_id, position
"""


def _power_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """Regulations issued against the agency's rule-making power (``agency_identity``)."""
    cells = rule.param("cells")
    column = "CASE rpt.template " + " ".join(
        f"WHEN {_lit(t)} THEN {_lit(c)}" for t, _table, _row, c in cells) + " END"
    _template, table, row, _column = cells[0]
    return f"""
WITH rpt AS (
    SELECT r.report_id, r.agency, coalesce(r.template, '2021') AS template,
           coalesce(a.tier, 'unknown') AS tier, coalesce(a.kind, 'unknown') AS agency_kind,
           a.rule_making_power
    FROM reports r LEFT JOIN agency_identity a ON a.agency = r.agency
    {_report_filter(rule, report_ids, "r.template")}
),
inst AS (
    SELECT rpt.*, {column} AS column_key, f.value, f.raw, f.page,
           f.report_id IS NOT NULL AS present
    FROM rpt LEFT JOIN facts f ON f.report_id = rpt.report_id AND f.table_name = {_lit(table)}
         AND f.row_key = {_lit(row)} AND f.column_key = {column}
)
SELECT report_id, {_lit(rule.id)} AS rule, agency, tier, agency_kind, rule_making_power,
       [{{'table': {_lit(table)}, 'row': {_lit(row)}, 'column': column_key, 'value': value,
         'raw': raw, 'page': page, 'present': present}}] AS operands,
       CASE WHEN value IS NOT NULL AND rule_making_power IS NOT NULL THEN 0 END AS expected,
       CASE WHEN value IS NOT NULL AND rule_making_power IS NOT NULL THEN value END AS actual,
       CASE WHEN value IS NOT NULL AND rule_making_power IS NOT NULL
            THEN (value > 0 AND NOT rule_making_power)::INTEGER END AS violations,
       present AND value IS NULL AS blank_involved, NOT present AS missing_involved,
       value IS NOT NULL AND rule_making_power IS NOT NULL AS assessable
FROM inst
ORDER BY report_id
"""


def _statement_sql(rule: Rule, report_ids: list[int] | None = None) -> str:
    """A cell > 0 needs a sentence of section 六 (or of the whole text when the report has no
    section 六 heading) containing ``params["words"]``."""
    table, row, column = rule.param("cell")
    words = _lit(rule.param("words"))
    return f"""
WITH rpt AS (SELECT report_id FROM reports {_report_filter(rule, report_ids)}),
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
           st.text AS statement, st.page AS statement_page
    FROM said
    LEFT JOIN facts f ON f.report_id = said.report_id AND f.table_name = {_lit(table)}
         AND f.row_key = {_lit(row)} AND f.column_key = {_lit(column)}
    LEFT JOIN report_sentences st ON st.report_id = said.report_id
         AND st.seq = said.statement_seq
)
SELECT report_id, {_lit(rule.id)} AS rule, n_sentences, has_six, statement, statement_page,
       list_concat(
           [{{'side': 'actual', 'table': {_lit(table)}, 'row': {_lit(row)},
             'column': {_lit(column)}, 'value': value, 'raw': raw, 'page': page,
             'present': present}}],
           CASE WHEN statement IS NULL THEN [] ELSE
           [{{'side': 'expected', 'table': 'text', 'row': NULL::VARCHAR,
             'column': 'statement', 'value': NULL::DECIMAL(18,4), 'raw': statement,
             'page': statement_page, 'present': TRUE}}] END) AS operands,
       CASE WHEN value IS NOT NULL AND n_sentences > 0 THEN 0 END AS expected,
       CASE WHEN value IS NOT NULL AND n_sentences > 0 THEN value END AS actual,
       CASE WHEN value IS NOT NULL AND n_sentences > 0
            THEN (value > 0 AND statement IS NULL)::INTEGER END AS violations,
       present AND value IS NULL AS blank_involved, NOT present AS missing_involved,
       value IS NOT NULL AND n_sentences > 0 AS assessable
FROM inst
ORDER BY report_id
"""

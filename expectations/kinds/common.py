"""What the rule kinds share: pieces of their SQL and of their messages.

SQL: literals, the report filter (templates, years, the reports asked for), the operands of a
sum-like rule, the pairs of an agency's consecutive reports. Messages: an operand named with
its value and page, in English and in Chinese, and the two sides of an equation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gongkai import vocabulary as V
from expectations.rules import Rule, short_label

def lit(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(lit(v) for v in value) + "]::VARCHAR[]"
    return "'" + str(value).replace("'", "''") + "'"


def unreadable(f: str = "f") -> str:
    """SQL: the fact ``f`` (a LEFT JOINed ``facts`` row) is a cell whose text could not be read
    as a number: the extractor named it ``cell.unreadable``, or it holds no number yet its text
    is none of the ways of writing nothing ("14x", "1 4?"). Such a cell is not blank and is
    never counted as 0: a rule it is an operand of is not assessable."""
    from gongkai.values import NO_NUMBER

    text = f"regexp_replace(coalesce({f}.raw, ''), '\\s+', '', 'g')"
    return (f"coalesce({f}.value IS NULL AND (EXISTS (SELECT 1 FROM extraction_problems up "
            f"WHERE up.report_id = {f}.report_id AND up.code = 'cell.unreadable' "
            f"AND up.table_name = {f}.table_name AND up.row_key = {f}.row_key "
            f"AND up.column_key = {f}.column_key) OR NOT ({text} IN ("
            + ", ".join(lit(t) for t in sorted(NO_NUMBER)) + f") "
            f"OR regexp_full_match({text}, '[-—/]+'))), FALSE)")


def key_templates(rule: Rule, key: str) -> tuple[str, ...]:
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
                        list(unless.get(other, ())) or None, list(key_templates(rule, key))))
    return out


def report_filter(rule: Rule, report_ids: list[int] | None, template: str = "template") -> str:
    """WHERE clause on ``reports``: the given reports, the rule's templates and years.

    A report without a template is read as 2021 (the template in force since 2021), one without
    a year is always included.
    """
    conds = [f"coalesce({template}, '2021') IN ("
             + ", ".join(lit(t) for t in rule.templates) + ")"]
    first, last = rule.years
    if first is not None:
        conds.append(f"(year IS NULL OR year >= {int(first)})")
    if last is not None:
        conds.append(f"(year IS NULL OR year <= {int(last)})")
    if report_ids is not None:
        conds.append("report_id IN (" + (", ".join(str(int(i)) for i in report_ids) or "NULL")
                     + ")")
    return "WHERE " + " AND ".join(conds)


# the queries' long constant lists (a rule's operands, the template's cells and their kinds) as
# temporary tables: DuckDB binds a long VALUES list in 50-200 ms each time a query is run, and
# `gongkai check` runs each query once (name -> (columns, rows))
_REFERENCES: dict[str, tuple[str, list[tuple]]] = {}


def reference(what: str, columns: str, rows: list[tuple]) -> str:
    """The name of a temporary table holding ``rows`` (``columns``: "name TYPE, …"), named
    after its content; :func:`create_references` creates it on a connection."""
    digest = hashlib.sha1(repr((columns, rows)).encode("utf-8")).hexdigest()[:12]
    name = f"ref_{what}_{digest}"
    _REFERENCES.setdefault(name, (columns, list(rows)))
    return name


def create_references(con, sql: str, temporary: bool = True) -> None:
    """Create on ``con`` the tables of :func:`reference` that ``sql`` reads and ``con`` lacks:
    temporary (each once per connection: a warehouse file never keeps them), or, for an
    in-memory warehouse, ``temporary=False``: its every cursor sees them."""
    from warehouse.db import insert_rows

    wanted = [name for name in _REFERENCES if name in sql]
    if not wanted:
        return
    have = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for name in wanted:
        if name not in have:
            columns, rows = _REFERENCES[name]
            con.execute(f"CREATE {'TEMPORARY ' if temporary else ''}TABLE {name} ({columns})")
            insert_rows(con, name, rows)


def values_list(rows: list[tuple]) -> str:
    return ",\n        ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def cell_positions() -> list[tuple]:
    """(table, row, column, position): the template reading order, both templates merged."""
    seen: dict[tuple, int] = {}
    for template in ("2021", "2019"):
        for cell in V.cells(template):
            seen.setdefault(cell, len(seen))
    return [(*cell, pos) for cell, pos in seen.items()]


def column_kinds() -> list[tuple]:
    out = [(V.ACTIVE_DISCLOSURE, c.key, c.kind) for c in V.AD_COLUMNS.values()]
    out += [(V.APPLICATIONS, c.key, c.kind) for c in V.APP_COLUMNS]
    out += [(V.REVIEW_LITIGATION, c.key, c.kind) for c in V.RL_COLUMNS]
    return out


def year_pairs(rule: Rule, report_ids: list[int] | None) -> str:
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
        {report_filter(rule, report_ids)})),
pairs AS (
    SELECT cur.report_id, max(prev.report_id) AS previous_report_id,
           any_value(cur.year) AS year, any_value(prev.year) AS previous_year
    FROM cur JOIN ay prev ON prev.canonical_agency = cur.canonical_agency
         AND prev.year = cur.year - 1
         AND prev.template IN ({", ".join(lit(t) for t in previous)})
    GROUP BY cur.report_id
)"""



# what the fee limit of plausibility.fee_unit was chosen by
LEVELS = {"government": "provincial, prefecture or city government",
           "local": "county, district, town or department"}


def fmt(value) -> str:
    return "0" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


TIERS_ZH = {"national": "国务院部门", "provincial": "省级", "prefecture": "市级", "county": "县级",
             "township": "乡镇级", "unknown": "层级不明"}
KINDS_ZH = {"government": "人民政府", "department": "部门", "unknown": "机关"}


def operand_name(rule: Rule, o: dict) -> str:
    # per-column rules name operands by row, per-row rules by column, others by both; a
    # cross-year operand also by its year
    if o.get("year") is not None:
        return f"{o['year']} {cell_name(o)}"
    if rule.scope == "column":
        return short_label(o["table"], row=o["row"])
    if rule.scope == "row":
        return short_label(o["table"], column=o["column"])
    return cell_name(o)


def cell_name(o: dict) -> str:
    """'上年结转·自然人', '行政事业性收费·本年收费金额（单位：万元）'."""
    if o["table"] not in V.TABLES:  # the reports row: year, template
        return f"{o['table']}.{o['column']}"
    return (f"{short_label(o['table'], row=o['row'])}·"
            f"{short_label(o['table'], column=o['column'])}")


def operand_text(rule: Rule, o: dict) -> str:
    name = operand_name(rule, o)
    if not o["present"]:
        return f"{name} not extracted→0" if rule.blank_policy == "zero" \
            else f"{name} not extracted"
    page = f" (p.{o['page']})" if o["page"] is not None else ""
    if o.get("unreadable"):
        return f'{name} "{o["raw"]}" unreadable, not counted{page}'
    if o["value"] is None:
        shown = f'"{o["raw"]}"' if o["raw"] else "blank"
        return f"{name} {shown}→0{page}" if rule.blank_policy == "zero" \
            else f"{name} {shown}{page}"
    return f"{name} {fmt(o['value'])}{page}"


def operand_zh(o: dict) -> str:
    """'2023年 结转下年度·自然人 3（第5页）', '上年结转·总计 空白（按0计，第4页）'."""
    name = cell_name(o) if o["table"] in V.TABLES else o["column"]
    if o.get("year") is not None:
        name = f"{o['year']}年{name}"
    page = f"第{o['page']}页" if o.get("page") is not None else ""
    if not o["present"]:
        return f"{name} 未提取（按0计）"
    if o.get("unreadable"):
        return f"{name} “{o['raw']}”无法识别（未计入{'，' + page if page else ''}）"
    if o["value"] is None:
        return f"{name} 空白（按0计{'，' + page if page else ''}）"
    return f"{name} {fmt(o['value'])}" + (f"（{page}）" if page else "")


def side_zh(operands: list[dict], total) -> str:
    text = ""
    for i, o in enumerate(operands):
        minus = o.get("sign", 1) < 0
        text += (("−" if minus else "") if i == 0 else (" − " if minus else " + ")) \
            + operand_zh(o)
    return text if len(operands) == 1 else f"{text} = {fmt(total)}"


def side_text(rule: Rule, operands: list[dict], total) -> str:
    text = ""
    for i, o in enumerate(operands):
        minus = o.get("sign", 1) < 0
        text += (("-" if minus else "") if i == 0 else (" - " if minus else " + ")) \
            + operand_text(rule, o)
    return text if len(operands) == 1 else f"{text} = {fmt(total)}"


@dataclass(frozen=True)
class Kind:
    """What a kind of rule declares beside its query and message fields."""

    name: str
    # the column of the query that GX asserts: "residual" (two sides that must agree, or a
    # bound) or "violations" (a count that must stay within the tolerance)
    measure: str
    cross_year: bool = False  # pairs a report with the same agency's report of the year before
    # pairs a report with the same agency's other documents of the same year (the same report
    # published twice: an HTML page and its PDF or Word attachment)
    same_year: bool = False
    reads_agencies: bool = False  # its SQL reads agency_identity
    difference: bool = True  # messages may name expected - actual

    def bounds(self, rule: Rule) -> tuple[float | None, float | None]:
        """(min, max) of the GX expectation on ``measure``: ``ExpectColumnValuesToBeBetween``."""
        return residual_bounds(rule) if self.measure == "residual" else violation_bounds(rule)


def residual_bounds(rule: Rule) -> tuple[float | None, float | None]:
    """Two sides that must agree: |residual| ≤ tolerance; a bound ("le"): residual (= bound -
    value) ≥ -tolerance."""
    if rule.comparison == "le":
        return -rule.tolerance, None
    return -rule.tolerance, rule.tolerance


def violation_bounds(rule: Rule) -> tuple[float | None, float | None]:
    """A count of violations (or 0/1): at most the tolerance."""
    return 0, rule.tolerance

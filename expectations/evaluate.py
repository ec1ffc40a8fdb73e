"""Run the rules over a warehouse (or one report) and turn the results into findings."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from expectations.finding import FINDING_FIELDS, OPERAND_FIELDS, Finding
from expectations.kinds import create_references, fails, rule_sql
from expectations.messages import messages
from expectations.rules import BY_ID, RULES, Rule
from gongkai.model import Report
from warehouse.db import connect, insert_rows, retrying, transaction
from warehouse.store import load_report, refresh_agencies

if TYPE_CHECKING:
    from expectations.validate import Validation


def _number(value):
    """Decimal -> int when integral (counts), float otherwise (money); None stays None."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral() else float(value)


def evaluate(con, report_ids: list[int] | None = None, rules: tuple[Rule, ...] = RULES,
             aliases: dict[str, str] | None = None,
             validation: Validation | None = None, gx: bool = True,
             refresh_identity: bool = True, queries: int = 1) -> list[Finding]:
    """Evaluate every rule instance of the given reports (all reports when None).

    ``rules``: the whole catalogue by default. Cross-year rules pair each given report with
    the same agency's report of the year before, wherever it is in the warehouse.
    ``aliases``: agency alias -> canonical name (None: the configured alias table).
    ``validation``: the run's GX validation (a fresh one when None); give one that keeps its
    results (``Validation(keep_results=True)``) to build Data Docs from the same validation
    (``expectations.data_docs.build_site``): every rule is validated once.
    ``refresh_identity``: False when the caller refreshed ``agency_identity`` already.
    ``queries``: how many rules' queries DuckDB runs at once (cursors in threads: planning a
    rule's SQL costs more than running it on one report, and threads plan side by side).
    ``gx``: False to decide without Great Expectations (``gongkai check``: importing GX costs
    seconds). Pass and fail are decided by ``expectations.kinds.fails`` on every path; with GX,
    GX validates the same rows and a verdict of GX that differs is an error, not a finding.
    One finding per instance, ordered by report, then catalogue order, then template order.
    """
    if refresh_identity and any(r.reads_agencies for r in rules):
        refresh_agencies(con, aliases)  # who is who, and its level: from names and aliases
    if gx and validation is None:
        from expectations.validate import Validation

        validation = Validation()
    labels = {rid: f"{agency or '?'} {year or '?'} #{rid}" for rid, agency, year in
              con.execute("SELECT report_id, agency, year FROM reports").fetchall()}
    reports = _templates_and_years(con, report_ids)
    findings = []
    applying = [rule for rule in rules if _may_apply(rule, reports)]  # else not worth planning
    for rule, rows in zip(applying, _rule_rows(con, applying, report_ids, queries)):
        keys = _row_keys(labels, rule, rows)
        failing = {key for row, key in zip(rows, keys)
                   if row["assessable"] and fails(rule, row[rule.measure])}
        if validation is not None:
            # GX validates the same rows (Data Docs, the asset checks): by report and instance
            # key (unique within a rule), its failing rows must be these
            by_gx = validation.failing(rule, _named_frame(labels, rule, rows))
            if by_gx != failing:
                raise RuntimeError(
                    f"GX and expectations.kinds.fails disagree on {rule.id}: failing by GX "
                    f"only {sorted(by_gx - failing)}, by the bounds only "
                    f"{sorted(failing - by_gx)}")
        for row, key in zip(rows, keys):
            status = ("not_assessable" if not row["assessable"]
                      else "fail" if key in failing else "pass")
            findings.append(_finding(rule, row, status))
    findings.sort(key=lambda f: f["report_id"])  # stable: keeps rule and instance order
    return findings


def _rule_rows(con, rules: list[Rule], report_ids: list[int] | None,
               queries: int) -> list[list[dict]]:
    """Each rule's rows (one per instance), in the order of ``rules``."""
    def rows_of(cursor, rule: Rule) -> list[dict]:
        sql = rule_sql(rule, report_ids)
        create_references(cursor, sql)  # a temporary table is its own cursor's only
        result = cursor.execute(sql)
        names = [d[0] for d in result.description]
        return [dict(zip(names, r)) for r in result.fetchall()]

    if queries <= 1 or len(rules) < 2:
        return [rows_of(con, rule) for rule in rules]
    from concurrent.futures import ThreadPoolExecutor

    cursors = [con.cursor() for _ in range(min(queries, len(rules)))]
    try:
        with ThreadPoolExecutor(len(cursors)) as pool:
            shares = list(pool.map(lambda n: [rows_of(cursors[n], rule)
                                              for rule in rules[n::len(cursors)]],
                                   range(len(cursors))))
    finally:
        for cursor in cursors:
            cursor.close()
    # rule i was the (i // n)-th of share i % n
    return [shares[i % len(cursors)][i // len(cursors)] for i in range(len(rules))]


def _templates_and_years(con, report_ids: list[int] | None) -> dict:
    """What decides which rules can apply: the (template, year) of the given reports (all when
    None), and every year in the warehouse (a cross-year rule needs the year before)."""
    where = "" if report_ids is None else \
        "WHERE report_id IN (" + (", ".join(str(int(i)) for i in report_ids) or "NULL") + ")"
    given = set(con.execute(f"SELECT DISTINCT template, year FROM reports {where}").fetchall())
    years = {y for (y,) in con.execute("SELECT DISTINCT year FROM reports").fetchall()}
    (documents,) = con.execute("SELECT count(*) FROM documents").fetchone()
    return {"given": given, "years": years, "documents": documents}


def _may_apply(rule: Rule, reports: dict) -> bool:
    """Whether ``rule`` can have an instance among the reports: one of them is of its
    templates (none read as 2021) and years (none always in), and for a cross-year rule the
    warehouse holds a report of the year before, and for an agreement of documents the
    warehouse holds two or more. A necessary condition only: the rule's query
    decides (and ``fails`` decides pass and fail)."""
    if rule.kind == "agreement" and reports["documents"] < 2:
        return False  # documents compared with each other: one alone has nothing to agree with
    first, last = rule.years
    for template, year in reports["given"]:
        if (template or "2021") not in rule.templates:
            continue
        if year is not None and ((first is not None and year < first)
                                 or (last is not None and year > last)):
            continue
        if rule.cross_year and (year is None or year - 1 not in reports["years"]):
            continue
        return True
    return False


# the instance key of a finding, by rule scope: (finding field, query column)
_SCOPE_KEY = {"column": ("column", "column_key"), "row": ("row", "row_key"),
              "table": ("table", "table_key"), "figure": ("figure", "figure_key")}
def _row_keys(labels: dict[int, str], rule: Rule, rows: list[dict]) -> list[tuple[str, str]]:
    """Each row's (report, instance): the report ('淮安市人民政府 2024 #3') and instance key."""
    field = _SCOPE_KEY.get(rule.scope, (None, None))[1]
    return [(labels.get(r["report_id"], "?"), str(r.get(field) or "report")) for r in rows]


def _named_frame(labels: dict[int, str], rule: Rule, rows: list[dict]) -> pd.DataFrame:
    """The assessable rows as GX validates them (and Data Docs list them): report, instance
    key and the rule's measure."""
    import pandas as pd  # only GX validates frames

    keyed = [(key, row) for key, row in zip(_row_keys(labels, rule, rows), rows)
             if row["assessable"]]
    return pd.DataFrame({
        "report": [key[0] for key, _ in keyed],
        "instance": [key[1] for key, _ in keyed],
        rule.measure: [float(row[rule.measure]) for _, row in keyed]})


def _finding(rule: Rule, row: dict, status: str) -> Finding:
    operands = [{"table": o["table"], "row": o["row"], "column": o["column"],
                 "value": _number(o["value"]), "raw": o["raw"], "page": o["page"],
                 "side": o.get("side"), "present": o.get("present", True),
                 "report_id": o.get("report_id"), "year": o.get("year"),
                 "sign": o.get("sign", 1), "unreadable": bool(o.get("unreadable"))}
                for o in row["operands"] or []]
    finding = dict.fromkeys(FINDING_FIELDS)
    finding.update({"report_id": row["report_id"], "rule": rule.id,
                    "rule_version": rule.version, "severity": rule.severity, "status": status, "table": rule.table,
                    "previous_report_id": row.get("previous_report_id")})
    if rule.scope in _SCOPE_KEY:
        field, column = _SCOPE_KEY[rule.scope]
        finding[field] = row[column]
    finding.update({
        "expected": _number(row["expected"]), "actual": _number(row["actual"]),
        "blank_involved": bool(row["blank_involved"]),
    })
    finding["message"], finding["message_zh"] = messages(rule, finding, operands, row)
    finding["operands"] = [_operand_out(o) for o in operands]
    return finding


def _operand_out(o: dict) -> dict:
    """An operand as findings carry it; a cross-year operand also names its report and year."""
    out = {k: o[k] for k in OPERAND_FIELDS}
    if o.get("unreadable"):  # its text is no number: not counted, the instance not assessable
        out["unreadable"] = True
    if o.get("report_id") is not None:
        out.update(report_id=o["report_id"], year=o["year"])
    return out


# rule_results' columns as store() writes them
RESULT_COLUMNS = ("report_id", "rule", "severity", "status", "table_name", "row_key",
                  "column_key", "expected", "actual", "residual", "blank_involved", "message",
                  "operands", "evaluated_at", "figure", "previous_report_id", "rule_version")


def result_rows(findings: list[Finding], now: datetime) -> list[tuple]:
    """``findings`` as rows of ``rule_results`` (``RESULT_COLUMNS``)."""
    rows = []
    for f in findings:
        rule = BY_ID.get(f["rule"])
        expected, actual = f["expected"], f["actual"]
        residual = None if expected is None or actual is None else \
            Decimal(str(expected)) - Decimal(str(actual))
        rows.append((f["report_id"], f["rule"], f["severity"], f["status"],
                     f.get("table") or (rule.table if rule else None), f.get("row"),
                     f.get("column"), expected, actual, residual, f["blank_involved"],
                     f["message"], json.dumps(f["operands"], ensure_ascii=False), now,
                     f.get("figure"), f.get("previous_report_id"), f.get("rule_version")))
    return rows


@retrying  # a lake's conflicting commit: stored again, never dropped
def store(con, findings: list[Finding]) -> int:
    """Write findings to ``rule_results``, replacing earlier results of the same reports (in
    bulk: a run stores every instance of every report). A pipeline run stores only what it
    evaluated: ``expectations.incremental.store_changes``."""
    report_ids = sorted({f["report_id"] for f in findings})
    rows = result_rows(findings, datetime.now().replace(microsecond=0))
    with transaction(con):
        if report_ids:
            con.execute("DELETE FROM rule_results WHERE report_id IN ("
                        + ", ".join(str(int(i)) for i in report_ids) + ")")
        insert_rows(con, "rule_results", rows, RESULT_COLUMNS)
    return len(rows)


def check_report(report: Report, rules: tuple[Rule, ...] = RULES,
                 gx: bool = False) -> list[Finding]:
    """The rules for one report, without a warehouse file: an in-memory warehouse, same SQL.

    ``rules``, ``gx``: as for :func:`check_reports`. Cross-year rules need the previous year's
    report: see :func:`check_reports`.
    """
    return check_reports([report], rules, gx=gx)[0]


def check_connection():
    """An empty in-memory warehouse ready for :func:`check_reports`: its schema and the rules'
    reference tables (``gongkai check`` prepares it while it reads the files)."""
    con = connect(":memory:")
    try:
        # a few reports: planning dominates, and DuckDB's own worker threads only add handing
        # over (about a fifth of the rules' time); the rules' cursors run side by side instead
        con.execute("SET threads = 1")
        # tables of the in-memory database: the cursors that run rules side by side see them
        create_references(con, "\n".join(rule_sql(rule) for rule in RULES), temporary=False)
    except BaseException:
        con.close()
        raise
    return con


def check_reports(reports: list[Report], rules: tuple[Rule, ...] = RULES,
                  aliases: dict[str, str] | None = None,
                  gx: bool = False, con=None) -> list[list[Finding]]:
    """The rules for several reports loaded together into one in-memory warehouse, so that
    reports of one agency in consecutive years are also checked against each other.
    One list of findings per report, in the order given.

    ``gx``: also validate with Great Expectations (as a pipeline run does); the verdicts are
    the same either way (:func:`evaluate`), so by default GX is not imported.
    ``con``: the empty in-memory warehouse to use (:func:`check_connection`), closed after;
    None: a new one."""
    con = connect(":memory:") if con is None else con
    try:
        ids = [load_report(con, r, r.document.path)["report_id"] for r in reports]
        findings = evaluate(con, sorted(set(ids)), rules, aliases, gx=gx, queries=2)
    finally:
        con.close()
    by_report: dict[int, list[dict]] = {}
    for f in findings:
        by_report.setdefault(f["report_id"], []).append(f)
    return [by_report.get(i, []) for i in ids]

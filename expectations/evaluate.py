"""Run the rules over a warehouse (or one report) and turn the results into findings."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pandas as pd

from gongkai.model import Report
from expectations.rules import BY_ID, RULES, Rule
from expectations.sql import rule_sql
from expectations.messages import message
from expectations.validate import failing_instances


def _number(value):
    """Decimal -> int when integral (counts), float otherwise (money); None stays None."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral() else float(value)


def evaluate(con, report_ids: list[int] | None = None, rules: tuple[Rule, ...] = RULES
             ) -> list[dict]:
    """Evaluate every rule instance of the given reports (all reports when None).

    ``rules``: the four arithmetic rules by default; ``expectations.CATALOGUE`` for all.
    One finding per instance, ordered by report, then catalogue order, then template order.
    """
    findings = []
    for rule in rules:
        cursor = con.execute(rule_sql(rule, report_ids))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
        assessable = [i for i, r in enumerate(rows) if r["assessable"]]
        measure = rule.measure
        frame = pd.DataFrame({"instance": assessable,
                              measure: [float(rows[i][measure]) for i in assessable]})
        failing = failing_instances(rule, frame)
        for i, row in enumerate(rows):
            status = ("not_assessable" if not row["assessable"]
                      else "fail" if i in failing else "pass")
            findings.append(_finding(rule, row, status))
    findings.sort(key=lambda f: f["report_id"])  # stable: keeps rule and instance order
    return findings


# the instance key of a finding, by rule scope: (finding field, query column)
_SCOPE_KEY = {"column": ("column", "column_key"), "row": ("row", "row_key"),
              "table": ("table", "table_key")}


def _finding(rule: Rule, row: dict, status: str) -> dict:
    operands = [{"table": o["table"], "row": o["row"], "column": o["column"],
                 "value": _number(o["value"]), "raw": o["raw"], "page": o["page"],
                 "side": o.get("side"), "present": o.get("present", True)}
                for o in row["operands"] or []]
    finding = {"report_id": row["report_id"], "rule": rule.id, "severity": rule.severity,
               "status": status}
    if rule.scope in _SCOPE_KEY:
        field, column = _SCOPE_KEY[rule.scope]
        finding[field] = row[column]
    finding.update({
        "expected": _number(row["expected"]), "actual": _number(row["actual"]),
        "blank_involved": bool(row["blank_involved"]),
    })
    finding["message"] = message(rule, finding, operands, row)
    finding["operands"] = [{k: o[k] for k in ("table", "row", "column", "value", "raw", "page")}
                           for o in operands]
    return finding


def store(con, findings: list[dict]) -> int:
    """Write findings to ``rule_results``, replacing earlier results of the same reports."""
    report_ids = sorted({f["report_id"] for f in findings})
    now = datetime.now().replace(microsecond=0)
    rows = []
    for f in findings:
        rule = BY_ID.get(f["rule"])
        expected, actual = f["expected"], f["actual"]
        residual = None if expected is None or actual is None else \
            Decimal(str(expected)) - Decimal(str(actual))
        rows.append((f["report_id"], f["rule"], f["severity"], f["status"],
                     f.get("table") or (rule.table if rule else None), f.get("row"),
                     f.get("column"),
                     expected, actual, residual, f["blank_involved"], f["message"],
                     json.dumps(f["operands"], ensure_ascii=False), now))
    con.execute("BEGIN")
    try:
        if report_ids:
            con.execute("DELETE FROM rule_results WHERE report_id IN ("
                        + ", ".join(str(int(i)) for i in report_ids) + ")")
        if rows:
            con.executemany("INSERT INTO rule_results VALUES "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(rows)


def check_report(report: Report, rules: tuple[Rule, ...] = RULES) -> list[dict]:
    """The rules for one report, without a warehouse file: an in-memory warehouse, same SQL.

    ``rules``: as for :func:`evaluate` (``expectations.CATALOGUE`` for every rule).
    """
    from warehouse.store import connect, load_report

    con = connect(":memory:")
    try:
        loaded = load_report(con, report, report.document.path)
        return evaluate(con, [loaded["report_id"]], rules)
    finally:
        con.close()

"""Run the rules over a warehouse (or one report) and turn the results into findings."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pandas as pd

from gongkai.model import Report
from expectations.rules import RULES, Rule
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

    One finding per instance, in catalogue order, then report, then template order.
    """
    findings = []
    for rule in rules:
        cursor = con.execute(rule_sql(rule, report_ids))
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
        assessable = [i for i, r in enumerate(rows) if r["assessable"]]
        frame = pd.DataFrame({"instance": assessable,
                              "residual": [float(rows[i]["residual"]) for i in assessable]})
        failing = failing_instances(rule, frame)
        for i, row in enumerate(rows):
            status = ("not_assessable" if not row["assessable"]
                      else "fail" if i in failing else "pass")
            findings.append(_finding(rule, row, status))
    findings.sort(key=lambda f: f["report_id"])  # stable: keeps rule and instance order
    return findings


def _finding(rule: Rule, row: dict, status: str) -> dict:
    operands = [{"table": o["table"], "row": o["row"], "column": o["column"],
                 "value": _number(o["value"]), "raw": o["raw"], "page": o["page"],
                 "side": o["side"], "present": o["present"]} for o in row["operands"]]
    scope = "column" if rule.scope == "column" else "row"
    key = row["column_key" if scope == "column" else "row_key"]
    finding = {
        "report_id": row["report_id"], "rule": rule.id, "severity": rule.severity,
        "status": status, scope: key,
        "expected": _number(row["expected"]), "actual": _number(row["actual"]),
        "blank_involved": bool(row["blank_involved"]),
    }
    finding["message"] = message(rule, finding, operands)
    finding["operands"] = [{k: o[k] for k in ("table", "row", "column", "value", "raw", "page")}
                           for o in operands]
    return finding


def store(con, findings: list[dict]) -> int:
    """Write findings to ``rule_results``, replacing earlier results of the same reports."""
    report_ids = sorted({f["report_id"] for f in findings})
    now = datetime.now().replace(microsecond=0)
    by_id = {r.id: r for r in RULES}
    rows = []
    for f in findings:
        rule = by_id.get(f["rule"])
        expected, actual = f["expected"], f["actual"]
        residual = None if expected is None or actual is None else \
            Decimal(str(expected)) - Decimal(str(actual))
        rows.append((f["report_id"], f["rule"], f["severity"], f["status"],
                     rule.table if rule else None, f.get("row"), f.get("column"),
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


def check_report(report: Report) -> list[dict]:
    """The rules for one report, without a warehouse file: an in-memory warehouse, same SQL."""
    from warehouse.store import connect, load_report

    con = connect(":memory:")
    try:
        loaded = load_report(con, report, report.document.path)
        return evaluate(con, [loaded["report_id"]])
    finally:
        con.close()

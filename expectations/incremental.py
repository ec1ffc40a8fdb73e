"""A run evaluates what changed, not the whole warehouse.

For each rule of the catalogue, :func:`plan` says which reports a run must evaluate:

- every rule: the current reports with no results yet (new, or a new version of a document);
- a cross-year rule also: the reports of the year after those (their previous year changed),
  and the reports of agencies whose identity changed (an alias added, a fuller name that now
  pairs two spellings), with the year after them;
- a rule comparing the documents of one agency and year (``documents.agree``) also: the other
  current documents of the same agency and year as those, whose sibling is new or gone;
- a rule reading agency identity (tier, rule-making power): the reports of agencies whose
  identity changed;
- a rule whose ``version`` differs from the one last evaluated (``evaluated_rules``), or that was
  never evaluated: every report, for that rule alone.

``evaluate_changes`` evaluates the plan and ``store_changes`` replaces exactly the results it
evaluated (rule by rule, report by report), so that a run over an unchanged warehouse evaluates
nothing and costs the same on a warehouse of any size. ``stored_findings`` reads back the
findings of every current report, for the asset checks that describe the whole warehouse.
"""

from __future__ import annotations

import json
from datetime import datetime

from expectations.evaluate import evaluate, result_rows, RESULT_COLUMNS
from expectations.finding import Finding
from expectations.rules import RULES, Rule
from expectations.validate import Validation
from gongkai.values import plain_number
from warehouse.db import insert_rows, retrying, transaction
from warehouse.store import refresh_agencies

# rule id -> the report ids to evaluate; None: every report
Plan = dict[str, "list[int] | None"]


def _identity(con) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in con.execute(
        "SELECT agency, canonical, tier, kind, rule_making_power FROM agency_identity"
    ).fetchall()}


def _ids(con, sql: str, params=()) -> set[int]:
    return {int(r[0]) for r in con.execute(sql, params).fetchall()}


def _of_same_agency(con, report_ids: set[int], years_later: int) -> set[int]:
    """The current reports of the same agency (canonical) as any of ``report_ids``,
    ``years_later`` years after it (0: the same year)."""
    if not report_ids:
        return set()
    ids = ", ".join(str(int(i)) for i in report_ids)
    return _ids(con, f"""
        SELECT DISTINCT other.report_id
        FROM report_agency_years cur JOIN report_agency_years other
          ON other.canonical_agency = cur.canonical_agency
         AND other.year = cur.year + {int(years_later)}
        WHERE cur.report_id IN ({ids})""")


def plan(con, rules: tuple[Rule, ...] = RULES, aliases: dict[str, str] | None = None) -> Plan:
    """Which reports each rule must evaluate in this run (see the module doc). Refreshes the
    agency identity table, as evaluating does."""
    before = _identity(con)
    refresh_agencies(con, aliases)
    after = _identity(con)
    changed = sorted(a for a in before.keys() | after.keys() if before.get(a) != after.get(a))
    new = _ids(con, "SELECT report_id FROM current_reports WHERE report_id NOT IN "
                    "(SELECT DISTINCT report_id FROM rule_results)")
    of_changed = _ids(con, "SELECT report_id FROM current_reports WHERE list_contains(?, agency)",
                      [changed]) if changed else set()
    versions = dict(con.execute("SELECT rule, version FROM evaluated_rules").fetchall())
    out: Plan = {}
    for rule in rules:
        if versions.get(rule.id) != rule.version:
            out[rule.id] = None
            continue
        ids = set(new)
        if rule.cross_year:
            ids |= of_changed | _of_same_agency(con, new | of_changed, 1)  # its pairs changed
        elif rule.same_year:
            ids |= of_changed | _of_same_agency(con, new | of_changed, 0)  # its siblings
        elif rule.reads_agencies:
            ids |= of_changed
        out[rule.id] = sorted(ids)
    return out


def evaluate_changes(con, work: Plan, rules: tuple[Rule, ...] = RULES,
                     aliases: dict[str, str] | None = None,
                     validation: Validation | None = None) -> list[Finding]:
    """The findings of the plan's rule instances (GX validates each planned rule once)."""
    validation = validation or Validation()
    findings: list[Finding] = []
    for rule in rules:
        ids = work.get(rule.id, [])
        if ids is not None and not ids:
            continue  # nothing of this rule changed
        findings += evaluate(con, ids, (rule,), aliases, validation=validation,
                             refresh_identity=False)
    findings.sort(key=lambda f: f["report_id"])
    return findings


@retrying  # a lake's conflicting commit: stored again, never dropped
def store_changes(con, work: Plan, findings: list[Finding],
                  rules: tuple[Rule, ...] = RULES) -> int:
    """Replace the results the plan evaluated (and only those) with ``findings``; record the
    version each rule was evaluated at."""
    now = datetime.now().replace(microsecond=0)
    with transaction(con):
        for rule in rules:
            ids = work.get(rule.id, [])
            if ids is None:
                con.execute("DELETE FROM rule_results WHERE rule = ?", [rule.id])
            elif ids:
                con.execute("DELETE FROM rule_results WHERE rule = ? AND list_contains(?, "
                            "report_id)", [rule.id, ids])
        insert_rows(con, "rule_results", result_rows(findings, now), RESULT_COLUMNS)
        con.execute("DELETE FROM evaluated_rules")
        insert_rows(con, "evaluated_rules", [(r.id, r.version, now) for r in rules],
                    ("rule", "version", "evaluated_at"))
    return len(findings)


def planned_count(work: Plan) -> str:
    """The plan in words, for logs: 'all reports for 17 rules' / '3 report(s) for 17 rules'."""
    whole = [r for r, ids in work.items() if ids is None]
    some = {r: ids for r, ids in work.items() if ids}
    parts = []
    if whole:
        parts.append(f"every report for {len(whole)} rule(s)")
    if some:
        reports = len({i for ids in some.values() for i in ids})
        parts.append(f"{reports} report(s) for {len(some)} rule(s)")
    return "; ".join(parts) or "nothing new to evaluate"


def stored_findings(con) -> list[dict]:
    """The stored findings of every current report, as findings (for the asset checks and the
    summary of a run that evaluated only what changed)."""
    cursor = con.execute("""
        SELECT rr.report_id, rr.rule, rr.severity, rr.status, rr.table_name, rr.row_key,
               rr.column_key, rr.figure, rr.expected, rr.actual, rr.operands, rr.message
        FROM rule_results rr JOIN current_reports USING (report_id)
        ORDER BY rr.report_id""")
    out = []
    for (report_id, rule, severity, status, table, row, column, figure, expected, actual,
         operands, message) in cursor.fetchall():
        out.append({"report_id": report_id, "rule": rule, "severity": severity,
                    "status": status, "table": table, "row": row, "column": column,
                    "figure": figure, "expected": plain_number(expected),
                    "actual": plain_number(actual),
                    "operands": json.loads(operands) if operands else [],
                    "message": message})
    return out


"""What the pipeline reports of the findings: one outcome per rule of the catalogue (the
Dagster asset check of that rule), counts per rule as markdown. Plain data, no Dagster."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from expectations.finding import instance_name
from expectations.rules import BY_ID, RULES
from gongkai.values import plain_number

# the rules that get one Dagster asset check each: the whole catalogue
CHECKED_RULES: dict[str, str] = {rule.id: rule.says for rule in RULES}


def check_name(rule: str) -> str:
    """Dagster check names cannot hold dots: 'applications.balance' -> 'applications_balance'."""
    return rule.replace(".", "_")


def report_labels(con) -> dict:
    """report_id -> 'agency year (file.pdf)' for messages."""
    out = {}
    for rid, agency, year, source in con.execute(
        "SELECT r.report_id, r.agency, r.year, d.source FROM reports r "
        "JOIN documents d USING (document_id)"
    ).fetchall():
        out[rid] = f"{agency or '?'} {year or '?'} ({Path(source).name})"
    return out


def rule_counts(findings: list[dict]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for f in findings:
        counts.setdefault(f["rule"], Counter())[f["status"]] += 1
    return counts


def failures_markdown(findings: list[dict]) -> str:
    """A markdown table: per rule, its severity and how many instances passed / failed /
    could not be assessed."""
    counts = rule_counts(findings)
    severity = {f["rule"]: f.get("severity", "") for f in findings}
    lines = ["| rule | severity | failed | not assessable | passed |", "|---|---|---|---|---|"]
    for rule in sorted(counts, key=lambda r: (-counts[r]["fail"], r)):
        c = counts[rule]
        lines.append(f"| `{rule}` | {severity[rule]} | {c['fail']} | {c['not_assessable']} "
                     f"| {c['pass']} |")
    if len(lines) == 2:
        lines.append("| (no findings) | | 0 | 0 | 0 |")
    return "\n".join(lines)


def operand_pages(f: dict) -> list[int]:
    return sorted({o["page"] for o in (f.get("operands") or []) if o.get("page")})


def rule_check_outcome(rule: str, findings: list[dict], labels: dict, limit: int = 100) -> dict:
    """What the Dagster check of one statutory rule reports: passed unless an instance failed;
    metadata lists the failing reports and cells."""
    mine = [f for f in findings if f["rule"] == rule]
    failed = [f for f in mine if f["status"] == "fail"]
    lines = []
    for f in failed[:limit]:
        who = labels.get(f.get("report_id"), f"report {f.get('report_id')}")
        pages = operand_pages(f)
        lines.append(f"- {who}: {instance_name(f)} expected {plain_number(f.get('expected'))}, "
                     f"actual {plain_number(f.get('actual'))}"
                     + (f" (p. {', '.join(map(str, pages))})" if pages else ""))
    if len(failed) > limit:
        lines.append(f"- … and {len(failed) - limit} more")
    severity = BY_ID[rule].severity
    return {
        # an info rule describes (blank cells): its check passes and lists what it found
        "passed": not failed or severity == "info",
        # the check's severity is the rule's: error -> ERROR, warning -> WARN
        "severity": severity,
        "instances": len(mine),
        "failed": len(failed),
        "not_assessable": sum(f["status"] == "not_assessable" for f in mine),
        "failing_reports": sorted({labels.get(f.get("report_id"), str(f.get("report_id")))
                                   for f in failed}),
        "failing_cells": "\n".join(lines) or "(none)",
    }

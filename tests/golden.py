"""The golden files: every fixture PDF with the facts and failures a person (or the script that
made it) knows it holds. Shared by the extraction tests and the benchmark."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from expectations.rules import BY_ID

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "golden"
# (golden files, the folders their PDFs are in): the real and generated fixtures, and the
# stress set (layouts made another way: reportlab drawing, rotated pages, rows broken across
# pages, units in cells …)
SETS = ((GOLDEN, (FIXTURES / "real", FIXTURES / "reports")),
        (FIXTURES / "stress" / "golden", (FIXTURES / "stress" / "reports",)))


def golden_cases() -> list[tuple[Path, Path]]:
    """(pdf, golden json) for every golden file whose PDF is in the repository."""
    cases = []
    for golden_dir, pdf_dirs in SETS:
        for golden in sorted(golden_dir.glob("*.json")):
            pdf = next((folder / f"{golden.stem}.pdf" for folder in pdf_dirs
                        if (folder / f"{golden.stem}.pdf").exists()), None)
            if pdf is not None:
                cases.append((pdf, golden))
    return cases


def load(golden: Path) -> dict:
    return json.loads(golden.read_text(encoding="utf-8"))


def fact_key(fact: dict) -> tuple[str, str, str]:
    return (fact["table"], fact["row"], fact["column"])


# the four arithmetic rules: what golden files in the old format (the stress set's, which has
# no stated figures) list; a golden file with "stated_figures" lists the failures of every
# per-report rule
ARITHMETIC_RULES = ("applications.balance", "applications.outcome_sum",
                    "applications.applicant_sum", "review_litigation.total")
# rules whose golden entry names the rule only (a share of sentences is no exact number)
RULE_ONLY = ("narrative.similar_to_previous",)


def _number(x):
    return None if x is None else Decimal(str(x))


def failure_key(finding: dict) -> tuple:
    """A failing instance as the golden files list it: rule, the instance (table only for
    per-table rules, row, column, figure) and expected/actual; golden entries and findings alike."""
    rule = finding["rule"]
    if rule in RULE_ONLY:
        return (rule, None, None, None, None, None, None)
    return (rule, finding.get("table") if BY_ID[rule].scope == "table" else None,
            finding.get("row"), finding.get("column"), finding.get("figure"),
            _number(finding.get("expected")), _number(finding.get("actual")))


def golden_rules(golden: dict) -> tuple[str, ...] | None:
    """The rules a golden file's ``failures`` cover: None = every per-report rule."""
    return None if "stated_figures" in golden else ARITHMETIC_RULES


def failures(findings: list[dict], rules: tuple[str, ...] | None = None) -> list[tuple]:
    """The failing findings' keys (a golden entry, which has no status, is one), sorted;
    only ``rules`` when given."""
    return sorted((failure_key(f) for f in findings
                   if f.get("status", "fail") == "fail"
                   and (rules is None or f["rule"] in rules)),
                  key=repr)


# --- scans: a scan's golden file is its source's -----------------------------------------

def _same_cell(fact, golden: dict) -> bool:
    """The value read is the golden value; a cell with no number is told apart as the page
    prints it: blank, or a mark ("—", "/", "无")."""
    if fact is None or _number(fact.json_value()) != _number(golden["value"]):
        return False
    return golden["value"] is not None or bool(fact.raw.strip()) == bool(golden["raw"].strip())


def doubted_cells(report) -> set[tuple[str, str, str]]:
    """The cells a problem names (OCR engines disagreeing, a low confidence, unreadable)."""
    return {(p.table, p.row, p.column) for p in report.problems if p.row}


def scan_misreadings(report, golden: dict) -> tuple[list[dict], list[tuple]]:
    """(the golden cells the scan's reading gets wrong, those of them no problem names:
    (cell, golden raw, raw read))."""
    facts = {(f.table, f.row, f.column): f for f in report.facts}
    wrong = [g for g in golden["facts"] if not _same_cell(facts.get(fact_key(g)), g)]
    named = doubted_cells(report)
    silent = [(fact_key(g), g["raw"], getattr(facts.get(fact_key(g)), "raw", None))
              for g in wrong if fact_key(g) not in named]
    return wrong, silent


def _instance(finding: dict) -> tuple:
    return (finding["rule"], finding.get("table"), finding.get("row"), finding.get("column"),
            finding.get("figure"))


def undoubted_rule_differences(scan_findings: list[dict], source_findings: list[dict],
                               doubted: set) -> list[tuple]:
    """The rule instances whose outcome on the scan is not the source's though every cell the
    instance reads was read on the scan without doubt: (instance, source's, scan's)."""
    scan = {_instance(f): f for f in scan_findings}
    differences = []
    for source in source_findings:
        cells = {(o["table"], o["row"], o["column"]) for o in source.get("operands") or ()
                 if o["table"] != "text"}
        if cells & doubted:
            continue
        mine = scan.get(_instance(source))
        theirs = (source["status"], failure_key(source) if source["status"] == "fail" else None)
        ours = mine and (mine["status"], failure_key(mine) if mine["status"] == "fail" else None)
        if ours != theirs:
            differences.append((_instance(source), theirs, ours))
    return differences


# the share of a scan's cells that must be read right
SCAN_ACCURACY = 0.995


def check_scan_identity_and_doubts(report, golden: dict) -> list[dict]:
    """A scan read as its source: a scan, the source's agency, year and template, and every cell
    read wrong named by a problem. Returns the wrong cells (``scan_accurate`` weighs them)."""
    assert report.document.kind == "scan"
    assert (report.agency, report.year, report.template) == (
        golden["agency"], golden["year"], golden["template"])
    wrong, silent = scan_misreadings(report, golden)
    assert not silent, f"wrong cells no problem names: {silent}"
    return wrong


def scan_accurate(wrong: list[dict], golden: dict) -> bool:
    return 1 - len(wrong) / len(golden["facts"]) >= SCAN_ACCURACY

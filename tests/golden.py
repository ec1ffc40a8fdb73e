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

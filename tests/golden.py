"""The golden files: every fixture PDF with the facts and failures a person (or the script that
made it) knows it holds. Shared by the extraction tests and the benchmark."""

from __future__ import annotations

import json
from pathlib import Path

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


def failure_key(finding: dict) -> tuple:
    return (finding["rule"], finding.get("row"), finding.get("column"))

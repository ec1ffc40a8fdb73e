"""Sample documents the command-line and pipeline tests share: real fixture PDFs, and the bad
files a crawler or a user really produces."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.config import ROOT

FIXTURE_REPORTS = ROOT / "tests" / "fixtures" / "reports"


def sample_pdfs(n: int | None = None) -> list[Path]:
    """Sample report PDFs, alternating the 2021 (t21-*) and 2019 (s19-*) templates."""
    t21 = sorted(FIXTURE_REPORTS.glob("t21-*.pdf"))
    s19 = sorted(FIXTURE_REPORTS.glob("s19-*.pdf"))
    mixed = [p for pair in zip(t21, s19) for p in pair] + t21[len(s19):] + s19[len(t21):]
    rest = [p for p in sorted(FIXTURE_REPORTS.glob("*.pdf")) if p not in mixed]
    pdfs = mixed + rest
    return pdfs[:n] if n else pdfs


def three_samples() -> list[Path]:
    pdfs = sample_pdfs(3)
    if len(pdfs) < 2:
        pytest.fail(f"need at least 2 sample report PDFs in {FIXTURE_REPORTS}, found {len(pdfs)}")
    return pdfs


def write_not_a_pdf(path: Path) -> Path:
    """What a crawler saves when the server answers with an error page."""
    path.write_text("<html><body>404 页面不存在</body></html>\n", encoding="utf-8")
    return path

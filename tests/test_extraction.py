"""Every cell of every fixture and of the real report, compared with its golden file."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pytest

from gongkai.extract import extract_report
from tests.golden import fact_key, golden_cases, load

CASES = golden_cases()
GOLDEN_RULES = ("applications.balance", "applications.outcome_sum",
                "applications.applicant_sum", "review_litigation.total")
IDS = [pdf.stem for pdf, _ in CASES]


@lru_cache(maxsize=None)
def extracted(pdf):
    return extract_report(pdf)


def test_the_fixture_set_is_complete():
    # the real report, the rebuilt 黑龙江 2020 report and at least 20 generated ones
    stems = set(IDS)
    assert "huaian-city-2024" in stems and "heilongjiang-gxt-2020" in stems
    assert len(stems) >= 22
    templates = {load(g)["template"] for _, g in CASES}
    assert templates == {"2019", "2021"}


@pytest.mark.parametrize(("pdf", "golden"), CASES, ids=IDS)
def test_every_cell_is_read_exactly(pdf, golden):
    expected = load(golden)
    report = extracted(pdf)
    assert (report.agency, report.year, report.template) == (
        expected["agency"], expected["year"], expected["template"])
    got = {fact_key(f): f for f in report.facts_json()}
    want = {fact_key(f): f for f in expected["facts"]}
    assert sorted(set(got) - set(want)) == [], "cells read that the document does not have"
    assert sorted(set(want) - set(got)) == [], "cells of the document not read"
    wrong = [(key, want[key], got[key]) for key in want
             if (got[key]["raw"], got[key]["page"]) != (want[key]["raw"], want[key]["page"])
             or not _same(got[key]["value"], want[key]["value"])]
    assert wrong == []
    assert report.problems == [], "a golden document must read without doubt"


@pytest.mark.parametrize(("pdf", "golden"), CASES, ids=IDS)
def test_every_fact_has_provenance(pdf, golden):
    report = extracted(pdf)
    for fact in report.facts:
        assert fact.page >= 1 and fact.bbox is not None and fact.grid is not None
        x0, top, x1, bottom = fact.bbox
        assert x0 < x1 and top < bottom


def _same(got, want) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return Decimal(str(got)) == Decimal(str(want))


@pytest.mark.parametrize(("pdf", "golden"), CASES, ids=IDS)
def test_findings_from_the_pdf_equal_the_golden_failures(pdf, golden):
    """PDF -> extraction -> the statutory rules (Great Expectations): exactly the failures the
    golden file lists, with their expected and actual sums; no false failure from extraction."""
    from expectations import check_report

    # the golden files list the failures of the four statutory arithmetic rules
    findings = [f for f in check_report(extracted(pdf)) if f["rule"] in GOLDEN_RULES]
    failed = sorted(
        (f["rule"], f.get("row"), f.get("column"), Decimal(str(f["expected"])),
         Decimal(str(f["actual"])))
        for f in findings if f["status"] == "fail")
    want = sorted(
        (f["rule"], f.get("row"), f.get("column"), Decimal(str(f["expected"])),
         Decimal(str(f["actual"])))
        for f in load(golden)["failures"])
    assert failed == want
    assert not [f for f in findings if f["status"] == "not_assessable"]

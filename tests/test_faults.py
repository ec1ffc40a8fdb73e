"""Issue 14: what broke under bad input and faults, each reproduced with a file made by
tests/fixtures/faults/make_faults.py (into a temporary folder), then held."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.faults import make_faults as F
from tests.golden import FIXTURES

GULOU_GOLDEN = FIXTURES / "golden" / "t21-gulou-finance-2023.json"


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def stray(faults):
    from gongkai.extract import extract_report

    return extract_report(F.stray_characters(faults))


@pytest.fixture(scope="module")
def garbled(faults):
    from gongkai.extract import extract_report

    return extract_report(F.stray_characters(faults, garble_header="research_institution",
                                             name="garbled-header.pdf"))


# --- 1. an unreadable cell is not a 0 --------------------------------------------------------

def test_unreadable_cells_make_their_rules_not_assessable(stray):
    from expectations.evaluate import check_report

    for key in F.FOURTEENS:
        assert stray.fact(*key).raw == "14x" and stray.fact(*key).value is None
        assert any(p.code == "cell.unreadable" and (p.table, p.row, p.column) == key
                   for p in stray.problems)
    findings = check_report(stray)
    touched = [f for f in findings
               if any((o["table"], o["row"], o["column"]) in F.FOURTEENS for o in f["operands"])]
    assert {(f["rule"], f["column"] or f["row"]) for f in touched} >= {
        ("applications.balance", "natural_person"),
        ("applications.applicant_sum", "new_requests"),
        ("applications.applicant_sum", "total_processed"),
        ("applications.carried_forward_bound", "natural_person"),
        ("applications.processed_bound", "natural_person"),
        ("applications.outcome_sum", "natural_person")}
    for f in touched:
        assert f["status"] == "not_assessable", f["message"]
        assert f["expected"] is None and f["actual"] is None
        assert '"14x" unreadable' in f["message"], f["message"]
        assert "blank cell was counted as 0" not in f["message"]
        assert any(o.get("unreadable") for o in f["operands"])
    # every other instance is unchanged: the report's own failure elsewhere still fails
    assert ("applications.balance", "total") in {
        (f["rule"], f["column"]) for f in findings if f["status"] == "fail"}


def test_a_placeholder_is_still_blank_not_unreadable(stray):
    """'/' (the report's way of writing 0) stays a blank counted as 0, as the goldens say."""
    from expectations.evaluate import check_report

    slash = [f for f in check_report(stray) if f["rule"] == "applications.applicant_sum"
             and f["row"] == "not_processed_petition"][0]
    assert slash["status"] == "pass" and "A blank cell was counted as 0." in slash["message"]
    assert not any(o.get("unreadable") for o in slash["operands"])


# --- 2. no cell vanishes without a problem ---------------------------------------------------

def test_every_cell_is_read_or_named_by_a_problem(garbled):
    from gongkai.extract.tables import expected_cells, unaccounted_cells

    assert garbled.fact("applications", "granted", "research_institution") is None
    assert unaccounted_cells(garbled.template, garbled.facts, garbled.problems) == []
    # the rows that have a problem of their own (the unreadable "14x") lose the garbled
    # column too: named cell by cell
    named = {(p.table, p.row, p.column) for p in garbled.problems if p.code == "cell.missing"}
    assert {("applications", "new_requests", "research_institution"),
            ("applications", "total_processed", "research_institution")} <= named
    assert len(expected_cells(garbled.template, garbled.facts)) == 200


def test_fixture_reports_have_every_cell(stray):
    from gongkai.extract import extract_report
    from gongkai.extract.tables import expected_cells, unaccounted_cells

    report = extract_report(F.GULOU)
    assert report.problems == []
    assert {(f.table, f.row, f.column) for f in report.facts} == \
        set(expected_cells(report.template, report.facts))
    assert unaccounted_cells(stray.template, stray.facts, stray.problems) == []


# --- 3. "no copy" PDFs are read --------------------------------------------------------------

@pytest.mark.parametrize("permissions", [0, -3904])
def test_owner_password_pdfs_are_read(faults, permissions):
    import tempfile
    from pathlib import Path

    from gongkai.extract import extract_report
    from gongkai.extract.document import open_pdf

    pdf = F.no_copy(faults, permissions=permissions)
    import pypdfium2.raw as pdfium_c
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    assert pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1  # encrypted indeed
    doc.close()
    before = set(Path(tempfile.gettempdir()).glob("gongkai-unlocked-*"))
    report = extract_report(pdf)
    golden = json.loads(GULOU_GOLDEN.read_text())
    assert [(f["table"], f["row"], f["column"], f["value"], f["raw"], f["page"])
            for f in report.facts_json()] == \
        [(f["table"], f["row"], f["column"], f["value"], f["raw"], f["page"])
         for f in golden["facts"]]
    assert report.problems == []
    assert report.document.path == str(pdf)  # the document's own name and bytes
    from gongkai.extract.intake import sha256_of
    assert report.document.sha256 == sha256_of(pdf)
    # the decrypted copy the layout readers were given is gone
    assert set(Path(tempfile.gettempdir()).glob("gongkai-unlocked-*")) == before
    opened = open_pdf(pdf)
    assert opened.layout_path != str(pdf)
    opened.close()
    assert not Path(opened.layout_path).exists()

"""`gongkai run --workers N`: N bounded reader processes extract at once, and the extraction is
the same, in the same order, as with one (reports, unreadable documents and their reasons)."""

from __future__ import annotations

import shutil

from gongkai.extract import intake
from tests.samples import sample_pdfs, write_not_a_pdf


def _summary(extraction: intake.Extraction) -> tuple:
    return ([(r.document.path, r.agency, r.year, r.facts_json()) for r in extraction.reports],
            [(u["path"], u["reason"]) for u in extraction.unreadable])


def test_two_workers_extract_what_one_does(tmp_path):
    for pdf in sample_pdfs(3):
        shutil.copy(pdf, tmp_path / pdf.name)
    write_not_a_pdf(tmp_path / "error-page.pdf")
    documents, _ = intake.list_documents([tmp_path])
    seen = []
    one = intake.extract_documents(documents, workers=1)
    two = intake.extract_documents(documents, workers=2,
                                   progress=lambda done, total, name: seen.append((done, total)))
    assert _summary(two) == _summary(one)
    assert len(two.reports) == 3 and len(two.unreadable) == 1
    assert sorted(seen) == [(i, 4) for i in range(1, 5)]  # each document once, counted 1..4

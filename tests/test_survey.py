"""Issue 14's survey, small: ~20 entries of every kind (tests/fixtures/faults/make_survey.py,
``quick=True``) through a real `gongkai run`, and the invariants benchmarks/survey.py measures
on the whole survey: no crash, no hang, every entry accounted for by name, no cell lost
without a problem, every readable report read, each reader's peak memory ≤ 1 GiB."""

from __future__ import annotations

import importlib.util

import pytest

from gongkai.config import ROOT

pytestmark = pytest.mark.xdist_group("survey")


def _runner():
    spec = importlib.util.spec_from_file_location("survey_runner", ROOT / "benchmarks" / "survey.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    runner = _runner()
    # the hostile portal is tests/crawl/test_hostile_portal.py's (in its own namespace)
    return runner.survey(tmp_path_factory.mktemp("survey") / "entries", quick=True,
                         timeout=300, crawl=False, workers=1)


def test_the_survey_subset_is_made_of_every_kind(result):
    assert result["entries"] >= 20
    assert set(result["kinds"]) >= {"truncated", "bitflip", "encrypted", "bomb", "loop", "name",
                                    "special", "stray"}


def test_no_crash_no_hang(result):
    assert result["crashes"] == 0 and result["hangs"] == 0, result.get("terminal_tail")


def test_every_entry_is_accounted_for_by_name(result):
    assert result["not_accounted_for"] == []
    assert result["accounted_for"] == result["entries"]
    assert result["load_errors"] >= 6  # the folder, the FIFO, the empty file, the ZIP …


def test_no_cell_is_lost_without_a_problem(result):
    assert result["reports"] >= 8
    assert result["cells_lost_without_a_problem"] == 0, result["reports_losing_cells"]


def test_every_readable_report_is_read(result):
    # the "no copy" PDF, the stray glyphs, the GBK name, the xref loops PDFium repairs
    assert result["expected_but_not_read"] == {}
    assert result["expected_reports"] >= 5


def test_each_document_stays_within_its_memory_bound(result):
    assert result["limits_hit"]["memory"] == 1  # the 1.5 GiB bomb, recorded
    assert result["reader_processes"] >= 1
    assert 0 < result["peak_memory_per_document_mib"] <= 1024
    assert all(result["held"].values()), result["held"]

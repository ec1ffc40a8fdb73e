"""One report, several documents: an agency's HTML article page and its PDF or Word attachment
of the same year are one annual report (the view ``annual_reports``), and the rule
``documents.agree`` compares their cells.

Fixtures: tests/fixtures/same_report (``make_same_report.py``): 示例县市场监督管理局 2023 as an
HTML page and a PDF that agree; 示例县示例镇人民政府 2023 as an HTML page and a .docx in which
one cell (行政规范性文件 · 现行有效件数) is one more than on the page.
"""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from expectations import incremental
from expectations.evaluate import check_reports
from gongkai.cli import main
from gongkai.extract import extract_report
from tests.golden import FIXTURES
from tests.test_pipeline import query, run as run_pipeline
from warehouse import store

pytestmark = pytest.mark.xdist_group("same_report")

HERE = FIXTURES / "same_report"
PAIRS = {p["pair"]: p for p in json.loads((HERE / "pairs.json").read_text(encoding="utf-8"))}
AGREE, DIFFER = PAIRS["agree-amr-2023"], PAIRS["differ-town-2023"]


def _agree_findings(findings_per_report):
    return [f for findings in findings_per_report for f in findings
            if f["rule"] == "documents.agree"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(warehouse path, result) of a Dagster run over the four documents of the two pairs."""
    folder = tmp_path_factory.mktemp("same_report")
    for pair in PAIRS.values():
        for name in pair["documents"]:
            shutil.copy(HERE / name, folder)
    db = tmp_path_factory.mktemp("warehouse") / "gongkai.duckdb"
    result = run_pipeline(folder, db)
    assert result.success
    return db, result


def test_the_warehouse_holds_one_report_per_agency_and_year_with_both_documents(run):
    db, _ = run
    rows = query(db, "SELECT canonical_agency, year, documents, templates, "
                     "[d.kind FOR d IN document_list], "
                     "[parse_filename(d.source) FOR d IN document_list] "
                     "FROM annual_reports ORDER BY ALL")
    assert [(a, y, n, t, sorted(k), sorted(s)) for a, y, n, t, k, s in rows] == [
        (AGREE["agency"], 2023, 2, ["2021"], ["html", "pdf"], sorted(AGREE["documents"])),
        (DIFFER["agency"], 2023, 2, ["2021"], ["docx", "html"], sorted(DIFFER["documents"])),
    ]


def test_one_finding_names_both_documents_and_the_cell(run):
    db, _ = run
    rows = query(db, """
        SELECT f.agency, f.status, f.message, f.operands, d.sha256, d.source, o.sha256, o.source
        FROM latest_findings f JOIN current_reports d USING (report_id)
        JOIN current_reports o ON o.report_id = f.previous_report_id
        WHERE f.rule = 'documents.agree' ORDER BY f.agency""")
    assert [(a, s) for a, s, *_ in rows] == [(AGREE["agency"], "pass"), (DIFFER["agency"], "fail")]
    failed = [r for r in rows if r[1] == "fail"]
    assert len(failed) == 1
    _, _, message, operands, sha, source, other_sha, other_source = failed[0]
    for name in DIFFER["documents"]:
        assert name in message
    assert sha[:12] in message and other_sha[:12] in message
    assert {source.split("/")[-1], other_source.split("/")[-1]} == set(DIFFER["documents"])
    assert "行政规范性文件·现行有效件数" in message and "disagree in 1 of 200 cells" in message
    cell = DIFFER["differing"][0]
    values = {(o["table"], o["row"], o["column"], o["value"]) for o in json.loads(operands)}
    assert values == {(cell["table"], cell["row"], cell["column"], int(cell["html"])),
                      (cell["table"], cell["row"], cell["column"], int(cell["docx"]))}
    # each document alone passes every other rule: the disagreement is the only failure
    others = query(db, "SELECT rule, agency FROM latest_findings WHERE status = 'fail' "
                       "AND severity <> 'info' AND rule <> 'documents.agree'")
    assert others == []


def test_check_of_a_folder_shows_the_disagreement():
    out = CliRunner().invoke(main, ["check", str(HERE)])
    assert out.exit_code == 0, out.output
    assert out.output.count("FAILED documents.agree") == 1
    line = next(x for x in out.output.splitlines() if "documents.agree fails" in x)
    for name in DIFFER["documents"]:
        assert name in line
    assert "FAILED" not in out.output.replace("FAILED documents.agree", "")


def test_check_of_two_files_gives_one_finding_with_the_other_as_previous():
    html, docx = (extract_report(HERE / n) for n in DIFFER["documents"])
    found = _agree_findings(check_reports([html, docx]))
    assert [(f["status"], f["expected"], f["actual"]) for f in found] == [("fail", 0, 1)]
    pages = CliRunner().invoke(main, ["check", "--json", *(str(HERE / n) for n in
                                                           DIFFER["documents"])])
    docs = [json.loads(line) for line in pages.output.splitlines() if line.startswith("{")]
    agree = [(d["document"]["path"], f["previous"]["path"]) for d in docs
             for f in d["findings"] if f["rule"] == "documents.agree"]
    assert len(agree) == 1 and {p.split("/")[-1] for p in agree[0]} == set(DIFFER["documents"])


def test_a_report_alone_has_no_instance():
    assert _agree_findings(check_reports([extract_report(HERE / AGREE["documents"][0])])) == []


def test_a_new_document_re_evaluates_its_siblings(tmp_path):
    """Incremental evaluation: the attachment loaded after its page re-evaluates the page's
    report too; evaluating again plans nothing."""
    con = store.connect(tmp_path / "w.duckdb")
    try:
        html, docx = (extract_report(HERE / n) for n in DIFFER["documents"])
        first = store.load_report(con, html)["report_id"]
        work = incremental.plan(con)
        incremental.store_changes(con, work, incremental.evaluate_changes(con, work))
        assert con.execute("SELECT count(*) FROM rule_results WHERE rule = 'documents.agree'"
                           ).fetchone()[0] == 0
        second = store.load_report(con, docx)["report_id"]
        work = incremental.plan(con)
        assert work["documents.agree"] == sorted({first, second})
        assert work["applications.balance"] == [second]
        incremental.store_changes(con, work, incremental.evaluate_changes(con, work))
        assert con.execute("SELECT report_id, previous_report_id, status FROM rule_results "
                           "WHERE rule = 'documents.agree'").fetchall() == [
            (second, first, "fail")]
        work = incremental.plan(con)
        assert all(ids == [] for ids in work.values())
    finally:
        con.close()

"""The whole asset graph, materialized in-process over a folder with good and bad documents."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import pytest

from assets import documents, findings, warehouse
from expectations.checks import CHECKED_RULES, check_name
from expectations.rules import BY_ID
from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
from warehouse import store
from tests.samples import three_samples, write_not_a_pdf

# one worker runs this module's tests, so its module fixtures run once (--dist loadgroup)
pytestmark = pytest.mark.xdist_group("pipeline")

@pytest.fixture(scope="module")
def samples() -> list[Path]:
    return three_samples()


def write_corrupt_pdf(path: Path, source: Path) -> Path:
    """A PDF cut short in a download: the header and a few objects, then garbage."""
    data = source.read_bytes()
    path.write_bytes(data[:700] + b"\x00\xff garbage \x00" * 20)
    return path


ALL = [documents.report_documents, documents.extracted_reports, warehouse.warehouse_reports,
       findings.rule_findings, warehouse.facts_integrity, findings.findings_summary,
       findings.published_warehouse]


@pytest.fixture(scope="module")
def folder(tmp_path_factory, samples):
    d = tmp_path_factory.mktemp("reports")
    for pdf in samples[:2]:
        shutil.copy(pdf, d / pdf.name)
    write_not_a_pdf(d / "error-page.pdf")
    write_corrupt_pdf(d / "truncated.pdf", samples[0])
    (d / "readme.txt").write_text("not a report, and not named .pdf: ignored\n")
    return d


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return tmp_path_factory.mktemp("warehouse") / "gongkai.duckdb"


def run(folder, db):
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        ALL,
        instance=instance,
        resources={"warehouse": WarehouseResource(path=str(db)),
                   "reports": ReportFolderResource(folders=[str(folder)]),
                   "crawl": CrawlResource(store_dir=str(db.parent / "store"))},
        raise_on_error=False,
    )
    # the run's log lines (context.log), which are not among the result's events
    result.log_lines = [e.user_message for e in instance.all_logs(result.run_id)]
    return result


@pytest.fixture(scope="module")
def result(folder, db):
    return run(folder, db)


def query(db, sql):
    con = store.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_run_succeeds(result):
    assert result.success


def test_warehouse_counts(result, db, samples):
    con = store.connect(db, read_only=True)
    try:
        s = store.summary(con)
    finally:
        con.close()
    assert s["documents"] == 2
    assert s["reports"] == 2
    assert s["facts"] > 50
    assert s["load_errors"] == 2
    sources = {r[0].rsplit("/", 1)[-1] for r in query(db, "SELECT source FROM documents")}
    assert sources == {p.name for p in samples[:2]}


def test_load_errors_name_document_and_reason(result, db):
    errors = dict((p.rsplit("/", 1)[-1], reason)
                  for p, reason in query(db, "SELECT path, reason FROM load_errors"))
    assert set(errors) == {"error-page.pdf", "truncated.pdf"}
    assert "not a pdf" in errors["error-page.pdf"].lower()
    assert errors["truncated.pdf"]


def test_asset_metadata_records_problems(result):
    mats = {m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()}
    docs = mats["report_documents"].materialization.metadata
    assert docs["documents"].value == 4  # the four *.pdf files; readme.txt ignored
    ext = mats["extracted_reports"].materialization.metadata
    assert ext["reports"].value == 2
    assert ext["unreadable"].value == 2
    assert "error-page.pdf" in ext["unreadable_documents"].value
    wh = mats["warehouse_reports"].materialization.metadata
    assert wh["load_errors_this_run"].value == 2
    rf = mats["rule_findings"].materialization.metadata
    assert "applications.balance" in rf["failures_by_rule"].value


def test_asset_checks(result, db):
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e
                   for e in result.get_asset_check_evaluations()}
    assert len(evaluations) == len(CHECKED_RULES) + 1
    integrity = evaluations[("warehouse_reports", "facts_integrity")]
    assert integrity.passed, integrity.metadata
    # an info rule (blank cells) describes: its check passes and lists what it found
    failing = {rule for (rule,) in query(
        db, "SELECT DISTINCT rule FROM rule_results WHERE status = 'fail' "
            "AND severity <> 'info'")}
    for rule in CHECKED_RULES:
        e = evaluations[("rule_findings", check_name(rule))]
        # the check's severity is the catalogue's: error -> ERROR, warning/info -> WARN
        expected = {"error": dg.AssetCheckSeverity.ERROR}.get(
            BY_ID[rule].severity, dg.AssetCheckSeverity.WARN)
        assert e.severity == expected, rule
        if BY_ID[rule].severity == "info":
            assert e.passed, rule
            continue
        assert e.passed == (rule not in failing), (rule, e.metadata)
        assert e.metadata["rule"].value == rule
        n_failed = query(db, f"SELECT count(*) FROM rule_results WHERE rule = '{rule}' "
                             "AND status = 'fail'")[0][0]
        assert e.metadata["failed"].value == n_failed


def test_one_gx_validation_per_run(result):
    """GX validates each rule once; Data Docs are rendered from those results."""
    gx = [m for m in result.log_lines if m.startswith("Great Expectations validation:")]
    assert len(gx) == 1, gx
    validations, rules = map(int, re.findall(r"(\d+) validations of (\d+) rules", gx[0])[0])
    assert validations == rules > 0


def test_rerun_is_idempotent(result, folder, db):
    before = query(db, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM facts), "
                       "(SELECT count(*) FROM load_errors), (SELECT count(*) FROM rule_results)")
    again = run(folder, db)
    assert again.success
    after = query(db, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM facts), "
                      "(SELECT count(*) FROM load_errors), (SELECT count(*) FROM rule_results)")
    assert after == before
    # nothing new: nothing evaluated, the checks still describe the whole warehouse
    assert "Evaluating nothing new to evaluate" in again.log_lines
    rf = {m.asset_key.to_user_string(): m for m in again.get_asset_materialization_events()}[
        "rule_findings"].materialization.metadata
    assert rf["evaluated_this_run"].value == 0
    assert rf["rule_instances"].value == before[0][3]

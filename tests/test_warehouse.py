"""The warehouse: schema, idempotent loads, versions, readable views and the README queries."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest

import expectations
import warehouse
from gongkai import vocabulary as V

from tests.real_tables import heilongjiang_report, huaian_report, with_cell

QUERIES = Path(warehouse.__file__).with_name("queries")
README = Path(warehouse.__file__).with_name("README.md")


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def db(tmp_path):
    return tmp_path / "gongkai.duckdb"


def test_connect_creates_schema_and_vocabulary(db):
    con = warehouse.connect(db)
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"documents", "document_sources", "reports", "facts", "extraction_problems",
            "load_errors", "rule_results", "vocab_rows", "vocab_columns", "current_reports",
            "v_active_disclosure", "v_applications", "v_review_litigation",
            "v_findings"} <= tables
    assert count(con, "vocab_rows") == len(V.AD_ROWS) + len(V.APP_ROWS) + len(V.RL_ROWS)
    assert con.execute("SELECT label_zh FROM vocab_columns WHERE table_name = 'applications' "
                       "AND column_key = 'natural_person'").fetchone() == ("自然人",)
    con.close()
    warehouse.connect(db).close()  # re-connecting to an existing file is harmless
    con = warehouse.connect(db, read_only=True)
    assert count(con, "vocab_rows") == len(V.AD_ROWS) + len(V.APP_ROWS) + len(V.RL_ROWS)
    con.close()


def test_default_path_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GONGKAI_WAREHOUSE", str(tmp_path / "x.duckdb"))
    assert warehouse.default_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("GONGKAI_WAREHOUSE")
    assert warehouse.default_path() == Path(warehouse.__file__).with_name("gongkai.duckdb")


def test_load_keeps_every_fact_with_provenance(db):
    report = huaian_report()
    report.facts[0] = dataclasses.replace(report.facts[0], bbox=(10.0, 20.0, 30.0, 40.0),
                                          grid=(2, 1))
    con = warehouse.connect(db)
    result = warehouse.load_report(con, report, "https://www.huaian.gov.cn/report.pdf")
    assert result["status"] == "loaded" and result["facts"] == len(report.facts) == 10 + 175 + 15
    assert con.execute("SELECT value, raw, page, x0, top, x1, bottom, grid_row, grid_col "
                       "FROM facts WHERE row_key = 'regulations' AND column_key = 'issued'"
                       ).fetchone() == (1, "1", 3, 10.0, 20.0, 30.0, 40.0, 2, 1)
    assert con.execute("SELECT value, unit FROM facts WHERE column_key = 'fee_amount'"
                       ).fetchone() == (Decimal("96171.6"), "万元")  # 万元, exact
    assert con.execute("SELECT agency, year, template FROM reports").fetchone() == (
        "淮安市人民政府", 2024, "2021")
    con.close()


def test_reload_is_idempotent_and_records_new_sources(db):
    con = warehouse.connect(db)
    first = warehouse.load_report(con, huaian_report(), "/crawl/a.pdf")
    before = {t: count(con, t) for t in ("documents", "reports", "facts", "document_sources")}
    again = warehouse.load_report(con, huaian_report(), "/crawl/a.pdf")
    assert again["status"] == "unchanged" and again["report_id"] == first["report_id"]
    assert {t: count(con, t) for t in before} == before
    mirror = warehouse.load_report(con, huaian_report(), "https://mirror/a.pdf")
    assert mirror["status"] == "new_source" and mirror["report_id"] == first["report_id"]
    assert count(con, "documents") == 1 and count(con, "facts") == before["facts"]
    assert count(con, "document_sources") == 2
    con.close()


def test_changed_bytes_at_a_known_path_are_a_new_version(db):
    con = warehouse.connect(db)
    old = warehouse.load_report(con, huaian_report(sha256="v1"), "/crawl/huaian.pdf")
    corrected = with_cell(huaian_report(sha256="v2"), V.APPLICATIONS, "new_requests", "total",
                          3120)
    new = warehouse.load_report(con, corrected, "/crawl/huaian.pdf")
    assert new["status"] == "new_version" and new["supersedes"] == old["document_id"]
    assert con.execute("SELECT document_id, version, supersedes, superseded_by FROM documents "
                       "ORDER BY document_id").fetchall() == [
        (old["document_id"], 1, None, new["document_id"]),
        (new["document_id"], 2, old["document_id"], None)]
    assert count(con, "reports") == 2  # the old version stays
    assert con.execute("SELECT report_id FROM current_reports").fetchall() == [
        (new["report_id"],)]
    assert con.execute("SELECT total FROM v_applications WHERE row_key = 'new_requests'"
                       ).fetchall() == [(3120,)]
    con.close()


def test_load_errors_and_summary(db):
    con = warehouse.connect(db)
    warehouse.load_report(con, huaian_report(), "a")
    assert warehouse.record_load_error(con, "/crawl/x.pdf", "encrypted PDF", "deadbeef")
    assert not warehouse.record_load_error(con, "/crawl/x.pdf", "encrypted PDF", "deadbeef")
    assert warehouse.record_load_error(con, "/crawl/y.doc", "not a PDF")
    expectations.store(con, expectations.evaluate(con))
    assert warehouse.summary(con) == {
        "documents": 1, "current_reports": 1, "reports": 1, "facts": 200,
        "extraction_problems": 0, "failed_rule_instances": 0, "info_findings": 0,
        "load_errors": 2}
    con.close()


def test_readable_views(db):
    con = warehouse.connect(db)
    warehouse.load_report(con, huaian_report(), "a")
    row = con.execute("SELECT row_label, page, natural_person, commercial_enterprise, "
                      "research_institution, social_welfare_organization, "
                      "legal_service_agency, other_organization, total FROM v_applications "
                      "WHERE row_key = 'new_requests'").fetchone()
    assert row == ("一、本年新收政府信息公开申请数量", 4, 3001, 53, 0, 0, 61, 4, 3119)
    keys = [r[0] for r in con.execute("SELECT row_key FROM v_applications").fetchall()]
    assert keys == [r.key for r in V.rows(V.APPLICATIONS, "2021")]  # template order
    assert con.execute("SELECT upheld, corrected, other, pending, total FROM v_review_litigation "
                       "WHERE row_key = 'administrative_review'").fetchone() == (
        72, 64, 178, 37, 351)
    assert con.execute("SELECT issued, repealed, in_force FROM v_active_disclosure "
                       "WHERE row_key = 'normative_documents'").fetchone() == (8, 26, 66)
    con.close()


# --- the five README queries on a loaded warehouse ---------------------------------------------

@pytest.fixture
def loaded(db):
    """淮安 2024, 黑龙江工信厅 2020, and 某县 2024 whose carried_forward has a typo."""
    con = warehouse.connect(db)
    for report, source in ((huaian_report(), "huaian"), (heilongjiang_report(), "hlj"),
                           (with_cell(huaian_report(agency="某县人民政府"), V.APPLICATIONS,
                                      "carried_forward", "natural_person", 100), "county")):
        warehouse.load_report(con, report, source)
    expectations.store(con, expectations.evaluate(con))
    con.close()
    con = warehouse.connect(db, read_only=True)  # journalists read
    yield con
    con.close()


def query(con, name: str) -> list[dict]:
    cursor = con.execute((QUERIES / name).read_text(encoding="utf-8"))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def test_query_applications_by_applicant_type(loaded):
    rows = query(loaded, "01_applications_by_applicant_type.sql")
    assert [(r["agency"], r["year"], r["natural_person"], r["total"], r["natural_person_pct"])
            for r in rows] == [("黑龙江省工业和信息化厅", 2020, 8, 8, 100.0),
                               ("某县人民政府", 2024, 3001, 3119, 96.2),
                               ("淮安市人民政府", 2024, 3001, 3119, 96.2)]


def test_query_unbalanced_applications(loaded):
    rows = query(loaded, "02_unbalanced_applications.sql")
    assert [(r["agency"], r["unbalanced_columns"], r["columns"]) for r in rows] == [
        ("某县人民政府", 1, "natural_person off by 3")]


def test_query_grant_rate(loaded):
    rows = query(loaded, "03_grant_rate_by_agency.sql")
    by = {r["agency"]: r for r in rows}
    assert (by["淮安市人民政府"]["granted_pct"], by["淮安市人民政府"]["granted_at_least_partly_pct"]
            ) == (44.7, 59.5)  # 1362 / 3050, (1362 + 454) / 3050
    assert by["黑龙江省工业和信息化厅"]["granted_pct"] == 100.0


def test_query_review_litigation_corrected_rate(loaded):
    rows = query(loaded, "04_review_litigation_corrected_rate.sql")
    huaian = {r["row_key"]: r["corrected_pct_of_decided"] for r in rows
              if r["agency"] == "淮安市人民政府"}
    # 64 / (72 + 64 + 178), 4 / (13 + 4 + 8), 1 / (12 + 1 + 1)
    assert huaian == {"administrative_review": 20.4, "litigation_direct": 16.0,
                      "litigation_after_review": 7.1}
    assert {r["corrected_pct_of_decided"] for r in rows
            if r["agency"] == "黑龙江省工业和信息化厅"} == {None}  # no cases: no rate


def test_query_rule_failures_with_cells(loaded):
    rows = query(loaded, "05_rule_failures_with_cells.sql")
    assert [(r["rule"], r["row_key"], r["column_key"], r["pages"]) for r in rows] == [
        ("applications.applicant_sum", "carried_forward", None, [5]),
        ("applications.balance", None, "natural_person", [4, 5]),
        # a county government (某县人民政府) reporting the 规章 淮安 made: it has no power to
        ("plausibility.rule_making_power", None, None, [3])]
    assert rows[1]["cells"] == (
        "new_requests×natural_person = 3001 (p.4); carried_over×natural_person = 34 (p.4); "
        "total_processed×natural_person = 2932 (p.5); carried_forward×natural_person = 100 (p.5)")


def test_readme_shows_the_same_five_queries():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    files = sorted(QUERIES.glob("*.sql"))
    assert len(files) == 5
    for f in files:
        assert f.read_text(encoding="utf-8").strip() in [b.strip() for b in blocks], f.name


def test_alias_table_pairs_a_renamed_agency(tmp_path):
    """示例市国土资源局 became 示例市自然资源和规划局: no name rule can pair them, an alias line
    does — and then its 2024 report is checked against the 2023 one."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    old = huaian_report("land-2023", agency="示例市国土资源局", year=2023, path="/r/land-2023.pdf")
    new = huaian_report("nrp-2024", agency="示例市自然资源和规划局", year=2024,
                        path="/r/nrp-2024.pdf")
    ids = [warehouse.load_report(con, r, r.document.path)["report_id"] for r in (old, new)]

    def carry(aliases):
        found = expectations.evaluate(con, ids, aliases=aliases)
        return [(f["column"], f["status"], f["expected"], f["actual"], f["previous_report_id"])
                for f in found if f["rule"] == "applications.carry_continuity"
                and f["column"] == "total"]

    assert carry({}) == []  # two agencies as far as names go
    assert carry({"示例市国土资源局": "示例市自然资源和规划局"}) == [
        ("total", "fail", 103, 34, ids[0])]  # 2023 carried 103 forward, 2024 34 over
    assert con.execute("SELECT agency, canonical, how FROM agency_identity ORDER BY agency"
                       ).fetchall() == [("示例市国土资源局", "示例市自然资源和规划局", "alias"),
                                        ("示例市自然资源和规划局", "示例市自然资源和规划局", "same")]
    con.close()

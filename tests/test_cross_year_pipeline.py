"""A run over several years of the same agencies: the cross-year rules in the warehouse.

The fixtures are two series (tests/fixtures/README.md): 示例市示例区人民政府 2019-2021, its 2020
report titled and signed 示例区人民政府 and its 2021 report on the new template, with a planted
break of 上年结转 (natural_person, total) and of 上一年项目数量 (行政许可); 示例县人民政府
2022-2023, the 2023 text a near copy of 2022's, with a break of 现行有效件数 (规范性文件).
"""

from __future__ import annotations

import json
import shutil

import pytest

from expectations.data_docs import data_docs_dir
from tests.test_pipeline import query, run as run_pipeline
from tests.golden import FIXTURES

pytestmark = pytest.mark.xdist_group("cross_year")

SERIES = ("s19-demo-district-2019", "s19-demo-district-2020", "t21-demo-district-2021",
          "t21-demo-county-2022", "t21-demo-county-2023")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(warehouse path, the materialization result)."""
    folder = tmp_path_factory.mktemp("series")
    for stem in SERIES:
        shutil.copy(FIXTURES / "reports" / f"{stem}.pdf", folder)
    db = tmp_path_factory.mktemp("warehouse") / "gongkai.duckdb"
    result = run_pipeline(folder, db)
    assert result.success
    return db, result


@pytest.fixture(scope="module")
def db(run):
    return run[0]


def _fail(db, rule):
    return query(db, f"""
        SELECT ay.agency, ay.year, coalesce(f.column_key, f.row_key), f.expected, f.actual,
               prev.year
        FROM latest_findings f JOIN report_agency_years ay USING (report_id)
        LEFT JOIN report_agency_years prev ON prev.report_id = f.previous_report_id
        WHERE f.rule = '{rule}' AND f.status = 'fail' ORDER BY ALL""")


def test_agencies_pair_across_spellings(db):
    rows = query(db, "SELECT agency, canonical, how, tier, rule_making_power "
                     "FROM agency_identity ORDER BY agency")
    assert rows == [
        ("示例区人民政府", "示例市示例区人民政府", "prefix", "county", False),
        ("示例县人民政府", "示例县人民政府", "same", "county", False),
        ("示例市示例区人民政府", "示例市示例区人民政府", "same", "county", False),
    ]


def test_carry_continuity_breaks_across_the_template_change(db):
    assert _fail(db, "applications.carry_continuity") == [
        ("示例市示例区人民政府", 2021, "natural_person", 3, 5, 2020),
        ("示例市示例区人民政府", 2021, "total", 3, 5, 2020)]
    # and holds where nothing was planted: 2019 -> 2020 and 示例县 2022 -> 2023
    passed = query(db, "SELECT DISTINCT year FROM latest_findings WHERE rule = "
                       "'applications.carry_continuity' AND status = 'pass'")
    assert {y for (y,) in passed} == {2020, 2021, 2023}


def test_stock_continuity_rules(db):
    assert _fail(db, "active_disclosure.previous_items_continuity") == [
        ("示例区人民政府", 2020, "administrative_licensing", 37, 41, 2019)]
    assert _fail(db, "active_disclosure.in_force_continuity") == [
        ("示例县人民政府", 2023, "normative_documents", 217, 214, 2022)]


def test_copied_text_and_contradicting_text(db):
    assert [r[:2] for r in _fail(db, "narrative.similar_to_previous")] == [
        ("示例县人民政府", 2023)]
    assert _fail(db, "narrative.stated_figures") == [
        ("示例县人民政府", 2023, None, 20, 23, None)]
    (operands,) = query(db, "SELECT operands FROM latest_findings WHERE status = 'fail' "
                            "AND rule = 'narrative.stated_figures'")[0]
    quote = [o for o in json.loads(operands) if o["table"] == "text"]
    assert quote and "23件" in quote[0]["raw"] and quote[0]["page"] >= 1


def test_first_year_has_no_cross_year_instance(db):
    rows = query(db, "SELECT DISTINCT f.year FROM latest_findings f WHERE f.rule IN ("
                     "'applications.carry_continuity', 'narrative.similar_to_previous')")
    assert {y for (y,) in rows} == {2020, 2021, 2023}


def test_summary_asset_and_data_docs(run):
    db, result = run
    mats = {e.materialization.asset_key.to_user_string(): e.materialization
            for e in result.get_asset_materialization_events()}
    summary = mats["findings_summary"].metadata["summary"].value
    assert "### Failure rate by rule" in summary and "by agency level" in summary
    assert "`applications.carry_continuity`" in summary and "county 县级" in summary
    assert "█" in summary  # the bar chart
    docs = data_docs_dir(db) / "index.html"
    assert docs.exists()
    assert str(docs) == mats["rule_findings"].metadata["data_docs"].value
    assert str(docs) == mats["published_warehouse"].metadata["data_docs"].value
    # built aside and published with the warehouse: no staged site is left behind
    assert not list(db.parent.glob(".data_docs.*"))
    pages = list((data_docs_dir(db) / "validations").rglob("*.html"))
    assert len(pages) >= 10  # a validation page per rule with instances


def test_failure_rates(db):
    from warehouse import store
    from warehouse.failure_rates import failure_rates

    con = store.connect(db, read_only=True)
    try:
        by_tier = {(r["rule"], r["group"]): (r["failing"], r["assessed"])
                   for r in failure_rates(con, by="tier")}
        by_year = {(r["rule"], r["group"]): (r["failing"], r["assessed"])
                   for r in failure_rates(con, by="year")}
    finally:
        con.close()
    # three reports have a year before (示例区 2020, 2021; 示例县 2023); one breaks the carry
    assert by_tier["applications.carry_continuity", "county"] == (1, 3)
    assert by_year["applications.carry_continuity", "2021"] == (1, 1)
    assert by_year["applications.carry_continuity", "2020"] == (0, 1)
    # every report is assessed by the per-report rules: five county governments
    assert by_tier["plausibility.rule_making_power", "county"] == (1, 5)

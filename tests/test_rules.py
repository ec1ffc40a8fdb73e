"""The statutory rules on real numbers (淮安市人民政府 2024, 黑龙江省工信厅 2020) and planted errors.

Every test runs the real path: DuckDB file -> rule SQL -> pandas -> Great Expectations.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import expectations
import warehouse
from expectations import validate
from expectations.evaluate import FINDING_FIELDS
from expectations.rules import STATUTORY_SUMS
from gongkai import vocabulary as V
from gongkai.model import Document, Fact, Report

from tests.real_tables import heilongjiang_report, huaian_report, with_cell


# this module tests the four arithmetic rules of the foundation; tests/test_catalogue.py the
# others
SUMS = STATUTORY_SUMS


def run(tmp_path, *reports: Report) -> list[dict]:
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        ids = [warehouse.load_report(con, r, r.document.path)["report_id"] for r in reports]
        return expectations.evaluate(con, ids, SUMS)
    finally:
        con.close()


def key(f: dict) -> tuple:
    return (f["rule"], f.get("row") or f.get("column"), f["status"], f["expected"], f["actual"])


def not_passing(findings):
    return sorted(key(f) for f in findings if f["status"] != "pass")


# --- the real report holds --------------------------------------------------------------------


def test_huaian_2024_passes_every_rule(tmp_path):
    findings = run(tmp_path, huaian_report())
    counts = {}
    for f in findings:
        counts[f["rule"]] = counts.get(f["rule"], 0) + 1
    # 7 columns, 7 columns, the 25 rows of the 2021 template, 3 rows
    assert counts == {"applications.balance": 7, "applications.outcome_sum": 7,
                      "applications.applicant_sum": 25, "review_litigation.total": 3}
    assert not_passing(findings) == []
    assert not any(f["blank_involved"] for f in findings)
    by = {(f["rule"], f.get("row") or f.get("column")): f for f in findings}
    assert key(by["applications.balance", "natural_person"])[3:] == (3035, 3035)
    assert key(by["applications.balance", "total"])[3:] == (3153, 3153)
    assert key(by["applications.outcome_sum", "total"])[3:] == (3050, 3050)
    assert key(by["applications.applicant_sum", "new_requests"])[3:] == (3119, 3119)
    assert key(by["review_litigation.total", "administrative_review"])[3:] == (351, 351)


def test_finding_shape_and_message(tmp_path):
    (f,) = [f for f in run(tmp_path, huaian_report())
            if f["rule"] == "applications.balance" and f["column"] == "natural_person"]
    # contract version 2: every key always present, null where it does not apply
    assert tuple(f) == FINDING_FIELDS
    assert (f["table"], f["row"], f["figure"], f["previous_report_id"]) == (
        "applications", None, None, None)
    assert f["severity"] == "error"
    assert f["operands"] == [
        {"table": "applications", "row": "new_requests", "column": "natural_person",
         "value": 3001, "raw": "3001", "page": 4},
        {"table": "applications", "row": "carried_over", "column": "natural_person",
         "value": 34, "raw": "34", "page": 4},
        {"table": "applications", "row": "total_processed", "column": "natural_person",
         "value": 2932, "raw": "2932", "page": 5},
        {"table": "applications", "row": "carried_forward", "column": "natural_person",
         "value": 103, "raw": "103", "page": 5},
    ]
    assert f["message"] == (
        "applications.balance holds for column 自然人 (natural_person): 本年新收 3001 (p.4) + "
        "上年结转 34 (p.4) = 3035 = 总计 2932 (p.5) + 结转下年度 103 (p.5) = 3035.")


def test_2019_template_single_other_handling_row(tmp_path):
    findings = run(tmp_path, heilongjiang_report())
    assert not_passing(findings) == []
    rows = {f["row"] for f in findings if f["rule"] == "applications.applicant_sum"}
    assert "other_handling" in rows and "other_other" not in rows and len(rows) == 23


# --- planted errors ---------------------------------------------------------------------------

def test_carried_forward_typo_breaks_balance_and_row_total(tmp_path):
    report = with_cell(huaian_report(), V.APPLICATIONS, "carried_forward", "natural_person", 100)
    findings = run(tmp_path, report)
    assert not_passing(findings) == [
        ("applications.applicant_sum", "carried_forward", "fail", 100, 103),
        ("applications.balance", "natural_person", "fail", 3035, 3032),
    ]
    (f,) = [f for f in findings if f["status"] == "fail" and f["rule"] == "applications.balance"]
    assert f["message"] == (
        "applications.balance fails for column 自然人 (natural_person): 本年新收 3001 (p.4) + "
        "上年结转 34 (p.4) = 3035, but 总计 2932 (p.5) + 结转下年度 100 (p.5) = 3032 "
        "(difference 3).")


def test_outcome_row_typo_breaks_outcome_sum(tmp_path):
    report = with_cell(huaian_report(), V.APPLICATIONS, "granted", "total", 1360)
    assert not_passing(run(tmp_path, report)) == [
        ("applications.applicant_sum", "granted", "fail", 1362, 1360),
        ("applications.outcome_sum", "total", "fail", 3048, 3050),
    ]


def test_review_total_typo(tmp_path):
    report = with_cell(huaian_report(), V.REVIEW_LITIGATION, "litigation_direct", "total", 27)
    findings = run(tmp_path, report)
    assert not_passing(findings) == [
        ("review_litigation.total", "litigation_direct", "fail", 26, 27)]
    (f,) = [f for f in findings if f["status"] == "fail"]
    assert "结果维持 13 (p.5) + 结果纠正 4 (p.5) + 其他结果 8 (p.5) + 尚未审结 1 (p.5) = 26" \
        in f["message"] and "but 总计 27 (p.5)" in f["message"]


# --- blanks, missing cells, hybrids -----------------------------------------------------------

def test_blank_operand_counts_as_zero_and_is_flagged(tmp_path):
    report = with_cell(huaian_report(), V.APPLICATIONS, "carried_over", "other_organization",
                       None, raw="")
    findings = run(tmp_path, report)
    assert not_passing(findings) == []
    flagged = sorted((f["rule"], f.get("row") or f.get("column"))
                     for f in findings if f["blank_involved"])
    assert flagged == [("applications.applicant_sum", "carried_over"),
                       ("applications.balance", "other_organization")]
    (f,) = [f for f in findings if f["rule"] == "applications.balance" and f["blank_involved"]]
    assert "上年结转 blank→0 (p.4)" in f["message"]
    assert "A blank cell was counted as 0." in f["message"]
    assert {"table": "applications", "row": "carried_over", "column": "other_organization",
            "value": None, "raw": "", "page": 4} in f["operands"]


def test_missing_tables_are_not_assessable(tmp_path):
    report = huaian_report()
    report.facts = [f for f in report.facts if f.table == V.ACTIVE_DISCLOSURE]
    findings = run(tmp_path, report)
    assert {f["status"] for f in findings} == {"not_assessable"}
    assert len(findings) == 7 + 7 + 25 + 3
    assert all(f["expected"] is None and f["actual"] is None for f in findings)
    assert findings[0]["message"] == (
        "applications.balance cannot be assessed for column 自然人 (natural_person): none of "
        "its cells was extracted (本年新收, 上年结转, 总计, 结转下年度).")


def test_a_missing_cell_is_named_in_the_message(tmp_path):
    report = with_cell(huaian_report(), V.APPLICATIONS, "carried_forward", "total", ...)
    fails = [f for f in run(tmp_path, report) if f["status"] != "pass"]
    assert sorted(key(f) for f in fails) == [
        ("applications.applicant_sum", "carried_forward", "fail", 103, 0),
        ("applications.balance", "total", "fail", 3153, 3050),
    ]
    assert all("结转下年度 not extracted→0" in f["message"] or "总计 not extracted→0"
               in f["message"] for f in fails)


def test_hybrid_report_sums_the_outcome_rows_it_has(tmp_path):
    """A 2021 report printing the 2019 single （六）其他处理 row instead of three."""
    report = huaian_report()
    others = [f for f in report.facts if f.row.startswith("other_")
              and f.table == V.APPLICATIONS]
    merged = {}
    for f in others:
        merged[f.column] = merged.get(f.column, 0) + f.value
    report.facts = [f for f in report.facts if f not in others] + [
        Fact(V.APPLICATIONS, "other_handling", c, v, str(v), 5) for c, v in merged.items()]
    findings = run(tmp_path, report)
    assert not_passing(findings) == []
    rows = {f["row"] for f in findings if f["rule"] == "applications.applicant_sum"}
    assert "other_handling" in rows and not rows & {"other_no_correction", "other_other"}


def test_other_handling_beside_the_three_rows_is_not_counted_twice(tmp_path):
    report = huaian_report()
    report.facts.append(Fact(V.APPLICATIONS, "other_handling", "total", 187, "187", 5))
    (f,) = [f for f in run(tmp_path, report)
            if f["rule"] == "applications.outcome_sum" and f["column"] == "total"]
    assert (f["status"], f["expected"], f["actual"]) == ("pass", 3050, 3050)
    assert "other_handling" not in {o["row"] for o in f["operands"]}


# --- GX, storage, single-report check ---------------------------------------------------------

def test_gx_decides_the_failures():
    rule = expectations.rule("applications.balance")
    import pandas as pd

    frame = pd.DataFrame({"instance": [0, 1, 2, 3], "residual": [0.0, 3.0, -1.0, 0.0]})
    assert validate.failing_instances(rule, frame) == {1, 2}
    loose = dataclasses.replace(rule, id="test.loose", tolerance=1)
    assert validate.failing_instances(loose, frame) == {1}


def test_store_replaces_results_and_findings_view_lists_failures_first(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    good = warehouse.load_report(con, huaian_report(), "a")["report_id"]
    bad_report = with_cell(huaian_report(agency="某县人民政府"), V.APPLICATIONS,
                           "carried_forward", "natural_person", 100)
    bad = warehouse.load_report(con, bad_report, "b")["report_id"]
    for _ in range(2):
        expectations.store(con, expectations.evaluate(con, rules=SUMS))
    assert con.execute("SELECT count(*) FROM rule_results").fetchone()[0] == 2 * 42
    first = con.execute("SELECT agency, rule, status, column_key, expected, actual, residual, "
                        "operands FROM v_findings LIMIT 2").fetchall()
    assert [r[:7] for r in first] == [
        ("某县人民政府", "applications.applicant_sum", "fail", None, 100, 103, -3),
        ("某县人民政府", "applications.balance", "fail", "natural_person", 3035, 3032, 3),
    ]
    pages = {o["page"] for o in json.loads(first[1][7])}
    assert pages == {4, 5}
    # re-evaluating one report leaves the other's results alone
    expectations.store(con, expectations.evaluate(con, [good], SUMS))
    assert con.execute("SELECT count(*) FROM rule_results WHERE report_id = ?",
                       [bad]).fetchone()[0] == 42
    assert warehouse.summary(con)["failed_rule_instances"] == 2
    con.close()


def test_check_report_matches_the_warehouse(tmp_path):
    report = with_cell(huaian_report(), V.APPLICATIONS, "granted", "total", 1360)
    strip = lambda fs: [{k: v for k, v in f.items() if k != "report_id"} for f in fs]  # noqa
    assert strip(expectations.check_report(report, SUMS)) == strip(run(tmp_path, report))


@pytest.mark.parametrize("rule", SUMS, ids=lambda r: r.id)
def test_catalogue_entries_are_complete(rule):
    assert rule.severity in ("error", "warning", "info")
    assert rule.blank_policy == "zero" and rule.tolerance == 0
    assert rule.title_zh and rule.title_en and rule.basis and rule.says
    assert set(rule.templates) <= set(V.TEMPLATES)


# --- the golden files: their facts, checked, give exactly their failures ------------------------

GOLDEN = sorted((Path(__file__).parent / "fixtures" / "golden").glob("*.json"))


def golden_report(path: Path) -> Report:
    from decimal import Decimal

    data = json.loads(path.read_text(encoding="utf-8"))
    facts = [Fact(f["table"], f["row"], f["column"],
                  Decimal(str(f["value"])) if isinstance(f["value"], float) else f["value"],
                  f["raw"], f["page"]) for f in data["facts"]]
    return Report(Document(data["document"], path.stem, 0, "pdf"), data["agency"], data["year"],
                  data["template"], facts)


# rules that read the text, which golden_report has not: left out of the facts-only comparison
TEXT_RULES = ("narrative.stated_figures", "plausibility.unpaid_fee_statement",
              "narrative.similar_to_previous")


@pytest.mark.skipif(not GOLDEN, reason="no golden files")
def test_golden_files_fail_exactly_where_they_say(tmp_path):
    """The golden facts alone (no PDF, no text), all in one warehouse: every rule that reads
    facts fails exactly where the golden files say, the cross-year ones included."""
    from tests.golden import failures, golden_rules

    con = warehouse.connect(tmp_path / "w.duckdb")
    ids = {warehouse.load_report(con, golden_report(p), p.name)["report_id"]: p for p in GOLDEN}
    findings = expectations.evaluate(con)
    con.close()
    for report_id, path in ids.items():
        data = json.loads(path.read_text(encoding="utf-8"))
        mine = [f for f in findings if f["report_id"] == report_id]
        rules = golden_rules(data) or tuple(
            r.id for r in expectations.CATALOGUE if r.id not in TEXT_RULES)
        want = [f for f in data["failures"] + data.get("cross_year_failures", [])
                if f["rule"] in rules]
        assert failures(mine, rules) == failures(want), path.name

"""Every rule of the catalogue (expectations.CATALOGUE) passes on one report and fails on another.

The reports are built here from the real numbers of 淮安市人民政府 2024 (tables 二、三、四 as
printed) and 黑龙江省工业和信息化厅 2020, with one planted change each. All of them are loaded
into one DuckDB warehouse and evaluated once, through the real path: rule SQL -> pandas -> Great
Expectations. The loop is over the catalogue, so a rule without a passing and a failing case
fails ``test_every_rule_has_cases``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

import expectations
import warehouse
from expectations import CATALOGUE, RULES, validate
from expectations.finding import instance_name
from expectations.render_readme import README, render
from expectations.kinds import KINDS
from expectations.rules import BLANK_POLICIES, SEVERITIES, STATUSES
from gongkai import vocabulary as V
from gongkai.model import Document, Fact, Report

# one worker runs this module's tests, so the warehouse fixture runs once (--dist loadgroup)
pytestmark = pytest.mark.xdist_group("catalogue")

from tests.real_tables import (  # noqa: E402
    APP_COLS, HUAIAN_ACTIVE, HUAIAN_APPLICATIONS, HUAIAN_REVIEW, _table, heilongjiang_report,
)


# the text of 淮安市人民政府 2024 where it states figures (pp.1-2, 6 of the real report, its
# wording kept) and section 六 on the 信息处理费
HUAIAN_TEXT = [
    "淮安市人民政府2024年政府信息公开工作年度报告\n一、总体情况\n2024年，全年新增公开市政府规"
    "章1件、市政府及市政府办政策性文件11件。",
    "（二）依申请公开。全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件），另有"
    "103件顺延到下年度答复。\n（三）全市共发生政府信息公开行政复议351件，其中结果维持72件；行政诉讼"
    "46件，其中结果维持25件。",
    "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n一是政策解读形式还不够"
    "丰富多样，二是依申请公开答复的规范性有待提升。\n下一步将加强业务培训，提升政务公开工作人员的"
    "专业能力和服务水平。\n六、其他需要报告的事项\n2024年，全市共收取"
    "政府信息公开信息处理费3940元。\n全市政务公开工作要点落实情况已在门户网站公开。",
]


def huaian(name: str = "huaian", **kw) -> Report:
    """淮安市人民政府 2024 (2021 template), as printed."""
    facts = [Fact(V.ACTIVE_DISCLOSURE, r, c, v, str(v), p) for r, c, v, p in HUAIAN_ACTIVE]
    facts.append(Fact(V.ACTIVE_DISCLOSURE, "administrative_fees", "fee_amount",
                      Decimal("96171.6"), "96171.6", 4, unit="万元"))
    facts += _table(V.APPLICATIONS, HUAIAN_APPLICATIONS, APP_COLS)
    facts += _table(V.REVIEW_LITIGATION, HUAIAN_REVIEW, list(V.RL_PARTS) + ["total"])
    report = Report(Document(f"/reports/{name}.pdf", name, 6, "pdf"), "淮安市人民政府", 2024,
                    "2021", facts, page_texts=list(HUAIAN_TEXT))
    return dataclasses.replace(report, **kw)


def _text(report: Report, old: str, new: str) -> list[str]:
    """The report's page texts with one wording replaced."""
    assert any(old in t for t in report.page_texts), old
    return [t.replace(old, new) for t in report.page_texts]


def huaian_2023(name: str = "huaian-2023", agency: str = "淮安市人民政府", **kw) -> Report:
    """淮安市人民政府's report of the year before, consistent with 2024 by construction: its
    carried_forward is 2024's carried_over, its in_force 2024's minus issued plus repealed,
    and its text another year's."""
    base = huaian()
    carried_over = {f.column: f.value for f in base.facts
                    if (f.table, f.row) == (A, "carried_over")}
    ad = {(f.row, f.column): f.value for f in base.facts if f.table == AD}
    cells = {(A, "carried_forward", c): v for c, v in carried_over.items()}
    for row in ("regulations", "normative_documents"):
        cells[AD, row, "in_force"] = (ad[row, "in_force"] - ad[row, "issued"]
                                      + ad[row, "repealed"])
    text = ["淮安市人民政府2023年政府信息公开工作年度报告\n一、总体情况\n2023年，市政府坚持以人民为中"
            "心的发展思想，围绕优化营商环境和民生保障开展政务公开工作。\n全市各级行政机关深入推进决策、执行、"
            "管理、服务、结果全过程公开，主动回应社会关切。\n全年组织政务公开业务培训4期，参训人员达到600"
            "人次。\n市政府门户网站全年发布各类信息一万余条，政务新媒体矩阵建设持续推进。\n规范依申请"
            "公开办理流程，严格按照法定时限答复申请人。\n强化政策解读，坚持政策文件与解读材料同步起草、同"
            "步审签、同步发布。"]
    return changed(base, name, cells, year=2023, agency=agency, page_texts=text, **kw)


def heilongjiang(name: str = "hlj", **kw) -> Report:
    """黑龙江省工业和信息化厅 2020 (2019 template: one （六）其他处理 row), 8 requests all granted."""
    return dataclasses.replace(heilongjiang_report(),
                               document=Document(f"/reports/{name}.pdf", name, 5, "pdf"), **kw)


def changed(report: Report, name: str, cells: dict, **kw) -> Report:
    """A copy of ``report`` named ``name`` with cells changed: {(table, row, column): value or
    (value, raw)}; value None = blank, ... = removed."""
    facts = []
    for f in report.facts:
        new = cells.get((f.table, f.row, f.column), f)
        if new is ...:
            continue
        if new is not f:
            value, raw = new if isinstance(new, tuple) else (new, str(new))
            f = dataclasses.replace(f, value=value, raw=raw)
        facts.append(f)
    doc = dataclasses.replace(report.document, path=f"/reports/{name}.pdf", sha256=name)
    return dataclasses.replace(report, document=doc, facts=facts, **kw)


A, R, AD = V.APPLICATIONS, V.REVIEW_LITIGATION, V.ACTIVE_DISCLOSURE

# rule -> [(report, instance key, status, expected, actual)]: at least one pass and one fail.
# The instance key is the finding's column / row / table (None for per-report rules).
CASES: dict[str, list[tuple]] = {
    "applications.balance": [
        (huaian(), "natural_person", "pass", 3035, 3035),
        (changed(huaian(), "balance-typo", {(A, "carried_forward", "natural_person"): 100}),
         "natural_person", "fail", 3035, 3032),
    ],
    "applications.outcome_sum": [
        (huaian(), "total", "pass", 3050, 3050),
        (heilongjiang(), "total", "pass", 8, 8),
        (changed(huaian(), "outcome-typo", {(A, "granted", "total"): 1360}),
         "total", "fail", 3048, 3050),
    ],
    "applications.applicant_sum": [
        (huaian(), "new_requests", "pass", 3119, 3119),
        (changed(huaian(), "applicant-typo", {(A, "carried_forward", "natural_person"): 100}),
         "carried_forward", "fail", 100, 103),
    ],
    "review_litigation.total": [
        (huaian(), "administrative_review", "pass", 351, 351),
        (changed(huaian(), "review-typo", {(R, "litigation_direct", "total"): 27}),
         "litigation_direct", "fail", 26, 27),
    ],
    "applications.carried_forward_bound": [
        (huaian(), "natural_person", "pass", 3035, 103),
        (huaian(), "total", "pass", 3153, 103),
        # 法律服务机构: 61 new, none carried over, 610 carried forward (a 0 too many)
        (changed(huaian(), "carried-forward-610",
                 {(A, "carried_forward", "legal_service_agency"): 610}),
         "legal_service_agency", "fail", 61, 610),
    ],
    "applications.processed_bound": [
        (huaian(), "natural_person", "pass", 3035, 2932),
        (huaian(), "legal_service_agency", "pass", 61, 61),  # the bound is reached, not passed
        # 其他: 4 new, none carried over, 40 processed
        (changed(huaian(), "processed-40", {(A, "total_processed", "other_organization"): 40}),
         "other_organization", "fail", 4, 40),
    ],
    "plausibility.non_negative": [
        (huaian(), None, "pass", 0, 0),
        (changed(huaian(), "negative-2", {(R, "litigation_direct", "corrected"): (-4, "-4"),
                                          (A, "carried_over", "total"): (-34, "-34")}),
         None, "fail", 0, 2),
    ],
    "plausibility.blank_cells": [
        (huaian(), A, "pass", 0, 0),
        (changed(huaian(), "blank-2", {(A, "carried_over", "other_organization"): (None, ""),
                                       (A, "not_processed_excessive", "total"): (None, " ")}),
         A, "fail", 0, 2),
    ],
    "plausibility.fee_unit": [
        (huaian(), None, "pass", 1000000, 96171.6),
        # 示例市示例区: 5,230,000 元 typed into the 万元 column
        (changed(huaian(agency="示例市示例区人民政府"), "district-fee",
                 {(AD, "administrative_fees", "fee_amount"): (Decimal("5230000"), "5230000")}),
         None, "fail", 100000, 5230000),
    ],
    "template.matches_year": [
        (huaian(), None, "pass", 2021, 2021),
        (heilongjiang(), None, "pass", 2019, 2019),
        (huaian("huaian-2019-template", template="2019"), None, "fail", 2021, 2019),
    ],
    "narrative.stated_figures": [
        (huaian(), "new_requests", "pass", 3119, 3119),
        (huaian(), "litigation", "pass", 46, 46),  # 26 direct + 20 after review
        (huaian(), "carried_forward", "pass", 103, 103),  # 103件顺延到下年度答复
        (huaian("text-3219", page_texts=_text(huaian(), "受理政府信息公开申请3119件",
                                               "受理政府信息公开申请3219件")),
         "new_requests", "fail", 3119, 3219),
    ],
    "plausibility.rule_making_power": [
        (huaian(), None, "pass", 0, 1),  # a 设区的市 government makes 规章
        (huaian("huaian-dept", agency="示例市财政局"), None, "fail", 0, 1),
    ],
    "plausibility.unpaid_fee_statement": [
        (huaian(), None, "pass", 0, 6),
        (huaian("no-fee-statement", page_texts=_text(
            huaian(), "全市共收取政府信息公开信息处理费3940元。", "全市未发生其他需要报告的事项。")),
         None, "fail", 0, 6),
    ],
    "applications.carry_continuity": [
        (huaian(), "total", "pass", 34, 34),
        (huaian(), "natural_person", "pass", 34, 34),
        # 示例区人民政府 2023 carried 5 forward; 示例市示例区人民政府 2024 carried none over
        (changed(huaian(agency="示例市示例区人民政府"), "district-2024",
                 {(A, "carried_over", c): 0 for c in APP_COLS}),
         "total", "fail", 5, 0),
    ],
    "active_disclosure.in_force_continuity": [
        (huaian(), "normative_documents", "pass", 66, 66),  # 84 + 8 - 26
        (changed(huaian(agency="示例市示例区人民政府"), "district-2024-in-force",
                 {(A, "carried_over", c): 0 for c in APP_COLS}),
         "regulations", "fail", 13, 11),  # 12 + 1 - 0, but 11
    ],
    "active_disclosure.previous_items_continuity": [
        (heilongjiang("hlj-items-2020", facts=heilongjiang().facts + [
            Fact(AD, "administrative_licensing", "previous_items", 42, "42", 2),
            Fact(AD, "administrative_licensing", "change", 0, "0", 2)]),
         "administrative_licensing", "pass", 42, 42),
        (heilongjiang("hlj-civil-2020", agency="示例市民政局", facts=heilongjiang().facts + [
            Fact(AD, "administrative_licensing", "previous_items", 30, "30", 2),
            Fact(AD, "administrative_licensing", "change", 1, "+1", 2)]),
         "administrative_licensing", "fail", 28, 30),  # 2019: 25 items, +3
    ],
    "narrative.similar_to_previous": [
        (huaian(), None, "pass", 0.8, 0.0),
        (huaian("district-2024-copy", agency="示例市示例区人民政府",
                page_texts=[t.replace("2023", "2024").replace("600", "650")
                            for t in huaian_2023().page_texts]),
         None, "fail", 0.8, 1.0),
    ],
    # the same report published twice (an HTML page beside the PDF): compared with the first
    # loaded, huaian(); the second copy's page was edited (本年新收·自然人 3035 -> 3036)
    "documents.agree": [
        (huaian("huaian-html"), None, "pass", 0, 0),
        (changed(huaian(), "huaian-html-edited", {(A, "new_requests", "natural_person"): 3036}),
         None, "fail", 0, 1),
    ],
}

# reports of the year before, for the cross-year cases: 淮安市人民政府 2023 consistent with 2024;
# 示例区人民政府 2023 (its name written without 示例市) with 5 carried forward and 12 regulations
# in force; the 2019 reports of 黑龙江省工业和信息化厅 (42 items, no change) and 示例市民政局
# (25 items, +3)
PREVIOUS = [
    huaian_2023(),
    changed(huaian_2023("district-2023", agency="示例区人民政府"), "district-2023",
            {**{(A, "carried_forward", c): 0 for c in APP_COLS},
             (A, "carried_forward", "natural_person"): 5, (A, "carried_forward", "total"): 5,
             (AD, "regulations", "in_force"): 12}),
    heilongjiang("hlj-items-2019", year=2019, facts=heilongjiang().facts + [
        Fact(AD, "administrative_licensing", "previous_items", 42, "42", 2),
        Fact(AD, "administrative_licensing", "change", 0, "0", 2)]),
    heilongjiang("hlj-civil-2019", year=2019, agency="示例市民政局", facts=heilongjiang().facts + [
        Fact(AD, "administrative_licensing", "previous_items", 25, "25", 2),
        Fact(AD, "administrative_licensing", "change", 3, "+3", 2)]),
]

# more instances whose findings are pinned: not assessable, limits, blanks
EXTRA: list[tuple[str, Report, object, str, object, object]] = [
    ("plausibility.fee_unit",
     changed(huaian(), "fee-blank", {(AD, "administrative_fees", "fee_amount"): (None, "")}),
     None, "not_assessable", None, None),
    ("plausibility.fee_unit",
     changed(huaian(), "fee-missing", {(AD, "administrative_fees", "fee_amount"): ...}),
     None, "not_assessable", None, None),
    # a city government is held to 1,000,000 万元 (100亿元)
    ("plausibility.fee_unit",
     changed(huaian(), "city-fee", {(AD, "administrative_fees", "fee_amount"):
                                    (Decimal("9617160"), "9617160")}),
     None, "fail", 1000000, 9617160),
    # a department is held to 100,000 万元
    ("plausibility.fee_unit", huaian("huaian-dept", agency="示例市财政局"), None, "pass",
     100000, 96171.6),
    ("template.matches_year", huaian("no-year", year=None), None, "not_assessable", None, None),
    ("template.matches_year", heilongjiang("hlj-2021-template", template="2021"), None, "fail",
     2019, 2021),
    ("plausibility.blank_cells",
     huaian("no-review", facts=[f for f in huaian().facts if f.table != R]),
     R, "not_assessable", None, None),
    ("plausibility.non_negative", huaian("no-facts", facts=[]), None, "not_assessable", None,
     None),
    # a blank counts as 0 for the bounds (blank policy zero) and is said
    ("applications.processed_bound",
     changed(huaian(), "blank-over", {(A, "carried_over", "natural_person"): (None, "")}),
     "natural_person", "pass", 3001, 2932),
]


# reports loaded beside the cases, for the tests below that look for absent instances
OTHER = [huaian("huaian-2018", year=2018), *PREVIOUS]


def _key(rule, f: dict):
    return {"column": f.get("column"), "row": f.get("row"), "table": f.get("table"),
            "figure": f.get("figure")}.get(rule.scope)


def _all_reports() -> list[Report]:
    out = {}
    for cases in CASES.values():
        for report, *_ in cases:
            out[report.document.sha256] = report
    for _, report, *_ in EXTRA:
        out[report.document.sha256] = report
    for report in OTHER:
        out[report.document.sha256] = report
    return list(out.values())


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> dict:
    """{(sha256, rule, instance key): finding} of every case report, all rules evaluated once."""
    con = warehouse.connect(tmp_path_factory.mktemp("catalogue") / "w.duckdb")
    try:
        ids = {warehouse.load_report(con, r, r.document.path)["report_id"]: r.document.sha256
               for r in _all_reports()}
        out = {}
        for f in expectations.evaluate(con, list(ids), CATALOGUE):
            rule = expectations.rule(f["rule"])
            key = (ids[f["report_id"]], f["rule"], _key(rule, f))
            assert key not in out or rule.scope == "figure", key
            out.setdefault(key, f)  # a figure stated twice: the first statement
        stored = expectations.store(con, list(out.values()))
        assert stored == len(out)
        out["_rule_results"] = con.execute(
            "SELECT rule, status, table_name, expected, actual FROM rule_results").fetchall()
        return out
    finally:
        con.close()


def _operand_pages_named(f: dict) -> None:
    for o in f["operands"]:
        if o["page"] is not None:
            assert f"(p.{o['page']})" in f["message"], (o, f["message"])


# --- every rule: a passing and a failing report ------------------------------------------------

@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_every_rule_has_cases(rule):
    statuses = {case[2] for case in CASES.get(rule.id, [])}
    assert {"pass", "fail"} <= statuses, f"{rule.id}: add a passing and a failing report"


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_rule_passes_and_fails(rule, findings):
    for report, key, status, expected, actual in CASES.get(rule.id, []):
        f = findings[report.document.sha256, rule.id, key]
        assert (f["status"], f["expected"], f["actual"]) == (status, expected, actual), \
            (report.document.sha256, f["message"])
        assert f["severity"] == rule.severity
        assert f["message"].startswith(rule.id)
        _operand_pages_named(f)
        if status == "fail":
            assert f["operands"], f  # a failure names the cells involved


@pytest.mark.parametrize("case", EXTRA, ids=lambda c: f"{c[0]}-{c[1].document.sha256}")
def test_more_instances(case, findings):
    rule_id, report, key, status, expected, actual = case
    f = findings[report.document.sha256, rule_id, key]
    assert (f["status"], f["expected"], f["actual"]) == (status, expected, actual), f["message"]


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_the_unchanged_report_passes_every_rule(rule, findings):
    """淮安 2024 as printed (after its 2023 report), or 黑龙江 2020 (after its 2019 report) for
    the rules of the 2019 template only."""
    sha = "huaian" if "2021" in rule.templates else "hlj-items-2020"
    if rule.same_year:  # compares a later document with the first: huaian's second copy
        sha = "huaian-html"
    statuses = {f["status"] for (s, rid, _), f in _items(findings) if s == sha and rid == rule.id}
    # rows neither year has (黑龙江's other 2019 item rows) are not assessable, never failing
    assert "pass" in statuses and statuses <= {"pass", "not_assessable"}


def _items(findings: dict):
    return [(k, v) for k, v in findings.items() if k != "_rule_results"]


# --- the new rules' findings in detail ---------------------------------------------------------

def test_bound_failure_message(findings):
    f = findings["carried-forward-610", "applications.carried_forward_bound",
                 "legal_service_agency"]
    assert f["operands"] == [
        {"table": A, "row": "new_requests", "column": "legal_service_agency", "value": 61,
         "raw": "61", "page": 4},
        {"table": A, "row": "carried_over", "column": "legal_service_agency", "value": 0,
         "raw": "0", "page": 4},
        {"table": A, "row": "carried_forward", "column": "legal_service_agency", "value": 610,
         "raw": "610", "page": 5},
    ]
    assert f["message"] == (
        "applications.carried_forward_bound fails for column 法律服务机构 (legal_service_agency): "
        "结转下年度 610 (p.5) exceeds 本年新收 61 (p.4) + 上年结转 0 (p.4) = 61 (by 549). "
        "法律服务机构列：结转下年度超过本年新收与上年结转之和（多549）。")
    # the same typo breaks the balance too: the bound says which side is impossible
    assert findings["carried-forward-610", "applications.balance",
                    "legal_service_agency"]["status"] == "fail"


def test_blank_operand_of_a_bound_counts_as_zero(findings):
    f = findings["blank-over", "applications.processed_bound", "natural_person"]
    assert f["blank_involved"] is True
    assert "上年结转 blank→0 (p.4)" in f["message"]
    assert "A blank cell was counted as 0." in f["message"]


def test_non_negative_lists_the_negative_cells(findings):
    f = findings["negative-2", "plausibility.non_negative", None]
    assert f["operands"] == [  # template order: table 三 before table 四
        {"table": A, "row": "carried_over", "column": "total", "value": -34, "raw": "-34",
         "page": 4},
        {"table": R, "row": "litigation_direct", "column": "corrected", "value": -4,
         "raw": "-4", "page": 5},
    ]
    assert "上年结转·总计 -34 (p.4); 行政诉讼·未经复议直接起诉·结果纠正 -4 (p.5)" in f["message"]
    assert f["severity"] == "error" and f["row"] is None and f["column"] is None


def test_non_negative_excepts_change_and_money():
    report = heilongjiang("hlj-change")
    report.facts += [
        Fact(AD, "administrative_licensing", "previous_items", 40, "40", 2),
        Fact(AD, "administrative_licensing", "change", -2, "-2", 2),
        Fact(AD, "centralized_procurement", "procurement_amount", Decimal("-1.5"), "-1.5", 2)]
    (f,) = [f for f in expectations.check_report(report, CATALOGUE)
            if f["rule"] == "plausibility.non_negative"]
    assert (f["status"], f["expected"], f["actual"], f["operands"]) == ("pass", 0, 0, [])


def test_blank_cells_one_instance_per_table(findings):
    per_table = {k[2]: f for k, f in _items(findings)
                 if k[0] == "blank-2" and k[1] == "plausibility.blank_cells"}
    assert {t: (f["status"], f["actual"]) for t, f in per_table.items()} == {
        AD: ("pass", 0), A: ("fail", 2), R: ("pass", 0)}
    f = per_table[A]
    assert f["severity"] == "info"
    assert [(o["row"], o["column"], o["raw"], o["page"]) for o in f["operands"]] == [
        ("carried_over", "other_organization", "", 4),
        ("not_processed_excessive", "total", " ", 5)]
    assert "上年结转·其他 (p.4); 无正当理由大量反复申请·总计 (p.5)" in f["message"]


def test_fee_unit_message(findings):
    f = findings["district-fee", "plausibility.fee_unit", None]
    assert f["operands"] == [{"table": AD, "row": "administrative_fees", "column": "fee_amount",
                              "value": 5230000, "raw": "5230000", "page": 4}]
    assert f["message"].startswith(
        "plausibility.fee_unit fails: 行政事业性收费·本年收费金额（单位：万元） 5230000 (p.4) ≥ "
        "100000 万元 (county, district, town or department limit)")
    assert f["severity"] == "warning"


def test_fee_unit_applies_to_the_2021_template_only(findings):
    assert not [k for k, _ in _items(findings)
                if k[0] == "hlj" and k[1] == "plausibility.fee_unit"]


def test_years_a_rule_applies_to(findings):
    """template.matches_year starts with 2019; the arithmetic rules follow the template only."""
    rules = {k[1] for k, _ in _items(findings) if k[0] == "huaian-2018"}
    assert "template.matches_year" not in rules and "plausibility.fee_unit" not in rules
    assert {"applications.balance", "applications.processed_bound",
            "plausibility.non_negative"} <= rules


def test_template_operands_come_from_the_reports_row(findings):
    f = findings["huaian-2019-template", "template.matches_year", None]
    assert f["operands"] == [
        {"table": "reports", "row": None, "column": "year", "value": 2024, "raw": "2024",
         "page": None},
        {"table": "reports", "row": None, "column": "template", "value": 2019, "raw": "2019",
         "page": None}]
    assert f["message"] == (
        "template.matches_year fails: a 2024 report should use the 2021 template but uses the "
        "2019 template. 2024年度报告应使用2021年模板，实际使用2019年模板。")


def test_findings_are_stored(findings):
    rows = findings["_rule_results"]
    assert len(rows) == len(_items(findings))
    assert {r[0] for r in rows} == {r.id for r in CATALOGUE}
    tables = {r[2] for r in rows if r[0] == "plausibility.blank_cells"}
    assert tables == set(V.TABLES)
    assert ("template.matches_year", "fail", None, 2021, 2019) in rows


# --- the catalogue itself ----------------------------------------------------------------------

@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: r.id)
def test_catalogue_entry_is_complete(rule):
    assert re.fullmatch(r"[a-z_]+\.[a-z_]+", rule.id)
    assert rule.title_zh and rule.title_en and rule.basis and rule.says
    assert rule.severity in SEVERITIES and rule.kind in KINDS
    assert rule.blank_policy in BLANK_POLICIES and rule.tolerance >= 0
    assert rule.templates and set(rule.templates) <= set(V.TEMPLATES)
    assert len(rule.years) == 2
    assert set(dict(rule.messages)) == set(STATUSES)
    assert rule.scope in ("column", "row", "table", "report", "figure")


def test_ids_are_unique_and_every_rule_runs_by_default():
    assert len({r.id for r in CATALOGUE}) == len(CATALOGUE)
    assert RULES == CATALOGUE
    assert [r.id for r in CATALOGUE[:4]] == [
        "applications.balance", "applications.outcome_sum", "applications.applicant_sum",
        "review_litigation.total"]


def test_gx_bounds_of_a_bound_rule():
    import pandas as pd

    rule = expectations.rule("applications.processed_bound")
    frame = pd.DataFrame({"instance": [0, 1, 2], "residual": [0.0, 103.0, -1.0]})
    assert validate.failing_instances(rule, frame) == {2}
    rule = expectations.rule("plausibility.non_negative")
    frame = pd.DataFrame({"instance": [0, 1], "violations": [0.0, 2.0]})
    assert validate.failing_instances(rule, frame) == {1}


def test_readme_is_rendered_from_the_catalogue():
    assert README.read_text(encoding="utf-8") == render(), \
        "run: python -m expectations.render_readme"


# --- the real report --------------------------------------------------------------------------

REAL = Path(__file__).parent / "fixtures" / "real" / "huaian-city-2024.pdf"


@pytest.mark.skipif(not REAL.exists(), reason="no real fixture")
def test_real_huaian_report_passes_every_error_and_warning_rule():
    from gongkai.extract import extract_report

    report = extract_report(REAL)
    found = expectations.check_report(report, CATALOGUE)
    # alone, it has no year before: the cross-year rules have no instance
    # (nor, as the only document of its agency and year, documents.agree)
    assert {f["rule"] for f in found} == {r.id for r in CATALOGUE
                                          if not r.cross_year and not r.same_year}
    bad = [(f["rule"], f["status"], f["message"]) for f in found
           if f["severity"] in ("error", "warning") and f["status"] != "pass"]
    assert bad == []
    by = {(f["rule"], instance_name(f)): f for f in found}
    f = by["applications.carried_forward_bound", "column total"]
    assert (f["expected"], f["actual"]) == (3153, 103)
    f = by["plausibility.fee_unit", "report"]
    assert (f["status"], f["expected"], f["actual"]) == ("pass", 1000000, 96171.6)
    assert json.dumps(found, ensure_ascii=False)  # findings are plain JSON

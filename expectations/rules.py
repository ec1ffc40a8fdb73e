"""The rule catalogue: every per-report rule, declared once as data (README.md is rendered from it).

A rule is a :class:`Rule` entry. Its ``kind`` says which query shape sql.py builds from the
declared fields, and what Great Expectations asserts on the result (validate.py):

- ``sum``: per instance (one column, or one row, of one table of one report) ``expected`` = the
  sum of the operand cells, ``actual`` = the sum of the reported cells, ``residual = expected -
  actual``; ``comparison`` "eq": fails when |residual| > tolerance; "le": fails when
  ``actual > expected + tolerance`` (a bound).
- ``cells``: one instance per report (``scope`` "report") or per table (``scope`` "table"); the
  cells matching ``params["predicate"]`` among the cells of ``params["kinds"]`` are counted
  (``actual``, expected 0) and listed as operands; GX asserts ``violations`` ≤ tolerance.
- ``threshold``: one cell per report (``params["cell"]``) compared with an upper limit chosen by
  the agency's name (``params``); ``expected`` = the limit, ``actual`` = the cell; GX asserts
  ``violations`` (1 when actual ≥ limit) is 0.
- ``template``: the ``reports`` row (year, template): ``expected`` = the template of the year
  (``params["by_year"]``), ``actual`` = the report's; GX asserts ``violations`` is 0.

Every rule names its basis, severity, tolerance, templates and years, blank policy and message
templates (one per status; the fields they may use are listed in README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from gongkai import vocabulary as V

# rows that may replace each other: the 2019 template's single （六）其他处理 row and the 2021
# template's three; a hybrid report has one or the other, and we sum only what it has
_OTHER_2021 = ("other_no_correction", "other_unpaid_fee", "other_other")
_OUTCOMES = tuple(dict.fromkeys(V.OUTCOME_ROWS["2021"] + V.OUTCOME_ROWS["2019"]))

KINDS = ("sum", "cells", "threshold", "template")
SEVERITIES = ("error", "warning", "info")
# "zero": a blank operand counts as 0 and the finding says so (blank_involved, message);
# "not_assessable": a blank (or missing) operand makes the instance not assessable;
# "reported": the blank cells are what the rule reports (plausibility.blank_cells)
BLANK_POLICIES = ("zero", "not_assessable", "reported")
STATUSES = ("pass", "fail", "not_assessable")


@dataclass(frozen=True)
class Rule:
    id: str
    title_zh: str
    title_en: str
    says: str
    basis: str
    table: str | None  # the table the rule reads (None: several tables, or the reports row)
    scope: str  # "column" | "row" (per column / row key), "table" (per table), "report"
    keys: tuple[str, ...] = ()  # sum: the instance keys (columns or rows)
    expected: tuple[str, ...] = ()  # sum: operand keys along the other axis, summed
    actual: tuple[str, ...] = ()  # sum: the reported side, summed
    severity: str = "error"  # error | warning | info
    tolerance: float = 0  # counts must match exactly
    templates: tuple[str, ...] = V.TEMPLATES
    # the report years the rule applies to: (first, last), None = open; a report whose year is
    # unknown is always included. (None, None): any year whose report uses one of `templates`
    years: tuple[int | None, int | None] = (None, None)
    blank_policy: str = "zero"
    # True: `expected` sums only the operand cells the report has (outcome rows differ between
    # templates); False: every operand is needed and a missing one is reported as such
    sum_present: bool = False
    # operand -> operands whose presence (in the same instance) excludes it
    unless_present: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # "all": every key is an instance; "present": the keys the report has (the template's keys
    # when the table is missing altogether), so a hybrid report gets no phantom instances
    instances: str = "all"
    kind: str = "sum"
    comparison: str = "eq"  # sum: "eq" (expected = actual) | "le" (actual <= expected)
    params: tuple[tuple[str, object], ...] = ()  # kind-specific settings (see the module doc)
    # (status, template) pairs; str.format fields are listed in README.md
    messages: tuple[tuple[str, str], ...] = ()

    @property
    def measure(self) -> str:
        """The column of the rule's query that GX asserts: residual (sum) or violations."""
        return "residual" if self.kind == "sum" else "violations"

    def param(self, name: str, default=None):
        return dict(self.params).get(name, default)

    def message_template(self, status: str) -> str:
        return dict(self.messages)[status]


# the message templates of the four arithmetic rules (their wording is fixed: golden files and
# tests quote it)
_SUM_EQ_MESSAGES = (
    ("pass", "{id} holds for {where}: {expected_side} = {actual_side}.{notes}"),
    ("fail", "{id} fails for {where}: {expected_side}, but {actual_side} "
             "(difference {difference}).{notes}"),
    ("not_assessable", "{id} cannot be assessed for {where}: none of its cells was extracted "
                       "({names})."),
)


def _bound_messages(zh_subject: str) -> tuple[tuple[str, str], ...]:
    return (
        ("pass", "{id} holds for {where}: {actual_side} ≤ {expected_side}.{notes} "
                 "{where_zh}：" + zh_subject + "不超过本年新收与上年结转之和。"),
        ("fail", "{id} fails for {where}: {actual_side} exceeds {expected_side} "
                 "(by {excess}).{notes} {where_zh}：" + zh_subject
                 + "超过本年新收与上年结转之和（多{excess}）。"),
        ("not_assessable", "{id} cannot be assessed for {where}: none of its cells was "
                           "extracted ({names}). {where_zh}：相关单元格均未提取，无法评估。"),
    )


_APP_COLUMN_KEYS = tuple(c.key for c in V.APP_COLUMNS)

# the 2021 fee (万元) above which it looks like 元 entered as 万元: 1,000,000 万元 (100亿元, seven
# integer digits) for a provincial, prefecture or city government; 100,000 万元 (10亿元) for any
# other agency (district/county governments, towns, departments). 淮安市人民政府 2024 reports
# 96,171.6 万元, the largest fee of the golden files; a department's or county's is far lower.
FEE_LIMIT = 1_000_000
FEE_LIMIT_LOCAL = 100_000
# agencies held to FEE_LIMIT (RE2 syntax, matched against reports.agency); an unknown agency too
FEE_GOVERNMENT_PATTERN = "(省|自治区|市|州|盟)人民政府$|行政公署$"

CATALOGUE: tuple[Rule, ...] = (
    Rule(
        id="applications.balance",
        title_zh="申请数量勾稽关系：第一项加第二项之和，等于第三项加第四项之和",
        title_en="Applications balance: new + carried over = processed + carried forward",
        says="per column: new_requests + carried_over = total_processed + carried_forward",
        basis="printed in the 2019 and 2021 templates: 本列数据的勾稽关系为：第一项加第二项之和，"
              "等于第三项加第四项之和",
        table=V.APPLICATIONS, scope="column", keys=_APP_COLUMN_KEYS,
        expected=("new_requests", "carried_over"),
        actual=("total_processed", "carried_forward"),
        messages=_SUM_EQ_MESSAGES,
    ),
    Rule(
        id="applications.outcome_sum",
        title_zh="办理结果之和等于（七）总计",
        title_en="Outcomes add up to the total processed",
        says="per column: total_processed = the sum of every outcome row the report has "
             "(granted … other_*, or other_handling in the 2019 template)",
        basis="the table's structure: （七）总计",
        table=V.APPLICATIONS, scope="column", keys=_APP_COLUMN_KEYS,
        expected=_OUTCOMES, actual=("total_processed",),
        sum_present=True,
        unless_present=(("other_handling", _OTHER_2021),),
        messages=_SUM_EQ_MESSAGES,
    ),
    Rule(
        id="applications.applicant_sum",
        title_zh="各类申请人之和等于总计",
        title_en="Applicant types add up to the total column",
        says="per row: total = the sum of the six applicant columns",
        basis="the table's structure: 申请人情况·总计",
        table=V.APPLICATIONS, scope="row", keys=tuple(r.key for r in V.APP_ROWS),
        expected=V.APPLICANT_COLUMNS, actual=("total",),
        instances="present",
        messages=_SUM_EQ_MESSAGES,
    ),
    Rule(
        id="review_litigation.total",
        title_zh="复议、诉讼结果之和等于总计",
        title_en="Review and litigation results add up to the total",
        says="per row: total = upheld + corrected + other + pending",
        basis="the table's structure: 总计",
        table=V.REVIEW_LITIGATION, scope="row", keys=tuple(r.key for r in V.RL_ROWS),
        expected=V.RL_PARTS, actual=("total",),
        messages=_SUM_EQ_MESSAGES,
    ),
    Rule(
        id="applications.carried_forward_bound",
        title_zh="结转下年度继续办理不超过本年新收与上年结转之和",
        title_en="Carried forward never exceeds new + carried over",
        says="per column: carried_forward ≤ new_requests + carried_over",
        basis="the table's structure: a request carried into next year is one received this "
              "year or carried over from last year (一、二 are the year's whole workload)",
        table=V.APPLICATIONS, scope="column", keys=_APP_COLUMN_KEYS,
        expected=("new_requests", "carried_over"), actual=("carried_forward",),
        comparison="le",
        messages=_bound_messages("结转下年度"),
    ),
    Rule(
        id="applications.processed_bound",
        title_zh="办理结果总计不超过本年新收与上年结转之和",
        title_en="Total processed never exceeds new + carried over",
        says="per column: total_processed ≤ new_requests + carried_over",
        basis="the table's structure: a request processed this year is one received this year "
              "or carried over from last year (一、二 are the year's whole workload)",
        table=V.APPLICATIONS, scope="column", keys=_APP_COLUMN_KEYS,
        expected=("new_requests", "carried_over"), actual=("total_processed",),
        comparison="le",
        messages=_bound_messages("办理结果总计"),
    ),
    Rule(
        id="plausibility.non_negative",
        title_zh="计数不为负",
        title_en="Counts are not negative",
        says="per report: every count cell (all three tables; 本年增/减 and money excepted) ≥ 0",
        basis="the tables count documents, decisions, requests and cases: a count cannot be "
              "negative (only 本年增/减 carries a sign)",
        table=None, scope="report", kind="cells",
        params=(("kinds", ("count",)), ("predicate", "value < 0")),
        messages=(
            ("pass", "{id} holds: all {n_cells} count cells are ≥ 0.{notes} "
                     "全部{n_cells}个计数单元格均不为负。"),
            ("fail", "{id} fails: {actual} negative count cell(s), expected 0: {cells}.{notes} "
                     "有{actual}个计数单元格为负数：{cells}。"),
            ("not_assessable", "{id} cannot be assessed: no count cell was extracted. "
                               "未提取到计数单元格，无法评估。"),
        ),
    ),
    Rule(
        id="plausibility.blank_cells",
        title_zh="空白单元格",
        title_en="Blank cells",
        says="per table: list the cells left blank (raw text empty), which the arithmetic rules "
             "count as 0",
        basis="the template asks for a number in every cell; the spec stores a blank as NULL "
              "and reports it (statutory-tables.md, Cell values)",
        table=None, scope="table", kind="cells", severity="info", blank_policy="reported",
        params=(("kinds", ("count", "signed", "money")),
                ("predicate", "value IS NULL AND trim(coalesce(raw, '')) = ''")),
        messages=(
            ("pass", "{id}: no blank cell among the {n_cells} cells of table {table_label} "
                     "({table}). {table_label}：{n_cells}个单元格均无空白。"),
            ("fail", "{id}: {actual} blank cell(s) in table {table_label} ({table}), counted as 0 "
                     "by the arithmetic rules: {cells}. {table_label}：{actual}个空白单元格：{cells}。"),
            ("not_assessable", "{id} cannot be assessed for table {table_label} ({table}): the "
                               "table was not extracted. {table_label}：未提取，无法评估。"),
        ),
    ),
    Rule(
        id="plausibility.fee_unit",
        title_zh="收费金额疑似以元填报为万元",
        title_en="Fee looks like 元 entered as 万元",
        says=f"2021 template: fee_amount (万元) ≥ {FEE_LIMIT:,} for a provincial, prefecture or "
             f"city government, ≥ {FEE_LIMIT_LOCAL:,} for any other agency (county, district, "
             f"town, department)",
        basis="the 2021 template's column 本年收费金额（单位：万元）; an amount in 元 typed into "
              "the 万元 column is 10,000 times too large",
        table=V.ACTIVE_DISCLOSURE, scope="report", kind="threshold", severity="warning",
        templates=("2021",), years=(2021, None), blank_policy="not_assessable",
        params=(("cell", (V.ACTIVE_DISCLOSURE, "administrative_fees", "fee_amount")),
                ("limit", FEE_LIMIT), ("limit_local", FEE_LIMIT_LOCAL),
                ("government_pattern", FEE_GOVERNMENT_PATTERN)),
        messages=(
            ("pass", "{id} holds: {cell} < {expected} 万元 ({level} limit). "
                     "收费金额低于{expected}万元。"),
            ("fail", "{id} fails: {cell} ≥ {expected} 万元 ({level} limit): it looks like 元 "
                     "entered as 万元. 收费金额达{expected}万元以上，疑似以元填报为万元。"),
            ("not_assessable", "{id} cannot be assessed: {cell}. 收费金额为空或未提取，无法评估。"),
        ),
    ),
    Rule(
        id="template.matches_year",
        title_zh="模板与年度相符",
        title_en="The template matches the year",
        says="reports for 2019 and 2020 use the 2019 template, reports for 2021 on the 2021 "
             "template",
        basis="国办公开办函〔2021〕30号: the 2021 template applies to reports for 2021 onwards; "
              "the 2019 template (2019 revision of the Regulations) to 2019 and 2020",
        table=None, scope="report", kind="template", severity="warning",
        years=(2019, None), blank_policy="not_assessable",
        params=(("by_year", ((2019, 2020, "2019"), (2021, None, "2021"))),),
        messages=(
            ("pass", "{id} holds: the {year} report uses the {actual} template. "
                     "{year}年度报告使用{actual}年模板。"),
            ("fail", "{id} fails: a {year} report should use the {expected} template but uses "
                     "the {actual} template. {year}年度报告应使用{expected}年模板，实际使用"
                     "{actual}年模板。"),
            ("not_assessable", "{id} cannot be assessed: year {year}, template {template}. "
                               "年度或模板未识别，无法评估。"),
        ),
    ),
)

# the rules evaluated by default (evaluate, check_report, the pipeline's asset checks): the four
# arithmetic rules the golden files define; evaluate(con, rules=CATALOGUE) runs them all
RULES: tuple[Rule, ...] = CATALOGUE[:4]

BY_ID = {r.id: r for r in CATALOGUE}


def rule(rule_id: str) -> Rule:
    return BY_ID[rule_id]


# short names for messages: the template's label without its numbering and glosses
_SHORT = {
    (V.APPLICATIONS, "new_requests"): "本年新收",
    (V.APPLICATIONS, "carried_over"): "上年结转",
    (V.APPLICATIONS, "granted"): "予以公开",
    (V.APPLICATIONS, "partially_granted"): "部分公开",
    (V.APPLICATIONS, "other_other"): "其他处理·其他",
    (V.APPLICATIONS, "other_no_correction"): "其他处理·逾期不补正",
    (V.APPLICATIONS, "other_unpaid_fee"): "其他处理·逾期未缴费",
    (V.APPLICATIONS, "other_handling"): "其他处理",
    (V.APPLICATIONS, "total_processed"): "总计",
    (V.APPLICATIONS, "carried_forward"): "结转下年度",
}


def short_label(table: str, row: str | None = None, column: str | None = None) -> str:
    """A cell's or key's short Chinese name: '本年新收', '不掌握相关政府信息', '自然人'."""
    if row is not None and (table, row) in _SHORT:
        return _SHORT[(table, row)]
    if row is not None:
        text = V.label(table, row)
        # drop "（三）不予公开 " / "2." prefixes: keep the last numbered item
        return text.split(" ")[-1].split(".")[-1].lstrip("、")
    return V.label(table, column, column=True)

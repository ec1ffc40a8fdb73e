"""The statutory consistency rules, declared once (the catalogue README.md describes).

Every rule has the same shape: per instance (one column, or one row, of one table of one report)
``expected`` = the sum of the operand cells, ``actual`` = the sum of the reported cells,
``residual = expected - actual``; the instance fails when |residual| > tolerance. sql.py turns a
rule into one DuckDB query over ``facts``; validate.py asserts the residual with Great Expectations.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongkai import vocabulary as V

# rows that may replace each other: the 2019 template's single （六）其他处理 row and the 2021
# template's three; a hybrid report has one or the other, and we sum only what it has
_OTHER_2021 = ("other_no_correction", "other_unpaid_fee", "other_other")
_OUTCOMES = tuple(dict.fromkeys(V.OUTCOME_ROWS["2021"] + V.OUTCOME_ROWS["2019"]))


@dataclass(frozen=True)
class Rule:
    id: str
    title_zh: str
    title_en: str
    says: str
    basis: str
    table: str
    scope: str  # "column": one instance per column key; "row": one instance per row key
    keys: tuple[str, ...]  # the instance keys (columns or rows)
    expected: tuple[str, ...]  # operand keys along the other axis, summed into `expected`
    actual: tuple[str, ...]  # the reported side, summed into `actual`
    severity: str = "error"  # error | warning | info
    tolerance: float = 0  # counts must match exactly
    templates: tuple[str, ...] = V.TEMPLATES
    blank_policy: str = "zero"  # a blank (NULL) operand counts as 0; the finding says so
    # True: `expected` sums only the operand cells the report has (outcome rows differ between
    # templates); False: every operand is needed and a missing one is reported as such
    sum_present: bool = False
    # operand -> operands whose presence (in the same instance) excludes it
    unless_present: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # "all": every key is an instance; "present": the keys the report has (the template's keys
    # when the table is missing altogether), so a hybrid report gets no phantom instances
    instances: str = "all"
    message_zh: str = ""


RULES: tuple[Rule, ...] = (
    Rule(
        id="applications.balance",
        title_zh="申请数量勾稽关系：第一项加第二项之和，等于第三项加第四项之和",
        title_en="Applications balance: new + carried over = processed + carried forward",
        says="per column: new_requests + carried_over = total_processed + carried_forward",
        basis="printed in the 2019 and 2021 templates: 本列数据的勾稽关系为：第一项加第二项之和，"
              "等于第三项加第四项之和",
        table=V.APPLICATIONS, scope="column", keys=tuple(c.key for c in V.APP_COLUMNS),
        expected=("new_requests", "carried_over"),
        actual=("total_processed", "carried_forward"),
    ),
    Rule(
        id="applications.outcome_sum",
        title_zh="办理结果之和等于（七）总计",
        title_en="Outcomes add up to the total processed",
        says="per column: total_processed = the sum of every outcome row the report has "
             "(granted … other_*, or other_handling in the 2019 template)",
        basis="the table's structure: （七）总计",
        table=V.APPLICATIONS, scope="column", keys=tuple(c.key for c in V.APP_COLUMNS),
        expected=_OUTCOMES, actual=("total_processed",),
        sum_present=True,
        unless_present=(("other_handling", _OTHER_2021),),
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
    ),
    Rule(
        id="review_litigation.total",
        title_zh="复议、诉讼结果之和等于总计",
        title_en="Review and litigation results add up to the total",
        says="per row: total = upheld + corrected + other + pending",
        basis="the table's structure: 总计",
        table=V.REVIEW_LITIGATION, scope="row", keys=tuple(r.key for r in V.RL_ROWS),
        expected=V.RL_PARTS, actual=("total",),
    ),
)

BY_ID = {r.id: r for r in RULES}


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

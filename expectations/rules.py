"""The rule catalogue: every per-report rule, declared once as data (README.md is rendered from it).

A rule is a :class:`Rule` entry. Its ``kind`` names the module of ``expectations/kinds/``
that builds its query from the declared fields, fills its messages and says what Great
Expectations asserts on the result (sum, cells, threshold, template, continuity, narrative,
power, statement, similarity: each module's doc says what its fields mean).

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
    # "column" | "row" (per column / row key), "table" (per table), "report", "figure" (per
    # figure the text states)
    scope: str
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
    # (status, template) pairs of the Chinese sentence, where the rule has one apart: the
    # message is then the English template's text, a space and the Chinese one's
    messages_zh: tuple[tuple[str, str], ...] = ()
    # raised whenever what the rule decides changes (its query, tolerance, operands); stored
    # with each result (rule_results.rule_version), so a changed rule's results can be told
    # apart and re-evaluated alone
    version: int = 1

    @property
    def measure(self) -> str:
        """The column of the rule's query that GX asserts: residual (two sides that must
        agree) or violations — its kind's."""
        from expectations.kinds import kind_of

        return kind_of(self).KIND.measure

    @property
    def cross_year(self) -> bool:
        """Whether it pairs a report with the same agency's report of the year before."""
        from expectations.kinds import kind_of

        return kind_of(self).KIND.cross_year

    @property
    def same_year(self) -> bool:
        """Whether it pairs a report with the same agency's other documents of that year."""
        from expectations.kinds import kind_of

        return kind_of(self).KIND.same_year

    @property
    def reads_agencies(self) -> bool:
        """Whether the rule's SQL reads ``agency_identity`` (pairs or levels of agencies)."""
        from expectations.kinds import kind_of

        return kind_of(self).KIND.reads_agencies

    def param(self, name: str, default=None):
        return dict(self.params).get(name, default)

    def message_template(self, status: str) -> str:
        return dict(self.messages)[status]

    def message_template_zh(self, status: str) -> str | None:
        return dict(self.messages_zh).get(status)


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

_CONTINUITY_MESSAGES = (
    ("pass", "{id} holds for {where}: {expected_side} = {actual_side}.{notes}"),
    ("fail", "{id} fails for {where}: {expected_side}, but {actual_side} (difference "
             "{difference}).{notes}"),
    ("not_assessable", "{id} cannot be assessed for {where}: none of its cells was extracted "
                       "in either report ({names})."),
)
_CONTINUITY_MESSAGES_ZH = (
    ("pass", "{where_zh}：{expected_side_zh}，等于{actual_side_zh}，与{previous_year}年度报告衔接。"),
    ("fail", "{where_zh}：{expected_side_zh}，但{actual_side_zh}，与{previous_year}年度报告不衔接"
             "（相差{difference}）。"),
    ("not_assessable", "{where_zh}：两年报告均未提取相关单元格，无法评估。"),
)

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
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
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
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
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
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
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
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
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
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
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
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
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
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
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
    Rule(
        id="narrative.stated_figures",
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
        title_zh="正文所述数字与表格一致",
        title_en="Figures stated in the text match the tables",
        says="per figure the text states (受理/新收申请 N 件, 办结/答复 N 件, 结转 N 件, 予以公开 N 件, "
             "不予公开, 无法提供, 不予处理, 行政复议 N 件, 行政诉讼 N 件, 规章 and 规范性文件 counts): "
             "the figure = the table's cell (or the sum of its cells)",
        basis="the report states each figure twice, in the text and in the statutory tables "
              "(国办公开办函〔2021〕30号 asks for both); the two must agree",
        table=None, scope="figure", kind="narrative", severity="warning",
        messages=(
            ("pass", "{id} holds: the text states {figure} {actual} (p.{page}) and the table "
                     "has {expected_side}."),
            ("fail", "{id} fails: the text says “{quote}” (p.{page}): {figure} {actual}, but "
                     "the table has {expected_side} (difference {difference}).{notes}"),
            ("not_assessable", "{id} cannot be assessed: the text states {figure} {actual} "
                               "(p.{page}) but the table's cells were not extracted ({names})."),
        ),
        messages_zh=(
            ("pass", "第{page}页正文所述{figure_zh}{actual}件，与表格（{expected_side_zh}）一致。"),
            ("fail", "第{page}页正文称“{quote}”，{figure_zh}为{actual}件；表格为{expected_side_zh}，"
                     "相差{difference}。"),
            ("not_assessable", "第{page}页正文所述{figure_zh}对应的表格单元格未提取，无法评估。"),
        ),
    ),
    Rule(
        id="plausibility.rule_making_power",
        title_zh="无规章制定权的机关报告制发规章",
        title_en="Regulations issued by a body without rule-making power",
        says="regulations issued (2021: 规章·本年制发件数; 2019: 规章·本年新制作数量) > 0 only for "
             "a body with rule-making power: 国务院部门, 省/自治区/直辖市人民政府, 设区的市/自治州"
             "人民政府; never a department of a local government, a county/district government, "
             "a town or a street. A “XX市人民政府” counts as having power (a 县级市 cannot be told "
             "by its name)",
        basis="《立法法》第九十一条、第九十三条: 规章 are made by 国务院部门 and by the people's "
              "governments of provinces and 设区的市/自治州; the agency's level comes from its "
              "name (gongkai.agencies.level)",
        table=V.ACTIVE_DISCLOSURE, scope="report", kind="power", severity="warning",
        blank_policy="not_assessable",
        params=(("cells", (("2021", V.ACTIVE_DISCLOSURE, "regulations", "issued"),
                           ("2019", V.ACTIVE_DISCLOSURE, "regulations", "newly_made"))),),
        messages=(
            ("pass", "{id} holds: {cell}; {agency} ({level}) {power}."),
            ("fail", "{id} fails: {cell}, but {agency} ({level}) has no rule-making power."),
            ("not_assessable", "{id} cannot be assessed: {cell}; {agency} ({level})."),
        ),
        messages_zh=(
            ("pass", "{agency}（{level_zh}）{power_zh}。"),
            ("fail", "{agency}（{level_zh}）无规章制定权，却报告制发规章{actual}件（{cell_zh}）。"),
            ("not_assessable", "规章数为空或机关层级无法识别（{agency}），无法评估。"),
        ),
    ),
    Rule(
        id="plausibility.unpaid_fee_statement",
        title_zh="逾期未缴纳信息处理费但第六部分未说明信息处理费",
        title_en="Unpaid-fee outcomes without a 信息处理费 statement in section 六",
        says="2021 template: when 其他处理·申请人逾期未按收费通知要求缴纳费用 > 0, a sentence of "
             "section 六 (其他需要报告的事项) mentions 信息处理费 (the whole text when the report "
             "has no section 六 heading)",
        basis="国办公开办函〔2021〕30号: section 六 reports 发出收费通知的件数和总金额以及实际收取的"
              "总金额; an unpaid-fee outcome means a fee notice was issued",
        table=V.APPLICATIONS, scope="report", kind="statement", severity="warning",
        templates=("2021",), years=(2021, None), blank_policy="not_assessable",
        params=(("cell", (V.APPLICATIONS, "other_unpaid_fee", "total")),
                ("words", "信息处理费")),
        messages=(
            ("pass", "{id} holds: {cell}; {statement}."),
            ("fail", "{id} fails: {cell}, but no sentence of section 六 mentions 信息处理费."),
            ("not_assessable", "{id} cannot be assessed: {cell}; the report's text has "
                               "{n_sentences} sentence(s)."),
        ),
        messages_zh=(
            ("pass", "{statement_zh}"),
            ("fail", "{cell_zh}：有{actual}件申请因逾期未缴费而终止，第六部分却未说明信息处理费"
                     "收取情况。"),
            ("not_assessable", "单元格为空或正文未提取，无法评估。"),
        ),
    ),
    Rule(
        id="applications.carry_continuity",
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
        title_zh="本年“上年结转”等于上年度报告“结转下年度继续办理”",
        title_en="Carried over this year = carried forward in last year's report",
        says="per column: carried_over of year N = carried_forward of year N-1, same agency "
             "(also across the 2020→2021 template change)",
        basis="the table's structure across years: 四、结转下年度继续办理 of one year is 二、上年结转"
              "政府信息公开申请数量 of the next",
        table=V.APPLICATIONS, scope="column", keys=_APP_COLUMN_KEYS, kind="continuity",
        params=(("expected", (("previous", "carried_forward", 1),)),
                ("actual", (("current", "carried_over", 1),)),
                ("previous_templates", V.TEMPLATES)),
        messages=_CONTINUITY_MESSAGES, messages_zh=_CONTINUITY_MESSAGES_ZH,
    ),
    Rule(
        id="active_disclosure.in_force_continuity",
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
        title_zh="现行有效件数 = 上年现行有效件数 + 本年制发 − 本年废止",
        title_en="In force = last year's in force + issued − repealed",
        says="2021 template, per row (规章, 行政规范性文件): in_force of year N = in_force of "
             "year N-1 + issued of N − repealed of N, same agency",
        basis="the 2021 template's columns 本年制发件数, 本年废止件数, 现行有效件数 (a stock and its "
              "flows); a difference can be legitimate (documents expiring without repeal), "
              "hence a warning",
        table=V.ACTIVE_DISCLOSURE, scope="row", keys=("regulations", "normative_documents"),
        kind="continuity", severity="warning", templates=("2021",),
        params=(("expected", (("previous", "in_force", 1), ("current", "issued", 1),
                              ("current", "repealed", -1))),
                ("actual", (("current", "in_force", 1),)),
                ("previous_templates", ("2021",))),
        messages=_CONTINUITY_MESSAGES, messages_zh=_CONTINUITY_MESSAGES_ZH,
    ),
    Rule(
        id="active_disclosure.previous_items_continuity",
        # 2: an operand whose text is no number makes the instance not assessable (issue 14)
        version=2,
        title_zh="上一年项目数量 = 上年报告的上一年项目数量 + 本年增/减",
        title_en="Previous items = last year's previous items + last year's change",
        says="2019 template, 2020 report against the 2019 report, per row with 上一年项目数量: "
             "previous_items of 2020 = previous_items of 2019 + change of 2019",
        basis="the 2019 template's columns 上一年项目数量 and 本年增/减 (a stock and its change)",
        table=V.ACTIVE_DISCLOSURE, scope="row",
        keys=tuple(r.key for r in V.AD_ROWS if "previous_items" in r.columns.get("2019", ())),
        kind="continuity", severity="warning", templates=("2019",),
        params=(("expected", (("previous", "previous_items", 1), ("previous", "change", 1))),
                ("actual", (("current", "previous_items", 1),)),
                ("previous_templates", ("2019",))),
        messages=_CONTINUITY_MESSAGES, messages_zh=_CONTINUITY_MESSAGES_ZH,
    ),
    Rule(
        id="narrative.similar_to_previous",
        title_zh="正文与上年度报告几乎相同",
        title_en="The text is nearly the same as last year's report",
        says="of the report's sentences of 12 characters or more (digits masked), at least 80 % "
             "occur in the same agency's report of the year before",
        basis="the report must describe the year's work (条例第五十条); a text copied from last "
              "year with new numbers says little",
        table=None, scope="report", kind="similarity", severity="warning",
        params=(("share", 0.8), ("min_sentences", 5)),
        messages=(
            ("pass", "{id} holds: {shared} of {n} sentences ({percent}) also occur in the "
                     "{previous_year} report."),
            ("fail", "{id} fails: {shared} of {n} sentences ({percent}) occur word for word "
                     "(digits aside) in the {previous_year} report, e.g. {examples}."),
            ("not_assessable", "{id} cannot be assessed: the report has {n} comparable "
                               "sentence(s)."),
        ),
        messages_zh=(
            ("pass", "与{previous_year}年度报告相同的句子占{percent}（{shared}/{n}）。"),
            ("fail", "正文{n}句中有{shared}句（{percent}）与{previous_year}年度报告逐字相同（数字除外），"
                     "如{examples}。"),
            ("not_assessable", "可比较的句子过少（{n}句），无法评估。"),
        ),
    ),
    Rule(
        id="documents.agree",
        title_zh="同一报告的不同文件数据一致",
        title_en="The documents of one report agree",
        says="where an agency publishes the same year's report as several documents (an HTML "
             "page and a PDF or Word attachment), every cell both documents hold has the same "
             "value (a blank cell counts as 0); each document of the same agency, year and "
             "template is compared with the first loaded, one instance per later document; a "
             "cell whose reading either document doubts (OCR engines or a PDF's two readings "
             "disagreeing, a low OCR confidence) is not compared: its doubt is the extractor's "
             "problem, named, not the agency's",
        basis="one agency publishes one annual report a year (条例第五十条); two documents of it "
              "that differ cannot both be what the agency reports",
        table=None, scope="report", kind="agreement", severity="error", version=2,
        messages=(
            ("pass", "{id} holds: {document} ({kind}, sha256 {sha256}) and {other_document} "
                     "({other_kind}, sha256 {other_sha256}), the same agency's {year} report, "
                     "agree in all {n_compared} cells both hold."),
            ("fail", "{id} fails: {document} ({kind}, sha256 {sha256}) and {other_document} "
                     "({other_kind}, sha256 {other_sha256}), the same agency's {year} report, "
                     "disagree in {actual} of {n_compared} cells: {cells}."),
            ("not_assessable", "{id} cannot be assessed: {document} (sha256 {sha256}) and "
                               "{other_document} (sha256 {other_sha256}) share no cell that "
                               "both read as a number."),
        ),
        messages_zh=(
            ("pass", "同一机关{year}年度报告的两个文件（{kind}、{other_kind}）{n_compared}个单元格"
                     "一致。"),
            ("fail", "同一机关{year}年度报告的两个文件（{kind}、{other_kind}）有{actual}个单元格"
                     "不一致：{cells_zh}。"),
            ("not_assessable", "两个文件没有可比较的单元格，无法评估。"),
        ),
    ),
)

# the rules evaluated by default (evaluate, check_report, the pipeline's asset checks): all
RULES: tuple[Rule, ...] = CATALOGUE
# the four arithmetic rules of the foundation (issue 2): the template-stated balance and the
# table-structure sums
STATUTORY_SUMS: tuple[Rule, ...] = CATALOGUE[:4]

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

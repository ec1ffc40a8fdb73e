"""The canonical vocabulary of the three statutory tables (../shared/spec/statutory-tables.md).

This module is the code form of that contract: every key the extractor emits, the warehouse
stores, the rules read and the golden files name comes from here. Labels are the template's own
wording; ``match`` lists the distinctive fragments (after normalisation, see ``normalise_label``)
by which an agency's abbreviated, wrapped or re-punctuated label is recognised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

TEMPLATES = ("2019", "2021")

ACTIVE_DISCLOSURE = "active_disclosure"
APPLICATIONS = "applications"
REVIEW_LITIGATION = "review_litigation"
TABLES = (ACTIVE_DISCLOSURE, APPLICATIONS, REVIEW_LITIGATION)

TABLE_LABELS = {
    ACTIVE_DISCLOSURE: "二、主动公开政府信息情况",
    APPLICATIONS: "三、收到和处理政府信息公开申请情况",
    REVIEW_LITIGATION: "四、政府信息公开行政复议、行政诉讼情况",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # how the value is read: "count" (non-negative integer), "signed" (本年增/减),
    # "money" (stored in 万元 as a decimal)
    kind: str = "count"
    match: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    templates: tuple[str, ...] = TEMPLATES
    match: tuple[str, ...] = ()
    # active_disclosure only: the columns of this row, per template
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


# --- active_disclosure ------------------------------------------------------------------------

AD_COLUMNS = {
    "issued": Column("issued", "本年制发件数", match=("制发",)),
    "repealed": Column("repealed", "本年废止件数", match=("废止",)),
    "in_force": Column("in_force", "现行有效件数", match=("现行有效",)),
    "newly_made": Column("newly_made", "本年新制作数量", match=("新制作",)),
    "newly_published": Column("newly_published", "本年新公开数量", match=("新公开",)),
    "total_published": Column("total_published", "对外公开总数量", match=("公开总数",)),
    "decisions": Column("decisions", "本年处理决定数量", match=("处理决定",)),
    "previous_items": Column("previous_items", "上一年项目数量", match=("上一年项目",)),
    "change": Column("change", "本年增/减", kind="signed", match=("增", "减")),
    "fee_amount": Column("fee_amount", "本年收费金额（单位：万元）", kind="money", match=("收费金额",)),
    "procurement_projects": Column("procurement_projects", "采购项目数量", match=("采购项目",)),
    "procurement_amount": Column(
        "procurement_amount", "采购总金额", kind="money", match=("采购总金额", "总金额")
    ),
}

_DOC_2021 = ("issued", "repealed", "in_force")
_DOC_2019 = ("newly_made", "newly_published", "total_published")
_ITEM_2019 = ("previous_items", "change", "decisions")

AD_ROWS = (
    Row("regulations", "规章", match=("规章",),
        columns={"2021": _DOC_2021, "2019": _DOC_2019}),
    Row("normative_documents", "行政规范性文件", match=("规范性文件",),
        columns={"2021": _DOC_2021, "2019": _DOC_2019}),
    Row("administrative_licensing", "行政许可", match=("行政许可",),
        columns={"2021": ("decisions",), "2019": _ITEM_2019}),
    Row("other_management_services", "其他对外管理服务事项", templates=("2019",),
        match=("其他对外管理服务",), columns={"2019": _ITEM_2019}),
    Row("administrative_penalty", "行政处罚", match=("行政处罚",),
        columns={"2021": ("decisions",), "2019": _ITEM_2019}),
    Row("administrative_coercion", "行政强制", match=("行政强制",),
        columns={"2021": ("decisions",), "2019": _ITEM_2019}),
    Row("administrative_fees", "行政事业性收费", match=("事业性收费",),
        columns={"2021": ("fee_amount",), "2019": ("previous_items", "change")}),
    Row("centralized_procurement", "政府集中采购", templates=("2019",), match=("集中采购",),
        columns={"2019": ("procurement_projects", "procurement_amount")}),
)

# --- applications -----------------------------------------------------------------------------

APP_COLUMNS = (
    Column("natural_person", "自然人", match=("自然人",)),
    Column("commercial_enterprise", "商业企业", match=("商业企业",)),
    Column("research_institution", "科研机构", match=("科研机构",)),
    # some reports write 社会组织 for 社会公益组织
    Column("social_welfare_organization", "社会公益组织", match=("社会公益组织", "社会组织")),
    Column("legal_service_agency", "法律服务机构", match=("法律服务机构",)),
    Column("other_organization", "其他", match=("其他",)),
    Column("total", "总计", match=("总计",)),
)
APPLICANT_COLUMNS = tuple(c.key for c in APP_COLUMNS if c.key != "total")

APP_ROWS = (
    Row("new_requests", "一、本年新收政府信息公开申请数量", match=("本年新收",)),
    Row("carried_over", "二、上年结转政府信息公开申请数量", match=("上年结转",)),
    Row("granted", "三、本年度办理结果（一）予以公开", match=("予以公开",)),
    Row("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        match=("部分公开",)),
    Row("withheld_state_secret", "（三）不予公开 1.属于国家秘密", match=("国家秘密",)),
    Row("withheld_prohibited_by_law", "2.其他法律行政法规禁止公开", match=("法规禁止公开",)),
    Row("withheld_security_stability", "3.危及“三安全一稳定”", match=("三安全一稳定", "危及")),
    Row("withheld_third_party", "4.保护第三方合法权益", match=("第三方合法权益",)),
    Row("withheld_internal_affairs", "5.属于三类内部事务信息", match=("内部事务",)),
    Row("withheld_process_information", "6.属于四类过程性信息", match=("过程性信息",)),
    Row("withheld_enforcement_file", "7.属于行政执法案卷", match=("执法案卷",)),
    Row("withheld_administrative_query", "8.属于行政查询事项", match=("行政查询",)),
    Row("unavailable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息", match=("不掌握",)),
    Row("unavailable_needs_creation", "2.没有现成信息需要另行制作", match=("另行制作", "没有现成")),
    Row("unavailable_still_unclear", "3.补正后申请内容仍不明确", match=("仍不明确",)),
    Row("not_processed_petition", "（五）不予处理 1.信访举报投诉类申请", match=("信访举报",)),
    Row("not_processed_duplicate", "2.重复申请", match=("重复申请",)),
    Row("not_processed_publication", "3.要求提供公开出版物", match=("公开出版物",)),
    Row("not_processed_excessive", "4.无正当理由大量反复申请", match=("大量反复",)),
    Row("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息",
        match=("重新出具", "确认或重新")),
    Row("other_no_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        templates=("2021",), match=("逾期不补正",)),
    Row("other_unpaid_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        templates=("2021",), match=("收费通知", "缴纳费用")),
    # "3.其他" has no distinctive word: it is recognised by position inside （六）其他处理
    Row("other_other", "3.其他", templates=("2021",), match=()),
    Row("other_handling", "（六）其他处理", templates=("2019",), match=("其他处理",)),
    Row("total_processed", "（七）总计", match=("七总计", "总计")),
    Row("carried_forward", "四、结转下年度继续办理", match=("结转下年度",)),
)

# rows that sum to total_processed (applications.outcome_sum), per template
OUTCOME_ROWS = {
    t: tuple(r.key for r in APP_ROWS
             if t in r.templates
             and r.key not in ("new_requests", "carried_over", "total_processed", "carried_forward"))
    for t in TEMPLATES
}

# --- review_litigation -----------------------------------------------------------------------

RL_ROWS = (
    Row("administrative_review", "行政复议", match=("行政复议",)),
    Row("litigation_direct", "行政诉讼·未经复议直接起诉", match=("未经复议直接起诉", "直接起诉")),
    Row("litigation_after_review", "行政诉讼·复议后起诉", match=("复议后起诉",)),
)
RL_COLUMNS = (
    Column("upheld", "结果维持", match=("维持",)),
    Column("corrected", "结果纠正", match=("纠正",)),
    Column("other", "其他结果", match=("其他",)),
    Column("pending", "尚未审结", match=("尚未审结", "审结")),
    Column("total", "总计", match=("总计",)),
)
RL_PARTS = ("upheld", "corrected", "other", "pending")


# --- helpers ----------------------------------------------------------------------------------

def rows(table: str, template: str) -> tuple[Row, ...]:
    """The rows of ``table`` in the order the template prints them."""
    source = {ACTIVE_DISCLOSURE: AD_ROWS, APPLICATIONS: APP_ROWS, REVIEW_LITIGATION: RL_ROWS}[table]
    return tuple(r for r in source if template in r.templates)


def columns(table: str, template: str, row: str | None = None) -> tuple[Column, ...]:
    """The columns of ``table`` (of ``row`` for active_disclosure, whose rows differ)."""
    if table == ACTIVE_DISCLOSURE:
        if row is None:
            keys: list[str] = []
            for r in rows(table, template):
                keys += [k for k in r.columns[template] if k not in keys]
        else:
            keys = list(next(r for r in AD_ROWS if r.key == row).columns[template])
        return tuple(AD_COLUMNS[k] for k in keys)
    return APP_COLUMNS if table == APPLICATIONS else RL_COLUMNS


def cells(template: str) -> list[tuple[str, str, str]]:
    """Every (table, row, column) a complete report of ``template`` has, in reading order."""
    out = []
    for table in TABLES:
        for r in rows(table, template):
            for c in columns(table, template, r.key):
                out.append((table, r.key, c.key))
    return out


def column_kind(table: str, column: str) -> str:
    if table == ACTIVE_DISCLOSURE:
        return AD_COLUMNS[column].kind
    return "count"


def label(table: str, key: str, *, column: bool = False) -> str:
    """The template's own Chinese label of a row key (or column key with ``column=True``)."""
    if column:
        pool = AD_COLUMNS.values() if table == ACTIVE_DISCLOSURE else (
            APP_COLUMNS if table == APPLICATIONS else RL_COLUMNS)
    else:
        pool = {ACTIVE_DISCLOSURE: AD_ROWS, APPLICATIONS: APP_ROWS,
                REVIEW_LITIGATION: RL_ROWS}[table]
    return next(x.label for x in pool if x.key == key)


_PUNCT = re.compile(r"[\s\u3000()（）\[\]【】、，,.．。:：;；“”\"'‘’·\-—_/|]+")


def normalise_label(text: str) -> str:
    """Fold the ways agencies write a label into one form for matching.

    NFKC turns full-width letters, digits and brackets into half-width; whitespace (wrapped or
    letter-spaced labels) and punctuation are dropped, so '（三）不 予 公\\n开' -> '三不予公开'.
    """
    text = unicodedata.normalize("NFKC", text or "")
    return _PUNCT.sub("", text)

"""The report's prose: sentences, the figures they state, section 六 (gongkai.narrative).

Real documents first (淮安 2024 and 黑龙江省工信厅 2020, figures read by hand), then the fixture
generator's prose templates (the contract lists exactly which figures they state), then every
fixture PDF: no table cell may become a figure.
"""

from __future__ import annotations

import json
import re
import string
from functools import cache
from pathlib import Path

import pytest

from gongkai import vocabulary as V
from gongkai.extract.document import open_pdf
from gongkai.narrative import (
    FIGURES,
    Sentence,
    comparable_sentences,
    section_six,
    sentences,
    stated_figures,
)

FIXTURES = Path(__file__).parent / "fixtures"
HUAIAN = FIXTURES / "real" / "huaian-city-2024.pdf"
HLJ = FIXTURES / "reports" / "heilongjiang-gxt-2020.pdf"
HLJ_TEXT = Path("/work/shared/reference/real/heilongjiang-gxt-2020.txt")
REPORTS = sorted((FIXTURES / "reports").glob("*.pdf"))


@cache
def page_texts(pdf: Path) -> tuple[str, ...]:
    # what gongkai.extract.extract_report puts in Report.page_texts
    return tuple(open_pdf(pdf).page_texts)


def read(pdf: Path) -> list[Sentence]:
    return sentences(list(page_texts(pdf)))


def found(sents: list[Sentence]) -> list[tuple[str, int, int]]:
    return [(f.figure, f.value, f.page) for f in stated_figures(sents)]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- 淮安市人民政府 2024 (tests/fixtures/golden/narrative-huaian.md) ----------------------------

def test_huaian_figures_as_read_by_hand():
    # 新增公开市政府规章 1 件 counts as regulations (a 规章 is published when made); 市政府及市政府
    # 办政策性文件 11 件 is no normative_documents figure (政策性文件 is wider than 规范性文件);
    # 5500 余条, the review/litigation sub-results (结果维持 72 件 …) are no figures either
    assert found(read(HUAIAN)) == [
        ("regulations", 1, 1),
        ("new_requests", 3119, 2),
        ("total_processed", 3050, 2),
        ("carried_over", 34, 2),
        ("carried_forward", 103, 2),
        ("administrative_review", 351, 2),
        ("litigation", 46, 2),
    ]


def test_huaian_phrases_and_sentences():
    figures = {f.figure: f for f in stated_figures(read(HUAIAN))}
    assert figures["new_requests"].phrase == "受理政府信息公开申请3119件"
    assert figures["carried_forward"].phrase == "103件顺延到下年度"
    assert figures["carried_over"].sentence.startswith("2024年，全市共受理政府信息公开申请3119件")
    # one sentence states four figures
    assert len({f.seq for f in figures.values()
                if f.figure in ("new_requests", "total_processed", "carried_over",
                                "carried_forward")}) == 1


def test_huaian_sentences_leave_out_tables_and_page_numbers():
    sents = read(HUAIAN)
    text = "".join(s.text for s in sents)
    for table_text in ("本年制发件数", "447228", "勾稽关系", "本年新收政府信息公开申请数量",
                       "属于国家秘密", "未经复议直接起诉", "96171.6", "1362", "- 2 -"):
        assert table_text not in text
    # a sentence wrapped over the page break from p.1 to p.2 is whole, on the page it starts on
    wrapped = next(s for s in sents if "新闻发布会12场" in s.text)
    assert wrapped.page == 1 and wrapped.text.startswith("紧紧围绕保障民生")
    assert [s.seq for s in sents] == list(range(len(sents)))
    assert "一、总体情况" in [s.text for s in sents]


def test_huaian_section_six():
    six = section_six(read(HUAIAN))
    assert six is not None
    assert six[0].text == "六、其他需要报告的事项" and six[0].page == 6
    assert any("信息处理费3940元" in s.text for s in six)
    assert not any("存在的主要问题" in s.text for s in six)


# --- 黑龙江省工业和信息化厅 2020 (the real text, rebuilt as a fixture PDF) -------------------------

def test_heilongjiang_states_no_figure():
    # Read by hand, its prose states none of the contract's figures:
    #   规范性发布文件 10 件          not 制发/出台/新制定 规范性文件
    #   申请公开政府信息事项 8 条      not 收到/受理 … 申请 N 件
    #   接收依申请公开事项 8 项        not 共接收 … 申请 N 件
    #   行政许可 372 件、行政处罚 6 件  not figures; 办结率 100% is a rate
    #   未发生行政复议、行政诉讼案件    no number
    assert found(read(HLJ)) == []


def test_heilongjiang_sentences_are_the_real_prose():
    if not HLJ_TEXT.exists():
        pytest.skip("the shared reference text is not here")
    reference = HLJ_TEXT.read_text(encoding="utf-8")
    assert found(sentences([reference])) == []
    pdf_text = squash("".join(s.text for s in read(HLJ)))
    # every prose clause of the original is in the sentences read from the PDF (table lines,
    # which have tabs, are not)
    prose = [line for line in reference.splitlines() if "\t" not in line and "<" not in line]
    clauses = [c for line in prose for c in re.split("[。；：]", squash(line)) if len(c) >= 12]
    assert len(clauses) > 50
    missing = [c for c in clauses if c not in pdf_text and not c.startswith("黑龙江省工业和信息化厅2020年度")]
    assert missing == []
    for table_text in ("信息内容", "本年新制作数量", "5048", "勾稽关系", "重复申请", "复议后起诉"):
        assert table_text not in pdf_text


# --- the fixture generator's prose templates ---------------------------------------------------

try:
    from tests.fixtures import make_fixtures as mf
except ImportError:  # it needs python-docx (the fixtures extra): those tests are skipped
    mf = None

TEXT_FIELDS = {"year": "2023", "short": "市政府", "upper": "省政府办公厅", "trend": "有所增加",
               "topic": "房屋征收补偿、规划审批", "tel": "0515-88889999", "amount": "12.5万元"}
# exactly the figures the contract says these templates state: (figure, the field it is)
STATED = {
    ("S1_ACTIVE", 0): [("normative_documents", "nd")],
    ("S1_ACTIVE", 1): [("normative_documents", "nd")],
    ("S1_APPLY", 0): [("new_requests", "new"), ("carried_over", "co"), ("total_processed", "tp"),
                      ("granted", "gr"), ("partially_granted", "pg"), ("carried_forward", "cf")],
    ("S1_APPLY", 1): [("new_requests", "new"), ("total_processed", "tp")],
    ("S1_APPLY", 2): [("new_requests", "new"), ("total_processed", "tp"), ("granted", "gr"),
                      ("unavailable_not_held", "nh"), ("administrative_review", "rv"),
                      ("litigation", "lit")],
    ("S3_INTRO", 1): [("new_requests", "new"), ("carried_over", "co"), ("total_processed", "tp"),
                      ("carried_forward", "cf")],
    ("S4_INTRO", 0): [("administrative_review", "rv"), ("litigation", "lit")],
}


def prose_templates() -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    if mf is None:
        return out
    for name in ("S1_OPEN", "S1_ACTIVE", "S1_APPLY", "S1_MANAGE", "S1_PLATFORM", "S1_SUPERVISE",
                 "S2_INTRO", "S3_INTRO", "S4_INTRO", "S5", "S6_FEE_NONE", "S6_FEE_SOME",
                 "S6_OTHER", "FILLER", "SHORT_FILLER"):
        value = getattr(mf, name)
        items = [value] if isinstance(value, str) else value
        flat = [t for item in items for t in ([item] if isinstance(item, str) else item)]
        out += [(name, i, t) for i, t in enumerate(flat) if t]
    return out


def fill(template: str) -> tuple[str, dict[str, int]]:
    """The template with every number field a distinct number (101, 102 …)."""
    fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    numbers = {f: 101 + i for i, f in enumerate(dict.fromkeys(fields)) if f not in TEXT_FIELDS}
    return template.format(**TEXT_FIELDS, **numbers), numbers


@pytest.mark.parametrize("name,index,template", prose_templates(),
                         ids=[f"{n}[{i}]" for n, i, _ in prose_templates()])
def test_generator_prose_states_exactly_the_contract_figures(name, index, template):
    text, numbers = fill(template)
    expected = [(figure, numbers[field]) for figure, field in STATED.get((name, index), [])]
    assert [(f.figure, f.value) for f in stated_figures(sentences([text]))] == expected


@pytest.mark.skipif(mf is None, reason="the fixture generator needs python-docx")
def test_every_stated_template_is_a_generator_template():
    names = {(n, i) for n, i, _ in prose_templates()}
    assert set(STATED) <= names


# --- every fixture PDF ------------------------------------------------------------------------

def table_value(golden: dict, figure: str) -> int:
    values = {(f["table"], f["row"], f["column"]): f["value"] for f in golden["facts"]}
    return sum(values.get(c) or 0 for c in FIGURES[figure].cells(golden["template"]))


@pytest.mark.parametrize("pdf", REPORTS, ids=[p.stem for p in REPORTS])
def test_fixture_figures_come_from_prose_never_tables(pdf):
    golden = json.loads((FIXTURES / "golden" / f"{pdf.stem}.json").read_text(encoding="utf-8"))
    sents = read(pdf)
    figures = stated_figures(sents)
    if "stated_figures" in golden:  # as make_prose wrote them
        assert [(f.figure, f.value) for f in figures] == \
            [(x["figure"], x["value"]) for x in golden["stated_figures"]]
    # each figure is the table's, or a contradiction the golden file lists: a table cell read as
    # a figure would be neither
    for f in figures:
        expected = table_value(golden, f.figure)
        assert f.value == expected or {"rule": "narrative.stated_figures", "figure": f.figure,
                                       "expected": expected, "actual": f.value} \
            in golden["failures"], f
        assert f.phrase in f.sentence and f.phrase.endswith(("件", "下年度"))
        assert not re.search("数量|总计|信息内容|第二十条", f.phrase)
    if pdf != HLJ:
        # every S1_APPLY variant states new_requests and total_processed
        assert {"new_requests", "total_processed"} <= {f.figure for f in figures}
    text = "".join(s.text for s in sents)
    for table_text in ("勾稽关系", "本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量",
                       "本年处理决定数量", "属于国家秘密", "未经复议直接起诉", "信息内容"):
        assert table_text not in text
    for s in sents:
        assert s.text and s.text == s.text.strip()
        assert not re.search(r"\d \d", s.text), s.text  # no row of table numbers
        assert not re.search(r"(?<=[^\x00-\x7f])\s|\s(?=[^\x00-\x7f])", s.text)
    assert [s.seq for s in sents] == list(range(len(sents)))
    assert all(1 <= s.page <= len(page_texts(pdf)) for s in sents)
    headings = [s.text[:2] for s in sents if re.match("[一二三四五六]、", s.text)]
    assert headings == ["一、", "二、", "三、", "四、", "五、", "六、"]


def test_section_six_of_generated_fixtures():
    six = section_six(read(FIXTURES / "reports" / "t21-demo-hai-city-2022.pdf"))
    assert six[0].text == "六、其他需要报告的事项"
    assert any("收取信息处理费2837万元" in s.text for s in six)
    six = section_six(read(FIXTURES / "reports" / "s19-demo-county-town-2019.pdf"))
    assert any("未收取政府信息公开信息处理费" in s.text for s in six)
    assert not any("存在的主要问题" in s.text for s in six)


# --- the parts, on small texts ------------------------------------------------------------------

def figures_of(text: str) -> list[tuple[str, int]]:
    return [(f.figure, f.value) for f in stated_figures(sentences([text]))]


def test_numbers_full_width_separated_or_spaced():
    assert figures_of("全年共受理政府信息公开申请３１１９件。") == [("new_requests", 3119)]
    assert figures_of("全年共受理政府信息公开申请3,119件。") == [("new_requests", 3119)]
    assert figures_of("全年共受理政府信息公开申请 3119 件。") == [("new_requests", 3119)]


def test_not_figures():
    assert figures_of("全年共受理政府信息公开申请3000余件，办结约200件，答复近100件。") == []
    assert figures_of("制发政策文件5件，出台政策性文件11件，印发文件3件。") == []
    assert figures_of("作出行政许可决定20件，行政处罚30件，废止规范性文件2件，办结率100%。") == []
    assert figures_of("收到人大代表建议12件、政协提案8件。") == []
    # subsets and comparisons: by channel, not in time, last year's
    assert figures_of("其中网上受理政府信息公开申请8件，延期答复2件，尚未办结1件。") == []
    assert figures_of("上年受理政府信息公开申请10件。") == []
    # a combined count of 规章 and 规范性文件 is neither
    assert figures_of("制发规章和规范性文件5件。") == []


def test_counts_after_review_are_not_the_applications():
    assert figures_of("收到行政复议申请3件（含上年结转1件），已办结2件。") == []
    assert figures_of("被申请行政复议3件，其中上年结转1件。") == [("administrative_review", 3)]


def test_the_same_figure_twice_in_a_sentence_is_kept_twice():
    assert figures_of("全年受理政府信息公开申请100件，各县区受理政府信息公开申请200件。") == [
        ("new_requests", 100), ("new_requests", 200)]


def test_regulations_and_normative_documents():
    assert figures_of("本年度新制定规章2件，出台行政规范性文件7件。") == [
        ("regulations", 2), ("normative_documents", 7)]


def wrapped(paragraph: str, width: int = 30) -> list[str]:
    """A paragraph as a PDF prints it: lines of ``width`` characters, CJK wrapped anywhere."""
    return [paragraph[i:i + width] for i in range(0, len(paragraph), width)]


def test_sentences_join_wraps_and_pages_and_drop_tables():
    first = ("本年度，本机关坚持依法公开，认真落实条例各项规定，持续做好依申请公开工作，"
             "全年共受理政府信息公开申请 12 件，办结 10 件，其中予以公开 5 件。"
             "下一步将持续做好依申请公开工作，不断提升工作质效和群众满意度。")
    lines = wrapped(first)
    page_1 = ["- 1 -", "淮安市人民政府", "一、总体情况", *lines[:2]]
    page_2 = ["— 2 —", *lines[2:], "二、主动公开政府信息情况", "第二十条 第（一）项",
              "信息内容 本年制发件数 本年废止件数 现行有效件数", "规章 1 0 11",
              "行政规范性文件 8 26 66", "三、收到和处理政府信息公开申请情况",
              "一、本年新收政府信息公开申请数量 12 0 0 0 0 0 12", "第3页"]
    sents = sentences(["\r\n".join(page_1), "\r\n".join(page_2)])
    assert [(s.page, s.text) for s in sents] == [
        (1, "一、总体情况"),
        (1, "本年度，本机关坚持依法公开，认真落实条例各项规定，持续做好依申请公开工作，"
            "全年共受理政府信息公开申请12件，办结10件，其中予以公开5件。"),
        (2, "下一步将持续做好依申请公开工作，不断提升工作质效和群众满意度。"),
        (2, "二、主动公开政府信息情况"),
        (2, "三、收到和处理政府信息公开申请情况"),
    ]
    assert [(f.figure, f.value, f.page) for f in stated_figures(sents)] == [
        ("new_requests", 12, 1), ("total_processed", 10, 1), ("granted", 5, 1)]


def test_figure_cells_per_template():
    assert FIGURES["regulations"].cells("2021") == (("active_disclosure", "regulations", "issued"),)
    assert FIGURES["normative_documents"].cells("2019") == (
        ("active_disclosure", "normative_documents", "newly_made"),)
    assert FIGURES["litigation"].cells("2021") == (
        ("review_litigation", "litigation_direct", "total"),
        ("review_litigation", "litigation_after_review", "total"))
    withheld = FIGURES["withheld"].cells("2019")
    assert len(withheld) == 8 and all(r.startswith("withheld_") and c == "total"
                                      for _, r, c in withheld)
    assert [r for _, r, _ in FIGURES["unavailable"].cells("2021")] == [
        "unavailable_not_held", "unavailable_needs_creation", "unavailable_still_unclear"]
    assert len(FIGURES["not_processed"].cells("2021")) == 5
    every_cell = set(V.cells("2019")) | set(V.cells("2021"))
    for figure in FIGURES.values():
        for template in V.TEMPLATES:
            assert set(figure.cells(template)) <= every_cell


def test_section_six_variants_and_absence():
    text = "五、存在的主要问题及改进情况\n一是解读不够。\n六、 其它需要报告的事项\n本年度未收取信息处理费。\n"
    six = section_six(sentences([text]))
    assert [s.text for s in six] == ["六、其它需要报告的事项", "本年度未收取信息处理费。"]
    assert section_six(sentences(["一、总体情况\n本年度未收取信息处理费。\n"])) is None


def test_comparable_sentences():
    sents = [Sentence(1, 0, "2024年，全市共受理政府信息公开申请 3119 件。"), Sentence(1, 1, "一、总体情况")]
    assert comparable_sentences(sents) == ["####年，全市共受理政府信息公开申请####件。"]

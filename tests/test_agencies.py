"""Agency level (for plausibility.rule_making_power) and agency identity (for cross-year rules)."""

import pytest

from gongkai.agencies import ALIASES_PATH, AgencyLevel, level, load_aliases, normalise, resolve


@pytest.mark.parametrize(("name", "tier", "kind", "power"), [
    # 设区的市 and 县级市 look alike: every "XX市人民政府" counts as having the power
    ("淮安市人民政府", "prefecture", "government", True),
    ("宿迁市人民政府", "prefecture", "government", True),
    ("黑龙江省工业和信息化厅", "provincial", "department", False),
    ("黑龙江省人民政府", "provincial", "government", True),
    ("北京市人民政府", "provincial", "government", True),  # 直辖市
    ("上海市人民政府", "provincial", "government", True),
    ("广西壮族自治区人民政府", "provincial", "government", True),
    ("延边朝鲜族自治州人民政府", "prefecture", "government", True),
    ("大兴安岭地区行政公署", "prefecture", "government", False),  # 地区 is no 设区的市
    ("徐州市自然资源和规划局", "prefecture", "department", False),
    ("黑河市审计局", "prefecture", "department", False),
    ("北京市朝阳区人民政府", "county", "government", False),
    ("南京市鼓楼区财政局", "county", "department", False),
    ("淮安市洪泽区人民政府", "county", "government", False),
    ("洪泽区人民政府", "county", "government", False),
    ("灌南县人民政府", "county", "government", False),
    ("哈尔滨市道里区人民政府", "county", "government", False),
    ("泰兴市黄桥镇人民政府", "township", "government", False),
    ("南京市江宁区东山街道办事处", "township", "government", False),
    ("宁安市渤海镇人民政府", "township", "government", False),
    ("某某市某某区某某街道", "township", "government", False),
    ("中华人民共和国教育部", "national", "department", True),
    ("教育部", "national", "department", True),
    ("国家税务总局", "national", "department", True),
    ("国务院办公厅", "national", "department", True),
])
def test_level_of_the_examples(name, tier, kind, power):
    assert level(name) == AgencyLevel(tier, kind, power)


@pytest.mark.parametrize(("name", "tier", "kind", "power"), [
    # organ words that hold a division's character are not divisions
    ("淮安市住房和城乡建设局", "prefecture", "department", False),
    ("盐城市城市管理局", "prefecture", "department", False),
    ("淮安市市场监督管理局", "prefecture", "department", False),
    # 徐州 and 通州 are not cut at 州; one-character counties are counties
    ("徐州市丰县人民政府", "county", "government", False),
    ("沛县人民政府", "county", "government", False),
    ("北京市通州区人民政府", "county", "government", False),
    # a 市 under a 市 is a 县级市
    ("泰州市泰兴市人民政府", "county", "government", False),
    ("锡林郭勒盟行政公署", "prefecture", "government", False),
    ("阿拉善左旗人民政府", "county", "government", False),
    # a vertically managed local branch is a local department
    ("国家税务总局淮安市税务局", "prefecture", "department", False),
    # the government's office may report for the government: cannot tell
    ("江苏省人民政府办公厅", "provincial", "department", None),
    ("洪泽区人民政府办公室", "county", "department", False),
    ("淮安市 人民政府", "prefecture", "government", True),
    ("ＸＸ", "unknown", "unknown", None),
    ("市人民政府", "unknown", "unknown", None),
    ("", "unknown", "unknown", None),
    (None, "unknown", "unknown", None),
])
def test_level_of_harder_names(name, tier, kind, power):
    assert level(name) == AgencyLevel(tier, kind, power)


def test_normalise():
    assert normalise(" 淮安市\u3000洪泽区 人民政府\n") == "淮安市洪泽区人民政府"
    assert normalise("淮安市(洪泽区)") == normalise("淮安市（洪泽区）") == "淮安市（洪泽区）"
    assert normalise("南京市［江宁区］") == "南京市（江宁区）"
    assert normalise("ＡＢ１２") == "AB12"
    assert normalise(None) == ""


def test_the_hongze_spellings_are_one_agency_named_by_the_fullest():
    names = ["洪泽区人民政府", "淮安市洪泽区人民政府", "江苏省淮安市洪泽区人民政府", "淮安市人民政府"]
    assert resolve(names) == {
        "洪泽区人民政府": "江苏省淮安市洪泽区人民政府",
        "淮安市洪泽区人民政府": "江苏省淮安市洪泽区人民政府",
        "江苏省淮安市洪泽区人民政府": "江苏省淮安市洪泽区人民政府",
        "淮安市人民政府": "淮安市人民政府",
    }
    assert resolve(["洪泽区人民政府", "淮安市洪泽区人民政府"])["洪泽区人民政府"] == "淮安市洪泽区人民政府"


def test_a_short_name_shared_by_two_places_is_merged_with_neither():
    names = ["南京市鼓楼区人民政府", "徐州市鼓楼区人民政府", "鼓楼区人民政府"]
    assert resolve(names) == {n: n for n in names}
    # the fuller spelling of one of them still pairs with it
    out = resolve(names + ["江苏省南京市鼓楼区人民政府"])
    assert out["南京市鼓楼区人民政府"] == "江苏省南京市鼓楼区人民政府"
    assert out["徐州市鼓楼区人民政府"] == "徐州市鼓楼区人民政府"
    assert out["鼓楼区人民政府"] == "鼓楼区人民政府"


def test_no_merging_without_a_division_left():
    names = ["淮安市人民政府", "宿迁市人民政府", "市人民政府", "人民政府", "安市人民政府"]
    assert resolve(names) == {n: n for n in names}
    # a department and its government are different agencies
    assert resolve(["淮安市财政局", "淮安市人民政府"]) == {
        "淮安市财政局": "淮安市财政局", "淮安市人民政府": "淮安市人民政府"}


def test_spaces_and_width_variants_are_the_same_name():
    out = resolve(["淮安市 洪泽区人民政府", "洪泽区　人民政府", "淮安市洪泽区人民政府"])
    assert out["淮安市 洪泽区人民政府"] == out["洪泽区　人民政府"] == "淮安市洪泽区人民政府"
    assert out["淮安市洪泽区人民政府"] == "淮安市洪泽区人民政府"
    assert resolve(["(某)县人民政府"]) == {"(某)县人民政府": "（某）县人民政府"}


def test_aliases_apply_first():
    aliases = {"徐州市国土资源局": "徐州市自然资源和规划局",
               "淮安市洪泽区人民政府办公室": "淮安市洪泽区人民政府",
               "鼓楼区人民政府": "南京市鼓楼区人民政府"}
    names = ["徐州市国土资源局", "徐州市自然资源和规划局", "淮安市洪泽区人民政府办公室", "洪泽区人民政府",
             "鼓楼区人民政府", "徐州市鼓楼区人民政府"]
    out = resolve(names, aliases)
    assert out["徐州市国土资源局"] == out["徐州市自然资源和规划局"] == "徐州市自然资源和规划局"
    # the alias's own (longer) spelling is not a candidate for the canonical name
    assert out["淮安市洪泽区人民政府办公室"] == out["洪泽区人民政府"] == "淮安市洪泽区人民政府"
    # an alias settles an ambiguity
    assert out["鼓楼区人民政府"] == "南京市鼓楼区人民政府"
    assert out["徐州市鼓楼区人民政府"] == "徐州市鼓楼区人民政府"
    # aliases are matched after normalising
    assert resolve(["徐州市 国土资源局"], {"徐州市国土资源局 ": "徐州市自然资源和规划局"}) == {
        "徐州市 国土资源局": "徐州市自然资源和规划局"}


def test_the_seed_alias_table_loads():
    aliases = load_aliases(ALIASES_PATH)
    assert aliases["徐州市国土资源局"] == "徐州市自然资源和规划局"
    assert aliases["淮安市洪泽区人民政府办公室"] == "淮安市洪泽区人民政府"
    assert load_aliases() == aliases


def test_alias_table_with_comments_blanks_and_two_columns(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text("# a comment first\nalias,canonical,note\n\n  # indented comment\n"
                    "甲县人民政府 , 乙市甲县人民政府\n丙局,丁局,\"renamed, 2019\"\n", encoding="utf-8")
    assert load_aliases(path) == {"甲县人民政府": "乙市甲县人民政府", "丙局": "丁局"}


@pytest.mark.parametrize(("text", "line"), [
    ("alias,canonical,note\n# ok\n甲,乙,note,extra\n", 3),
    ("alias,canonical,note\n\n甲\n", 3),
    ("alias,canonical,note\n甲,乙\n,乙,x\n", 3),
    ("alias,canonical,note\n甲,,x\n", 2),
    ("alias,canonical,note\n甲,乙\n甲,丙\n", 3),
    ("alias,canonical,note\n甲,甲\n", 2),
    ("# header missing\n甲,乙,note\n", 2),
    ("alias,canonical,note\n\"甲,乙\n", 2),
])
def test_a_malformed_alias_row_names_file_and_line(tmp_path, text, line):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=rf"bad\.csv:{line}:"):
        load_aliases(path)

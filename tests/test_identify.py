from pathlib import Path

import pytest

from gongkai.extract.identify import identify

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "real"


@pytest.mark.parametrize(("first_page", "agency", "year"), [
    ("            淮安市人民政府\n     2024 年政府信息公开工作年度报告\n 本报告由", "淮安市人民政府", 2024),
    ("黑龙江省工业和信息化厅 2020 年度政府信息公开工作报告\n按照", "黑龙江省工业和信息化厅", 2020),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告\n发布日期", "上海市人民政府办公厅", 2019),
    ("淮安市洪泽区人民政府\n2023年度政府信息公开工作年度报告", "淮安市洪泽区人民政府", 2023),
    ("南京市玄武区人民政府办公室政府信息公开工作年度报告（2023年度）", "南京市玄武区人民政府办公室", 2023),
    ("关于无锡市财政局2022年度政府信息公开工作年度报告的公告", "无锡市财政局", 2022),
])
def test_agency_and_year_from_the_title(first_page, agency, year):
    assert identify([first_page]) == (agency, year)


def test_agency_from_the_sign_off_when_the_title_names_only_the_year():
    pages = ["2022年度政府信息公开工作年度报告\n一、总体情况\n……",
             "六、其他需要报告的事项\n无。\n苏州市吴中区水务局\n2023年1月16日\n"]
    assert identify(pages) == ("苏州市吴中区水务局", 2022)


def test_year_from_the_reporting_period_when_the_title_has_none():
    text = "政府信息公开工作年度报告\n报告所列统计期限自 2022 年 1 月 1 日至 2022 年 12 月 31 日。"
    assert identify([text]) == (None, 2022)


@pytest.mark.skipif(not (SHARED / "heilongjiang-gxt-2020.txt").exists(), reason="../shared absent")
def test_the_real_heilongjiang_text():
    text = (SHARED / "heilongjiang-gxt-2020.txt").read_text(encoding="utf-8")
    assert identify([text]) == ("黑龙江省工业和信息化厅", 2020)

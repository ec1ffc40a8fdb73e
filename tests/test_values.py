from decimal import Decimal

import pytest

from gongkai.values import CellValueError, parse_cell


@pytest.mark.parametrize(("raw", "kind", "value", "unit"), [
    ("1", "count", 1, None),
    ("", "count", None, None),
    ("/", "count", None, None),
    ("—", "count", None, None),
    ("无", "count", None, None),
    ("１２３", "count", 123, None),
    ("1,234", "count", 1234, None),
    ("1，234", "count", 1234, None),
    ("+323", "signed", 323, None),
    ("-2", "signed", -2, None),
    ("0", "signed", 0, None),
    ("96171.6", "money", Decimal("96171.6"), None),
    ("251000元", "money", Decimal("25.1"), "元"),
    ("5048 万元", "money", Decimal("5048"), "万元"),
    ("3940元", "money", Decimal("0.394"), "元"),
    ("100000", "money", Decimal("100000"), None),
    ("12 件", "count", 12, None),
    ("0件", "count", 0, None),
    ("增加3", "signed", 3, None),
    ("减少2", "signed", -2, None),
    ("减2", "signed", -2, None),
])
def test_cell_values_follow_the_spec(raw, kind, value, unit):
    parsed = parse_cell(raw, kind)
    assert parsed.value == value and parsed.unit == unit
    assert str(parsed.value).count("E") == 0


def test_money_in_yuan_when_the_header_says_so():
    assert parse_cell("3940", "money", default_unit="元").value == Decimal("0.394")


@pytest.mark.parametrize("raw", ["12元", "1.5", "abc", "3 4 5x", "件"])
def test_text_that_is_not_a_count_is_refused(raw):
    with pytest.raises(CellValueError):
        parse_cell(raw, "count")


def test_a_sign_on_a_count_is_kept_as_printed():
    # "-1" printed in a 总计 cell is read as -1: judging it is the rules' job, not the reader's
    assert parse_cell("-1", "count").value == -1

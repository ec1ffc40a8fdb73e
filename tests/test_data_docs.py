"""Great Expectations Data Docs of rule validations (expectations/data_docs.py): a real GX site."""

from __future__ import annotations

import pandas as pd

import expectations
from expectations.data_docs import build_data_docs, validation_pages

BALANCE = expectations.rule("applications.balance")
NON_NEGATIVE = expectations.rule("plausibility.non_negative")


def validations():
    balance = pd.DataFrame({
        "report": ["淮安市人民政府 2024", "淮安市人民政府 2024", "黑龙江省工业和信息化厅 2020"],
        "instance": ["natural_person", "total", "legal_person_commercial"],
        "residual": [0.0, 0.0, 3.0],  # the last column fails: 3 more requests than handled
    })
    non_negative = pd.DataFrame({
        "report": ["淮安市人民政府 2024", "黑龙江省工业和信息化厅 2020"],
        "instance": ["report", "report"],
        "violations": [0.0, 0.0],
    })
    return [(BALANCE, balance), (NON_NEGATIVE, non_negative)]


def text(path) -> str:
    return path.read_text(encoding="utf-8")


def test_data_docs_site(tmp_path):
    site = tmp_path / "docs"
    index = build_data_docs(validations(), site)
    assert index == site / "index.html" and index.is_file()

    (balance_page,) = validation_pages(site, BALANCE)
    (non_negative_page,) = validation_pages(site, NON_NEGATIVE)
    index_html = text(index)
    for page in (balance_page, non_negative_page):
        assert page.relative_to(site).as_posix() in index_html  # the index links each result

    balance_html = text(balance_page)
    # the failing row, identified by report and column key; the passing rows are not listed
    assert "legal_person_commercial" in balance_html
    assert "黑龙江省工业和信息化厅 2020" in balance_html
    assert "natural_person" not in balance_html
    assert "1 unexpected values found" in balance_html
    # the expectation carries the rule: id, severity, titles
    assert "applications.balance [error]" in balance_html
    assert BALANCE.title_zh in balance_html and "Applications balance" in balance_html

    non_negative_html = text(non_negative_page)
    assert "unexpected values found" not in non_negative_html
    assert NON_NEGATIVE.title_zh in non_negative_html

    # the suite pages show the notes: titles, severity, basis
    suite_html = text(site / "expectations" / "applications" / "balance.html")
    for part in (BALANCE.title_zh, "Severity", "本列数据的勾稽关系为"):
        assert part in suite_html


def test_a_second_build_replaces_the_first(tmp_path):
    site = tmp_path / "docs"
    build_data_docs(validations(), site)
    (first,) = validation_pages(site, BALANCE)
    (site / "stale.txt").write_text("from the first build")

    balance = validations()[0][1].assign(residual=0.0)
    index = build_data_docs([(BALANCE, balance)], site)

    assert index.is_file()
    assert not (site / "stale.txt").exists() and not first.exists()
    (second,) = validation_pages(site, BALANCE)
    assert "unexpected values found" not in text(second)
    assert validation_pages(site, NON_NEGATIVE) == []
    assert not (site / "expectations" / "plausibility").exists()
    # no staging or previous site left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]

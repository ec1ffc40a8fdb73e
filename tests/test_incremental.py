"""A run evaluates what changed: new reports, the year after them (cross-year rules), a rule
whose version changed; and what it stores equals a full evaluation of the warehouse."""

from __future__ import annotations

import dataclasses

import pytest

from expectations import incremental
from expectations.evaluate import evaluate
from expectations.evaluate import store as store_all
from expectations.rules import RULES
from gongkai.extract import extract_report
from tests.samples import FIXTURE_REPORTS
from warehouse import db, store

# one agency's reports of three consecutive years (the cross-year rules pair them)
YEARS = {year: FIXTURE_REPORTS / f"t21-demo-county-{year}.pdf" for year in (2022, 2023, 2024)}
CROSS_YEAR = {r.id for r in RULES if r.cross_year}


@pytest.fixture(scope="module")
def reports():
    return {year: extract_report(path) for year, path in YEARS.items()}


def _run(con, rules=RULES):
    work = incremental.plan(con, rules)
    incremental.store_changes(con, work, incremental.evaluate_changes(con, work, rules), rules)
    return work


def _results(con):
    return sorted(con.execute(
        "SELECT report_id, rule, status, table_name, row_key, column_key, figure, expected, "
        "actual, message FROM rule_results").fetchall(), key=repr)


def test_only_what_changed_is_evaluated_and_equals_a_full_evaluation(tmp_path, reports):
    con = db.connect(tmp_path / "gongkai.duckdb")
    try:
        ids = {y: store.load_report(con, reports[y])["report_id"] for y in (2022, 2024)}
        first = _run(con)
        assert set(first.values()) == {None}  # never evaluated: every report, every rule
        nothing = _run(con)
        assert all(v == [] for v in nothing.values())
        assert incremental.planned_count(nothing) == "nothing new to evaluate"

        ids[2023] = store.load_report(con, reports[2023])["report_id"]
        work = _run(con)
        for rule in RULES:
            # 2024's previous year is now there: its cross-year instances change
            expected = ({ids[2023], ids[2024]} if rule.id in CROSS_YEAR else {ids[2023]})
            assert set(work[rule.id]) == expected, rule.id
        incremental_results = _results(con)
        store_all(con, evaluate(con))  # the whole warehouse, every rule, replaced
        assert _results(con) == incremental_results
    finally:
        con.close()


def test_a_changed_rule_is_re_evaluated_alone(tmp_path, reports):
    con = db.connect(tmp_path / "gongkai.duckdb")
    try:
        store.load_report(con, reports[2022])
        _run(con)
        changed = dataclasses.replace(RULES[0], version=RULES[0].version + 1)
        rules = (changed, *RULES[1:])
        work = _run(con, rules)
        assert work[changed.id] is None
        assert all(work[r.id] == [] for r in RULES[1:])
        versions = dict(con.execute("SELECT rule, version FROM evaluated_rules").fetchall())
        assert versions[changed.id] == changed.version
        stored = con.execute("SELECT DISTINCT rule_version FROM rule_results WHERE rule = ?",
                             [changed.id]).fetchall()
        assert stored == [(changed.version,)]
    finally:
        con.close()

"""``gongkai check`` pays only for what it runs: it decides findings without Great Expectations
(``expectations.kinds.fails``; ``test_extraction.py::test_gx_verdicts_equal_the_bounds_on_every_fixture``
holds GX's verdicts equal), so neither GX (~7 s to import cold) nor ``scipy.stats`` (~2.6 s,
imported by GX) is imported."""

from __future__ import annotations

import json
import subprocess
import sys

from gongkai.config import ROOT

REPORT = ROOT / "tests/fixtures/real/huaian-city-2024.pdf"

PROGRAM = """
import json, sys
from gongkai.cli import main
code = None
try:
    main(["check", "--json", sys.argv[1]])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"exit": code, "heavy": sorted(m for m in sys.modules
                  if m.split(".")[0] in ("great_expectations", "scipy", "dagster"))}))
"""


def test_check_imports_neither_gx_nor_scipy():
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(REPORT)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    *findings, last = done.stdout.strip().splitlines()
    state = json.loads(last)
    assert state == {"exit": 0, "heavy": []}
    (report,) = [json.loads(line) for line in findings]
    assert report["findings"] and all(f["status"] in ("pass", "fail", "not_assessable")
                                      for f in report["findings"])


# a chain of one (invented) agency's years, so that the cross-year rules have instances too
CHAIN = [ROOT / "tests/fixtures/portal/reports" / f"demo-district-{year}.pdf"
         for year in (2019, 2020, 2021)]


def _comparable(findings: list[list[dict]]) -> list[list[dict]]:
    return [[{k: v for k, v in f.items() if k != "evaluated_at"} for f in report]
            for report in findings]


def test_the_rules_process_says_what_the_check_in_process_says():
    from expectations import check_reports
    from gongkai.extract import extract_report
    from gongkai.rules_ahead import RulesAhead

    reports = [extract_report(p) for p in [REPORT, *CHAIN]]
    ahead = RulesAhead()
    assert ahead._process is not None  # forked: this is the path `gongkai check` takes
    assert _comparable(ahead.check_reports(reports)) == _comparable(check_reports(reports))


def test_a_failing_rules_process_costs_only_time(monkeypatch, capsys):
    """The forked process inherits a broken preparation: the findings are made here instead,
    the same, and stderr says why."""
    import importlib

    from gongkai.extract import extract_report
    from gongkai.rules_ahead import RulesAhead

    # the module, not the package's function of the same name
    evaluate = importlib.import_module("expectations.evaluate")
    reports = [extract_report(p) for p in CHAIN[:2]]
    expected = _comparable(evaluate.check_reports(reports))
    real = evaluate.check_connection

    def broken():
        raise RuntimeError("the schema could not be made")

    monkeypatch.setattr(evaluate, "check_connection", broken)
    ahead = RulesAhead()
    monkeypatch.setattr(evaluate, "check_connection", real)
    assert _comparable(ahead.check_reports(reports)) == expected
    assert "the rules' process failed (RuntimeError: the schema could not be made)" \
        in capsys.readouterr().err

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

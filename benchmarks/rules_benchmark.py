"""Time the rule catalogue over a large warehouse: what a run's ``rule_findings`` costs.

The bundled reports (tests/fixtures/reports, tests/fixtures/real) are extracted once, then
loaded ``--copies`` times into a fresh DuckDB file, each copy under other agency names (the
copies of a series stay a series, so the cross-year rules have pairs). Then, timed once each:
``refresh_agencies``, ``evaluate`` (every rule: SQL in DuckDB, GX on the frames), ``store``,
and the Data Docs build; then what a run costs when it evaluates only what changed
(``expectations.incremental``): with nothing new, and with 1% new reports, as ratios against
the full evaluation of the same run. Prints and writes benchmarks/rules_results.json.

    python benchmarks/rules_benchmark.py [--copies 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gongkai.config import ROOT as REPO_ROOT  # noqa: E402
SOURCES = [REPO_ROOT / "tests/fixtures/reports", REPO_ROOT / "tests/fixtures/real"]
RESULTS = REPO_ROOT / "benchmarks" / "rules_results.json"
# a prefix per copy that keeps the names real-looking: the copies are other provinces' agencies
PROVINCES = ["江苏省", "浙江省", "安徽省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "四川省",
             "陕西省"]


def _copy_name(agency: str | None, i: int) -> str | None:
    if agency is None:
        return None
    return f"{PROVINCES[i % len(PROVINCES)]}第{i}{agency}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=30, help="copies of the bundled reports")
    args = ap.parse_args(argv)

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from expectations import evaluate, incremental, store
    from expectations.data_docs import build_site
    from expectations.validate import Validation
    from gongkai.extract import extract_report
    import warehouse

    pdfs = sorted(p for s in SOURCES for p in s.glob("*.pdf"))
    started = time.perf_counter()
    reports = [extract_report(p) for p in pdfs]
    extraction = time.perf_counter() - started

    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        con = warehouse.connect(Path(tmp) / "w.duckdb")

        def load_copies(copies, originals=reports):
            for i in copies:
                for r in originals:
                    doc = dataclasses.replace(r.document, sha256=f"{r.document.sha256}-{i}",
                                              path=f"{r.document.path}#{i}")
                    warehouse.load_report(con, dataclasses.replace(
                        r, document=doc, agency=_copy_name(r.agency, i)), doc.path)

        t = time.perf_counter()
        load_copies(range(args.copies))
        timings["load"] = time.perf_counter() - t
        counts = con.execute("SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM facts),"
                             " (SELECT count(*) FROM report_sentences)").fetchone()
        t = time.perf_counter()
        warehouse.refresh_agencies(con)
        timings["refresh_agencies"] = time.perf_counter() - t
        validation = Validation(keep_results=True)
        t = time.perf_counter()
        findings = evaluate(con, validation=validation)
        timings["evaluate"] = time.perf_counter() - t
        t = time.perf_counter()
        store(con, findings)
        timings["store"] = time.perf_counter() - t
        t = time.perf_counter()
        build_site(validation, Path(tmp) / "data_docs")
        timings["data_docs"] = time.perf_counter() - t

        def incremental_run():
            t = time.perf_counter()
            work = incremental.plan(con)
            incremental.store_changes(con, work, incremental.evaluate_changes(con, work))
            return time.perf_counter() - t

        timings["incremental_first_run"] = incremental_run()  # nothing recorded yet: all
        timings["incremental_nothing_new"] = incremental_run()
        # about 1% new: one more copy of a few reports (a new agency series)
        load_copies([args.copies], reports[:max(1, counts[0] // 100)])
        timings["incremental_1pct_new"] = incremental_run()
        con.close()

    per_rule = defaultdict(int)
    for f in findings:
        per_rule[f["rule"]] += 1
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "copies": args.copies, "reports": counts[0], "facts": counts[1],
        "sentences": counts[2], "rule_instances": len(findings),
        "instances_per_rule": dict(sorted(per_rule.items())),
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "evaluate_ms_per_report": round(1000 * timings["evaluate"] / counts[0], 2),
        "incremental_vs_full": {
            "nothing_new": round(timings["incremental_nothing_new"]
                                 / timings["incremental_first_run"], 3),
            "1pct_new": round(timings["incremental_1pct_new"]
                              / timings["incremental_first_run"], 3)},
        "extraction_of_the_originals_seconds": round(extraction, 2),
    }
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("reports", "facts", "rule_instances", "seconds",
                                             "evaluate_ms_per_report", "incremental_vs_full")},
                     ensure_ascii=False))
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cold start: ``gongkai check --json FILE`` against a bare process that only extracts FILE.

Both run as new processes, alternately (a load on the shared machine weighs on both alike),
``--runs`` times each after one untimed run of each (compiled bytecode, the OS's file cache);
the ratio of the medians of their wall times (target ≤ 1.3), and of their CPU seconds (user +
system, the process and its children: steadier than wall time on a loaded machine).

    python benchmarks/cold_start_benchmark.py [--runs 7] [--json] [FILE ...]

The bare process is ``python -c "import sys; from gongkai.extract import extract_report;
extract_report(sys.argv[1])" FILE``. Default FILE: the real 淮安 2024 report. Writes
``benchmarks/cold_start_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = [REPO / "tests/fixtures/real/huaian-city-2024.pdf"]
RESULTS = REPO / "benchmarks" / "cold_start_results.json"
BARE = "import sys; from gongkai.extract import extract_report; extract_report(sys.argv[1])"
TARGET = 1.3


def _measured(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process run to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def cold_start(path: Path, runs: int) -> dict:
    python = sys.executable
    check = [str(Path(python).with_name("gongkai")), "check", "--json", str(path)]
    bare = [python, "-c", BARE, str(path)]
    for cmd in (check, bare):  # untimed
        _measured(cmd)
    checks, bares = [], []
    for _ in range(runs):
        checks.append(_measured(check))
        bares.append(_measured(bare))
    cw, bw = (statistics.median(x[0] for x in s) for s in (checks, bares))
    cc, bc = (statistics.median(x[1] for x in s) for s in (checks, bares))
    name = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
    print(f"{name}: gongkai check --json {cw:.2f} s ({cc:.2f} s CPU), bare extraction "
          f"{bw:.2f} s ({bc:.2f} s CPU): ratio {cw / bw:.2f} wall, {cc / bc:.2f} CPU "
          f"(target ≤ {TARGET})", file=sys.stderr)
    return {"report": name, "runs": runs,
            "check_json_s": round(cw, 3), "bare_extraction_s": round(bw, 3),
            "ratio": round(cw / bw, 3),
            "check_json_cpu_s": round(cc, 3), "bare_extraction_cpu_s": round(bc, 3),
            "cpu_ratio": round(cc / bc, 3),
            "check_walls_s": [round(x[0], 3) for x in checks],
            "bare_walls_s": [round(x[0], 3) for x in bares]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, help="report files (default: 淮安 2024)")
    ap.add_argument("--runs", type=int, default=7, help="processes of each kind (median)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    rows = [cold_start(p.resolve(), args.runs) for p in (args.files or DEFAULT)]
    result = {"files": rows, "target_ratio": TARGET,
              "median_ratio": round(statistics.median(r["ratio"] for r in rows), 3),
              "median_cpu_ratio": round(statistics.median(r["cpu_ratio"] for r in rows), 3),
              "machine": platform.machine(), "cpus": os.cpu_count(),
              "python": platform.python_version(),
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"gongkai check --json / bare extraction: {result['median_ratio']} wall, "
              f"{result['median_cpu_ratio']} CPU (target ≤ {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

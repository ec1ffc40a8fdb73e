"""gongkai against the tool a user would try first, and ``gongkai check`` against a bare extraction.

1. Extraction, side by side in one process: for each text PDF (the real reports of
   tests/fixtures/real and tests/fixtures/reports, and the generated ones, or the files given),
   ``extract_report`` and naive Camelot (``camelot.read_pdf(pages="all", flavor="lattice",
   engine="vector")``, nothing else) run alternately ``--runs`` times; per file the ratio of the
   medians, gongkai / Camelot (target: median ratio ≤ 0.8).
2. Cold start: ``gongkai check --json FILE`` in a new process against a new process that only
   imports ``gongkai.extract`` and extracts FILE, alternately ``--cold-runs`` times (target:
   ratio of the medians ≤ 1.3).

    python benchmarks/naive_camelot_benchmark.py [--runs 3] [--cold-runs 5] [--json] [PDF ...]

Writes benchmarks/naive_camelot_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

from gongkai.config import ROOT as REPO_ROOT

REAL = [REPO_ROOT / "tests/fixtures/real/huaian-city-2024.pdf",
        REPO_ROOT / "tests/fixtures/reports/heilongjiang-gxt-2020.pdf"]
GENERATED = sorted((REPO_ROOT / "tests/fixtures/reports").glob("[st][12][19]-*.pdf"))
COLD_FILE = REAL[0]
RESULTS = REPO_ROOT / "benchmarks" / "naive_camelot_results.json"
BARE = "import sys; from gongkai.extract import extract_report; extract_report(sys.argv[1])"


def naive_camelot(path: Path):
    import camelot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return camelot.read_pdf(str(path), pages="all", flavor="lattice", engine="vector")


def _timed(fn, *args, **kwargs) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


def extraction(files: list[Path], runs: int) -> list[dict]:
    from gongkai.extract import extract_report

    extract_report(files[0])  # imports and caches, untimed
    naive_camelot(files[0])
    rows = []
    for path in files:
        ours, theirs = [], []
        for _ in range(runs):  # alternately: a load on the machine weighs on both alike
            ours.append(_timed(extract_report, path))
            theirs.append(_timed(naive_camelot, path))
        g, c = statistics.median(ours), statistics.median(theirs)
        rows.append({"report": _name(path), "real": path in REAL, "gongkai_s": round(g, 4),
                     "naive_camelot_s": round(c, 4), "ratio": round(g / c, 3)})
        print(f"{rows[-1]['report']}: gongkai {g:.3f} s, naive Camelot {c:.3f} s, "
              f"ratio {g / c:.2f}", file=sys.stderr)
    return rows


def cold_start(path: Path, runs: int) -> dict:
    python = sys.executable
    gongkai = str(Path(python).with_name("gongkai"))
    check = [gongkai, "check", "--json", str(path)]
    bare = [python, "-c", BARE, str(path)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for cmd in (check, bare):  # compiled bytecode and the OS's file cache, untimed
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    checks, bares = [], []
    for _ in range(runs):
        checks.append(_timed(subprocess.run, check, capture_output=True, env=env))
        bares.append(_timed(subprocess.run, bare, capture_output=True, env=env))
    c, b = statistics.median(checks), statistics.median(bares)
    print(f"cold start on {_name(path)}: gongkai check --json {c:.2f} s, bare extraction "
          f"{b:.2f} s, ratio {c / b:.2f}", file=sys.stderr)
    return {"report": _name(path), "runs": runs, "check_json_s": round(c, 3),
            "bare_extraction_s": round(b, 3), "ratio": round(c / b, 3)}


def _name(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path, help="text PDFs (default: the fixtures)")
    ap.add_argument("--runs", type=int, default=3, help="runs per file and tool (median)")
    ap.add_argument("--cold-runs", type=int, default=5, help="processes of each kind (median)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    files = [p.resolve() for p in args.pdfs] or REAL + GENERATED
    rows = extraction(files, args.runs)
    ratios = [r["ratio"] for r in rows]
    summary = {
        "reports": len(rows),
        "median_ratio": round(statistics.median(ratios), 3),
        "median_ratio_real": round(statistics.median(
            [r["ratio"] for r in rows if r["real"]] or [float("nan")]), 3),
        "median_ratio_generated": round(statistics.median(
            [r["ratio"] for r in rows if not r["real"]] or [float("nan")]), 3),
        "target_ratio": 0.8,
    }
    cold = cold_start(files[0] if args.pdfs else COLD_FILE, args.cold_runs)
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "extraction": {"summary": summary, "reports": rows},
        "cold_start": dict(cold, target_ratio=1.3),
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"extraction, gongkai / naive Camelot: median ratio {summary['median_ratio']} "
              f"over {len(rows)} reports (real {summary['median_ratio_real']}, generated "
              f"{summary['median_ratio_generated']}; target ≤ 0.8)")
        print(f"cold start, gongkai check --json / bare extraction: {cold['ratio']} "
              f"(target ≤ 1.3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

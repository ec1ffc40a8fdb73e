"""Seconds per report of the HTML reader, beside the PDF reader on the same reports.

Each HTML fixture page (tests/fixtures/html/pages) is the same report (numbers, cell texts,
prose) as the PDF fixture of its stem (tests/fixtures/reports); the real 上海 2019 page has no
PDF. Both readers run in the same process, alternately, ``--runs`` times each; the median per
report is taken, and the ratio HTML / PDF is the number that carries across machines. Printed
and written to benchmarks/html_results.json.

    python benchmarks/html_benchmark.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from gongkai.config import ROOT as REPO_ROOT
from gongkai.extract.intake import read_document

PAGES = REPO_ROOT / "tests/fixtures/html/pages"
GOLDEN = REPO_ROOT / "tests/fixtures/html/golden"
REPORTS = REPO_ROOT / "tests/fixtures/reports"
SHANGHAI = REPO_ROOT / "tests/fixtures/real/shanghai-city-office-2019.html"
RESULTS = REPO_ROOT / "benchmarks" / "html_results.json"
TARGET = 0.1  # seconds per HTML report


def pairs() -> list[tuple[Path, Path | None]]:
    """(HTML page, the PDF of the same report or None)."""
    out = []
    for golden in sorted(GOLDEN.glob("*.json")):
        page = PAGES / f"{golden.stem}.html"
        # the page's name is <shell>-<the stem without its generator prefix>
        rest = golden.stem.split("-", 1)[1]
        pdf = next((p for p in REPORTS.glob(f"*-{rest}.pdf")), None)
        out.append((page, pdf))
    out.append((SHANGHAI, None))
    return out


def timed(path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the wall clock counts
    the time other processes held the cores; the CPU time is what the reading costs."""
    start, cpu = time.perf_counter(), time.process_time()
    read_document(path)
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per report (median taken)")
    args = ap.parse_args(argv)
    cases = pairs()
    for page, pdf in cases:  # warm up: imports, Camelot, lxml
        read_document(page)
        if pdf:
            read_document(pdf)
            break
    rows = []
    for page, pdf in cases:
        html_times, pdf_times = [], []
        for _ in range(args.runs):
            html_times.append(timed(page))
            if pdf:
                pdf_times.append(timed(pdf))
        row = {"page": page.name, "pdf": pdf.name if pdf else None}
        for name, times in (("html", html_times), ("pdf", pdf_times)):
            if times:
                row[f"{name}_s"] = round(statistics.median(t[0] for t in times), 4)
                row[f"{name}_cpu_s"] = round(statistics.median(t[1] for t in times), 4)
        if pdf:
            row["ratio"] = round(row["html_s"] / row["pdf_s"], 4)
            row["cpu_ratio"] = round(row["html_cpu_s"] / row["pdf_cpu_s"], 4)
        rows.append(row)
        print(f"{page.name:36s} html {row['html_s']:.4f} s (cpu {row['html_cpu_s']:.4f})"
              + (f"   pdf {row['pdf_s']:.4f} s (cpu {row['pdf_cpu_s']:.4f})   ratio "
                 f"{row['ratio']:.3f} (cpu {row['cpu_ratio']:.3f})" if pdf else ""))
    paired = [r for r in rows if r["pdf"]]

    def median(key, of=rows):
        return round(statistics.median(r[key] for r in of), 4)

    summary = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {sys.version.split()[0]}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "runs": args.runs, "reports": len(rows),
        "html_s_per_report_median": median("html_s"),
        "html_s_per_report_max": max(r["html_s"] for r in rows),
        "html_cpu_s_per_report_median": median("html_cpu_s"),
        "html_cpu_s_per_report_max": max(r["html_cpu_s"] for r in rows),
        "pdf_s_per_report_median": median("pdf_s", paired),
        "pdf_cpu_s_per_report_median": median("pdf_cpu_s", paired),
        "html_over_pdf_median": median("ratio", paired),
        "html_over_pdf_cpu_median": median("cpu_ratio", paired),
        "target_s": TARGET,
        "meets_target_cpu": max(r["html_cpu_s"] for r in rows) <= TARGET,
        "meets_target_wall": max(r["html_s"] for r in rows) <= TARGET,
        "per_report": rows,
    }
    RESULTS.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"HTML: median {summary['html_s_per_report_median']} s per report wall, "
          f"{summary['html_cpu_s_per_report_median']} s CPU (max "
          f"{summary['html_cpu_s_per_report_max']} s CPU; target {TARGET} s); the PDF reader on "
          f"the same reports: {summary['pdf_s_per_report_median']} s wall, "
          f"{summary['pdf_cpu_s_per_report_median']} s CPU; HTML/PDF "
          f"{summary['html_over_pdf_median']} wall, {summary['html_over_pdf_cpu_median']} CPU; "
          f"load average {summary['load_average']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time the scan reader over the scanned fixtures, on one core.

Reads each scan of tests/fixtures/scans (or the PDFs given) once after an untimed warm-up
(model loading), and prints and writes to benchmarks/scan_results.json the CPU seconds per
report and per scanned table page, and how they split between preparing the pages (render,
seal, flatten, deskew), finding the grid, RapidOCR and Tesseract. CPU seconds (this process and
its Tesseract children) rather than wall-clock time, so the numbers say what one core costs
whatever else the machine runs; the engines are set to one thread each.

    .venv/bin/python benchmarks/scan_benchmark.py [PDF ...]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from gongkai.config import ROOT as REPO_ROOT

SCANS = REPO_ROOT / "tests/fixtures/scans"
RESULTS = REPO_ROOT / "benchmarks" / "scan_results.json"
PARTS = ("prepare", "grid", "rapidocr", "tesseract")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    from gongkai.extract import scan

    files = args.pdfs or sorted(SCANS.glob("*.pdf"))
    if not files:
        print("no scans found", file=sys.stderr)
        return 1
    scan.rapidocr()  # the models load once per process: not part of a report's time
    rows = []
    for path in files:
        wall = time.perf_counter()
        report = scan.read_scan(path)
        wall = time.perf_counter() - wall
        pages = list(scan.TIMINGS)
        table_pages = [p for p in pages if p.tables]
        row = {
            "report": path.name, "pages": len(pages), "table_pages": len(table_pages),
            "cells": report.cells_read,
            "cpu_seconds": round(sum(p.total for p in pages), 2),
            "wall_seconds": round(wall, 2),
            "per_table_page": round(statistics.mean(p.total for p in table_pages), 2)
            if table_pages else None,
            "split": {part: round(sum(getattr(p, part) for p in pages), 2) for part in PARTS},
            "table_page_split": {part: round(statistics.mean(getattr(p, part) for p in table_pages), 2)
                                 for part in PARTS} if table_pages else None,
        }
        rows.append(row)
        print(f"{path.name}: {row['cpu_seconds']:.1f} s CPU ({row['wall_seconds']:.1f} s wall), "
              f"{row['pages']} pages, {row['table_pages']} with tables at "
              f"{row['per_table_page']} s each; split {row['split']}")
    table_pages = [t for r in rows for t in [r["per_table_page"]] * r["table_pages"] if t]
    total = {part: sum(r["split"][part] for r in rows) for part in PARTS}
    whole = sum(total.values()) or 1.0
    summary = {
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "reports": len(rows),
        "seconds_per_report": round(statistics.mean(r["cpu_seconds"] for r in rows), 2),
        "seconds_per_table_page": round(statistics.mean(table_pages), 2) if table_pages else None,
        "share": {part: round(total[part] / whole, 3) for part in PARTS},
        "rows": rows,
    }
    print(f"per report {summary['seconds_per_report']} s CPU, per table page "
          f"{summary['seconds_per_table_page']} s; share {summary['share']}")
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time the scan reader over the scanned fixtures, on one core.

Reads each scan of tests/fixtures/scans (or the PDFs given) once after an untimed warm-up
(model loading), and prints and writes to benchmarks/scan_results.json the CPU seconds per
report and per scanned table page, and how they split between preparing the pages (render,
seal, flatten, deskew), finding each page's orientation (Tesseract's OSD), finding the grid,
RapidOCR and Tesseract reading the cells. CPU seconds (this process and
its Tesseract children) rather than wall-clock time, so the numbers say what one core costs
whatever else the machine runs; the engines are set to one thread each. The load average
before and after is recorded: CPU seconds too grow on a machine whose cores are all busy.

Each report is also read with Tesseract run as the ``tesseract`` command (the fallback where
libtesseract cannot be loaded, and what was used before, for the cells and for the OSD),
alternately first and second, so the in-process engine is measured against that baseline in
the same run, and its readings and pages' turns compared.

    .venv/bin/python benchmarks/scan_benchmark.py [PDF ...] [--no-baseline]
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

SCANS = REPO_ROOT / "tests/fixtures/scans"
RESULTS = REPO_ROOT / "benchmarks" / "scan_results.json"
PARTS = ("prepare", "orientation", "grid", "rapidocr", "tesseract")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--no-baseline", action="store_true",
                    help="do not read each report a second time with the tesseract command")
    args = ap.parse_args(argv)

    from gongkai.extract import scan, tesseract

    files = args.pdfs or sorted(SCANS.glob("*.pdf"))
    if not files:
        print("no scans found", file=sys.stderr)
        return 1
    # the models load once per process: not part of a report's time (libtesseract's two
    # engines neither; the command loads its models on every run, which is its cost)
    scan.rapidocr()
    import cv2
    import numpy as np

    line = np.full((60, 120), 255, np.uint8)
    cv2.putText(line, "12", (20, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 2)
    for settings in (scan.TESSERACT_NUMBERS, scan.TESSERACT_WORDS):
        tesseract.read_lines([line], settings)
    tesseract.orientation(np.full((600, 400), 255, np.uint8), scan.OSD_DPI)  # the osd engine
    load_before = os.getloadavg()
    engine = tesseract.way()
    rows, baseline = [], []
    for n, path in enumerate(files):
        # alternate which way goes first, so neither always meets a warmer cache
        ways = ["library", "command"] if not args.no_baseline else ["library"]
        for way in ways if n % 2 == 0 else ways[::-1]:
            if way == "command":
                os.environ["GONGKAI_TESSERACT"] = "command"
            try:
                row = _read(scan, path)
            finally:
                os.environ.pop("GONGKAI_TESSERACT", None)
            (rows if way == "library" else baseline).append(row)
            if way == "library":
                print(f"{path.name}: {row['cpu_seconds']:.1f} s CPU ({row['wall_seconds']:.1f} s "
                      f"wall), {row['pages']} pages, {row['table_pages']} with tables at "
                      f"{row['per_table_page']} s each; split {row['split']}")
    total = {part: sum(r["split"][part] for r in rows) for part in PARTS}
    whole = sum(total.values()) or 1.0
    summary = {
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in os.getloadavg()]},
        "tesseract": engine,
        "reports": len(rows),
        "seconds_per_report": round(statistics.mean(r["cpu_seconds"] for r in rows), 2),
        "seconds_per_table_page": _per_table_page(rows),
        "share": {part: round(total[part] / whole, 3) for part in PARTS},
        "rows": rows,
    }
    if baseline:
        own = sum(r["split"]["tesseract"] for r in rows)
        command = sum(r["split"]["tesseract"] for r in baseline)
        summary["baseline_tesseract_command"] = {
            "seconds_per_report": round(statistics.mean(r["cpu_seconds"] for r in baseline), 2),
            "seconds_per_table_page": _per_table_page(baseline),
            "tesseract_seconds": round(command, 2),
            "tesseract_in_process_seconds": round(own, 2),
            "tesseract_ratio": round(own / command, 3) if command else None,
            "orientation_seconds": round(sum(r["split"]["orientation"] for r in baseline), 2),
            "orientation_in_process_seconds": round(sum(r["split"]["orientation"] for r in rows),
                                                    2),
            "same_readings": all(a["readings"] == b["readings"] for a, b in zip(rows, baseline)),
            "same_turns": all(a["turned"] == b["turned"] for a, b in zip(rows, baseline)),
        }
        part = summary["baseline_tesseract_command"]
        part["orientation_ratio"] = (round(part["orientation_in_process_seconds"]
                                           / part["orientation_seconds"], 3)
                                     if part["orientation_seconds"] else None)
    for r in rows + baseline:
        r.pop("readings")
    print(f"Tesseract: {engine}; per report {summary['seconds_per_report']} s CPU, per table "
          f"page {summary['seconds_per_table_page']} s; share {summary['share']}")
    if baseline:
        print(f"baseline (the tesseract command): {summary['baseline_tesseract_command']}")
    print(f"load average before {summary['load_average']['before']}, after "
          f"{summary['load_average']['after']}")
    args.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def _read(scan, path: Path) -> dict:
    """One report read: its CPU seconds, per page part, and every cell's readings."""
    wall = time.perf_counter()
    report = scan.read_scan(path)
    wall = time.perf_counter() - wall
    pages = list(scan.TIMINGS)
    table_pages = [p for p in pages if p.tables]
    return {
        "report": path.name, "pages": len(pages), "table_pages": len(table_pages),
        "cells": report.cells_read,
        "turned": [p.turned for p in pages],
        "cpu_seconds": round(sum(p.total for p in pages), 2),
        "wall_seconds": round(wall, 2),
        "per_table_page": round(statistics.mean(p.total for p in table_pages), 2)
        if table_pages else None,
        "split": {part: round(sum(getattr(p, part) for p in pages), 2) for part in PARTS},
        "table_page_split": {part: round(statistics.mean(getattr(p, part) for p in table_pages), 2)
                             for part in PARTS} if table_pages else None,
        "readings": [(f.table, f.row, f.column, f.locator) for f in report.facts],
    }


def _per_table_page(rows: list[dict]) -> float | None:
    """The mean over all table pages (a report of three counts three times)."""
    pages = [t for r in rows for t in [r["per_table_page"]] * r["table_pages"] if t]
    return round(statistics.mean(pages), 2) if pages else None


if __name__ == "__main__":
    raise SystemExit(main())

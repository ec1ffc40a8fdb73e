"""Time the Word and spreadsheet readers against the PDF reader on the same reports.

Every fixture of tests/fixtures/word/reports made from a stem of tests/fixtures/make_fixtures.py
(``word-<stem>.docx`` / ``.doc`` / ``.wps``, ``sheet-<stem>.xlsx`` / ``.xls``) is read
``--runs`` times through ``read_document`` (the format told from the bytes; a .doc/.wps
converted by LibreOffice each time, as a run does), and so is that stem's PDF in
tests/fixtures/reports, in the same run. Medians per report; the ratio of each format's median
to the PDF reader's median over the same stems. Written to benchmarks/word_results.json.

    python benchmarks/word_benchmark.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from gongkai.config import ROOT as REPO_ROOT

WORD = REPO_ROOT / "tests/fixtures/word/reports"
PDFS = REPO_ROOT / "tests/fixtures/reports"
RESULTS = REPO_ROOT / "benchmarks" / "word_results.json"


def timed(path: Path, runs: int) -> float:
    from gongkai.extract.intake import read_document

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        read_document(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per report (median taken)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    by_format: dict[str, list[tuple[str, float, float]]] = {}
    pdf_time: dict[str, float] = {}
    files = sorted(p for p in WORD.iterdir() if re.match(r"(word|sheet)-(t21|s19)-", p.name)
                   and "misprint" not in p.name)
    timed(files[0], 1)  # warm-up: imports
    for path in files:
        stem = re.sub(r"^(word|sheet)-", "", path.name.rsplit(".", 1)[0])
        pdf = PDFS / f"{stem}.pdf"
        if not pdf.exists():
            continue
        if stem not in pdf_time:
            pdf_time[stem] = timed(pdf, args.runs)
        seconds = timed(path, args.runs)
        fmt = path.suffix[1:]
        by_format.setdefault(fmt, []).append((stem, seconds, pdf_time[stem]))
        print(f"{path.name:<48} {seconds:7.3f} s   its PDF {pdf_time[stem]:7.3f} s")
    summary = {}
    for fmt, rows in sorted(by_format.items()):
        median = statistics.median(s for _, s, _ in rows)
        pdf_median = statistics.median(p for _, _, p in rows)
        summary[fmt] = {"reports": len(rows), "median_seconds": round(median, 4),
                        "pdf_median_seconds_same_reports": round(pdf_median, 4),
                        "ratio_to_pdf": round(median / pdf_median, 3)}
        print(f"{fmt:<5} {len(rows)} report(s): median {median:.3f} s per report, the PDF "
              f"reader {pdf_median:.3f} s on the same reports: {median / pdf_median:.2f}x")
    out = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
           "runs": args.runs, "formats": summary,
           "reports": {fmt: [{"stem": s, "seconds": round(t, 4), "pdf_seconds": round(p, 4)}
                             for s, t, p in rows] for fmt, rows in by_format.items()}}
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

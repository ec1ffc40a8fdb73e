"""Time ``extract_report`` over the sample reports.

Runs every PDF of the sample folders (default: tests/fixtures/reports and tests/fixtures/real, or
the folders given) ``--runs`` times, takes the median per report, and prints and writes seconds
per report and per page to benchmarks/results.json.

    python benchmarks/extract_benchmark.py [--runs 3] [FOLDER_OR_PDF ...]
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
DEFAULT_SOURCES = [REPO_ROOT / "tests/fixtures/reports", REPO_ROOT / "tests/fixtures/real"]
RESULTS = REPO_ROOT / "benchmarks" / "results.json"


def pdfs(sources: list[Path]) -> list[Path]:
    out = []
    for s in sources:
        if s.is_file():
            out.append(s)
        elif s.is_dir():
            out += sorted(p for p in s.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", type=Path, help="folders or PDFs")
    ap.add_argument("--runs", type=int, default=3, help="runs per report (median taken)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed extractions of the first report first (imports, caches)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    from gongkai.extract import extract_report
    from gongkai.model import UnreadableDocument

    files = pdfs(args.sources or DEFAULT_SOURCES)
    if not files:
        print("no PDFs found", file=sys.stderr)
        return 1
    for _ in range(args.warmup):
        try:
            extract_report(files[0])
        except UnreadableDocument:
            pass
    rows, skipped = [], []
    for path in files:
        times, pages, facts = [], None, None
        try:
            for _ in range(args.runs):
                t0 = time.perf_counter()
                report = extract_report(path)
                times.append(time.perf_counter() - t0)
                pages, facts = report.document.pages, len(report.facts)
        except UnreadableDocument as e:
            skipped.append({"path": str(path), "reason": e.reason})
            continue
        median = statistics.median(times)
        rows.append({
            "report": str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT)
            else str(path),
            "pages": pages, "facts": facts, "runs": times,
            "seconds_per_report": round(median, 4),
            "seconds_per_page": round(median / pages, 4) if pages else None,
        })
        print(f"{rows[-1]['report']}: {median:.3f} s ({pages} pages, "
              f"{rows[-1]['seconds_per_page']} s/page, {facts} facts)")
    if not rows:
        print("no readable PDFs", file=sys.stderr)
        return 1
    per_report = [r["seconds_per_report"] for r in rows]
    total_pages = sum(r["pages"] or 0 for r in rows)
    summary = {
        "reports": len(rows),
        "pages": total_pages,
        "runs": args.runs,
        "warmup": args.warmup,
        "median_seconds_per_report": round(statistics.median(per_report), 4),
        "mean_seconds_per_report": round(statistics.mean(per_report), 4),
        "seconds_per_page": round(sum(per_report) / total_pages, 4) if total_pages else None,
    }
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "summary": summary, "reports": rows, "skipped": skipped,
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"median {summary['median_seconds_per_report']} s/report, "
          f"{summary['seconds_per_page']} s/page over {len(rows)} reports ({total_pages} pages); "
          f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

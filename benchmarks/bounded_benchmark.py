"""The cost of reading every document in a bounded worker (gongkai.extract.bounded).

Reads the sample reports (tests/fixtures/reports and tests/fixtures/real) with
``extract_documents`` twice per round, in this process (``bounded=False``) and in the worker
(``bounded=True``: a forkserver worker limited to 1 GiB and 300 s, its start and the return of
each Report included), alternating which goes first, and writes the totals and their ratio to
benchmarks/bounded_results.json. One untimed warm-up of each first (imports, the forkserver).

    python benchmarks/bounded_benchmark.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import datetime, timezone

from gongkai.config import ROOT

SOURCES = [ROOT / "tests/fixtures/reports", ROOT / "tests/fixtures/real"]
RESULTS = ROOT / "benchmarks" / "bounded_results.json"


def documents() -> list[dict]:
    from gongkai.extract.intake import list_documents

    docs, _ = list_documents(SOURCES, recursive=False)
    return [d for d in docs if d["name"].endswith(".pdf")]


def timed(docs: list[dict], bounded: bool) -> float:
    from gongkai.extract.intake import extract_documents

    started = time.perf_counter()
    out = extract_documents(docs, bounded=bounded)
    seconds = time.perf_counter() - started
    assert not out.unreadable, out.unreadable
    return seconds


def fixed_overhead(n: int = 30) -> dict:
    """The per-document cost of the worker alone: ``n`` one-page prose PDFs (no tables, so
    nearly nothing to read), in this process and bounded (worker start included)."""
    import tempfile
    from pathlib import Path

    from tests.fixtures.faults.make_faults import text_report

    with tempfile.TemporaryDirectory() as tmp:
        docs = [{"path": str(text_report(Path(tmp), name=f"prose-{i}.pdf")), "sha256": str(i)}
                for i in range(n)]
        inproc, worker = timed(docs, False), timed(docs, True)
    return {"prose_documents": n, "prose_in_process_seconds": round(inproc, 3),
            "prose_bounded_seconds": round(worker, 3),
            "overhead_ms_per_document": round((worker - inproc) / n * 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    docs = documents()
    timed(docs[:1], False)
    timed(docs[:1], True)
    inproc, worker = [], []
    for i in range(args.rounds):
        order = (False, True) if i % 2 == 0 else (True, False)
        for bounded in order:
            (worker if bounded else inproc).append(timed(docs, bounded))
        print(f"round {i + 1}: in process {inproc[-1]:.2f} s, bounded worker {worker[-1]:.2f} s")
    result = {
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "documents": len(docs), "rounds": args.rounds,
        "in_process_seconds": [round(s, 3) for s in inproc],
        "bounded_seconds": [round(s, 3) for s in worker],
        "median_in_process": round(statistics.median(inproc), 3),
        "median_bounded": round(statistics.median(worker), 3),
        "ratio": round(statistics.median(worker) / statistics.median(inproc), 3),
    }
    result.update(fixed_overhead())
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

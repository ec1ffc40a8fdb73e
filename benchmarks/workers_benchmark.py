"""Extraction with N bounded reader processes against one, on the same documents in the same
run (``intake.extract_documents(workers=N)``, what ``gongkai run --workers N`` does).

    python benchmarks/workers_benchmark.py [--workers 2] [--rounds 2] [--documents 48]

Alternates the two settings for ``--rounds`` rounds over the bundled text PDFs (the generated
fixtures and the real one, then the stress set laid out other ways, the first ``--documents``
of them, all distinct) and prints the median seconds of each and their ratio; writes
benchmarks/workers_results.json.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gongkai.config import ROOT  # noqa: E402

RESULTS = ROOT / "benchmarks" / "workers_results.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--documents", type=int, default=48, help="how many distinct PDFs")
    args = ap.parse_args(argv)
    from gongkai.extract import intake

    documents, _ = intake.list_documents([ROOT / "tests/fixtures/reports",
                                          ROOT / "tests/fixtures/real",
                                          ROOT / "tests/fixtures/stress/reports"])
    distinct = {d["sha256"]: d for d in documents if d["path"].endswith(".pdf")}
    documents = list(distinct.values())[:args.documents]
    times: dict[int, list[float]] = {1: [], args.workers: []}
    for _ in range(args.rounds):
        for n in (1, args.workers):
            started = time.perf_counter()
            intake.extract_documents(documents, workers=n)
            times[n].append(time.perf_counter() - started)
    one, many = statistics.median(times[1]), statistics.median(times[args.workers])
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg()},
        "documents": len(documents), "rounds": args.rounds,
        "seconds": {"workers_1": round(one, 2), f"workers_{args.workers}": round(many, 2)},
        "speed_up": round(one / many, 2),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

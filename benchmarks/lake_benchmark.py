"""The DuckLake backend against the DuckDB file, on the same reports in the same run.

    .venv/bin/python benchmarks/lake_benchmark.py [--rounds 2]

Per round, alternately: ``gongkai run --reports DIR --workers 2`` (48 distinct bundled text
PDFs, the folders tests/test_lake.py uses) into a fresh DuckDB file and into a fresh lake (a
real Postgres started on 127.0.0.1 by tests/engines.py, Parquet data in a temporary folder),
then a few queries on each (median of 5, one connection each, read-only). Prints the medians
and the lake/file ratios; writes benchmarks/lake_results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import engines  # noqa: E402
from tests.test_lake import reports_in_two_folders  # noqa: E402
from warehouse import db  # noqa: E402

GONGKAI = str(Path(sys.executable).with_name("gongkai"))
QUERIES = {
    "findings by rule and status": "SELECT rule, status, count(*) FROM rule_results GROUP BY ALL",
    "facts joined to reports": "SELECT r.agency, sum(f.value) FROM facts f JOIN reports r "
                               "USING (report_id) GROUP BY ALL",
    "annual_reports view": "SELECT count(*) FROM annual_reports",
}


def _run(folder: Path, location: str, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([GONGKAI, "run", "--reports", str(folder), "--workers", "2"], check=True,
                   env={**env, "GONGKAI_WAREHOUSE": location}, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _queries(location: str) -> dict[str, float]:
    con = db.connect(location, read_only=True)
    try:
        out = {}
        for name, sql in QUERIES.items():
            times = []
            for _ in range(5):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                times.append(time.perf_counter() - started)
            out[name] = statistics.median(times)
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    reason = engines.missing_postgres()
    if reason:
        print(f"needs Postgres: {reason}", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="gongkai-lake-bench-"))
    a, b = reports_in_two_folders(tmp)
    folder = tmp / "all"
    folder.mkdir()
    for pdf in [*a.iterdir(), *b.iterdir()]:
        pdf.rename(folder / pdf.name)
    runs: dict[str, list[float]] = {"file": [], "lake": []}
    queries: dict[str, list[dict]] = {"file": [], "lake": []}
    with engines.postgres() as pg:
        for i in range(args.rounds):
            env = {**os.environ, "DAGSTER_HOME": str(tmp / f"home{i}"),
                   "GONGKAI_DATA_PATH": str(tmp / f"lake-data{i}")}
            targets = {"file": str(tmp / f"w{i}.duckdb"), "lake": pg.lake(f"bench{i}")}
            for kind in (("file", "lake") if i % 2 == 0 else ("lake", "file")):
                runs[kind].append(_run(folder, targets[kind], env))
                if kind == "lake":
                    os.environ["GONGKAI_DATA_PATH"] = env["GONGKAI_DATA_PATH"]
                queries[kind].append(_queries(targets[kind]))
    median = {k: statistics.median(v) for k, v in runs.items()}
    query_medians = {k: {q: statistics.median(r[q] for r in rs) for q in QUERIES}
                     for k, rs in queries.items()}
    result = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg()},
        "reports": len(list(folder.iterdir())), "rounds": args.rounds,
        "run_seconds": {k: round(v, 2) for k, v in median.items()},
        "run_ratio_lake_to_file": round(median["lake"] / median["file"], 2),
        "query_seconds": {k: {q: round(t, 4) for q, t in v.items()}
                          for k, v in query_medians.items()},
        "query_ratio_lake_to_file": {q: round(query_medians["lake"][q]
                                              / query_medians["file"][q], 1) for q in QUERIES},
    }
    (ROOT / "benchmarks" / "lake_results.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

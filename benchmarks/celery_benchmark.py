"""A run through the Celery executor against the same run in one process, on the same reports,
alternately in the same session.

    .venv/bin/python benchmarks/celery_benchmark.py [--reports 16] [--rounds 2] [--batch-size 4]

In process: ``gongkai run --reports DIR --workers 2`` (the one-machine default: one extraction
step, two bounded readers). Celery: the same command with GONGKAI_EXECUTOR=celery, two
`dagster-celery worker` processes started once beforehand (standing workers, as deployed),
Redis on 127.0.0.1 (tests/engines.py), ``--batch-size`` documents per extraction step and one
reader per step (``--workers 1``): the two workers are the parallelism. Each run into a fresh
DuckDB file. Writes benchmarks/celery_results.json: wall seconds per run, the extraction's
span (first batch step's start to last one's end, from the run's event log) and how many
extraction steps each worker ran.

Both on this one machine: the workers share its cores with the run, so this measures what
the executor costs, not what more machines give.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import engines  # noqa: E402
from tests.test_celery import (  # noqa: E402
    celery_env,
    extraction_steps,
    prepared_instance,
    run_id_of,
)

GONGKAI = str(Path(sys.executable).with_name("gongkai"))


def _run(folder: Path, warehouse: Path, env: dict, workers: int) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([GONGKAI, "run", "--reports", str(folder), "--warehouse",
                           str(warehouse), "--workers", str(workers)],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"gongkai run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, run_id_of(done.stdout)


def _span(steps: dict[str, dict]) -> float:
    return max(s["step_success"] for s in steps.values()) - min(
        s["step_start"] for s in steps.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=4)
    args = ap.parse_args(argv)
    reason = engines.missing_redis()
    if reason:
        print(f"needs Redis: {reason}", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="gongkai-celery-bench-"))
    folder = tmp / "reports"
    folder.mkdir()
    pdfs = sorted((ROOT / "tests" / "fixtures" / "reports").glob("*.pdf"))[:args.reports]
    for pdf in pdfs:
        shutil.copy(pdf, folder)
    results: dict[str, list] = {"in_process": [], "celery": []}
    try:
        celery_home = prepared_instance(tmp / "celery_home")
        with engines.redis() as broker:
            env = celery_env(celery_home, broker.url, tmp / "io", args.batch_size)
            with engines.celery_workers(2, env, ROOT / "deploy" / "celery" / "celery.yaml",
                                        ROOT) as workers:
                for i in range(args.rounds):
                    order = ("in_process", "celery") if i % 2 == 0 else ("celery", "in_process")
                    for kind in order:
                        if kind == "in_process":
                            home = prepared_instance(tmp / f"home-{i}")
                            run_env = {**{k: v for k, v in os.environ.items()
                                          if not k.startswith("GONGKAI_")},
                                       "DAGSTER_HOME": str(home)}
                            seconds, run_id = _run(folder, tmp / f"in-process-{i}.duckdb",
                                                   run_env, workers=2)
                            steps = extraction_steps(home, run_id)
                            per_worker: dict = {}
                        else:
                            seconds, run_id = _run(folder, tmp / f"celery-{i}.duckdb", env,
                                                   workers=1)
                            steps = extraction_steps(celery_home, run_id)
                            worker_of = {p: w.name for w in workers for p in w.pids()}
                            per_worker = dict(Counter(
                                worker_of.get(p, f"pid {p}") for s in steps.values()
                                for p in s["pids"]))
                        results[kind].append({
                            "seconds": round(seconds, 2),
                            "extraction_steps": len(steps),
                            "extraction_span_seconds": round(_span(steps), 2),
                            "extraction_steps_per_worker": per_worker})
                        print(f"round {i + 1} {kind}: {seconds:.1f} s, {len(steps)} "
                              f"extraction step(s) {per_worker or ''}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    medians = {k: round(statistics.median(r["seconds"] for r in v), 2)
               for k, v in results.items()}
    spans = {k: round(statistics.median(r["extraction_span_seconds"] for r in v), 2)
             for k, v in results.items()}
    out = {
        "measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "reports": len(pdfs), "batch_size": args.batch_size, "rounds": args.rounds,
        "runs": results,
        "median_seconds": medians,
        "median_extraction_span_seconds": spans,
        "celery_over_in_process": round(medians["celery"] / medians["in_process"], 2),
    }
    (ROOT / "benchmarks" / "celery_results.json").write_text(
        json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps({k: out[k] for k in ("median_seconds", "median_extraction_span_seconds",
                                           "celery_over_in_process")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A run through the Celery executor, with the real parts: Redis (Debian's redis-server) on
127.0.0.1 as broker and result backend, two `dagster-celery worker` processes of one pool
process each (deploy/celery/celery.yaml), and `gongkai run --reports` with
GONGKAI_EXECUTOR=celery and one document per extraction step. The run succeeds, every
document's facts land whole, and the run's event log shows the extraction steps ran in more
than one worker process. Everything is stopped after, on failure too.

Twice: with a SQLite Dagster instance and a DuckDB file that all processes on this machine
share, and as machines would share them: Dagster's storage on Postgres
(deploy/postgres/dagster.yaml), the warehouse a DuckLake on it, GONGKAI_IO_DIR."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests import engines

pytestmark = [pytest.mark.xdist_group("celery"),
              pytest.mark.skipif(engines.missing_redis() is not None,
                                 reason=engines.missing_redis() or "")]

ROOT = Path(__file__).resolve().parents[1]
PORTAL_REPORTS = ROOT / "tests" / "fixtures" / "portal" / "reports"
GONGKAI = str(Path(sys.executable).with_name("gongkai"))
REPORTS = 4


def prepared_instance(home: Path) -> Path:
    """A DAGSTER_HOME as `gongkai run` writes it, its SQLite storage made once, before the
    workers start: made by two at once, its schema version is written twice and neither can
    open it."""
    import dagster as dg

    from gongkai.cli import INSTANCE_CONFIG

    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs(limit=1)
    return home


def celery_env(home: Path, broker: str, io_dir: Path, batch_size: int) -> dict[str, str]:
    """The environment of the run and of its workers: the same instance, broker, batch size
    and folder for the values between steps (no other GONGKAI_* of the caller's)."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")},
            "DAGSTER_HOME": str(home), "GONGKAI_EXECUTOR": "celery",
            "GONGKAI_CELERY_BROKER": broker, "GONGKAI_CELERY_BACKEND": broker,
            "GONGKAI_BATCH_SIZE": str(batch_size), "GONGKAI_IO_DIR": str(io_dir)}


def extraction_steps(home: Path, run_id: str) -> dict[str, dict]:
    """What the run's event log says of each extraction batch step: the pids its step events
    came from, the Celery worker that took it (the executor's engine event), the step's own
    line naming its process, and when it started and succeeded (``step_start``,
    ``step_success``, seconds since the epoch)."""
    import dagster as dg

    steps: dict[str, dict] = defaultdict(lambda: {"pids": set(), "workers": set(),
                                                  "said": []})
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
        for record in instance.all_logs(run_id):
            if not (record.step_key or "").startswith("extracted_reports.extract_batch["):
                continue
            step, event = steps[record.step_key], record.dagster_event
            if event is None:
                if "in process" in (record.user_message or ""):
                    step["said"].append(record.user_message)
            elif event.event_type_value in ("STEP_START", "STEP_OUTPUT", "STEP_SUCCESS"):
                step["pids"].add(event.pid)
                if event.event_type_value != "STEP_OUTPUT":
                    step[event.event_type_value.lower()] = record.timestamp
            elif event.event_type_value == "ENGINE_EVENT" and event.engine_event_data:
                worker = event.engine_event_data.metadata.get("Celery worker")
                if worker is not None:
                    step["workers"].add(worker.value)
    return steps


def run_id_of(stdout: str) -> str:
    """The run id `gongkai run` prints: 'Run ID of check_reports_job succeeded.'"""
    return next(line.split()[1] for line in stdout.splitlines()
                if line.startswith("Run ") and "succeeded" in line)


def report_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for pdf in sorted(PORTAL_REPORTS.glob("*.pdf"))[:REPORTS]:
        shutil.copy(pdf, folder)
    return folder


def run_on_two_workers(folder: Path, home: Path, env: dict, *options: str):
    """`gongkai run --reports folder` through two Celery workers with ``env``; the run's
    extraction steps (``extraction_steps``) and pid -> worker name."""
    with engines.celery_workers(2, env, ROOT / "deploy" / "celery" / "celery.yaml",
                                ROOT) as workers:
        run = subprocess.run([GONGKAI, "run", "--reports", str(folder), "--workers", "1",
                              *options], env=env, cwd=ROOT, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "Warning" not in run.stderr, run.stderr[-3000:]  # the terminal stays readable
        steps = extraction_steps(home, run_id_of(run.stdout))
        worker_of = {pid: w.name for w in workers for pid in w.pids()}
    return steps, worker_of


def assert_spread_over_both(steps: dict[str, dict], worker_of: dict[int, str]) -> None:
    """One step per document, each run by one process of one of the workers, which the run's
    log names (pid, the executor's engine event, the step's own line); steps in both."""
    assert len(steps) == REPORTS
    for key, step in steps.items():
        assert len(step["pids"]) == 1 and step["pids"] <= set(worker_of), (key, step, worker_of)
        (pid,) = step["pids"]
        assert step["workers"] == {f"{worker_of[pid]}@{socket.gethostname()}"}, (key, step)
        assert any(f"in process {pid} " in line for line in step["said"]), (key, step)
    per_worker = Counter(worker_of[pid] for step in steps.values() for pid in step["pids"])
    print(f"extraction steps per worker: {dict(per_worker)}")
    assert len(per_worker) == 2, per_worker


def assert_landed_whole(con, folder: Path) -> None:
    """Every document's facts in the warehouse, as many as reading it here, in this process."""
    from gongkai.extract import intake

    extraction = intake.extract_documents(intake.list_documents([folder])[0], bounded=False)
    expected = {r.document.sha256: len(r.facts) for r in extraction.reports}
    assert len(expected) == REPORTS and not extraction.unreadable
    landed = dict(con.execute(
        "SELECT d.sha256, count(f.report_id) FROM documents d JOIN reports r USING "
        "(document_id) LEFT JOIN facts f ON f.report_id = r.report_id GROUP BY d.sha256"
    ).fetchall())
    assert landed == expected


def test_extraction_steps_of_one_run_spread_over_two_celery_workers(tmp_path):
    import duckdb

    folder = report_folder(tmp_path)
    home = prepared_instance(tmp_path / "dagster_home")
    warehouse = tmp_path / "warehouse.duckdb"
    with engines.redis() as broker:
        env = celery_env(home, broker.url, tmp_path / "io", batch_size=1)
        steps, worker_of = run_on_two_workers(folder, home, env, "--warehouse", str(warehouse))

    assert_spread_over_both(steps, worker_of)
    # the values between steps went through the folder every worker is told of
    assert any((tmp_path / "io").iterdir())
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert_landed_whole(con, folder)
    finally:
        con.close()


def test_workers_on_postgres_storage_write_one_lake(pg, tmp_path, monkeypatch):
    """The deployment of several machines, on one: Dagster's storage on Postgres
    (deploy/postgres/dagster.yaml), the warehouse a DuckLake on the same Postgres, the
    workers' steps writing it."""
    from tests.test_lake import postgres_instance
    from warehouse import lake as ducklake
    from warehouse.integrity import duplicate_keys

    folder = report_folder(tmp_path)
    home = tmp_path / "dagster_home"
    storage = postgres_instance(pg, home)
    for name, value in storage.items():  # this process reads the run's log from it too
        monkeypatch.setenv(name, value)
    lake = {**storage, "GONGKAI_WAREHOUSE": pg.lake("gongkai_celery"),
            "GONGKAI_DATA_PATH": str(tmp_path / "lake")}
    with engines.redis() as broker:
        env = {**celery_env(home, broker.url, tmp_path / "io", batch_size=1), **lake}
        # the instance's schema made once, before the workers start
        subprocess.run([sys.executable, "-c", "import dagster as dg\n"
                        "with dg.DagsterInstance.get() as i: i.get_runs(limit=1)"],
                       env=env, check=True, cwd=ROOT)
        steps, worker_of = run_on_two_workers(folder, home, env)

    assert_spread_over_both(steps, worker_of)
    con = ducklake.connect(lake["GONGKAI_WAREHOUSE"], read_only=True)
    try:
        assert_landed_whole(con, folder)
        assert duplicate_keys(con) == {}
    finally:
        con.close()

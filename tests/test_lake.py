"""Many writers on one DuckLake (Postgres catalogue, Parquet data), with the real engines:
two `gongkai run --reports` processes over two folders of 24 reports each, started together on
the same lake, with Dagster's storage on the same Postgres (deploy/postgres/dagster.yaml), both
finish, both land whole, no natural key is doubled, and a reader querying all along never
blocks them. On the DuckDB file, a second writer still gets a clear error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import engines
from warehouse import lake
from warehouse.integrity import duplicate_keys

pytestmark = pytest.mark.xdist_group("lake")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GONGKAI = str(Path(sys.executable).with_name("gongkai"))


def reports_in_two_folders(tmp_path: Path, each: int = 24) -> tuple[Path, Path]:
    """Two folders of ``each`` distinct report PDFs: the generated fixtures, then the stress
    set (laid out another way), none in both."""
    pdfs = sorted((FIXTURES / "reports").glob("*.pdf")) + sorted(
        (FIXTURES / "stress" / "reports").glob("*.pdf"))
    assert len(pdfs) >= 2 * each
    folders = tmp_path / "a", tmp_path / "b"
    for i, folder in enumerate(folders):
        folder.mkdir()
        for pdf in pdfs[i * each:(i + 1) * each]:
            shutil.copy(pdf, folder)
    return folders


def postgres_instance(pg: engines.Postgres, home: Path) -> dict[str, str]:
    """A DAGSTER_HOME with the scale-out dagster.yaml (storage on Postgres), and its
    variables."""
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    database = pg.create_database(f"dagster_{home.parent.name[-12:].lower()}".replace("-", "_"))
    return {"DAGSTER_HOME": str(home), "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(pg.port), "DAGSTER_PG_DB": database,
            "DAGSTER_PG_USER": engines.PG_USER, "DAGSTER_PG_PASSWORD": "trusted"}


def sql(query: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([GONGKAI, "sql", "--csv", query], env=env, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def test_two_runs_write_one_lake_at_once(pg, tmp_path):
    folders = reports_in_two_folders(tmp_path)
    env = {**os.environ, **postgres_instance(pg, tmp_path / "dagster_home"),
           "GONGKAI_WAREHOUSE": pg.lake("two_writers"),
           "GONGKAI_DATA_PATH": str(tmp_path / "lake-data")}
    runs = [subprocess.Popen([GONGKAI, "run", "--reports", str(folder), "--workers", "1"],
                             env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
            for folder in folders]
    # a reader all along: each query answers (the last commit) while the runs write
    answered = 0
    while any(r.poll() is None for r in runs):
        result = sql("SELECT count(*) AS reports FROM reports", env)
        if "no warehouse" not in result.stderr:  # before the first run made the lake
            assert result.returncode == 0, result.stderr
            answered += 1
        time.sleep(2)
    outputs = [r.communicate(timeout=60)[0] for r in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output[-3000:]
    assert answered >= 1

    counted = sql("SELECT count(*) FROM reports", env)
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.splitlines()[-1] == "48", [o[-2500:] for o in outputs]
    con = lake.connect(env["GONGKAI_WAREHOUSE"], read_only=True)
    try:
        assert duplicate_keys(con) == {}
        # both runs landed whole: every document of both folders, its facts and its findings
        names = {row[0].rsplit("/", 1)[-1] for row in con.execute(
            "SELECT source FROM documents").fetchall()}
        assert names == {p.name for f in folders for p in f.iterdir()}
        assert con.execute("SELECT count(DISTINCT report_id) FROM facts").fetchone()[0] == 48
        assert con.execute("SELECT count(DISTINCT report_id) FROM rule_results"
                           ).fetchone()[0] == 48
    finally:
        con.close()


def test_a_second_writer_of_a_duckdb_file_gets_a_clear_error(tmp_path):
    """The file takes one writer: two runs at once, the one that publishes second refuses
    (its work kept in its staging file) rather than drop the first one's."""
    a, b = reports_in_two_folders(tmp_path, each=3)
    for pdf in sorted(b.iterdir())[1:]:
        pdf.unlink()  # the smaller run publishes first
    db = tmp_path / "w" / "gongkai.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    env.pop("GONGKAI_WAREHOUSE", None)
    runs = [subprocess.Popen([GONGKAI, "run", "--reports", str(folder), "--warehouse", str(db),
                              "--workers", "1"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
            for folder in (a, b)]
    outputs = [r.communicate(timeout=900)[0] for r in runs]
    codes = [r.returncode for r in runs]
    assert sorted(codes) == [0, 1], outputs
    refused = outputs[codes.index(1)]
    assert "was published by another run after run" in refused, refused[-3000:]
    assert "run again to include it" in refused

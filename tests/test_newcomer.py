"""What a new user meets first (issue 15): the demo in its own warehouse, honest exits, runs of
`gongkai run` in the UI like any other, progress, `gongkai --version`, `gongkai check DIR`.
Real runs of the command, real Dagster instance, real DuckDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai import config

pytestmark = pytest.mark.xdist_group("newcomer")

DEMO_REPORTS = Path(__file__).parent / "fixtures" / "portal" / "reports"


def gongkai(*args: str, env: dict | None = None, timeout: int = 900,
            user: int | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "gongkai.cli", *args]
    if user is not None:  # as another (unprivileged) user: what root may read, they may not
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=config.ROOT)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`gongkai run` with no option (what ./run.sh runs), with $GONGKAI_WAREHOUSE pointing
    elsewhere: the demo must still write only its own warehouse."""
    tmp = tmp_path_factory.mktemp("demo_run")
    user_warehouse = tmp / "mine.duckdb"
    default = config.DEFAULT_WAREHOUSE
    default_existed = default.exists()
    home = tmp / "dagster_home"
    # the demo's warehouse moved to this test's folder ($GONGKAI_DEMO_WAREHOUSE): a first run,
    # whatever ./run.sh left in the checkout
    demo = tmp / "demo" / "demo.duckdb"
    proc = gongkai("run", env={"DAGSTER_HOME": str(home),
                               "GONGKAI_WAREHOUSE": str(user_warehouse),
                               "GONGKAI_DEMO_WAREHOUSE": str(demo)})
    return proc, home, user_warehouse, default_existed, demo


def test_the_demo_writes_only_its_own_warehouse(demo_run):
    proc, _, user_warehouse, default_existed, demo = demo_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Warehouse: {demo} (the demo's own" in proc.stdout
    assert demo.exists()
    assert not user_warehouse.exists()
    if not default_existed:
        assert not config.DEFAULT_WAREHOUSE.exists()
    # its crawl store and Data Docs are the demo's too
    assert any((demo.parent / "demo-store" / "sha256").rglob("*.pdf"))
    assert (demo.parent / "data_docs" / "demo" / "index.html").is_file()
    assert {"data_docs", "demo-store", "demo.duckdb"} <= {p.name for p in demo.parent.iterdir()}
    assert not list(demo.parent.glob("gongkai*"))  # no gongkai.duckdb beside it


def test_the_default_demo_warehouse_is_its_own_file():
    assert config.DEMO_WAREHOUSE == config.ROOT / "warehouse" / "demo.duckdb"
    assert config.DEMO_WAREHOUSE != config.DEFAULT_WAREHOUSE


def test_every_demo_agency_is_invented(demo_run):
    import duckdb

    assert demo_run[0].returncode == 0
    con = duckdb.connect(str(demo_run[4]), read_only=True)
    try:
        agencies = {a for (a,) in con.execute("SELECT DISTINCT agency FROM reports").fetchall()}
    finally:
        con.close()
    assert len(agencies) >= 8
    assert all(a.startswith("示例") for a in agencies), agencies


def test_cli_run_is_listed_for_its_job_as_the_ui_lists_runs(demo_run):
    """The job page lists RunsFilter(job_name, tags={.dagster/repository: repo@location})
    (dagster_graphql's GraphenePipeline.resolve_runs); the run carries the origin of the code
    location `dagster dev` loads ([tool.dagster] in pyproject.toml), and its assets'
    materializations and checks are in the instance."""
    import dagster as dg
    from dagster._core.storage.dagster_run import RunsFilter
    from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

    from gongkai.cli import location_name

    proc, home, *_ = demo_run
    assert proc.returncode == 0
    assert location_name() == "gongkai"
    run_id = next(line.split()[1] for line in proc.stdout.splitlines()
                  if line.startswith("Run ") and "crawl_and_check_job" in line)
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_runs(filters=RunsFilter(
                job_name="crawl_and_check_job",
                tags={REPOSITORY_LABEL_TAG: f"__repository__@{location_name()}"}))
            assert [r.run_id for r in runs] == [run_id]
            run = runs[0]
            assert run.status == dg.DagsterRunStatus.SUCCESS
            origin = run.remote_job_origin
            assert origin.location_name == "gongkai"
            assert origin.repository_origin.repository_name == "__repository__"
            for asset in ("crawl_demo", "extracted_reports", "rule_findings",
                          "published_warehouse"):
                records = instance.fetch_materializations(dg.AssetKey(asset), limit=5).records
                assert [r.run_id for r in records] == [run_id], asset
            logs = [e.user_message for e in instance.all_logs(run_id)]
            # per-document progress in the run's log
            assert any(m.startswith("extracting 1/") for m in logs)
    finally:
        os.environ.pop("DAGSTER_HOME", None)


def test_the_terminal_shows_per_document_progress(demo_run):
    proc = demo_run[0]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("gongkai: extracting")]
    assert lines and lines[0].startswith("gongkai: extracting 1/")
    total = int(lines[0].split()[2].split("/")[1])
    assert len(lines) == total and lines[-1].startswith(f"gongkai: extracting {total}/{total} ")


def test_version():
    from importlib.metadata import version

    proc = gongkai("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"gongkai, version {version('gongkai')}"


def test_missing_folder_exits_non_zero_naming_it(tmp_path):
    proc = gongkai("run", "--reports", "/nonexistent", env={"DAGSTER_HOME": str(tmp_path)})
    assert proc.returncode != 0
    assert "/nonexistent" in proc.stderr and "no such folder" in proc.stderr
    assert "succeeded" not in proc.stdout


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) missing")
def test_unreadable_folder_exits_non_zero_naming_it():
    import tempfile

    # outside pytest's tmp (its parents are private to root): only the folder is locked
    top = Path(tempfile.mkdtemp(prefix="gongkai-unreadable-"))
    try:
        top.chmod(0o755)
        home = top / "home"
        home.mkdir()
        home.chmod(0o777)
        locked = top / "locked"
        locked.mkdir()
        locked.chmod(0o700)
        shutil.copy(DEMO_REPORTS / "demo-city-2024.pdf", locked / "a.pdf")
        proc = gongkai("run", "--reports", str(locked), env={"DAGSTER_HOME": str(home)},
                       user=65534)
        assert proc.returncode != 0, proc.stdout + proc.stderr
        assert f"{locked}: cannot read the folder" in proc.stderr
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_a_folder_without_documents_says_so(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "notes.txt").write_text("no report here")
    proc = gongkai("run", "--reports", str(tmp_path), env={"DAGSTER_HOME": str(tmp_path)})
    assert proc.returncode != 0
    assert f"no documents in {tmp_path} or its subfolders" in proc.stderr
    assert "notes.txt" in proc.stderr  # and what was skipped


def test_subfolders_are_read_and_no_recursive_opts_out(tmp_path):
    folder = tmp_path / "reports"
    (folder / "2024").mkdir(parents=True)
    shutil.copy(DEMO_REPORTS / "demo-city-2024.pdf", folder / "2024" / "demo-city-2024.pdf")
    home, db = tmp_path / "home", tmp_path / "w" / "mine.duckdb"
    proc = gongkai("run", "--reports", str(folder), "--no-recursive", "--warehouse", str(db),
                   env={"DAGSTER_HOME": str(home)})
    assert proc.returncode != 0 and "subfolders not read" in proc.stderr
    proc = gongkai("run", "--reports", str(folder), "--warehouse", str(db),
                   env={"DAGSTER_HOME": str(home)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "checking 1 document(s)" in proc.stderr and "subfolders included" in proc.stderr
    assert "reports:                  1" in proc.stdout


def test_a_failed_run_exits_non_zero(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(DEMO_REPORTS / "demo-city-2024.pdf", folder / "a.pdf")
    # a warehouse that cannot be created: the run's first writer fails
    proc = gongkai("run", "--reports", str(folder), "--warehouse", "/proc/gongkai/x.duckdb",
                   env={"DAGSTER_HOME": str(tmp_path / "home")})
    assert proc.returncode == 1
    assert "FAILED" in proc.stdout and "failed in step(s)" in proc.stderr


def test_check_a_folder_checks_every_document_in_it(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(DEMO_REPORTS / "demo-district-2020.pdf", tmp_path / "a" / "2020.pdf")
    shutil.copy(DEMO_REPORTS / "demo-district-2021.pdf", tmp_path / "a" / "b" / "2021.pdf")
    proc = gongkai("check", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "2 document(s)" in proc.stderr
    assert "2020.pdf" in proc.stdout and "2021.pdf" in proc.stdout
    # checked together: the cross-year rules paired them
    assert "applications.carry_continuity" in proc.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = gongkai("check", str(empty))
    assert proc.returncode == 1 and f"no documents in {empty}" in proc.stderr


def test_info_is_no_failure_and_one_count_everywhere(tmp_path):
    """A report with 5 failed instances and 3 info notes (blank cells): the text says 5
    failed and 3 noted, names no info rule FAILED, and the --html badge says 5 too."""
    pdf = Path(__file__).parent / "fixtures" / "reports" / "s19-demo-jiang-finance-2020.pdf"
    page = tmp_path / "page.html"
    proc = gongkai("check", str(pdf), "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert ", 5 failed, " in proc.stdout and "3 noted (info, not failures)" in proc.stdout
    assert "FAILED plausibility.blank_cells" not in proc.stdout
    assert proc.stdout.count("  FAILED ") == 5
    assert "noted (info) plausibility.blank_cells" in proc.stdout
    html = page.read_text(encoding="utf-8")
    assert "5 项规则不通过 · 5 rule instance(s) failed" in html


def test_a_failed_crawl_fails_its_check_with_the_reason(tmp_path):
    """A portal that cannot be reached: its crawl asset records the error (the other portals
    and the checks go on) and its check `crawl_succeeded` fails, naming the reason."""
    import dagster as dg

    from assets.crawl import build_crawl_asset
    from assets.resources import CrawlResource, WarehouseResource
    from gongkai.crawl.sources import Source
    from tests.crawl.conftest import closed_port

    source = Source("closed", "示例无人值守局", "测试", "county",
                    (f"http://127.0.0.1:{closed_port()}/xxgk/ndbg/index.html",))
    asset = build_crawl_asset(source)
    result = dg.materialize(
        [asset], instance=dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
                   "crawl": CrawlResource(store_dir=str(tmp_path / "store"), delay=0.01)},
        raise_on_error=False)
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "crawl_succeeded" and not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert "connection refused" in check.description
    assert check.description.startswith("crawl of closed failed: no list page could be fetched")


def test_the_demo_crawl_check_passes(demo_run):
    proc = demo_run[0]
    assert proc.returncode == 0
    assert "crawl_demo/crawl_succeeded" not in proc.stdout  # not among the failed checks

"""The ``gongkai`` command.

- ``gongkai run``: the whole pipeline through Dagster (job ``check_reports_job``) on a persistent
  Dagster instance in ``.dagster_home/`` under the repo, then a summary of the warehouse.
- ``gongkai check FILE...``: extract and check single reports, no warehouse, no Dagster.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import click

from gongkai.values import plain_number

from gongkai import config

JOB = "check_reports_job"
# the code location, loaded by its module name as `dagster dev` loads it ([tool.dagster] in
# pyproject.toml): the CLI drives the pipeline, the domain code never imports it
CODE_LOCATION = "pipelines.definitions"


def _code_location():
    import importlib

    return importlib.import_module(CODE_LOCATION).defs


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongkai", prog_name="gongkai")
def main() -> None:
    """gongkai: the statutory tables of 政府信息公开工作年度报告, extracted and checked."""


# --- gongkai run -----------------------------------------------------------------------------

# the instance of `gongkai run` and `dagster dev`: one op per pool at a time (pools are portal
# hosts: one request at a time per host across runs), one run at a time (one warehouse writer,
# see warehouse/snapshot.py), failed runs retried
INSTANCE_CONFIG = """\
# written by gongkai (gongkai/cli.py): edit there, or delete this line to keep your own
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 1
run_retries:
  enabled: true
  max_retries: 2
"""


def _dagster_home() -> Path:
    """DAGSTER_HOME, set to <repo>/.dagster_home when unset, so `dagster dev` shows our runs."""
    path = config.dagster_home()
    path.mkdir(parents=True, exist_ok=True)
    instance_yaml = path / "dagster.yaml"
    if not instance_yaml.exists() or instance_yaml.read_text().startswith("# written by gongkai"):
        instance_yaml.write_text(INSTANCE_CONFIG)
    return path


def _instance(home: Path):
    """Dagster's instance of DAGSTER_HOME, its storage made under a lock: two runs started at
    once on a new DAGSTER_HOME would both create SQLite's tables, and one would fail ("table
    … already exists"). Once made, opening it takes no lock."""
    import fcntl

    import dagster as dg

    with open(home / ".gongkai-instance.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        instance = dg.DagsterInstance.get()
        try:  # each storage made (and migrated) now, while the lock is held
            instance.get_runs(limit=1)
            instance.event_log_storage  # noqa: B018
            instance.schedule_storage  # noqa: B018
        except BaseException:
            instance.dispose()
            raise
    return instance


def _data_path_option(ctx, param, value):
    """--data-path: given to the lake backend (and to a run's worker processes) as
    $GONGKAI_DATA_PATH, which gongkai.config reads."""
    if value:
        os.environ["GONGKAI_DATA_PATH"] = value
    return value


@main.command()
@click.option("--port", default=3000, show_default=True)
def ui(port: int) -> None:
    """Open the Dagster UI (dagster dev on 127.0.0.1) on gongkai's instance: the run history,
    the asset graph, the checks, the nightly schedule and the sensor."""
    home = _dagster_home()
    dagster = Path(sys.executable).with_name("dagster")
    click.echo(f"DAGSTER_HOME={home}; open http://127.0.0.1:{port}", err=True)
    os.chdir(config.ROOT)
    os.execv(str(dagster), [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)])


@main.command()
@click.option("--source", "sources", multiple=True, metavar="ID",
              help="Crawl this portal of pipelines/sources.yaml (repeatable). Default: the "
                   "bundled demo portal, served on 127.0.0.1 for the run, into its own "
                   "warehouse (warehouse/demo.duckdb).")
@click.option("--reports", "reports", multiple=True,
              # checked by _check_report_folders, which names the folder and the reason
              type=click.Path(path_type=Path, readable=False),
              help="Check the documents of this folder, subfolders included, instead of "
                   "crawling (repeatable).")
@click.option("--recursive/--no-recursive", default=True, show_default=True,
              help="Read the --reports folders' subfolders too.")
@click.option("--warehouse", "warehouse_path", type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB file, or a DuckLake (ducklake:postgres:dbname=… host=…). Default: "
                   "$GONGKAI_WAREHOUSE, else warehouse/gongkai.duckdb (the demo: "
                   "warehouse/demo.duckdb).")
@click.option("--data-path", "data_path", metavar="DIR|URL", callback=_data_path_option,
              expose_value=False, help="A DuckLake's Parquet folder (default: $GONGKAI_DATA_PATH).")
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The portals file. Default: $GONGKAI_SOURCES, else pipelines/sources.yaml.")
@click.option("--retry-failed", is_flag=True,
              help="Read again every document recorded in load_errors (by default only those "
                   "that failed under another reader version are).")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Reader processes extracting at once (default: the machine's cores).")
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's step log.")
def run(sources: tuple[str, ...], reports: tuple[Path, ...], warehouse_path: Path | None,
        verbose: bool, recursive: bool = True, sources_path: Path | None = None,
        retry_failed: bool = False, workers: int | None = None) -> None:
    """Crawl, extract, check and publish through Dagster, then summarise the warehouse.

    With no option: the demo (invented 示例 agencies) into warehouse/demo.duckdb. Exits
    non-zero when a folder is missing or unreadable, holds no document, or the run failed."""
    if sources_path is not None:
        # the code location builds one crawl asset per portal of this file when imported
        os.environ["GONGKAI_SOURCES"] = str(sources_path.expanduser().resolve())
    home = _dagster_home()
    folders = [p.expanduser().resolve() for p in reports]
    n_documents = _check_report_folders(folders, recursive)

    import dagster as dg

    from assets.crawl import CRAWL_ASSETS, GROUP as CRAWL_GROUP
    from assets.resources import WarehouseResource
    from expectations.data_docs import data_docs_dir
    from gongkai.crawl import load_sources

    defs = _code_location()

    if not folders and not sources:
        sources = ("demo",)
    demo = "demo" in sources
    if demo and (len(sources) > 1 or folders):
        raise click.UsageError("the demo runs alone, into its own warehouse: run "
                               "`gongkai run` for the demo, and --source/--reports apart")
    known = load_sources()
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise click.UsageError(f"no source {', '.join(unknown)} in {config.sources_file()} "
                               f"(known: {', '.join(known)})")
    job = "crawl_and_check_job" if sources else "check_reports_job"
    crawl_keys = [a.key for a in CRAWL_ASSETS if a.metadata_by_key[a.key]["source"] in sources]
    # the sources' crawls, and everything after the crawl (check_reports_job's selection)
    check = dg.AssetSelection.all() - dg.AssetSelection.groups(CRAWL_GROUP)
    selection = crawl_keys + list(check.resolve(defs.resolve_asset_graph()))
    # the demo's invented reports never land in the user's warehouse ($GONGKAI_WAREHOUSE
    # included): only an explicit --warehouse moves them
    wpath = config.warehouse_location(
        warehouse_path or (config.demo_warehouse() if demo else None))
    resources = {
        "warehouse": {"config": {"path": wpath}},
        "reports": {"config": {"folders": [str(f) for f in folders], "recursive": recursive,
                               "retry_failed": retry_failed,
                               "workers": workers or os.cpu_count() or 1,
                               # in the run's config, not left to each worker's environment:
                               # the step that cuts the batches may run on another machine
                               "batch_size": config.extract_batch_size()}},
    }
    if config.io_dir():
        resources["io_manager"] = {"config": {"base_dir": config.io_dir()}}
    if demo:
        resources["crawl"] = {"config": {"store_dir": str(config.demo_store())}}
        _set_aside_unreadable(Path(wpath))
    run_config = {
        "resources": resources,
        "loggers": {"console": {"config": {"log_level": "INFO" if verbose else "WARNING"}}},
    }
    if demo:
        what = "the demo (invented 示例 agencies, bundled portal on 127.0.0.1)"
    else:
        what = (f"crawling {', '.join(sources)}" if sources else "") + (
            f"{' and ' if sources else ''}checking {n_documents} document(s) in "
            f"{', '.join(map(str, folders))}"
            + (" (subfolders included; --no-recursive to read only the folders themselves)"
               if recursive else " (subfolders not read)") if folders else "")
    click.echo(f"gongkai: {job}: {what}", err=True)
    backend = WarehouseResource(path=wpath).backend()
    library_log = home / "logs" / "libraries.log"
    with _instance(home) as instance, _libraries_logged_to(library_log), \
            _terminal_progress(verbose):
        import uuid

        from assets.crawl import PoolWatch, process_tags

        def say(message: str) -> None:
            click.echo(message, err=True)

        # a run killed earlier (kill -9, OOM) must not hold a host's pool slot for ever, nor
        # leave its staging copies behind
        _clean_up_after_dead_runs(instance, backend, say)
        new_run_id = str(uuid.uuid4())
        with PoolWatch(instance, new_run_id, say):  # no silent wait; SIGTERM/SIGINT honoured
            result = _execute(job, instance, run_config, selection, new_run_id, process_tags())
        checks = result.get_asset_check_evaluations()
        run_id = result.run_id

    location = backend.location
    click.echo(f"\nRun {run_id} of {job} {'succeeded' if result.success else 'FAILED'}.")
    click.echo(f"Warehouse: {location}" + (" (the demo's own: invented 示例 agencies)"
                                           if demo else ""))
    published = backend.exists()
    if published:
        con = backend.connect(read_only=True)
        try:
            click.echo(warehouse_summary(con, run_id))
        finally:
            con.close()
    if checks:
        failing = [c for c in checks if not c.passed]
        click.echo(f"Asset checks: {len(checks) - len(failing)} of {len(checks)} passed"
                   + (", failed:" if failing else "."))
        for c in sorted(failing, key=lambda c: (c.asset_key.to_user_string(), c.check_name)):
            click.echo(f"  {c.asset_key.to_user_string()}/{c.check_name}: failed "
                       f"({c.severity.value})")
    click.echo("Dagster UI (run history, assets, checks, the findings summary, the nightly "
               "schedule and the sensor):")
    click.echo(f"  DAGSTER_HOME={home} {config.ROOT}/.venv/bin/gongkai ui")
    click.echo("  then open http://127.0.0.1:3000")
    docs = data_docs_dir(backend) / "index.html"
    if docs.exists():
        click.echo(f"Great Expectations Data Docs: {docs}")
    click.echo(f"Library warnings (pdfminer, Camelot …): {library_log}")
    click.echo("Query the warehouse (see warehouse/README.md), e.g.:")
    click.echo(f"  .venv/bin/gongkai sql --warehouse {shlex.quote(location)} "
               "\"FROM latest_findings WHERE status = 'fail'\"")
    if published:
        con = backend.connect(read_only=True)
        try:
            click.echo(failures_by_rule(con))
        finally:
            con.close()
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        # the cause last, where a person looks: the Dagster UI has the whole log
        raise click.ClickException(
            f"run {run_id} failed" + (f" in step(s) {', '.join(failed)}" if failed else "")
            + f" (the log: DAGSTER_HOME={home} gongkai ui): " + _failure_cause(result))


def _failure_cause(result) -> str:
    """What made the run fail, in one line: the innermost error of the first failed step
    ("OSError: [Errno 28] No space left on device"), or of the run."""
    for event in result.all_events:
        error = None
        if event.is_step_failure:
            error = event.step_failure_data.error
        elif event.is_run_failure and event.job_failure_data is not None:
            error = event.job_failure_data.error
        if error is None:
            continue
        while error.cause is not None:  # Dagster wraps the error raised in the step
            error = error.cause
        lines = [line for line in error.message.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else error.cls_name or "unknown error"
    return "no step failed; see the log"


def _clean_up_after_dead_runs(instance, backend, say) -> None:
    """Before a run starts: the runs of `gongkai run` left live by a process that is gone are
    marked failed and their pool slots freed (``assets.crawl.free_slots_of_dead_runs``), and
    what runs no longer alive left beside the warehouse (staging copies, staged Data Docs) is
    removed."""
    from dagster import DagsterRunStatus, RunsFilter

    from assets.crawl import LIVE_STATUSES, free_slots_of_dead_runs
    from expectations.data_docs import remove_staged_data_docs

    free_slots_of_dead_runs(instance, say)
    alive = {r.run_id for r in instance.get_runs(filters=RunsFilter(
        statuses=[DagsterRunStatus(s) for s in LIVE_STATUSES]))}
    removed = backend.remove_leftovers(alive) if hasattr(backend, "remove_leftovers") else []
    removed += remove_staged_data_docs(backend, alive)
    if removed:
        say(f"gongkai: removed what {len(removed)} stopped run(s) left: "
            + ", ".join(p.name for p in removed[:5]) + (" …" if len(removed) > 5 else ""))


@contextmanager
def _libraries_logged_to(log_file: Path):
    """The libraries' log records (pdfminer's warnings by the thousand, Camelot's, pypdf's)
    go to ``log_file``, not the terminal: in this process, and in the reader's worker
    processes (``GONGKAI_LIBRARY_LOG``, read by gongkai.extract.bounded)."""
    import logging

    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(n) for n in LIBRARY_LOGGERS]
    saved = [(lg, lg.handlers[:], lg.propagate) for lg in loggers]
    previous = os.environ.get("GONGKAI_LIBRARY_LOG")
    os.environ["GONGKAI_LIBRARY_LOG"] = str(log_file)
    for lg in loggers:
        lg.handlers, lg.propagate = [handler], False
    try:
        yield
    finally:
        for lg, handlers, propagate in saved:
            lg.handlers, lg.propagate = handlers, propagate
        handler.close()
        if previous is None:
            os.environ.pop("GONGKAI_LIBRARY_LOG", None)
        else:
            os.environ["GONGKAI_LIBRARY_LOG"] = previous


# the loggers of the libraries extraction uses: their records go to the run's library log
LIBRARY_LOGGERS = ("pdfminer", "camelot", "pdfplumber", "pypdf", "pypdfium2", "PIL")


@contextlib.contextmanager
def _terminal_progress(verbose: bool):
    """Per-document progress of the run on stderr: a bar with the counts and the current
    document on a terminal (one line, redrawn), a line per document otherwise (a log file)."""
    from gongkai import progress

    tty = sys.stderr.isatty()
    drawn = {"width": 0}

    def show(stage: str, done: int, total: int, name: str) -> None:
        text = progress.line(stage, done, total, name)
        if not tty:
            click.echo(f"gongkai: {text}", err=True)
            return
        width = 24
        filled = width * done // total if total else width
        bar = "#" * filled + "-" * (width - filled)
        out = f"[{bar}] {text}"[:max(20, shutil.get_terminal_size().columns - 1)]
        click.echo("\r" + out.ljust(drawn["width"]), err=True, nl=False)
        drawn["width"] = len(out)

    with progress.listening(show):
        try:
            yield
        finally:
            if tty and drawn["width"]:
                click.echo("", err=True)


def location_name() -> str:
    """The code location's name as `dagster dev` gives it: [tool.dagster] code_location_name
    of pyproject.toml (``gongkai``)."""
    import tomllib

    try:
        with open(config.ROOT / "pyproject.toml", "rb") as f:
            return tomllib.load(f)["tool"]["dagster"]["code_location_name"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "gongkai"


def _execute(job_name: str, instance, run_config: dict, selection: list, run_id: str,
             tags: dict[str, str]):
    """Run ``job_name`` in this process as a run of the code location `dagster dev` loads: the
    run carries that location's origin (and so its ``.dagster/repository`` tag), so the UI lists
    it on the job's page, in the Overview timeline and in the assets' history like a run
    launched there. (``execute_in_process`` makes runs of no location, which the UI leaves out:
    the timeline skips a run without ``repositoryOrigin``, ui-core's useRunsForTimeline, and the
    job page filters on the ``.dagster/repository`` tag the origin gives.)"""
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.definitions.repository_definition.valid_definitions import (
        SINGLETON_REPOSITORY_NAME,
    )
    from dagster._core.execution.api import execute_run
    from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteRepositoryOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    root = str(config.ROOT)
    recon_job = ReconstructableRepository.for_module(
        CODE_LOCATION, "defs", working_directory=root).get_reconstructable_job(job_name)
    target = LoadableTargetOrigin(executable_path=sys.executable, module_name=CODE_LOCATION,
                                  working_directory=root)
    origin = RemoteRepositoryOrigin(
        InProcessCodeLocationOrigin(target, location_name=location_name()),
        SINGLETON_REPOSITORY_NAME).get_job_origin(job_name)
    dagster_run = instance.create_run_for_job(
        job_def=recon_job.get_definition(), run_config=run_config,
        asset_selection=frozenset(selection), remote_job_origin=origin, run_id=run_id,
        job_code_origin=recon_job.get_python_origin(),
        tags={"gongkai/launched_by": "cli", **tags})
    return execute_run(recon_job, dagster_run, instance)


def _check_report_folders(folders: list[Path], recursive: bool) -> int:
    """The documents in ``folders``, counted; a folder that is missing, not a folder or not
    readable, or folders with no document at all, end the command (exit 1) naming it."""
    from gongkai.extract import intake

    for folder in folders:
        if not folder.exists():
            raise click.ClickException(f"--reports {folder}: no such folder")
        if not folder.is_dir():
            raise click.ClickException(f"--reports {folder}: not a folder")
        try:
            with os.scandir(folder):
                pass
        except OSError as e:
            raise click.ClickException(f"--reports {folder}: cannot read the folder: "
                                       f"{e.strerror or e}") from e
    if not folders:
        return 0
    documents, notes = intake.list_documents(folders, recursive=recursive)
    if not documents:
        where = ", ".join(map(str, folders))
        raise click.ClickException(
            f"no documents in {where}" + (" or its subfolders" if recursive else
                                          " (subfolders not read: --no-recursive)")
            + " (reports are *.pdf, *.doc(x), *.wps, *.xls(x), *.et, *.htm(l), …)"
            + "".join(f"\n  {n}" for n in notes))
    return len(documents)


def warehouse_summary(con, run_id: str) -> str:
    """What the warehouse holds, what this run's crawls found, and failures by rule."""
    from warehouse import store

    s = store.summary(con)
    lines = [f"  documents:                {s['documents']}",
             f"  reports:                  {s['reports']}",
             f"  facts:                    {s['facts']}",
             f"  failed rule instances:    {s['failed_rule_instances']} (error and warning; "
             f"{s['info_findings']} info)",
             f"  load errors:              {s['load_errors']}"]
    from warehouse.db import has_table

    if has_table(con, "crawl_runs"):
        crawls = con.execute(
            "SELECT source_id, pages_seen, documents_found, new, changed, unchanged, errors, error "
            "FROM crawl_runs WHERE run_id LIKE ? ORDER BY source_id", [f"{run_id}:%"]).fetchall()
        if crawls:
            lines.append("Crawled this run (pages seen, documents found: new / changed / "
                         "unchanged, errors):")
            for src, pages, found, new, changed, same, errors, error in crawls:
                lines.append(f"  {src}: {pages} pages, {found} documents: {new} new / {changed} "
                             f"changed / {same} unchanged, {errors} errors"
                             + (f" — {error.splitlines()[0]}" if error else ""))
            # each URL's last request of this run, where it ended in failure (a 429 retried
            # into a 200 is no failure; "not a page … taken as a report file" is a note)
            failed = con.execute(
                "SELECT url, coalesce(error, 'HTTP ' || status) FROM crawl_log "
                "WHERE run_id LIKE ? QUALIFY row_number() OVER (PARTITION BY url "
                "ORDER BY time DESC) = 1 AND (status >= 400 OR (error IS NOT NULL "
                "AND error NOT LIKE 'not a page%' AND error NOT LIKE 'refused: over the cap%')) "
                "ORDER BY url", [f"{run_id}:%"]).fetchall()
            lines += [f"    ! {url}: {why}" for url, why in failed]
            # files over limits.max_documents: counted, not listed one by one (crawl_log has each)
            for src, left in con.execute(
                    "SELECT source_id, count(*) FROM crawl_log WHERE run_id LIKE ? AND attempt = 0 "
                    "AND error LIKE 'refused: over the cap%' GROUP BY ALL ORDER BY 1",
                    [f"{run_id}:%"]).fetchall():
                lines.append(f"    ! {src}: {left} report files over limits.max_documents, "
                             "left for a later run (see crawl_log)")
    errors = con.execute("SELECT path, any_value(reason) FROM load_errors GROUP BY path "
                         "ORDER BY path").fetchall()
    if errors:
        lines.append("Documents not extracted (recorded in load_errors):")
        lines += [f"  - {path}: {reason}" for path, reason in errors]
    return "\n".join(lines)


def failures_by_rule(con) -> str:
    """The run's last word: per rule of the catalogue, its severity, the failing instances and
    the reports with a failure, of the current reports."""
    from expectations.rules import CATALOGUE

    counts = {rule: (failed, total, reports) for rule, failed, total, reports in con.execute(
        "SELECT rule, count(*) FILTER (WHERE status = 'fail'), count(*), "
        "count(DISTINCT report_id) FILTER (WHERE status = 'fail') "
        "FROM latest_findings GROUP BY rule").fetchall()}
    n_reports = con.execute("SELECT count(*) FROM current_reports").fetchone()[0]
    lines = [f"Failures by rule (instances failed / checked; reports failing, of {n_reports}; "
             "an info rule's are notes, not failures):"]
    for rule in CATALOGUE:
        failed, total, reports = counts.get(rule.id, (0, 0, 0))
        lines.append(f"  {rule.id:<44} {rule.severity:<8} {failed:>5} / {total:<6} "
                     f"{reports:>4} report(s)" + (" noted" if rule.severity == "info" else ""))
    return "\n".join(lines)


@main.command()
@click.option("--source", "source_id", required=True, metavar="ID",
              help="A portal of pipelines/sources.yaml.")
@click.option("--dry-run", is_flag=True,
              help="List what would be fetched: list and detail pages are read, report files "
                   "are not downloaded, nothing is stored.")
@click.option("--warehouse", "warehouse_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The portals file. Default: $GONGKAI_SOURCES, else pipelines/sources.yaml.")
@click.pass_context
def crawl(ctx: click.Context, source_id: str, dry_run: bool, warehouse_path: Path | None,
          sources_path: Path | None = None) -> None:
    """Crawl one portal: with --dry-run, show what would be fetched; without, run it through
    the whole pipeline (as `gongkai run --source ID`)."""
    if not dry_run:
        ctx.invoke(run, sources=(source_id,), reports=(), warehouse_path=warehouse_path,
                   verbose=False, recursive=True, sources_path=sources_path)
        return
    from gongkai.crawl import SourceError
    from gongkai.crawl.cli_support import run_for_cli

    try:
        result, text = run_for_cli(source_id, dry_run=True, sources_path=sources_path)
    except SourceError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(text)
    if result.error:
        sys.exit(1)


# --- gongkai check ---------------------------------------------------------------------------

def _jsonable(x):
    if isinstance(x, Decimal):
        return plain_number(x)
    if isinstance(x, (set, tuple)):
        return list(x)
    return str(x)


def _finding_json(f: dict, documents: dict[int, dict] | None = None) -> dict:
    """A finding as the JSON contract has it (``expectations.finding.CONTRACT_FIELDS``)."""
    from expectations.finding import CONTRACT_FIELDS

    out = {k: f.get(k) for k in CONTRACT_FIELDS}
    previous = f.get("previous_report_id")
    out["previous"] = (documents or {}).get(previous) if previous is not None else None
    return out


def report_json(report, findings: list[dict], documents: dict[int, dict] | None = None) -> dict:
    """``documents``: report_id -> {"path", "year"} of the other reports checked with it (what
    a cross-year finding's ``previous`` names)."""
    from gongkai.extract.intake import display_name

    d = report.document
    return {
        "document": {"path": display_name(d.path), "sha256": d.sha256, "pages": d.pages,
                     "kind": d.kind},
        "agency": report.agency,
        "year": report.year,
        "template": report.template,
        "facts": report.facts_json(),
        "findings": [_finding_json(f, documents) for f in findings],
        "problems": report.problems_json(),
    }


def is_failure(finding: dict) -> bool:
    """A failed instance of an error or warning rule: what every count of failures counts (the
    text, the --html page's badge, the run's summary); an info rule's "fail" is a note."""
    return finding.get("status") == "fail" and finding.get("severity") != "info"


def _num(x) -> str:
    return "?" if x is None else str(plain_number(x))


def report_text(report, findings: list[dict], documents: dict[int, dict] | None = None) -> str:
    from expectations.finding import instance_name

    from gongkai.extract.intake import display_name

    d = report.document
    lines = [f"{display_name(d.path)}",
             f"  agency: {report.agency or '(not found)'}   year: {report.year or '(not found)'}"
             f"   template: {report.template or '(not recognised)'}",
             f"  {d.pages} page(s), {len(report.facts)} facts read"]
    # an info rule (blank cells) that "fails" notes something; it is no failure: counted and
    # named apart, as the --html page and the run's summary count them
    failed = [f for f in findings if is_failure(f)]
    noted = [f for f in findings if f.get("status") == "fail" and not is_failure(f)]
    na = [f for f in findings if f.get("status") == "not_assessable"]
    lines.append(f"  rules: {len(findings)} instance(s) checked, {len(failed)} failed, "
                 f"{len(na)} not assessable"
                 + (f", {len(noted)} noted (info, not failures)" if noted else ""))
    for f in failed:
        where = instance_name(f)
        previous = (documents or {}).get(f.get("previous_report_id"))
        if previous:
            where += f", against {previous['path']} ({previous['year']})"
        pages = sorted({o["page"] for o in f.get("operands") or [] if o.get("page")})
        lines.append(f"  FAILED {f['rule']} ({f.get('severity')}), {where}: expected "
                     f"{_num(f.get('expected'))}, found {_num(f.get('actual'))}"
                     + (f"; page(s) {', '.join(map(str, pages))}" if pages else ""))
        if f.get("message"):
            lines.append(f"      {f['message']}")
    by_rule: dict[str, list[dict]] = {}
    for f in noted:
        by_rule.setdefault(f["rule"], []).append(f)
    for rule, items in by_rule.items():
        pages = sorted({o["page"] for f in items for o in f.get("operands") or []
                        if o.get("page")})
        where = sorted({instance_name(f) for f in items})
        lines.append(f"  noted (info) {rule}: {', '.join(where)}"
                     + (f"; page(s) {', '.join(map(str, pages))}" if pages else ""))
    for f in na:
        lines.append(f"  not assessable: {f['rule']}: {f.get('message') or ''}")
    if report.problems:
        lines.append("  could not be read:")
        for p in report.problems:
            page = f" (p. {p.page})" if p.page else ""
            lines.append(f"    - {p.code}{page}: {p.message}")
    return "\n".join(lines)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path),
                metavar="FILE_OR_DIR...")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per file per line (document, agency, year, template, facts, "
                   "findings, problems).")
@click.option("--html", "html_out", type=click.Path(path_type=Path), metavar="OUT",
              help="Also write a readable HTML page (tables, findings in Chinese and English, "
                   "the PDF pages with the failing cells boxed). One FILE: OUT is the page "
                   "(or a folder to put FILE's page in); several: OUT is a folder, one "
                   "<name>.html per file.")
def check(files: tuple[Path, ...], as_json: bool, html_out: Path | None) -> None:
    """Extract FILE(s) and check every rule of the catalogue. No warehouse, no Dagster.
    A folder stands for every document in it (subfolders included).

    Several FILEs are checked together: reports of one agency in consecutive years (e.g.
    2023.pdf 2024.pdf) are also checked against each other (the cross-year rules).

    Exits 0 when every file was read (whatever the rules found), 1 when a file could not be
    read at all (missing, not a PDF, encrypted, no text layer); the other files are still
    processed.
    """
    from gongkai.rules_ahead import RulesAhead

    # the rules' in-memory warehouse (DuckDB, its schema and reference tables) is made in a
    # process forked before the files are read, on the other core: check costs little more
    # than reading them
    # (once the arguments are known good: a usage error leaves no process behind)
    files = _expand_folders(files)
    html_paths = _html_paths(files, html_out) if html_out is not None else []
    rules = RulesAhead()
    from gongkai.extract import extract_report
    from gongkai.model import UnreadableDocument

    unreadable = unwritten = 0
    reports: dict[int, object] = {}  # index in files -> Report
    try:
        for i, path in enumerate(files):
            try:
                reports[i] = extract_report(path)
            except UnreadableDocument as e:
                unreadable += 1
                _unreadable(path, e.reason, as_json)
            except Exception as e:  # a bug on one file must not hide the others
                unreadable += 1
                _unreadable(path, f"extraction failed: {type(e).__name__}: {e}", as_json)
        # checked together: reports of one agency in consecutive years meet the cross-year
        # rules
        order = sorted(reports)
        checked = dict(zip(order, rules.check_reports([reports[i] for i in order]))) \
            if order else {}
    finally:  # the rules' process ends with the command, whatever stopped it
        rules.close()
    from gongkai.extract.intake import display_name

    documents = {f["report_id"]: {"path": display_name(reports[i].document.path),
                                  "year": reports[i].year}
                 for i in order for f in checked[i][:1]}
    for n, i in enumerate(order):
        report, findings = reports[i], checked[i]
        if as_json:
            click.echo(json.dumps(report_json(report, findings, documents), ensure_ascii=False,
                                  default=_jsonable))
        else:
            if n:
                click.echo("")
            click.echo(report_text(report, findings, documents))
        if html_out is not None:
            from gongkai.report_html import render_html

            try:
                written = render_html(report, findings, html_paths[i])
            except Exception as e:  # the page of one file must not stop the others
                unwritten += 1
                click.echo(f"gongkai check: cannot write {html_paths[i]}: "
                           f"{type(e).__name__}: {e}", err=True)
            else:
                click.echo(f"gongkai check: wrote {written}", err=True)
    if unreadable:
        click.echo(f"gongkai check: {unreadable} of {len(files)} file(s) could not be read",
                   err=True)
    if unwritten:
        click.echo(f"gongkai check: {unwritten} HTML page(s) could not be written", err=True)
    if unreadable or unwritten:
        sys.exit(1)


def _set_aside_unreadable(demo_warehouse: Path) -> None:
    """The demo's warehouse, when another DuckDB version wrote it (an older gongkai's), is
    moved aside and made again: the demo is invented and re-crawled in a minute."""
    from warehouse import db

    if not demo_warehouse.is_file():
        return
    try:
        db.connect(demo_warehouse, read_only=True).close()
    except db.WarehouseVersionError:
        aside = demo_warehouse.with_name(demo_warehouse.name + ".other-duckdb-version")
        os.replace(demo_warehouse, aside)
        click.echo(f"gongkai: the demo's warehouse was written by another DuckDB version: "
                   f"moved to {aside}, made again", err=True)


def _expand_folders(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """FILE arguments with every folder replaced by its documents (subfolders included); a
    folder with none ends the command (exit 1) naming it."""
    out: list[Path] = []
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        from gongkai.extract import intake

        try:
            documents, _ = intake.list_documents([path], recursive=True)
        except OSError as e:
            raise click.ClickException(f"cannot read the folder {path}: {e.strerror or e}") from e
        if not documents:
            raise click.ClickException(f"no documents in {path} or its subfolders")
        click.echo(f"gongkai check: {len(documents)} document(s) in {path} (subfolders "
                   "included)", err=True)
        out += [Path(d["path"]) for d in documents]
    return tuple(out)


def _html_paths(files: tuple[Path, ...], out: Path) -> list[Path]:
    """Where `check --html OUT` writes each file's page: OUT itself for one FILE (unless OUT is
    a folder), else OUT/<file name>.html, made unique when two files share a name."""
    if len(files) == 1 and not out.is_dir():
        return [out]
    if out.exists() and not out.is_dir():
        raise click.UsageError(f"--html {out}: with several files OUT must be a folder")
    used: set[str] = set()
    paths = []
    for f in files:
        name, n = f.stem, 1
        while name in used:
            n += 1
            name = f"{f.stem}-{n}"
        used.add(name)
        paths.append(out / f"{name}.html")
    return paths


def _sha256(path: Path) -> str | None:
    """The file's sha256; None for one that cannot be read or is no regular file (a FIFO
    would block the hashing for ever)."""
    from gongkai.extract.intake import regular_file, sha256_of
    from gongkai.model import UnreadableDocument

    try:
        return sha256_of(regular_file(path))
    except (UnreadableDocument, OSError):
        return None


def _unreadable(path: Path, reason: str, as_json: bool) -> None:
    from gongkai.extract.intake import display_name

    click.echo(f"gongkai check: cannot read {display_name(path)}: {display_name(reason)}",
               err=True)
    if as_json:
        click.echo(json.dumps({
            "document": {"path": display_name(path), "sha256": _sha256(path), "pages": None,
                         "kind": None},
            "agency": None, "year": None, "template": None, "facts": [], "findings": [],
            "error": display_name(reason),
        }, ensure_ascii=False))


# --- gongkai export --------------------------------------------------------------------------

@main.command()
@click.option("--format", "fmt", required=True, type=click.Choice(["parquet", "csv", "xlsx"]),
              help="parquet or csv: one file per table; xlsx: one workbook, a sheet per table.")
@click.option("--warehouse", "warehouse_path", type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB file. Default: $GONGKAI_WAREHOUSE, else warehouse/gongkai.duckdb.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("export"), show_default=True, help="Folder to write into.")
@click.option("--headers", type=click.Choice(["labels", "keys"]), default=None,
              help="Column headers: the template's Chinese labels (default for csv and xlsx) "
                   "or the English keys (default for parquet).")
@click.option("--all", "all_findings", is_flag=True,
              help="Findings: every rule result (passes, infos, not assessable), not only the "
                   "failures.")
def export(fmt: str, warehouse_path: Path | None, out_dir: Path, headers: str | None,
           all_findings: bool) -> None:
    """Write the wide tables (v_active_disclosure, v_applications, v_review_litigation) and the
    failed rule instances (v_findings; every result with --all) of the warehouse, opened
    read-only. CSV is UTF-8 with a BOM (Excel and WPS read its Chinese); the workbook has
    fitted columns, a frozen header and filters; Parquet is written by DuckDB."""
    from gongkai.export import ExportError
    from gongkai.export import export as export_tables
    from warehouse.store import default_path

    path = (warehouse_path or default_path()).expanduser().resolve()
    try:
        written = export_tables(path, fmt, out_dir, headers=headers, all_findings=all_findings)
    except ExportError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"Exported from {path}:")
    for name, file, rows in written:
        click.echo(f"  {name:<18} {rows:>7} rows  {file}")


@main.command()
@click.argument("query")
@click.option("--warehouse", "warehouse_location", metavar="LOCATION",
              help="The warehouse (default: $GONGKAI_WAREHOUSE, else warehouse/gongkai.duckdb).")
@click.option("--data-path", "data_path", metavar="DIR|URL", callback=_data_path_option,
              expose_value=False, help="A DuckLake's Parquet folder (default: $GONGKAI_DATA_PATH).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (a header row, then the rows).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects.")
def sql(query: str, warehouse_location: str | None, as_csv: bool, as_json: bool) -> None:
    """Run QUERY on the warehouse, read-only, and print the result, e.g.
    gongkai sql "FROM latest_findings WHERE status = 'fail'"."""
    from warehouse.query import QueryError, run_query

    if as_csv and as_json:
        raise click.UsageError("--csv or --json, not both")
    try:
        result = run_query(query, config.warehouse_location(warehouse_location))
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.csv() if as_csv else result.json() if as_json else result.table(),
               nl=not as_csv)


if __name__ == "__main__":
    main()

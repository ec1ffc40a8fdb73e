"""The ``gongkai`` command.

- ``gongkai run``: the whole pipeline through Dagster (job ``check_reports_job``) on a persistent
  Dagster instance in ``.dagster_home/`` under the repo, then a summary of the warehouse.
- ``gongkai check FILE...``: extract and check single reports, no warehouse, no Dagster.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

import click

from gongkai.values import plain_number

REPO_ROOT = Path(__file__).resolve().parents[1]
JOB = "check_reports_job"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """gongkai: the statutory tables of 政府信息公开工作年度报告, extracted and checked."""


# --- gongkai run -----------------------------------------------------------------------------

def _dagster_home() -> Path:
    """DAGSTER_HOME, set to <repo>/.dagster_home when unset, so `dagster dev` shows our runs."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(REPO_ROOT / ".dagster_home")
        os.environ["DAGSTER_HOME"] = home
    path = Path(home)
    path.mkdir(parents=True, exist_ok=True)
    config = path / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return path


@main.command()
@click.option("--reports", "reports", multiple=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder of report PDFs (repeatable). Default: $GONGKAI_REPORTS, else "
                   "tests/fixtures/reports and tests/fixtures/real.")
@click.option("--warehouse", "warehouse_path", type=click.Path(dir_okay=False, path_type=Path),
              help="DuckDB file. Default: $GONGKAI_WAREHOUSE, else warehouse/gongkai.duckdb.")
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's step log.")
def run(reports: tuple[Path, ...], warehouse_path: Path | None, verbose: bool) -> None:
    """Run the whole pipeline (Dagster job check_reports_job) and summarise the warehouse."""
    home = _dagster_home()

    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.resources import WarehouseResource, default_report_folders
    from warehouse import store

    folders = [str(p.expanduser().resolve()) for p in reports] or default_report_folders()
    wpath = str(warehouse_path.expanduser().resolve()) if warehouse_path else None
    if wpath is None and os.environ.get("GONGKAI_WAREHOUSE"):
        wpath = str(Path(os.environ["GONGKAI_WAREHOUSE"]).expanduser().resolve())
    if wpath:
        Path(wpath).parent.mkdir(parents=True, exist_ok=True)
    run_config = {
        "resources": {
            "warehouse": {"config": {"path": wpath}},
            "reports": {"config": {"folders": folders}},
        },
        "loggers": {"console": {"config": {"log_level": "INFO" if verbose else "WARNING"}}},
    }
    click.echo(f"gongkai: running {JOB} over {', '.join(folders)}", err=True)
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(JOB).execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False)
        checks = result.get_asset_check_evaluations()
        run_id = result.run_id

    warehouse = WarehouseResource(path=wpath)
    location = warehouse.location()
    summary = None
    if Path(location).exists():
        con = store.connect(location, read_only=True)
        try:
            summary = store.summary(con)
            load_errors = con.execute(
                "SELECT DISTINCT path, reason FROM load_errors ORDER BY path, reason").fetchall()
        finally:
            con.close()

    status = "succeeded" if result.success else "FAILED"
    click.echo(f"\nRun {run_id} of {JOB} {status}.")
    click.echo(f"Warehouse: {location}")
    if summary is not None:
        click.echo(f"  documents:                {summary.get('documents')}")
        click.echo(f"  reports:                  {summary.get('reports')}")
        click.echo(f"  facts:                    {summary.get('facts')}")
        failed = summary.get("failed_rules", summary.get("failed_rule_instances"))
        click.echo(f"  failed rule instances:    {failed}")
        click.echo(f"  load errors:              {summary.get('load_errors')}")
        seen = set()
        for path, reason in load_errors:
            if path not in seen:
                seen.add(path)
                click.echo(f"    - {path}: {reason}")
    if checks:
        click.echo("Asset checks:")
        for c in sorted(checks, key=lambda c: (c.asset_key.to_user_string(), c.check_name)):
            verdict = "passed" if c.passed else f"failed ({c.severity.value})"
            click.echo(f"  {c.asset_key.to_user_string()}/{c.check_name}: {verdict}")
    click.echo("Dagster UI (run history, assets, checks):")
    click.echo(f"  cd {REPO_ROOT} && DAGSTER_HOME={home} .venv/bin/dagster dev")
    click.echo("  then open http://127.0.0.1:3000")
    click.echo("Query the warehouse (see warehouse/README.md), e.g.:")
    click.echo(f"  .venv/bin/python -c \"import duckdb; duckdb.connect('{location}', "
               "read_only=True).sql('FROM v_findings').show()\"")
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        raise click.ClickException(
            f"run {run_id} failed" + (f" in step(s) {', '.join(failed)}" if failed else "")
            + f"; see the Dagster UI (DAGSTER_HOME={home}) for the log")


# --- gongkai check ---------------------------------------------------------------------------

def _jsonable(x):
    if isinstance(x, Decimal):
        return plain_number(x)
    if isinstance(x, (set, tuple)):
        return list(x)
    return str(x)


FINDING_KEYS = ("rule", "severity", "status", "row", "column", "expected", "actual", "message")


def _finding_json(f: dict) -> dict:
    out = {}
    for k in FINDING_KEYS:
        if k in ("row", "column") and f.get(k) is None:
            continue
        out[k] = f.get(k)
    return out


def report_json(report, findings: list[dict]) -> dict:
    d = report.document
    return {
        "document": {"path": d.path, "sha256": d.sha256, "pages": d.pages, "kind": d.kind},
        "agency": report.agency,
        "year": report.year,
        "template": report.template,
        "facts": report.facts_json(),
        "findings": [_finding_json(f) for f in findings],
        "problems": report.problems_json(),
    }


def _num(x) -> str:
    return "?" if x is None else str(plain_number(x))


def report_text(report, findings: list[dict]) -> str:
    d = report.document
    lines = [f"{d.path}",
             f"  agency: {report.agency or '(not found)'}   year: {report.year or '(not found)'}"
             f"   template: {report.template or '(not recognised)'}",
             f"  {d.pages} page(s), {len(report.facts)} facts read"]
    failed = [f for f in findings if f.get("status") == "fail"]
    na = [f for f in findings if f.get("status") == "not_assessable"]
    lines.append(f"  rules: {len(findings)} instance(s) checked, {len(failed)} failed, "
                 f"{len(na)} not assessable")
    for f in failed:
        where = (f"row {f['row']}" if f.get("row") is not None
                 else f"column {f['column']}" if f.get("column") is not None else "report")
        pages = sorted({o["page"] for o in f.get("operands") or [] if o.get("page")})
        lines.append(f"  FAILED {f['rule']} ({f.get('severity')}), {where}: expected "
                     f"{_num(f.get('expected'))}, found {_num(f.get('actual'))}"
                     + (f"; page(s) {', '.join(map(str, pages))}" if pages else ""))
        if f.get("message"):
            lines.append(f"      {f['message']}")
    for f in na:
        lines.append(f"  not assessable: {f['rule']}: {f.get('message') or ''}")
    if report.problems:
        lines.append("  could not be read:")
        for p in report.problems:
            page = f" (p. {p.page})" if p.page else ""
            lines.append(f"    - {p.code}{page}: {p.message}")
    return "\n".join(lines)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per file per line (document, agency, year, template, facts, "
                   "findings, problems).")
def check(files: tuple[Path, ...], as_json: bool) -> None:
    """Extract FILE(s) and check the statutory rules. No warehouse, no Dagster.

    Exits 0 when every file was read (whatever the rules found), 1 when a file could not be
    read at all (missing, not a PDF, encrypted, no text layer); the other files are still
    processed.
    """
    from expectations import check_report
    from gongkai.extract import extract_report
    from gongkai.model import UnreadableDocument

    unreadable = 0
    for i, path in enumerate(files):
        try:
            report = extract_report(path)
            findings = check_report(report)
        except UnreadableDocument as e:
            unreadable += 1
            _unreadable(path, e.reason, as_json)
            continue
        except Exception as e:  # a bug on one file must not hide the others
            unreadable += 1
            _unreadable(path, f"extraction failed: {type(e).__name__}: {e}", as_json)
            continue
        if as_json:
            click.echo(json.dumps(report_json(report, findings), ensure_ascii=False,
                                  default=_jsonable))
        else:
            if i:
                click.echo("")
            click.echo(report_text(report, findings))
    if unreadable:
        click.echo(f"gongkai check: {unreadable} of {len(files)} file(s) could not be read",
                   err=True)
        sys.exit(1)


def _sha256(path: Path) -> str | None:
    from gongkai.extract.document import sha256_of

    try:
        return sha256_of(path)
    except OSError:
        return None


def _unreadable(path: Path, reason: str, as_json: bool) -> None:
    click.echo(f"gongkai check: cannot read {path}: {reason}", err=True)
    if as_json:
        click.echo(json.dumps({
            "document": {"path": str(path), "sha256": _sha256(path), "pages": None,
                         "kind": None},
            "agency": None, "year": None, "template": None, "facts": [], "findings": [],
            "error": reason,
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Loading extracted reports into the warehouse: documents, reports, facts with their
provenance, problems, text; unreadable documents in ``load_errors``; who is who across years.

Connections come from ``warehouse.db`` (``connect`` here opens the default warehouse).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from gongkai import config
from gongkai.model import Report
from warehouse import db
from warehouse.db import insert_rows, transaction

def default_path() -> Path:
    """The warehouse file used when none is named (``$GONGKAI_WAREHOUSE`` or the default)."""
    return Path(config.warehouse_location())


def connect(path: str | Path | None = None, *, read_only: bool = False):
    """Open the DuckDB warehouse at ``path`` (default :func:`default_path`), see
    :func:`warehouse.db.connect`."""
    return db.connect(path if path is not None else default_path(), read_only=read_only)


# facts' columns as load_report writes them (the table's, in order)
FACT_COLUMNS = ("report_id", "table_name", "row_key", "column_key", "value", "raw", "page",
                "x0", "top", "x1", "bottom", "grid_row", "grid_col", "unit", "locator")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def load_report(con, report: Report, source: str | None = None) -> dict:
    """Load one extracted report; idempotent per document content (sha256).

    - same bytes again: nothing changes, except a new ``source`` is recorded in document_sources;
    - new bytes at a source already known: a new document version + report; the previous
      version at that source stays and is marked superseded;
    - otherwise a new document + report.

    Returns ``{"status": "loaded"|"new_version"|"unchanged"|"new_source", "document_id",
    "report_id", "facts", "problems", "supersedes"}``.
    """
    from gongkai.extract.intake import display_name, name_bytes

    doc = report.document
    source = source or doc.path
    # a name that is not UTF-8 is stored escaped, its bytes beside it: DuckDB takes only UTF-8
    source, source_bytes = display_name(source), name_bytes(source)
    document_path = display_name(doc.path)
    now = _now()
    con.execute("BEGIN")
    try:
        known = con.execute(
            "SELECT d.document_id, r.report_id FROM documents d "
            "LEFT JOIN reports r USING (document_id) WHERE d.sha256 = ?", [doc.sha256]
        ).fetchone()
        if known:
            added = _add_source(con, doc.sha256, source, now)
            con.execute("COMMIT")
            return {"status": "new_source" if added else "unchanged", "document_id": known[0],
                    "report_id": known[1], "facts": 0, "problems": 0, "supersedes": None}

        previous = con.execute(
            "SELECT d.document_id, d.version FROM documents d "
            "JOIN document_sources s USING (sha256) "
            "WHERE s.source = ? AND d.superseded_by IS NULL "
            "ORDER BY d.version DESC, d.document_id DESC LIMIT 1", [source]).fetchone()
        version = previous[1] + 1 if previous else 1
        document_id = con.execute(
            "INSERT INTO documents (sha256, source, pages, kind, size, first_seen, version, "
            "supersedes, source_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING document_id",
            [doc.sha256, source, doc.pages, doc.kind, _size(doc.path), now, version,
             previous[0] if previous else None, source_bytes]).fetchone()[0]
        con.execute("INSERT INTO document_sources VALUES (?, ?, ?)", [doc.sha256, source, now])
        if previous:
            con.execute("UPDATE documents SET superseded_by = ?, superseded_at = ? "
                        "WHERE document_id = ?", [document_id, now, previous[0]])

        facts, problems = _dedupe(report)
        report_id = con.execute(
            "INSERT INTO reports (document_id, agency, year, template, extracted_at, problems) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING report_id",
            [document_id, report.agency, report.year, report.template, now, len(problems)]
        ).fetchone()[0]
        insert_rows(con, "facts", [
            (report_id, f.table, f.row, f.column, f.value, f.raw, f.page,
             *(f.bbox or (None,) * 4), *(f.grid or (None, None)), f.unit,
             json.dumps(f.locator, ensure_ascii=False) if f.locator else None)
            for f in facts], FACT_COLUMNS)
        insert_rows(con, "extraction_problems", [
            (report_id, document_path, p.code, display_name(p.message), p.table, p.row,
             p.column, p.page)
            for p in problems])
        _load_text(con, report_id, report.page_texts)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {"status": "new_version" if previous else "loaded", "document_id": document_id,
            "report_id": report_id, "facts": len(facts), "problems": len(problems),
            "supersedes": previous[0] if previous else None}


def _load_text(con, report_id: int, page_texts: list[str]) -> None:
    """The pages' text, the sentences outside the tables and the figures they state."""
    from gongkai import narrative

    if not page_texts:
        return
    insert_rows(con, "report_pages",
                [(report_id, i, text) for i, text in enumerate(page_texts, start=1)])
    sentences = narrative.sentences(page_texts)
    six = {s.seq for s in narrative.section_six(sentences) or ()}
    insert_rows(con, "report_sentences", [
        (report_id, s.seq, s.page, s.text, narrative.comparable(s), s.seq in six) for s in sentences])
    insert_rows(con, "stated_figures", [
        (report_id, i, f.seq, f.figure, f.value, f.page, f.phrase)
        for i, f in enumerate(narrative.stated_figures(sentences))])


def refresh_agencies(con, aliases: dict[str, str] | None = None) -> int:
    """Rebuild ``agency_identity`` from the agencies of all reports and the alias table.

    ``aliases``: alias -> canonical; None reads pipelines/agency_aliases.csv. They are also
    written to ``agency_aliases`` so that SQL users see what paired which names.
    """
    from gongkai import agencies

    if aliases is None:
        aliases = agencies.load_aliases()
    names = [r[0] for r in con.execute(
        "SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL ORDER BY 1").fetchall()]
    canonical = agencies.resolve(names, aliases)
    normalised_aliases = {agencies.normalise(a) for a in aliases}
    rows = []
    for name in names:
        level = agencies.level(canonical[name])
        how = ("same" if canonical[name] == name
               else "alias" if agencies.normalise(name) in normalised_aliases else "prefix")
        rows.append((name, canonical[name], how, level.tier, level.kind, level.rule_making_power))
    with transaction(con):
        con.execute("DELETE FROM agency_aliases")
        insert_rows(con, "agency_aliases", sorted(aliases.items()), ("alias", "canonical"))
        con.execute("DELETE FROM agency_identity")
        insert_rows(con, "agency_identity", rows)
    return len(rows)


def _add_source(con, sha256: str, source: str, now: datetime) -> bool:
    return bool(con.execute(
        "INSERT INTO document_sources VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING source",
        [sha256, source, now]).fetchall())


def add_source(con, sha256: str, source: str) -> bool:
    """Known bytes seen at another path or URL: one document, one more source. True if new."""
    from gongkai.extract.intake import display_name

    return _add_source(con, sha256, display_name(source), _now())


def settled_documents(con, retry_failed: bool = False) -> set[str]:
    """The sha256 of every document already loaded, or already found unreadable by the
    current reader version (``gongkai.extract.intake.reader_version``): what a run need not
    extract again (the same bytes read the same way). A document that failed under another
    version is tried again, and with ``retry_failed`` every failed one is."""
    from gongkai.extract.intake import reader_version

    loaded = {row[0] for row in con.execute("SELECT sha256 FROM documents").fetchall()}
    if retry_failed:
        return loaded
    return loaded | {row[0] for row in con.execute(
        "SELECT sha256 FROM load_errors WHERE sha256 IS NOT NULL AND reader_version = ?",
        [reader_version()]).fetchall()}


def _dedupe(report: Report):
    """One fact per cell: a second reading of a cell is kept as a problem, not loaded."""
    from gongkai.model import Problem

    seen, facts, problems = set(), [], list(report.problems)
    for f in report.facts:
        key = (f.table, f.row, f.column)
        if key in seen:
            problems.append(Problem("fact.duplicate",
                                    f"cell read twice; kept the first, dropped raw {f.raw!r}",
                                    f.table, f.row, f.column, f.page))
            continue
        seen.add(key)
        facts.append(f)
    return facts, problems


def record_load_error(con, path: str, reason: str, sha256: str | None = None,
                      reader_version: str | None = None) -> bool:
    """Record a document we could not read at all, with the reader version that failed
    (default: the current one); the same (path, sha256, reason) once, its version and time
    brought up to date when it fails again. Never raises for the document's name or reason:
    a name that is not UTF-8 is stored escaped with its bytes (``path_bytes``)."""
    from gongkai.extract.intake import display_name, name_bytes
    from gongkai.extract.intake import reader_version as current_version

    version = reader_version or current_version()
    shown, raw = display_name(path), name_bytes(path)
    reason = display_name(reason)
    exists = con.execute(
        "SELECT 1 FROM load_errors WHERE path = ? AND reason = ? AND sha256 IS NOT DISTINCT FROM ?",
        [shown, reason, sha256]).fetchone()
    if exists:
        con.execute("UPDATE load_errors SET reader_version = ?, recorded_at = ? WHERE path = ? "
                    "AND reason = ? AND sha256 IS NOT DISTINCT FROM ?",
                    [version, _now(), shown, reason, sha256])
        return False
    con.execute("INSERT INTO load_errors (path, sha256, reason, recorded_at, reader_version, "
                "path_bytes) VALUES (?, ?, ?, ?, ?, ?)",
                [shown, sha256, reason, _now(), version, raw])
    return True


def summary(con) -> dict:
    q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "documents": q("SELECT count(*) FROM documents"),
        "current_reports": q("SELECT count(*) FROM current_reports"),
        "reports": q("SELECT count(*) FROM reports"),
        "facts": q("SELECT count(*) FROM facts"),
        "extraction_problems": q("SELECT count(*) FROM extraction_problems"),
        # failures that say something is wrong (error, warning); info rules only describe
        "failed_rule_instances": q("SELECT count(*) FROM rule_results WHERE status = 'fail' "
                                   "AND severity IN ('error', 'warning')"),
        "info_findings": q("SELECT count(*) FROM rule_results WHERE status = 'fail' "
                           "AND severity = 'info'"),
        "load_errors": q("SELECT count(*) FROM load_errors"),
    }


def load_extraction(con, extraction) -> dict:
    """Load what ``gongkai.extract.intake.extract_documents`` gave: every report (idempotent
    by sha256), every known document's sources, and every unreadable document.

    A report the warehouse refuses is recorded as a load error too; nothing stops the others.
    Returns {loaded: [load_report results], errors: [{path, reason}]}.
    """
    loaded, errors = [], []
    for report in extraction.reports:
        source, *also = extraction.sources.get(report.document.path, [report.document.path])
        try:
            loaded.append(load_report(con, report, source))
        except Exception as e:
            reason = f"load failed: {type(e).__name__}: {e}"
            _record_quietly(con, source, reason, report.document.sha256, errors)
            continue
        # read now: an earlier failure of the same bytes (an older reader) is history
        con.execute("DELETE FROM load_errors WHERE sha256 = ?", [report.document.sha256])
        for other in also:  # the same bytes at another URL: one document, one more source
            add_source(con, report.document.sha256, other)
    for known in extraction.known:
        for source in known["sources"]:
            add_source(con, known["sha256"], source)
    for u in extraction.unreadable:
        _record_quietly(con, u["path"], u["reason"], u.get("sha256"), errors)
    return {"loaded": loaded, "errors": errors}


def _record_quietly(con, path: str, reason: str, sha256: str | None, errors: list) -> None:
    """record_load_error for one document; should the warehouse refuse even that, the error
    stays in the run's list (and its log): no single document fails a run."""
    from gongkai.extract.intake import display_name

    try:
        record_load_error(con, path, reason, sha256=sha256)
    except Exception as e:  # noqa: BLE001 - one document's record must not stop the others
        reason += f" (and not recorded: {type(e).__name__}: {e})"
    errors.append({"path": display_name(path), "reason": display_name(reason)})

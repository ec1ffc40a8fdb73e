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
    doc = report.document
    source = source or doc.path
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
            "supersedes) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING document_id",
            [doc.sha256, source, doc.pages, doc.kind, _size(doc.path), now, version,
             previous[0] if previous else None]).fetchone()[0]
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
            (report_id, doc.path, p.code, p.message, p.table, p.row, p.column, p.page)
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
    return _add_source(con, sha256, source, _now())


def settled_documents(con) -> set[str]:
    """The sha256 of every document already loaded, or already found unreadable: what a run
    need not extract again (the same bytes read the same way)."""
    return {row[0] for row in con.execute(
        "SELECT sha256 FROM documents UNION SELECT sha256 FROM load_errors "
        "WHERE sha256 IS NOT NULL").fetchall()}


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


def record_load_error(con, path: str, reason: str, sha256: str | None = None) -> bool:
    """Record a document we could not read at all; the same (path, sha256, reason) once."""
    exists = con.execute(
        "SELECT 1 FROM load_errors WHERE path = ? AND reason = ? AND sha256 IS NOT DISTINCT FROM ?",
        [path, reason, sha256]).fetchone()
    if exists:
        return False
    con.execute("INSERT INTO load_errors VALUES (?, ?, ?, ?)", [path, sha256, reason, _now()])
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
            record_load_error(con, source, reason, sha256=report.document.sha256)
            errors.append({"path": source, "reason": reason})
            continue
        for other in also:  # the same bytes at another URL: one document, one more source
            add_source(con, report.document.sha256, other)
    for known in extraction.known:
        for source in known["sources"]:
            add_source(con, known["sha256"], source)
    for u in extraction.unreadable:
        record_load_error(con, u["path"], u["reason"], sha256=u.get("sha256"))
        errors.append({"path": u["path"], "reason": u["reason"]})
    return {"loaded": loaded, "errors": errors}

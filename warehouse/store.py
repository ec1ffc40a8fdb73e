"""Load extracted reports into the DuckDB warehouse.

DuckDB allows one writing process while readers keep sessions open, so callers keep
connections short: ``con = connect(); load_report(...); con.close()``.
"""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from gongkai import vocabulary as V
from gongkai.model import Report

SCHEMA = Path(__file__).with_name("schema.sql")
DEFAULT_PATH = Path(__file__).with_name("gongkai.duckdb")


def default_path() -> Path:
    return Path(os.environ.get("GONGKAI_WAREHOUSE") or DEFAULT_PATH)


def connect(path: str | Path | None = None, *, read_only: bool = False):
    """Open the warehouse (``:memory:`` works), creating the schema if absent.

    ``read_only=True`` opens a reader that never writes (no schema creation).
    """
    path = str(path if path is not None else default_path())
    if path != ":memory:" and not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(path, read_only=read_only)
    if not read_only:
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        _fill_vocabulary(con)
        _fill_figure_cells(con)
    return con


def _fill_vocabulary(con) -> None:
    rows, cols = [], []
    for table, source in ((V.ACTIVE_DISCLOSURE, V.AD_ROWS), (V.APPLICATIONS, V.APP_ROWS),
                          (V.REVIEW_LITIGATION, V.RL_ROWS)):
        rows += [(table, r.key, r.label, list(r.templates), i) for i, r in enumerate(source)]
    for table, source in ((V.ACTIVE_DISCLOSURE, V.AD_COLUMNS.values()),
                          (V.APPLICATIONS, V.APP_COLUMNS), (V.REVIEW_LITIGATION, V.RL_COLUMNS)):
        cols += [(table, c.key, c.label, c.kind, i) for i, c in enumerate(source)]
    have = con.execute("SELECT (SELECT count(*) FROM vocab_rows), "
                       "(SELECT count(*) FROM vocab_columns)").fetchone()
    if have == (len(rows), len(cols)):
        return  # the vocabulary is a contract: keys never change, so counts suffice
    con.execute("BEGIN")
    con.execute("DELETE FROM vocab_rows")
    con.execute("DELETE FROM vocab_columns")
    insert_rows(con, "vocab_rows", rows)
    insert_rows(con, "vocab_columns", cols)
    con.execute("COMMIT")


def _fill_figure_cells(con) -> None:
    from gongkai import narrative

    rows = sorted({(figure, spec.label, template, *cell)
                   for figure, spec in narrative.FIGURES.items()
                   for template in V.TEMPLATES for cell in spec.cells(template)})
    if con.execute("SELECT count(*) FROM figure_cells").fetchone()[0] == len(rows):
        return
    con.execute("BEGIN")
    con.execute("DELETE FROM figure_cells")
    insert_rows(con, "figure_cells", rows)
    con.execute("COMMIT")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def insert_rows(con, table: str, rows: list[tuple], columns: tuple[str, ...] | None = None
                ) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, default the table's) with one
    ``INSERT … SELECT`` from a DataFrame: DuckDB's ``executemany`` runs a statement per row
    and a long parameterised ``VALUES`` is slow to bind, which made loading a report take 0.1-
    0.2 s. DuckDB casts each column to the table's type; a Decimal goes in as a float, exact
    at DECIMAL(18,4) for the counts and 万元 amounts of the tables."""
    if not rows:
        return
    if columns is None:
        columns = tuple(d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description)
    frame = pd.DataFrame([[float(v) if isinstance(v, Decimal) else v for v in row]
                          for row in rows], columns=list(columns), dtype=object)
    con.register("_insert_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"SELECT {', '.join(columns)} FROM _insert_rows")
    finally:
        con.unregister("_insert_rows")


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
             *(f.bbox or (None,) * 4), *(f.grid or (None, None)), f.unit) for f in facts])
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
        aliases = agencies.load_aliases(agencies.ALIASES_PATH)
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
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM agency_aliases")
        insert_rows(con, "agency_aliases", sorted(aliases.items()), ("alias", "canonical"))
        con.execute("DELETE FROM agency_identity")
        insert_rows(con, "agency_identity", rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
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

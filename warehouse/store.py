"""Loading extracted reports into the warehouse: documents, reports, facts with their
provenance, problems, text; unreadable documents in ``load_errors``; who is who across years.

Connections come from ``warehouse.db`` (``connect`` here opens the default warehouse).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime
from pathlib import Path

from gongkai import config
from gongkai.model import Report
from warehouse import db
from warehouse.db import WriteConflict, insert_rows, retrying, transaction, write

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


def document_id(sha256: str) -> int:
    """A document's id, from its bytes: the first 15 hex digits of its sha256 as a number (60
    bits, a positive BIGINT), so that two writers loading different documents at once never
    pick the same id, and the same document gets the same id in every warehouse. Its report's
    ``report_id`` is the same number. (A name that is not a hex digest, as some tests give, is
    hashed first.) Two of 10^6 documents share an id with a chance of about 4·10^-7."""
    digest = sha256.lower()
    if not re.fullmatch(r"[0-9a-f]{15,}", digest):
        digest = hashlib.sha256(sha256.encode("utf-8", "surrogateescape")).hexdigest()
    return int(digest[:15], 16)


def load_report(con, report: Report, source: str | None = None) -> dict:
    """Load one extracted report; idempotent per document content (sha256).

    - same bytes again: nothing changes, except a new ``source`` is recorded in document_sources;
    - new bytes at a source already known: a new document version + report; the previous
      version at that source stays and is marked superseded;
    - otherwise a new document + report.

    Returns ``{"status": "loaded"|"new_version"|"unchanged"|"new_source", "document_id",
    "report_id", "facts", "problems", "supersedes"}``. Many at once: :func:`load_reports`.
    """
    return load_reports(con, [(report, source or report.document.path, [])])[0]


# what one load writes, table by table: one INSERT of many rows per table (db.insert_rows)
_BATCH_TABLES = ("documents", "document_sources", "reports", "facts", "extraction_problems",
                 "report_pages", "report_sentences", "stated_figures")
DOCUMENT_COLUMNS = ("document_id", "sha256", "source", "pages", "kind", "size", "first_seen",
                    "version", "supersedes", "source_bytes")
REPORT_COLUMNS = ("report_id", "document_id", "agency", "year", "template", "extracted_at",
                  "problems")
_COLUMNS = {"documents": DOCUMENT_COLUMNS, "reports": REPORT_COLUMNS, "facts": FACT_COLUMNS,
            "document_sources": ("sha256", "source", "seen_at")}


@retrying
def load_reports(con, items: list[tuple[Report, str, list[str]]],
                 known: list[dict] = ()) -> list[dict]:
    """Load many reports in one transaction, each as :func:`load_report` does, with one
    INSERT per table for all of them (a run's reports at about a millisecond each, where a
    transaction and eight INSERTs per report cost 50 ms). ``items``: (report, source, other
    sources of the same bytes). ``known``: documents not read again (``{"sha256",
    "sources"}``), whose sources are recorded. A load error of a loaded document is history.
    Retried as a whole when another writer of a lake committed first (``db.retrying``).
    Returns the :func:`load_report` result of each item, in order."""
    with transaction(con):
        return _load_batch(con, items, known)


def _load_batch(con, items, known) -> list[dict]:
    from gongkai.extract.intake import display_name, name_bytes

    now = _now()
    # to the microsecond: documents.first_seen orders the documents of one agency and year
    # loaded one after another (documents.agree compares each with the first loaded)
    first_seen = datetime.now()
    rows: dict[str, list[tuple]] = {t: [] for t in _BATCH_TABLES}
    sources = [(display_name(src), name_bytes(src)) for _, src, _ in items]
    shas = sorted({r.document.sha256 for r, _, _ in items}
                  | {k["sha256"] for k in known if k.get("sha256")})
    # what the warehouse holds of these bytes and these sources, read once
    have = {sha: (doc, rep) for sha, doc, rep in con.execute(
        "SELECT d.sha256, d.document_id, r.report_id FROM documents d "
        "LEFT JOIN reports r USING (document_id) WHERE d.sha256 IN (SELECT unnest(?))",
        [shas]).fetchall()}
    seen_at = set(con.execute(
        "SELECT sha256, source FROM document_sources WHERE sha256 IN (SELECT unnest(?))",
        [shas]).fetchall())
    current_at: dict[str, tuple[int, int]] = {}  # source -> (document_id, version), current
    for source, doc, version in con.execute(
            "SELECT s.source, d.document_id, d.version FROM documents d "
            "JOIN document_sources s USING (sha256) "
            "WHERE s.source IN (SELECT unnest(?)) AND d.superseded_by IS NULL "
            "ORDER BY d.version, d.document_id", [[s for s, _ in sources]]).fetchall():
        current_at[source] = (doc, version)  # the last: the highest version
    superseded: list[tuple[int, int]] = []  # (previous document, the one that supersedes it)

    def add_source(sha: str, source: str) -> bool:
        if (sha, source) in seen_at:
            return False
        seen_at.add((sha, source))
        rows["document_sources"].append((sha, source, now))
        return True

    results = []
    for (report, _, also), (source, source_bytes) in zip(items, sources):
        doc = report.document
        if doc.sha256 in have:
            known_doc, known_report = have[doc.sha256]
            added = add_source(doc.sha256, source)
            results.append({"status": "new_source" if added else "unchanged",
                            "document_id": known_doc, "report_id": known_report, "facts": 0,
                            "problems": 0, "supersedes": None})
        else:
            results.append(_report_rows(rows, report, source, source_bytes, now, first_seen,
                                        current_at.get(source), display_name))
            new_id = results[-1]["document_id"]
            have[doc.sha256] = (new_id, new_id)
            previous = current_at.get(source)
            if previous:
                superseded.append((previous[0], new_id))
            current_at[source] = (new_id, previous[1] + 1 if previous else 1)
            add_source(doc.sha256, source)
        for other in also:  # the same bytes at another URL: one document, one more source
            add_source(doc.sha256, display_name(other))
    for k in known:
        for source in k["sources"]:
            add_source(k["sha256"], display_name(source))

    for table in _BATCH_TABLES:
        insert_rows(con, table, rows[table], _COLUMNS.get(table))
    for previous, newer in superseded:
        con.execute("UPDATE documents SET superseded_by = ?, superseded_at = ? "
                    "WHERE document_id = ?", [newer, now, previous])
    loaded = sorted({r.document.sha256 for r, _, _ in items})
    if loaded:  # read now: an earlier failure of the same bytes (an older reader) is history
        con.execute("DELETE FROM load_errors WHERE sha256 IN (SELECT unnest(?))", [loaded])
    return results


def _report_rows(rows, report: Report, source: str, source_bytes, now, first_seen, previous,
                 display_name) -> dict:
    """The rows of one new document and its report, added to ``rows`` (table -> rows)."""
    from gongkai import narrative

    doc = report.document
    doc_id = document_id(doc.sha256)
    rows["documents"].append((doc_id, doc.sha256, source, doc.pages, doc.kind, _size(doc.path),
                              first_seen, previous[1] + 1 if previous else 1,
                              previous[0] if previous else None, source_bytes))
    facts, problems = _dedupe(report)
    report_id = doc_id  # one report per document
    rows["reports"].append((report_id, doc_id, report.agency, report.year, report.template, now,
                            len(problems)))
    rows["facts"] += [
        (report_id, f.table, f.row, f.column, f.value, f.raw, f.page,
         *(f.bbox or (None,) * 4), *(f.grid or (None, None)), f.unit,
         json.dumps(f.locator, ensure_ascii=False) if f.locator else None)
        for f in facts]
    document_path = display_name(doc.path)
    rows["extraction_problems"] += [
        (report_id, document_path, p.code, display_name(p.message), p.table, p.row, p.column,
         p.page)
        for p in problems]
    if report.page_texts:  # the pages' text, the sentences outside the tables, their figures
        rows["report_pages"] += [(report_id, i, text)
                                 for i, text in enumerate(report.page_texts, start=1)]
        sentences = narrative.sentences(report.page_texts)
        six = {s.seq for s in narrative.section_six(sentences) or ()}
        rows["report_sentences"] += [
            (report_id, s.seq, s.page, s.text, narrative.comparable(s), s.seq in six)
            for s in sentences]
        rows["stated_figures"] += [
            (report_id, i, f.seq, f.figure, f.value, f.page, f.phrase)
            for i, f in enumerate(narrative.stated_figures(sentences))]
    return {"status": "new_version" if previous else "loaded", "document_id": doc_id,
            "report_id": report_id, "facts": len(facts), "problems": len(problems),
            "supersedes": previous[0] if previous else None}


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

    def replace(con):
        con.execute("DELETE FROM agency_aliases")
        insert_rows(con, "agency_aliases", sorted(aliases.items()), ("alias", "canonical"))
        con.execute("DELETE FROM agency_identity")
        insert_rows(con, "agency_identity", rows)

    if _identity_rows(con) != sorted(rows) or _alias_rows(con) != sorted(aliases.items()):
        write(con, replace)  # unchanged: nothing written (no conflict with another writer)
    return len(rows)


def _identity_rows(con) -> list[tuple]:
    return sorted(con.execute("SELECT agency, canonical, how, tier, kind, rule_making_power "
                              "FROM agency_identity").fetchall())


def _alias_rows(con) -> list[tuple]:
    return sorted(con.execute("SELECT alias, canonical FROM agency_aliases").fetchall())


def _add_source(con, sha256: str, source: str, now: datetime) -> bool:
    """One more (sha256, source), unless the warehouse has it: the writer keeps the key
    unique (a DuckLake has no PRIMARY KEY to do it)."""
    if con.execute("SELECT 1 FROM document_sources WHERE sha256 = ? AND source = ?",
                   [sha256, source]).fetchone():
        return False
    con.execute("INSERT INTO document_sources VALUES (?, ?, ?)", [sha256, source, now])
    return True


def add_source(con, sha256: str, source: str) -> bool:
    """Known bytes seen at another path or URL: one document, one more source. True if new."""
    from gongkai.extract.intake import display_name

    return write(con, _add_source, sha256, display_name(source), _now())


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
    return write(con, _record_load_error, shown, raw, reason, sha256, version)


def _record_load_error(con, shown, raw, reason, sha256, version) -> bool:
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

    All the reports in one transaction (:func:`load_reports`). Should the warehouse refuse
    that, each report is loaded alone, and one it refuses is recorded as a load error; nothing
    stops the others. Returns {loaded: [load_report results], errors: [{path, reason}]}.
    """
    errors = []
    items = []
    for report in extraction.reports:
        source, *also = extraction.sources.get(report.document.path, [report.document.path])
        items.append((report, source, also))
    try:
        loaded = load_reports(con, items, extraction.known)
    except WriteConflict:
        raise  # retried until the limit: the run fails and says so, nothing is dropped
    except Exception:  # noqa: BLE001 - find the report the warehouse refuses, load the rest
        loaded = []
        for item in items:
            try:
                loaded += load_reports(con, [item])
            except WriteConflict:
                raise
            except Exception as e:  # noqa: BLE001
                reason = f"load failed: {type(e).__name__}: {e}"
                _record_quietly(con, item[1], reason, item[0].document.sha256, errors)
        load_reports(con, [], extraction.known)
    for u in extraction.unreadable:
        _record_quietly(con, u["path"], u["reason"], u.get("sha256"), errors)
    return {"loaded": loaded, "errors": errors}


def _record_quietly(con, path: str, reason: str, sha256: str | None, errors: list) -> None:
    """record_load_error for one document; should the warehouse refuse even that, the error
    stays in the run's list (and its log): no single document fails a run."""
    from gongkai.extract.intake import display_name

    try:
        record_load_error(con, path, reason, sha256=sha256)
    except WriteConflict:
        raise
    except Exception as e:  # noqa: BLE001 - one document's record must not stop the others
        reason += f" (and not recorded: {type(e).__name__}: {e})"
    errors.append({"path": display_name(path), "reason": display_name(reason)})

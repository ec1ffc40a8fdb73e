"""The plain work the assets do — no Dagster here, so it can be called and tested directly.

Each function takes and returns plain data; the assets in this package only wire them to
resources and turn their results into metadata.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from expectations.evaluate import instance_name
from expectations.rules import BY_ID, RULES
from gongkai import vocabulary
from gongkai.extract.document import sha256_of as document_sha256
from gongkai.model import Report, UnreadableDocument
from gongkai.values import plain_number

# the rules that get one Dagster asset check each: the whole catalogue
CHECKED_RULES: dict[str, str] = {rule.id: rule.says for rule in RULES}


def check_name(rule: str) -> str:
    """Dagster check names cannot hold dots: 'applications.balance' -> 'applications_balance'."""
    return rule.replace(".", "_")


# --- documents -------------------------------------------------------------------------------

def sha256_of(path: Path) -> str | None:
    try:
        return document_sha256(path)
    except OSError:  # vanished or unreadable: the extractor will say so for the document
        return None


def list_documents(folders: list[Path]) -> tuple[list[dict], list[str]]:
    """The ``*.pdf`` files directly in ``folders`` (sorted, de-duplicated by path) with sha256.

    Returns (documents, notes): a document is {path, name, sha256, bytes}; notes say which
    folders are missing. Whether a file really is a readable PDF is the extractor's call.
    """
    docs: list[dict] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for folder in folders:
        if not folder.is_dir():
            notes.append(f"{folder}: no such folder, skipped")
            continue
        for p in sorted(folder.iterdir()):
            if not p.is_file() or p.name.startswith(".") or p.suffix.lower() != ".pdf":
                continue
            rp = p.resolve()
            if rp in seen:
                continue
            seen.add(rp)
            docs.append({"path": str(p), "name": p.name, "sha256": sha256_of(p),
                         "bytes": p.stat().st_size})
    return docs, notes


# --- extraction ------------------------------------------------------------------------------

def crawled_documents(con, store_dir: Path) -> list[dict]:
    """Every report file the crawls stored (one per content), with the URL it was found at.
    Reads only (the sensor calls it on a read-only connection): no crawl yet, no tables."""
    if not con.execute("SELECT 1 FROM information_schema.tables "
                       "WHERE table_name = 'crawl_documents'").fetchone():
        return []
    rows = con.execute(
        "SELECT d.sha256, d.path, d.format, d.size, list(DISTINCT u.url ORDER BY u.url) "
        "FROM crawl_documents d JOIN crawl_urls u USING (sha256) WHERE u.role = 'report' "
        "GROUP BY ALL ORDER BY 5"
    ).fetchall()
    return [{"path": str(store_dir / path), "name": urls[0].rsplit("/", 1)[-1], "sha256": sha,
             "bytes": size, "sources": urls, "format": fmt}
            for sha, path, fmt, size, urls in rows]


def mark_settled(documents: list[dict], settled: set[str]) -> list[dict]:
    """Flag the documents whose bytes the warehouse already holds (or found unreadable): they
    are not extracted again, only their path or URL is recorded."""
    return [{**d, "settled": d.get("sha256") in settled} for d in documents]


@dataclass
class Extraction:
    """What extraction of a set of documents gave: the reports, the documents it could not
    read at all, each with its reason (these go to the warehouse's ``load_errors``), and the
    documents it did not read again because their bytes are known."""

    reports: list[Report] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)  # {path, sha256, reason}
    known: list[dict] = field(default_factory=list)  # {path, sha256, sources}
    # path -> the paths or URLs the bytes were found at (a crawled file: its URLs)
    sources: dict[str, list[str]] = field(default_factory=dict)


def extract_documents(documents: list[dict]) -> Extraction:
    """``extract_report`` for every new document; an unreadable one is recorded, the rest go on."""
    from gongkai.extract import extract_report

    out = Extraction()
    for doc in documents:
        sources = doc.get("sources") or [doc["path"]]
        source = sources[0]
        if doc.get("settled"):
            out.known.append({"path": doc["path"], "sha256": doc["sha256"], "sources": sources})
            continue
        if doc.get("format") not in (None, "pdf"):
            # stored and recorded by the crawl; the tables are read from PDFs only
            out.unreadable.append({"path": source, "sha256": doc.get("sha256"),
                                   "reason": f"a {doc['format']} report: only PDF reports are "
                                             "extracted (the file is kept in the crawl store)"})
            continue
        try:
            out.reports.append(extract_report(doc["path"]))
            out.sources[doc["path"]] = sources
        except UnreadableDocument as e:
            out.unreadable.append({"path": source, "sha256": doc.get("sha256"),
                                   "reason": e.reason})
        except Exception as e:  # a bug of ours on one document must not stop the others
            out.unreadable.append({"path": source, "sha256": doc.get("sha256"),
                                   "reason": f"extraction failed: {type(e).__name__}: {e}"})
    return out


def problem_lines(reports: list[Report]) -> list[str]:
    """One line per problem the extractor reported: 'file.pdf p.3 table.missing: …'."""
    lines = []
    for r in reports:
        name = Path(r.document.path).name
        for p in r.problems:
            where = f" p.{p.page}" if p.page else ""
            lines.append(f"{name}{where} {p.code}: {p.message}")
    return lines


# --- warehouse -------------------------------------------------------------------------------

def load_extraction(con, extraction: Extraction) -> dict:
    """Load every report (idempotent by sha256) and record every unreadable document.

    A report the warehouse refuses is recorded as a load error too; nothing stops the others.
    Returns {loaded: [load_report results], errors: [{path, reason}]}.
    """
    from warehouse import store

    loaded, errors = [], []
    for report in extraction.reports:
        source, *also = extraction.sources.get(report.document.path, [report.document.path])
        try:
            loaded.append(store.load_report(con, report, source))
        except Exception as e:
            reason = f"load failed: {type(e).__name__}: {e}"
            store.record_load_error(con, source, reason, sha256=report.document.sha256)
            errors.append({"path": source, "reason": reason})
            continue
        for other in also:  # the same bytes at another URL: one document, one more source
            store.add_source(con, report.document.sha256, other)
    for known in extraction.known:
        for source in known["sources"]:
            store.add_source(con, known["sha256"], source)
    for u in extraction.unreadable:
        store.record_load_error(con, u["path"], u["reason"], sha256=u.get("sha256"))
        errors.append({"path": u["path"], "reason": u["reason"]})
    return {"loaded": loaded, "errors": errors}


def vocabulary_cells() -> set[tuple[str, str, str]]:
    """Every (table, row, column) either template has."""
    return {cell for t in vocabulary.TEMPLATES for cell in vocabulary.cells(t)}


# --- findings --------------------------------------------------------------------------------

def data_docs_dir(warehouse_location: str | Path) -> Path:
    """Where the Great Expectations Data Docs site of the published warehouse is: ``data_docs/``
    beside the warehouse file (its index.html is what `gongkai run` prints)."""
    return Path(warehouse_location).with_name("data_docs")


def staged_data_docs_dir(warehouse_location: str | Path, run_id: str) -> Path:
    """Where a run builds its Data Docs site until it publishes (beside the published one)."""
    return Path(warehouse_location).with_name(f".data_docs.{run_id}.staging")


def publish_data_docs(warehouse_location: str | Path, run_id: str) -> Path | None:
    """The run's staged Data Docs site made the published one; the staged sites of runs that
    never published are removed. Returns the index.html, None when the run staged none."""
    from expectations.data_docs import publish_site

    site = data_docs_dir(warehouse_location)
    staged = staged_data_docs_dir(warehouse_location, run_id)
    index = publish_site(staged, site) if staged.is_dir() else None
    for stale in site.parent.glob(".data_docs.*.staging"):
        shutil.rmtree(stale, ignore_errors=True)
    return index


def rule_counts(findings: list[dict]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for f in findings:
        counts.setdefault(f["rule"], Counter())[f["status"]] += 1
    return counts


def failures_markdown(findings: list[dict]) -> str:
    """A markdown table: per rule, its severity and how many instances passed / failed /
    could not be assessed."""
    counts = rule_counts(findings)
    severity = {f["rule"]: f.get("severity", "") for f in findings}
    lines = ["| rule | severity | failed | not assessable | passed |", "|---|---|---|---|---|"]
    for rule in sorted(counts, key=lambda r: (-counts[r]["fail"], r)):
        c = counts[rule]
        lines.append(f"| `{rule}` | {severity[rule]} | {c['fail']} | {c['not_assessable']} "
                     f"| {c['pass']} |")
    if len(lines) == 2:
        lines.append("| (no findings) | | 0 | 0 | 0 |")
    return "\n".join(lines)


def integrity_violations(con, limit: int = 50) -> dict:
    """Our own output's integrity in the warehouse: every fact has a page and its raw text,
    every (table, row, column) is a cell of the vocabulary (of either template), and every
    report has its three tables or an extraction problem saying why not.

    Returns {facts, missing_page, missing_raw, unknown_keys, tables_unexplained,
    examples: [str]}.
    """
    facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    missing_page = con.execute(
        "SELECT count(*) FROM facts WHERE page IS NULL OR page < 1").fetchone()[0]
    missing_raw = con.execute("SELECT count(*) FROM facts WHERE raw IS NULL").fetchone()[0]
    examples = [
        f"report {rid}: {t}.{r}.{c} has no {'page' if p is None or p < 1 else 'raw text'}"
        for rid, t, r, c, p in con.execute(
            "SELECT report_id, table_name, row_key, column_key, page FROM facts "
            "WHERE page IS NULL OR page < 1 OR raw IS NULL ORDER BY ALL LIMIT ?", [limit]
        ).fetchall()
    ]
    # either template's cells: a hybrid report (a 2021 table 三 with the 2019 single
    # （六）其他处理 row) legitimately mixes them
    known = vocabulary_cells()
    unknown = 0
    for rid, t, r, c in con.execute(
        "SELECT report_id, table_name, row_key, column_key FROM facts ORDER BY ALL"
    ).fetchall():
        if (t, r, c) not in known:
            unknown += 1
            if len(examples) < limit:
                examples.append(f"report {rid}: {t}.{r}.{c} is not a cell of the vocabulary")
    # every report has its three tables, or a problem saying why one is missing
    unexplained = con.execute("""
        SELECT r.report_id, t.table_name
        FROM reports r CROSS JOIN (VALUES ('active_disclosure'), ('applications'),
                                          ('review_litigation')) t(table_name)
        WHERE NOT EXISTS (SELECT 1 FROM facts f WHERE f.report_id = r.report_id
                          AND f.table_name = t.table_name)
          AND NOT EXISTS (SELECT 1 FROM extraction_problems p WHERE p.report_id = r.report_id
                          AND (p.table_name = t.table_name OR p.table_name IS NULL))
        ORDER BY ALL""").fetchall()
    for rid, t in unexplained:
        if len(examples) < limit:
            examples.append(f"report {rid}: table {t} is missing and no problem says why")
    return {"facts": facts, "missing_page": missing_page, "missing_raw": missing_raw,
            "unknown_keys": unknown, "tables_unexplained": len(unexplained),
            "examples": examples}


def report_labels(con) -> dict:
    """report_id -> 'agency year (file.pdf)' for messages."""
    out = {}
    for rid, agency, year, source in con.execute(
        "SELECT r.report_id, r.agency, r.year, d.source FROM reports r "
        "JOIN documents d USING (document_id)"
    ).fetchall():
        out[rid] = f"{agency or '?'} {year or '?'} ({Path(source).name})"
    return out


def operand_pages(f: dict) -> list[int]:
    return sorted({o["page"] for o in (f.get("operands") or []) if o.get("page")})


def rule_check_outcome(rule: str, findings: list[dict], labels: dict, limit: int = 100) -> dict:
    """What the Dagster check of one statutory rule reports: passed unless an instance failed;
    metadata lists the failing reports and cells."""
    mine = [f for f in findings if f["rule"] == rule]
    failed = [f for f in mine if f["status"] == "fail"]
    lines = []
    for f in failed[:limit]:
        who = labels.get(f.get("report_id"), f"report {f.get('report_id')}")
        pages = operand_pages(f)
        lines.append(f"- {who}: {instance_name(f)} expected {plain_number(f.get('expected'))}, "
                     f"actual {plain_number(f.get('actual'))}"
                     + (f" (p. {', '.join(map(str, pages))})" if pages else ""))
    if len(failed) > limit:
        lines.append(f"- … and {len(failed) - limit} more")
    return {
        # an info rule describes (blank cells): its check passes and lists what it found
        "passed": not failed or BY_ID[rule].severity == "info",
        "instances": len(mine),
        "failed": len(failed),
        "not_assessable": sum(f["status"] == "not_assessable" for f in mine),
        "failing_reports": sorted({labels.get(f.get("report_id"), str(f.get("report_id")))
                                   for f in failed}),
        "failing_cells": "\n".join(lines) or "(none)",
    }

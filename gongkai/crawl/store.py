"""Nothing lost: raw bytes content-addressed on disk, every URL version and request in DuckDB.

Tables (their DDL is the warehouse's, ``warehouse/schema.sql``; the connection given is one
``warehouse.connect`` opened):

* ``crawl_documents`` — one row per distinct byte string (sha256).
* ``crawl_urls`` — one row per (url, sha256): every version ever served at a URL; exactly one
  row per URL has ``is_current``. Same bytes at two URLs → one document, two rows here.
* ``crawl_log`` — one row per request sent (each attempt, each redirect hop, robots.txt) and
  per request refused (robots, scheme, host), with the error in words.
* ``crawl_runs`` — one row per crawl of a source, with the counts.

The caller owns the connection and its transactions.

Those rows are written into the run's staging copy of the warehouse (``warehouse/snapshot.py``),
which a run killed mid-crawl never publishes; the files it stored stay. So that what a killed
crawl fetched is not lost, the crawl also appends each thing it does to a journal beside the
files, ``<store>/crawl-journal.jsonl`` (``Journal``): the run's start, every request, every
file stored with its URL version (fsynced before the crawl goes on), every 304, the run's end.
The next crawl of the source first replays into the warehouse the journal of each of its
runs that the warehouse does not know (no ``crawl_runs`` row: killed, or killed before it
published), ``replay_journal``, then crawls. Replaying a run adds its ``crawl_runs`` row, so a
run is replayed once; a replay lost with another killed run is done again by the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from gongkai.crawl.fetch import redact_url
from gongkai.crawl.formats import extension_for


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ContentStore:
    """Files named by their sha256 under ``<root>/sha256/ab/``; written once, atomically."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def relpath(self, sha256: str, fmt: str) -> str:
        return f"sha256/{sha256[:2]}/{sha256}.{extension_for(fmt)}"

    def put(self, data: bytes, fmt: str) -> tuple[str, str]:
        sha = hashlib.sha256(data).hexdigest()
        rel = self.relpath(sha, fmt)
        path = self.root / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())  # on disk before the journal says it is stored
            os.replace(tmp, path)
        return sha, rel

    def get(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()


def record_document(con, sha: str, size: int, content_type: str | None, fmt: str, rel: str,
                    now: datetime) -> bool:
    """Insert or touch a document. True if these bytes were never seen before."""
    known = con.execute("SELECT 1 FROM crawl_documents WHERE sha256 = ?", [sha]).fetchone()
    if known:
        con.execute("UPDATE crawl_documents SET last_seen = ? WHERE sha256 = ?", [now, sha])
        return False
    con.execute("INSERT INTO crawl_documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sha, size, content_type, fmt, rel, now, now])
    return True


def current_version(con, url: str) -> dict | None:
    url = redact_url(url)
    row = con.execute(
        "SELECT u.sha256, u.etag, u.last_modified, d.path, d.format, u.role, u.problem FROM crawl_urls u "
        "JOIN crawl_documents d USING (sha256) WHERE u.url = ? AND u.is_current", [url]).fetchone()
    if not row:
        return None
    return dict(zip(("sha256", "etag", "last_modified", "path", "format", "role", "problem"), row))


def record_url_version(con, *, url: str, sha: str, source_id: str, role: str, title: str | None,
                       referrer: str | None, claimed_format: str | None, problem: str | None,
                       http_status: int | None, etag: str | None, last_modified: str | None,
                       now: datetime) -> str:
    """Record that ``url`` serves ``sha`` now. Returns 'new' (URL never seen), 'changed' (URL
    served other bytes until now) or 'unchanged'. Older versions stay, with is_current false.
    A URL's password is not stored (``user:***@``), here nor in the log."""
    url, referrer = redact_url(url), redact_url(referrer)
    current = con.execute("SELECT sha256 FROM crawl_urls WHERE url = ? AND is_current", [url]).fetchone()
    if current and current[0] == sha:
        con.execute(
            "UPDATE crawl_urls SET last_seen = ?, http_status = ?, etag = coalesce(?, etag), "
            "last_modified = coalesce(?, last_modified), title = coalesce(?, title), "
            "referrer = coalesce(?, referrer), role = ? WHERE url = ? AND sha256 = ?",
            [now, http_status, etag, last_modified, title, referrer, role, url, sha])
        return "unchanged"
    if current:
        con.execute("UPDATE crawl_urls SET is_current = false WHERE url = ? AND sha256 = ?", [url, current[0]])
    before = con.execute("SELECT 1 FROM crawl_urls WHERE url = ? AND sha256 = ?", [url, sha]).fetchone()
    if before:  # the URL went back to bytes it served once
        con.execute(
            "UPDATE crawl_urls SET is_current = true, last_seen = ?, http_status = ?, etag = ?, "
            "last_modified = ? WHERE url = ? AND sha256 = ?",
            [now, http_status, etag, last_modified, url, sha])
    else:
        con.execute(
            "INSERT INTO crawl_urls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)",
            [url, sha, source_id, role, title, referrer, claimed_format, problem, http_status, etag,
             last_modified, now, now])
    return "changed" if current else "new"


def touch_url(con, url: str, http_status: int, now: datetime) -> None:
    """A 304: the current version is still current; only last_seen moves."""
    url = redact_url(url)
    con.execute("UPDATE crawl_urls SET last_seen = ? WHERE url = ? AND is_current", [now, url])
    con.execute("UPDATE crawl_documents SET last_seen = ? WHERE sha256 IN "
                "(SELECT sha256 FROM crawl_urls WHERE url = ? AND is_current)", [now, url])


def log_request(con, run_id: str, source_id: str, entry: dict) -> None:
    con.execute(
        "INSERT INTO crawl_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [datetime.fromtimestamp(entry["time"], timezone.utc), run_id, source_id,
         redact_url(entry["url"]), entry["method"], entry.get("role"), entry.get("attempt"), entry.get("conditional"),
         entry.get("status"), entry.get("duration_ms"), entry.get("bytes"), entry.get("error"),
         entry.get("from_cache")])


def current_reports(con, source_id: str | None = None):
    """Current report documents (role 'report'), one row per URL: what extraction should read."""
    sql = ("SELECT u.source_id, u.url, u.title, u.sha256, d.format, d.path, u.problem, u.first_seen, "
           "u.last_seen FROM crawl_urls u JOIN crawl_documents d USING (sha256) "
           "WHERE u.is_current AND u.role = 'report'")
    params = []
    if source_id:
        sql += " AND u.source_id = ?"
        params.append(source_id)
    return con.execute(sql + " ORDER BY u.source_id, u.url", params).fetchall()


def crawled_documents(con, store_dir: Path) -> list[dict]:
    """Every report file the crawls stored (one per content), with the URLs it was found at:
    the documents a run extracts. Reads only (the sensor calls it on a read-only connection);
    an empty list where nothing was ever crawled."""
    from warehouse.db import has_table

    if not has_table(con, "crawl_documents"):
        return []
    rows = con.execute(
        "SELECT d.sha256, d.path, d.format, d.size, list(DISTINCT u.url ORDER BY u.url) "
        "FROM crawl_documents d JOIN crawl_urls u USING (sha256) WHERE u.role = 'report' "
        "GROUP BY ALL ORDER BY 5"
    ).fetchall()
    return [{"path": str(Path(store_dir) / path), "name": urls[0].rsplit("/", 1)[-1],
             "sha256": sha, "bytes": size, "sources": urls, "format": fmt}
            for sha, path, fmt, size, urls in rows]


# --- the journal of crawls, beside the stored files ------------------------------------------

JOURNAL = "crawl-journal.jsonl"


class Journal:
    """Appends a crawl's events to ``<store>/crawl-journal.jsonl``, one JSON object a line:
    ``run_started``, ``request`` (a crawl_log row), ``stored`` (a file stored and the URL
    version that served it), ``touched`` (a 304), ``run_finished`` (the crawl_runs counts).
    Each line is one ``write`` to a file opened for appending (lines of concurrent crawls do
    not interleave); a ``stored`` line is fsynced, with every line before it. ``scope`` names
    the warehouse the crawl writes (a store may serve several): only its runs are replayed
    into it."""

    def __init__(self, store_dir: str | os.PathLike, run_id: str, source_id: str,
                 scope: str | None = None) -> None:
        self.path = Path(store_dir) / JOURNAL
        self.run_id, self.source_id, self.scope = run_id, source_id, scope
        self._fd: int | None = None

    def write(self, event: str, sync: bool = False, **fields) -> None:
        line = json.dumps({"event": event, "run_id": self.run_id, "source_id": self.source_id,
                           "scope": self.scope, **fields}, ensure_ascii=False, default=str)
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(self._fd, (line + "\n").encode("utf-8"))
        if sync:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _journal_events(store_dir, source_id: str, scope: str | None) -> dict[str, list[dict]]:
    """The journal's events of ``source_id`` in ``scope``, by run, in the order written. A
    line the kill cut in half is no event."""
    path = Path(store_dir) / JOURNAL
    runs: dict[str, list[dict]] = {}
    if not path.exists():
        return runs
    marker = json.dumps(source_id, ensure_ascii=False)
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if marker not in line:  # most lines are other sources': skip them unparsed
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("source_id") == source_id and event.get("scope") == scope:
                runs.setdefault(event["run_id"], []).append(event)
    return runs


def _time(value) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    return datetime.fromisoformat(value)


def replay_journal(con, store_dir, source_id: str, scope: str | None = None) -> list[dict]:
    """Replay into the warehouse the journaled crawls of ``source_id`` it does not know (no
    ``crawl_runs`` row): their requests, the files they stored with their URL versions, their
    304s, and a ``crawl_runs`` row saying the run was recovered. Returns, per run replayed,
    {run_id, stored, requests, new, changed, unchanged}."""
    runs = _journal_events(store_dir, source_id, scope)
    if not runs:
        return []
    known = {r for (r,) in con.execute("SELECT run_id FROM crawl_runs WHERE source_id = ?",
                                       [source_id]).fetchall()}
    root = Path(store_dir)
    replayed = []
    for run_id, events in runs.items():
        if run_id in known:
            continue
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        stored = requests = pages = reports = 0
        started = finished = None
        dry_run = False
        end = None
        for e in events:
            kind = e["event"]
            if kind == "run_started":
                started, dry_run = _time(e["started"]), bool(e.get("dry_run"))
            elif kind == "request":
                log_request(con, run_id, source_id, e["entry"])
                requests += 1
            elif kind == "stored":
                if not (root / e["path"]).exists():
                    continue  # the file itself did not survive: nothing to point at
                now = _time(e["time"])
                record_document(con, e["sha256"], e["size"], e.get("content_type"), e["format"],
                                e["path"], now)
                status = record_url_version(
                    con, url=e["url"], sha=e["sha256"], source_id=source_id, role=e["role"],
                    title=e.get("title"), referrer=e.get("referrer"),
                    claimed_format=e.get("claimed_format"), problem=e.get("problem"),
                    http_status=e.get("http_status"), etag=e.get("etag"),
                    last_modified=e.get("last_modified"), now=now)
                counts[status] += e["role"] == "report"
                stored += 1
                pages += e["role"] != "report"
                reports += e["role"] == "report"
            elif kind == "touched":
                touch_url(con, e["url"], 304, _time(e["time"]))
            elif kind == "run_finished":
                end = e
            finished = _time(e["time"]) if e.get("time") else finished
        if end is not None:  # the crawl ended; the run died before it published
            c = end["counts"]
            row = [_time(end["time"]), c["pages_seen"], c["documents_found"], c["new"],
                   c["changed"], c["unchanged"], c["errors"], end.get("error")]
        else:
            row = [finished, pages, reports, counts["new"], counts["changed"],
                   counts["unchanged"], None,
                   f"the crawl stopped before it finished (killed?): {stored} stored file(s) "
                   f"and {requests} request(s) recovered from the store's journal ({JOURNAL})"]
        con.execute("INSERT INTO crawl_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, source_id, dry_run, started or finished or utcnow(), *row])
        replayed.append({"run_id": run_id, "stored": stored, "requests": requests, **counts})
    return replayed

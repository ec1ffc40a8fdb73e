"""Crawl one source: list pages → detail pages → report attachments (or the page itself).

``crawl(source, store_dir, con)`` is the one entry point; it never raises for network trouble,
it records it (``crawl_log``, ``CrawlResult.errors``) and goes on with the next URL.
"""

from __future__ import annotations

import hashlib
import re
import time
import traceback
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from gongkai.crawl import discover, store
from gongkai.crawl.fetch import CrawlSettings, Fetched, Fetcher, redact_url
from gongkai.crawl.formats import claimed_format, sniff_format
from gongkai.crawl.sources import Source

# A name and bytes that disagree only between these are no mismatch: WPS saves Word files.
_COMPATIBLE = [{"doc", "wps"}, {"xls", "et"}]


@dataclass
class FoundDocument:
    """A report the crawl found: an attachment, or a detail page that is itself the report."""

    url: str
    title: str
    referrer: str                  # the page the link was on
    kind: str                      # 'attachment' | 'html_page'
    claimed_format: str | None     # what the name says
    format: str | None = None      # what the bytes are (None: not fetched)
    sha256: str | None = None
    status: str = "planned"        # planned (dry run) | new | changed | unchanged | error
    error: str | None = None
    final_url: str | None = None   # after redirects, when different

    def __post_init__(self) -> None:
        # a password in a link is never kept or shown (the request itself still carries it)
        self.url, self.referrer = redact_url(self.url), redact_url(self.referrer)

    def __setattr__(self, name, value) -> None:
        super().__setattr__(name, redact_url(value) if name == "final_url" else value)


@dataclass
class CrawlResult:
    source_id: str
    run_id: str
    dry_run: bool
    started: datetime
    finished: datetime | None = None
    pages_seen: int = 0            # list and detail pages fetched (200 or 304)
    pages: list[str] = field(default_factory=list)
    documents: list[FoundDocument] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "url: what went wrong", one per failure
    error: str | None = None       # the source as a whole failed (no list page reachable, a bug)
    requests: int = 0              # requests actually sent
    not_fetched: int = 0           # report files over max_documents, left for a later run
    cap: str | None = None         # what max_documents cut, in words
    # earlier crawls of the source killed before their run published, replayed from the
    # store's journal first: {run_id, stored, requests, new, changed, unchanged} each
    recovered: list[dict] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for d in self.documents if d.status == status)

    @property
    def documents_found(self) -> int:
        return len(self.documents)

    @property
    def new(self) -> int:
        return self._count("new")

    @property
    def changed(self) -> int:
        return self._count("changed")

    @property
    def unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def new_or_changed(self) -> list[FoundDocument]:
        return [d for d in self.documents if d.status in ("new", "changed") and d.sha256]

    def counts(self) -> dict[str, int]:
        """The per-source metadata a Dagster asset shows."""
        return {"pages_seen": self.pages_seen, "documents_found": self.documents_found,
                "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "errors": self.error_count, "requests": self.requests,
                "not_fetched": self.not_fetched}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["started"] = self.started.isoformat()
        d["finished"] = self.finished.isoformat() if self.finished else None
        d.update(self.counts())
        return d


@dataclass
class _NotAPage:
    fetched: Fetched


class _Crawl:
    def __init__(self, source: Source, store_dir, con, dry_run: bool, settings: CrawlSettings,
                 run_id: str, journal_scope: str | None = None) -> None:
        self.source = source
        self.con = con
        self.dry_run = dry_run
        self.settings = settings.with_overrides(**source.limits)
        # the hosts this source names itself: the only ones that may be on a private network
        named = {urlsplit(u).hostname or "" for u in source.list_urls} | {
            (urlsplit(h if "//" in h else f"//{h}").hostname or "") for h in source.hints.get("page_hosts", [])}
        self.settings = self.settings.with_overrides(
            trusted_hosts=(self.settings.trusted_hosts | {h for h in named if h}))
        self.store = store.ContentStore(store_dir) if store_dir is not None else None
        self.hints = source.hints
        self.result = CrawlResult(source.id, run_id, dry_run, store.utcnow())
        # what this crawl does, journaled beside the files it stores: a crawl killed before
        # its run publishes the warehouse is replayed from it by the next one
        self.journal = (store.Journal(store_dir, run_id, source.id, journal_scope)
                        if store_dir is not None and con is not None and not dry_run else None)
        self._pending_log: list[dict] = []
        self.fetcher = Fetcher(self.settings, log=self._pending_log.append)
        self.last_failure: str | None = None
        self.page_hosts = source.hosts | {h.lower() for h in self.hints.get("page_hosts", [])}

    # --- bookkeeping --------------------------------------------------------------------

    def flush_log(self, problem: str | None = None) -> None:
        """Write the requests of the last fetch; ``problem`` annotates the final one (e.g. a
        200 whose bytes are not what the name says)."""
        if problem and self._pending_log:
            last = self._pending_log[-1]
            last["error"] = f"{last['error']}; {problem}" if last.get("error") else problem
        if self.con is not None:
            for entry in self._pending_log:
                store.log_request(self.con, self.result.run_id, self.source.id, entry)
                if self.journal is not None:
                    self.journal.write("request", entry={**entry, "url": redact_url(entry["url"])})
        self.result.requests += sum(1 for e in self._pending_log if e.get("attempt"))
        self._pending_log.clear()

    def fail(self, url: str, message: str) -> None:
        self.result.errors.append(f"{redact_url(url)}: {message}")
        self.last_failure = message

    def journal_stored(self, *, url: str, sha: str, size: int, content_type: str | None,
                       fmt: str, rel: str, now: datetime, **version) -> None:
        """A file stored and the URL version that served it, on disk before the crawl goes
        on (the file itself is fsynced by the store)."""
        if self.journal is not None:
            self.journal.write("stored", sync=True, time=now.isoformat(), url=redact_url(url),
                               sha256=sha, size=size, content_type=content_type, format=fmt,
                               path=rel, **{k: redact_url(v) if k == "referrer" else v
                                            for k, v in version.items()})

    def journal_touched(self, url: str, now: datetime) -> None:
        if self.journal is not None:
            self.journal.write("touched", time=now.isoformat(), url=redact_url(url))

    # --- pages --------------------------------------------------------------------------

    def fetch_page(self, url: str, role: str):
        """(doc, text, bytes, fetched) of an HTML page; ``_NotAPage`` when the URL turned out to
        be a file (a report behind a redirect or a download script); None after recording a failure."""
        known = None
        if self.con is not None and self.store is not None:
            known = store.current_version(self.con, url)
        fetched = self.fetcher.fetch(url, role=role, etag=known and known["etag"],
                                     last_modified=known and known["last_modified"], pages_only=True)
        body = fetched.body
        if fetched.not_modified and known:
            try:
                body = self.store.get(known["path"])
            except OSError:
                self.flush_log()
                fetched = self.fetcher.fetch(url, role=role, pages_only=True)  # stored copy gone
                body = fetched.body
        if fetched.body_skipped or (body is not None and sniff_format(body) not in ("html", "unknown")):
            self.flush_log(None if fetched.not_modified else
                           f"not a page ({fetched.body_skipped or sniff_format(body)}): taken as a report file")
            return _NotAPage(fetched)
        self.flush_log()
        if not fetched.ok or body is None:
            self.fail(url, fetched.error or f"HTTP {fetched.status}")
            return None
        if fetched.final_url != url and urlsplit(fetched.final_url).netloc.lower() not in self.page_hosts:
            self.fail(url, f"redirected off the site to {fetched.final_url}; not followed as a page")
            return None
        text, _ = discover.decode_html(body, fetched.headers.get("content-type"))
        doc = discover.parse_html(text, fetched.final_url)
        self.result.pages_seen += 1
        self.result.pages.append(redact_url(url))
        return doc, text, body, fetched

    def keep_page(self, url: str, body: bytes, fetched: Fetched, role: str, title: str | None,
                  referrer: str | None) -> str | None:
        """Store a fetched page (list, detail or HTML report). Returns new/changed/unchanged."""
        if self.dry_run or self.con is None or self.store is None:
            return None
        now = store.utcnow()
        if fetched.not_modified:
            store.touch_url(self.con, url, 304, now)
            self.journal_touched(url, now)
            return "unchanged"
        sha, rel = self.store.put(body, "html")
        version = dict(role=role, title=title, referrer=referrer, claimed_format=None,
                       problem=None, http_status=fetched.status, etag=fetched.headers.get("etag"),
                       last_modified=fetched.headers.get("last-modified"))
        self.journal_stored(url=url, sha=sha, size=len(body), fmt="html", rel=rel, now=now,
                            content_type=fetched.headers.get("content-type"), **version)
        store.record_document(self.con, sha, len(body), fetched.headers.get("content-type"), "html", rel, now)
        return store.record_url_version(self.con, url=url, sha=sha, source_id=self.source.id,
                                        now=now, **version)

    def on_site(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() in self.page_hosts

    def is_lead(self, link: discover.Link) -> bool:
        pattern = self.hints.get("link_pattern")
        if pattern and re.search(pattern, link.url):
            return True
        return discover.is_report_title(link.title, self.hints.get("title_pattern"))

    # --- the crawl ----------------------------------------------------------------------

    def drain(self, queue: deque) -> None:
        while queue and len(self.visited) < self.settings.max_list_pages:
            url = queue.popleft()
            if url not in self.visited:
                self.read_list_page(url, queue)

    def read_list_page(self, url: str, queue: deque) -> int:
        """Read one list page: its report leads recorded, its further pages queued. Returns the
        number of new leads (0 on failure)."""
        self.visited.add(url)
        page = self.fetch_page(url, "list")
        if isinstance(page, _NotAPage):
            self.fail(url, f"list page is not a web page ({page.fetched.body_skipped or 'a file'})")
            return 0
        if page is None:
            return 0
        self.list_ok += 1
        doc, text, body, fetched = page
        self.keep_page(url, body, fetched, "list", None, None)
        new_leads = 0
        for link in discover.links(doc, fetched.final_url, self.hints.get("list_selector")):
            if not self.is_lead(link):
                continue
            if discover.is_attachment(link):
                if link.url not in self.attachments:
                    self.attachments[link.url] = (link, url)
                    new_leads += 1
            elif link.url not in self.details:
                self.details[link.url] = link
                self.referrers[link.url] = url
                new_leads += 1
        for nxt in discover.pagination(doc, fetched.final_url, text):
            if nxt not in self.visited and self.on_site(nxt):
                queue.append(nxt)
        return new_leads

    def run(self) -> CrawlResult:
        self.details: dict[str, discover.Link] = {}   # detail page URL → the link that named it
        self.referrers: dict[str, str] = {}           # detail page URL → the list page it was on
        self.attachments: dict[str, tuple[discover.Link, str]] = {}  # URL → (link, referrer)
        self.visited: set[str] = set()
        self.list_ok = 0
        queue = deque(self.source.list_urls)
        self.drain(queue)
        pattern = self.hints.get("pagination_pattern")
        if pattern:
            # numbered pages the page itself does not link: try 1, 2, … until one fails or adds nothing
            for origin in self.source.list_urls:
                n = 0
                while len(self.visited) < self.settings.max_list_pages:
                    n += 1
                    url = discover.numbered_page(origin, pattern, n)
                    if url in self.visited:
                        continue
                    found = self.read_list_page(url, queue)
                    self.drain(queue)
                    if not found:
                        break
        details, referrers, attachments = self.details, self.referrers, self.attachments
        list_ok = self.list_ok
        if list_ok == 0:
            self.result.error = "no list page could be fetched: " + "; ".join(self.result.errors[:3])

        for i, (url, link) in enumerate(details.items()):
            if i >= self.settings.max_detail_pages:
                self.fail(url, f"not fetched: more than {self.settings.max_detail_pages} detail pages")
                continue
            self.visit_detail(url, link, referrers[url], attachments)

        cap = self.settings.max_documents
        items = list(attachments.items())
        if len(items) > cap and self.con is not None:
            # over the cap, files never stored go first: run after run, the cap moves on
            items.sort(key=lambda item: store.current_version(self.con, item[0]) is not None)
        for i, (url, (link, referrer)) in enumerate(items):
            if i >= cap:
                self.over_cap(url, link, referrer, cap, len(attachments))
                continue
            self.fetch_attachment(url, link, referrer)
        return self.result

    def over_cap(self, url: str, link: discover.Link, referrer: str, cap: int, found: int) -> None:
        """A report file beyond ``max_documents``: not requested this run, but logged (attempt 0,
        the cap in words) so the run's log names every file it left; what was fetched stays."""
        reason = (f"refused: over the cap of {cap} report files per run (limits.max_documents); "
                  "left for a later run")
        if self.result.cap is None:
            self.result.cap = (f"{found} report files found, the first {cap} fetched "
                               f"(limits.max_documents); {found - cap} left for a later run")
            self.result.errors.append(f"{redact_url(self.source.list_urls[0])}: {self.result.cap}")
        self.result.not_fetched += 1
        self._pending_log.append({"time": time.time(), "url": url, "method": "GET", "status": None,
                                  "duration_ms": 0.0, "bytes": 0, "error": reason,
                                  "from_cache": False, "attempt": 0, "role": "report",
                                  "conditional": False})
        self.flush_log()

    def visit_detail(self, url: str, link: discover.Link, referrer: str,
                     attachments: dict[str, tuple[discover.Link, str]]) -> None:
        known = store.current_version(self.con, url) if self.con is not None else None
        if known and known["role"] == "report" and known["format"] != "html":
            attachments.setdefault(url, (link, referrer))  # a file last time: ask for it as one
            return
        page = self.fetch_page(url, "detail")
        if isinstance(page, _NotAPage):
            # a report link without a file name (redirect, download script): fetch it as a report
            attachments.setdefault(url, (link, referrer))
            return
        if page is None:
            self.result.documents.append(FoundDocument(
                url, link.title, referrer, "html_page", None, status="error", error=self.last_failure))
            return
        doc, text, body, fetched = page
        title = discover.page_title(doc)
        if not discover.is_report_title(title, self.hints.get("title_pattern")):
            title = link.title
        found = discover.attachments(doc, fetched.final_url, self.hints.get("content_selector"))
        if found:
            self.keep_page(url, body, fetched, "detail", title, referrer)
            for att in found:
                if att.url not in attachments:
                    name = att.title if discover.is_report_title(att.title) else title
                    attachments[att.url] = (discover.Link(att.url, name), url)
            return
        if discover.looks_like_html_report(doc, self.hints.get("content_selector")):
            status = self.keep_page(url, body, fetched, "report", title, referrer)
            sha = None if self.dry_run else hashlib.sha256(body).hexdigest()
            self.result.documents.append(FoundDocument(
                url, title, referrer, "html_page", "html", "html", sha, status or "planned",
                final_url=fetched.final_url if fetched.final_url != url else None))
            return
        self.keep_page(url, body, fetched, "detail", title, referrer)
        message = "detail page has neither an attachment nor a report table"
        self.fail(url, message)
        self.result.documents.append(FoundDocument(url, title, referrer, "html_page", None,
                                                   status="error", error=message))

    def fetch_attachment(self, url: str, link: discover.Link, referrer: str) -> None:
        claimed = claimed_format(url, link.title)
        doc = FoundDocument(url, link.title, referrer, "attachment", claimed)
        self.result.documents.append(doc)
        if self.dry_run:
            refusal = self.fetcher.check_url(url)  # may read robots.txt, never the report
            self.flush_log()
            if refusal:
                doc.status, doc.error = "error", refusal
                self.fail(url, refusal)
            return
        known = store.current_version(self.con, url) if self.con is not None else None
        fetched = self.fetcher.fetch(url, role="report", etag=known and known["etag"],
                                     last_modified=known and known["last_modified"])
        if fetched.final_url != url:
            doc.final_url = fetched.final_url
        if fetched.not_modified and known:
            self.flush_log()
            now = store.utcnow()
            store.touch_url(self.con, url, 304, now)
            self.journal_touched(url, now)
            doc.format, doc.sha256, doc.status = known["format"], known["sha256"], "unchanged"
            if known["problem"]:
                doc.error = known["problem"]
                self.fail(url, known["problem"])
            return
        if not fetched.ok or fetched.body is None:
            self.flush_log()
            doc.status, doc.error = "error", fetched.error or f"HTTP {fetched.status}"
            self.fail(url, doc.error)
            return
        body = fetched.body
        fmt = sniff_format(body, claimed)
        problem = None
        if claimed and fmt != claimed and not any({claimed, fmt} <= pair for pair in _COMPATIBLE):
            problem = f"format mismatch: named {claimed}, bytes are {fmt}"
        self.flush_log(problem)
        now = store.utcnow()
        sha, rel = self.store.put(body, fmt)
        version = dict(role="report", title=link.title, referrer=referrer,
                       claimed_format=claimed, problem=problem, http_status=fetched.status,
                       etag=fetched.headers.get("etag"),
                       last_modified=fetched.headers.get("last-modified"))
        self.journal_stored(url=url, sha=sha, size=len(body), fmt=fmt, rel=rel, now=now,
                            content_type=fetched.headers.get("content-type"), **version)
        store.record_document(self.con, sha, len(body), fetched.headers.get("content-type"), fmt, rel, now)
        doc.status = store.record_url_version(self.con, url=url, sha=sha,
                                              source_id=self.source.id, now=now, **version)
        doc.format, doc.sha256 = fmt, sha
        if problem:
            doc.error = problem
            self.fail(url, problem)


def crawl(source: Source, store_dir: str | Path | None, con=None, dry_run: bool = False,
          settings: CrawlSettings | None = None, run_id: str | None = None,
          journal_scope: str | None = None) -> CrawlResult:
    """Crawl one source. Never raises for network or content trouble: see ``result.errors``
    (per URL) and ``result.error`` (the source as a whole). With ``dry_run`` list and detail
    pages are fetched but no report body, and nothing is stored (``crawl_log`` and ``crawl_runs``
    still get their rows when ``con`` is given). ``con`` is a warehouse connection (``warehouse.connect``, which has
    the crawl tables); the caller owns its transactions.

    First, the earlier crawls of the source that the warehouse does not know (killed before
    their run published) are replayed from the store's journal (``store.replay_journal``;
    ``result.recovered``). ``journal_scope`` names the warehouse (its location), so that a
    store shared by several warehouses replays into each only its own crawls."""
    if not dry_run and (con is None or store_dir is None):
        raise ValueError("a real crawl needs store_dir and a DuckDB connection; use dry_run=True to look only")
    run_id = run_id or f"{source.id}-{datetime.now().strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    job = _Crawl(source, store_dir, con, dry_run, settings or CrawlSettings(), run_id,
                 journal_scope)
    if job.journal is not None:
        job.result.recovered = store.replay_journal(con, store_dir, source.id, journal_scope)
    if con is not None:
        con.execute("INSERT INTO crawl_runs (run_id, source_id, dry_run, started) VALUES (?, ?, ?, ?)",
                    [run_id, source.id, dry_run, job.result.started])
    if job.journal is not None:
        job.journal.write("run_started", started=job.result.started.isoformat(), dry_run=dry_run)
    try:
        job.run()
    except Exception as exc:  # a bug or a page that breaks the parser: record it, let other sources run
        job.flush_log()
        job.result.error = f"crawl failed: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    finally:
        job.fetcher.close()
    result = job.result
    result.finished = store.utcnow()
    if con is not None:
        c = result.counts()
        con.execute(
            "UPDATE crawl_runs SET finished = ?, pages_seen = ?, documents_found = ?, new = ?, "
            "changed = ?, unchanged = ?, errors = ?, error = ? WHERE run_id = ?",
            [result.finished, c["pages_seen"], c["documents_found"], c["new"], c["changed"],
             c["unchanged"], c["errors"], result.error, run_id])
    if job.journal is not None:
        job.journal.write("run_finished", sync=True, time=result.finished.isoformat(),
                          counts=c, error=result.error)
        job.journal.close()
    return result

"""Polite HTTP: robots.txt, one request at a time per host with a delay, conditional GET,
retries with backoff only where a retry can help, size and time limits, checked redirects.

Every request that leaves the machine (and every one we refuse to send) is reported to a
``log`` callback, so the caller can keep a complete crawl log.
"""

from __future__ import annotations

import email.utils
import os
import random
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

from gongkai.crawl.formats import claimed_format

CONTACT_URL = os.environ.get("GONGKAI_CRAWL_CONTACT", "https://github.com/gongkai/gongkai")
USER_AGENT = f"gongkai-crawler/0.1 (+{CONTACT_URL}; government information disclosure reports archive)"
ROBOTS_AGENT = "gongkai-crawler"
ALLOWED_HOSTS_ENV = "GONGKAI_CRAWL_ALLOWED_HOSTS"  # comma-separated; tests set it to 127.0.0.1


@dataclass(frozen=True)
class CrawlSettings:
    """Politeness and limits. Defaults are for real portals; tests shrink the delays."""

    delay: float = 1.5                 # seconds between the end of one request and the next, per host
    timeout: float = 20.0              # connect / read timeout per socket operation
    max_seconds: float = 120.0         # whole response, including the body
    max_bytes: int = 50 * 1024 * 1024  # per response
    max_redirects: int = 5
    max_retries: int = 3               # extra attempts on timeouts, 429 and 5xx
    backoff_base: float = 2.0          # first retry waits ~base s, then 2x, 4x … plus jitter
    backoff_max: float = 120.0
    retry_after_max: float = 600.0     # a longer Retry-After ends the attempt instead of waiting
    user_agent: str = USER_AGENT
    allowed_hosts: frozenset[str] | None = None  # None: $GONGKAI_CRAWL_ALLOWED_HOSTS, else any
    max_list_pages: int = 50           # per source
    max_detail_pages: int = 500        # per source

    def with_overrides(self, **overrides) -> "CrawlSettings":
        known = {k: v for k, v in overrides.items() if k in self.__dataclass_fields__ and v is not None}
        if "allowed_hosts" in known and known["allowed_hosts"] is not None:
            known["allowed_hosts"] = frozenset(known["allowed_hosts"])
        return replace(self, **known)

    def host_allowed(self, host: str) -> bool:
        allowed = self.allowed_hosts
        if allowed is None:
            env = os.environ.get(ALLOWED_HOSTS_ENV, "").strip()
            if not env:
                return True
            allowed = frozenset(h.strip().lower() for h in env.split(",") if h.strip())
        return host.lower() in allowed


@dataclass
class Fetched:
    """The outcome of fetching one URL (after redirects and retries)."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str | None = None
    not_modified: bool = False
    body_skipped: str | None = None  # content type of a body not read because a page was wanted

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and (200 <= self.status < 300 or self.not_modified)


class _HostGate:
    """One request at a time per host, and ``delay`` seconds of quiet after each."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.free_at = 0.0


_gates: dict[str, _HostGate] = {}
_gates_lock = threading.Lock()


def _gate(netloc: str) -> _HostGate:
    with _gates_lock:
        return _gates.setdefault(netloc.lower(), _HostGate())


class _Refused(Exception):
    pass


class Fetcher:
    """Fetches URLs politely. ``log(entry)`` receives one dict per request or refusal."""

    def __init__(self, settings: CrawlSettings, log: Callable[[dict], None] | None = None) -> None:
        self.settings = settings
        self.log = log or (lambda entry: None)
        self.session = requests.Session()
        self.session.headers.update({
            "User-Agent": settings.user_agent,
            "Accept-Language": "zh-CN,zh;q=0.9",
        })
        self.session.trust_env = False  # no proxies from the environment: we talk to the portal only
        self._robots: dict[str, Protego | str] = {}
        self._robots_errors: dict[str, str] = {}
        self._robots_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    # --- public -------------------------------------------------------------------------

    def fetch(self, url: str, role: str = "page", etag: str | None = None,
              last_modified: str | None = None, pages_only: bool = False) -> Fetched:
        """GET ``url``; with ``etag``/``last_modified`` a conditional GET (304 → ``not_modified``).
        ``pages_only``: when the answer is declared as a file (PDF, Word …), stop after the
        headers and set ``body_skipped`` instead of downloading it."""
        current = url
        for hop in range(self.settings.max_redirects + 1):
            refusal = self.check_url(current)
            if refusal:
                self._log_refusal(current, role, refusal)
                return Fetched(url, current, error=refusal)
            # validators belong to the final resource, so they go along every hop
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = self._get_with_retries(current, role, headers, pages_only)
            if result.status in (301, 302, 303, 307, 308) and result.error is None:
                location = result.headers.get("location")
                if not location:
                    return replace(result, url=url, error=f"HTTP {result.status} redirect without Location")
                current = urljoin(current, location.strip())
                if pages_only and claimed_format(current):
                    # a page link that redirects to a file: report it instead of downloading it
                    result.url, result.final_url = url, current
                    result.body_skipped = f"redirect to a {claimed_format(current)} file"
                    result.error = None
                    return result
                continue
            result.url = url
            result.final_url = current
            return result
        msg = f"too many redirects (more than {self.settings.max_redirects})"
        self._log_refusal(current, role, msg)
        return Fetched(url, current, error=msg)

    def check_url(self, url: str) -> str | None:
        """Why ``url`` must not be requested, or None. Applied to every URL and redirect target."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"refused: scheme {parts.scheme or '(none)'!r} is not http/https"
        if not parts.hostname:
            return "refused: URL has no host"
        if not self.settings.host_allowed(parts.hostname):
            return f"refused: host {parts.hostname} is not in the allowed hosts"
        robots = self._robots_for(parts.scheme, parts.netloc)
        if isinstance(robots, str):
            return robots
        if not robots.can_fetch(url, ROBOTS_AGENT):
            return "refused: disallowed by robots.txt"
        return None

    # --- robots.txt ---------------------------------------------------------------------

    def _robots_for(self, scheme: str, netloc: str) -> Protego | str:
        key = f"{scheme}://{netloc}".lower()
        with self._robots_lock:
            if key in self._robots:
                return self._robots[key]
            robots_url = key + "/robots.txt"
            result = self._get_with_retries(robots_url, "robots", {})
            for _ in range(self.settings.max_redirects):  # RFC 9309: follow a few redirects
                location = result.headers.get("location")
                if result.status not in (301, 302, 303, 307, 308) or not location:
                    break
                robots_url = urljoin(robots_url, location.strip())
                target = urlsplit(robots_url)
                if target.scheme not in ("http", "https") or not self.settings.host_allowed(target.hostname or ""):
                    break
                result = self._get_with_retries(robots_url, "robots", {})
            if result.error and result.status is None:
                # Unreachable: say so plainly rather than pretending robots.txt forbade it.
                verdict: Protego | str = f"unreachable: {result.error}"
            elif result.status is not None and 200 <= result.status < 300:
                text = (result.body or b"").decode("utf-8", errors="replace")
                verdict = Protego.parse(text)
            elif result.status is not None and 300 <= result.status < 500:
                verdict = Protego.parse("")  # no robots.txt (or redirects going nowhere): allowed
            else:
                # RFC 9309: a server error on robots.txt means "assume complete disallow".
                verdict = f"refused: robots.txt answered {result.status or result.error}; assuming disallow"
            self._robots[key] = verdict
            return verdict

    def crawl_delay(self, url: str) -> float:
        parts = urlsplit(url)
        robots = self._robots.get(f"{parts.scheme}://{parts.netloc}".lower())
        delay = self.settings.delay
        if isinstance(robots, Protego):
            asked = robots.crawl_delay(ROBOTS_AGENT)
            if asked:
                delay = max(delay, min(float(asked), 60.0))
        return delay

    # --- one URL, with retries ----------------------------------------------------------

    def _get_with_retries(self, url: str, role: str, headers: dict[str, str],
                          pages_only: bool = False) -> Fetched:
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            result, retriable, retry_after = self._get_once(url, role, headers, attempt, pages_only)
            if not retriable or attempt > s.max_retries:
                return result
            wait = min(s.backoff_max, s.backoff_base * 2 ** (attempt - 1)) + random.uniform(0, s.backoff_base)
            if retry_after is not None:
                if retry_after > s.retry_after_max:
                    result.error = (result.error or f"HTTP {result.status}") + \
                        f"; Retry-After {retry_after:.0f}s is beyond the limit, not retried"
                    return result
                wait = max(wait, retry_after)
            time.sleep(wait)

    def _get_once(self, url: str, role: str, headers: dict[str, str], attempt: int,
                  pages_only: bool = False) -> tuple[Fetched, bool, float | None]:
        s = self.settings
        netloc = urlsplit(url).netloc
        gate = _gate(netloc)
        with gate.lock:
            pause = gate.free_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            started_wall = time.time()
            started = time.monotonic()
            result = Fetched(url, url)
            retriable = False
            retry_after = None
            size = 0
            try:
                with self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                      timeout=(s.timeout, s.timeout)) as resp:
                    result.status = resp.status_code
                    result.headers = {k.lower(): v for k, v in resp.headers.items()}
                    declared = resp.headers.get("Content-Length")
                    ctype = resp.headers.get("Content-Type", "")
                    if resp.status_code == 304:
                        result.not_modified = True
                    elif pages_only and resp.status_code == 200 and _is_file_type(ctype):
                        result.body_skipped = ctype
                    elif declared and declared.isdigit() and int(declared) > s.max_bytes:
                        result.error = f"too large: Content-Length {declared} > limit {s.max_bytes} bytes"
                    else:
                        chunks = []
                        for chunk in resp.iter_content(64 * 1024):
                            size += len(chunk)
                            if size > s.max_bytes:
                                result.error = f"too large: body exceeds limit {s.max_bytes} bytes"
                                break
                            if time.monotonic() - started > s.max_seconds:
                                result.error = f"too slow: body not complete within {s.max_seconds:g} s"
                                break
                            chunks.append(chunk)
                        if result.error is None:
                            result.body = b"".join(chunks)
                    if result.status == 429 or result.status >= 500:
                        retriable = result.error is None
                        retry_after = _parse_retry_after(resp.headers.get("Retry-After"))
                        if result.error is None:
                            result.error = f"HTTP {result.status}"
                    elif result.status >= 400 and result.error is None:
                        result.error = f"HTTP {result.status}"
            except requests.Timeout as exc:
                result.error = f"timeout after {s.timeout:g} s ({type(exc).__name__})"
                retriable = True
            except requests.ConnectionError as exc:
                result.error = f"connection failed: {_short(exc)}"
            except requests.RequestException as exc:
                result.error = f"request failed: {_short(exc)}"
            duration = time.monotonic() - started
            gate.free_at = time.monotonic() + self.crawl_delay(url)
        self.log({
            "time": started_wall, "url": url, "method": "GET", "status": result.status,
            "duration_ms": round(duration * 1000, 1), "bytes": len(result.body or b"") or size,
            "error": result.error, "from_cache": result.not_modified, "attempt": attempt,
            "role": role, "conditional": bool(headers),
        })
        return result, retriable, retry_after

    def _log_refusal(self, url: str, role: str, reason: str) -> None:
        self.log({"time": time.time(), "url": url, "method": "GET", "status": None,
                  "duration_ms": 0.0, "bytes": 0, "error": reason, "from_cache": False,
                  "attempt": 0, "role": role, "conditional": False})


def _is_file_type(content_type: str) -> bool:
    """A declared type that is surely not a web page (servers mislabel pages as text/plain,
    not as application/pdf)."""
    ctype = content_type.split(";")[0].strip().lower()
    if not ctype or ctype.startswith("text/") or "html" in ctype or "xml" in ctype:
        return False
    return ctype.startswith(("application/", "image/", "audio/", "video/"))


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _short(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host",
                   "Temporary failure in name resolution", "Connection reset"):
        if marker in text:
            return marker.lower()
    return text[:200]

"""Polite HTTP: robots.txt, one request at a time per host with a delay, conditional GET,
retries with backoff only where a retry can help, size and time limits, checked redirects.

Every request that leaves the machine (and every one we refuse to send) is reported to a
``log`` callback, so the caller can keep a complete crawl log.

Nothing let in: a host that resolves to a loopback, private, link-local, multicast, reserved or
unspecified address (IPv4 or IPv6, in any spelling: ``2130706434``, ``0177.0.0.2``,
``[::ffff:127.0.0.2]``) is refused before connecting, on the first URL and after every redirect,
unless a source names that host itself (``trusted_hosts``: its list URLs and page hosts) or the
allowed hosts name it. The check sits in the connection itself (``_guarded_adapter``): the socket
connects to the very address that was checked, so a name that resolves differently a second time
(DNS rebinding) gains nothing. ``max_seconds`` is a deadline on the whole response, headers
included: a watchdog shuts the socket when it passes, so a server trickling a byte at a time
cannot hold a crawl.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import random
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from gongkai import config
from gongkai.crawl.formats import claimed_format

CONTACT_URL = config.crawl_contact()
USER_AGENT = f"gongkai-crawler/0.1 (+{CONTACT_URL}; government information disclosure reports archive)"
ROBOTS_AGENT = "gongkai-crawler"
ALLOWED_HOSTS_ENV = config.CRAWL_ALLOWED_HOSTS  # comma-separated; tests set it to 127.0.0.1


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
    max_documents: int = 500           # report files requested per source and run
    trusted_hosts: frozenset[str] = frozenset()  # hosts a source names itself: private addresses allowed

    def with_overrides(self, **overrides) -> "CrawlSettings":
        known = {k: v for k, v in overrides.items() if k in self.__dataclass_fields__ and v is not None}
        for key in ("allowed_hosts", "trusted_hosts"):
            if key in known and known[key] is not None:
                known[key] = frozenset(h.lower() for h in known[key])
        return replace(self, **known)

    def named_hosts(self) -> frozenset[str]:
        """Hosts named on purpose (by a source, or as the allowed hosts): the only ones whose
        address may be private."""
        allowed = self.allowed_hosts
        if allowed is None:
            allowed = config.crawl_allowed_hosts() or frozenset()
        return frozenset(self.trusted_hosts) | allowed

    def host_allowed(self, host: str) -> bool:
        allowed = self.allowed_hosts if self.allowed_hosts is not None \
            else config.crawl_allowed_hosts()
        return allowed is None or host.lower() in allowed


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


# --- addresses we never connect to (SSRF) ------------------------------------------------------

def address_refusal(address: str) -> str | None:
    """Why a resolved address must not be connected to, or None for a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.2 is 127.0.0.2; 6to4 (2002:7f00:2::) and NAT64 (64:ff9b::7f00:2) carry
        # an IPv4 address too, which is what a gateway would reach
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            why = address_refusal(str(embedded))
            return why and f"{why} (as {ip})"
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    if not ip.is_global:  # shared (100.64/10), documentation, 6to4 of a private address …
        return "not a public address"
    return None


class AddressRefused(urllib3.exceptions.NewConnectionError):
    """Raised inside the connection: the host resolved to an address we do not connect to."""

    def __init__(self, conn, reason: str) -> None:
        super().__init__(conn, reason)
        self.reason = reason


def resolve_checked(host: str, port: int, named: frozenset[str]) -> tuple[list[tuple], str | None]:
    """The addresses of ``host`` we may connect to, or a refusal. A host in ``named`` (a source
    names it itself) may resolve anywhere; any other must resolve to public addresses only — one
    private address among them refuses the host (a name is not half trusted)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return [], f"connection failed: cannot resolve {host} ({exc.strerror or exc})"
    if host.lower() in named:
        return infos, None
    for *_, sockaddr in infos:
        why = address_refusal(sockaddr[0])
        if why:
            shown = host if host == sockaddr[0] else f"{host} ({sockaddr[0]})"
            return [], (f"refused: {shown} is {why}; only hosts a source names itself "
                        "(list_urls, page_hosts) may be private")
    return infos, None


# --- the deadline on a whole response ----------------------------------------------------------

_current = threading.local()  # the deadline of the request this thread is making


class _Deadline:
    """Shuts the request's socket when ``seconds`` have passed since the request began."""

    def __init__(self, seconds: float) -> None:
        self.lock = threading.Lock()
        self.sock = None
        self.expired = False
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True
        self.timer.start()

    def watch(self, sock) -> None:
        with self.lock:
            self.sock = sock
            if self.expired:
                self._shut()

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read in the fetching thread
            except OSError:
                pass

    def cancel(self) -> None:
        self.timer.cancel()


def _guarded_adapter(named: frozenset[str]) -> HTTPAdapter:
    """A requests adapter whose connections resolve the host once, check every address, connect
    to a checked one, and put their socket under the current request's deadline."""

    def new_conn(conn):
        infos, refusal = resolve_checked(conn._dns_host, conn.port, named)
        if refusal:
            raise AddressRefused(conn, refusal)
        last: Exception | None = None
        for family, socktype, proto, _, sockaddr in infos:
            try:
                # a literal address: create_connection does no second lookup
                sock = urllib3.util.connection.create_connection(
                    (sockaddr[0], conn.port), conn.timeout, source_address=conn.source_address,
                    socket_options=conn.socket_options)
            except socket.timeout as exc:
                raise urllib3.exceptions.ConnectTimeoutError(
                    conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})") from exc
            except OSError as exc:
                last = exc
                continue
            deadline = getattr(_current, "deadline", None)
            if deadline is not None:
                deadline.watch(sock)
            return sock
        raise urllib3.exceptions.NewConnectionError(conn, f"Failed to establish a new connection: {last}")

    def getresponse(conn, base):
        deadline = getattr(_current, "deadline", None)
        if deadline is not None and conn.sock is not None:
            deadline.watch(conn.sock)  # a kept-alive connection: its socket, this deadline
        return base.getresponse(conn)

    class GuardedHTTPConnection(urllib3.connection.HTTPConnection):
        def _new_conn(self):
            return new_conn(self)

        def getresponse(self):
            return getresponse(self, urllib3.connection.HTTPConnection)

    class GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
        def _new_conn(self):
            return new_conn(self)

        def getresponse(self):
            return getresponse(self, urllib3.connection.HTTPSConnection)

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}

    return Adapter()


def redact_url(url: str | None) -> str | None:
    """``url`` without a password (``user:***@``) or token (``***@``): what is stored and shown."""
    if not url or "@" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    hidden = f"{user}:***" if colon else "***"
    return parts._replace(netloc=f"{hidden}@{hostport}").geturl()


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
        self.named_hosts = settings.named_hosts()
        adapter = _guarded_adapter(self.named_hosts)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
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
        # the address before anything is sent to the host, robots.txt included
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return "refused: URL has an invalid port"
        _, refusal = resolve_checked(parts.hostname, port, self.named_hosts)
        if refusal:
            return refusal
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
                if resolve_checked(target.hostname or "", target.port or 80, self.named_hosts)[1]:
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
            deadline = _Deadline(s.max_seconds)
            _current.deadline = deadline
            refused_here = False
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
                refused = _address_refused(exc)
                if refused:
                    result.error, refused_here = refused, True
                else:
                    result.error = f"connection failed: {_short(exc)}"
            except requests.RequestException as exc:
                result.error = f"request failed: {_short(exc)}"
            finally:
                deadline.cancel()
                _current.deadline = None
            if deadline.expired:
                # whatever was read is not the response: a truncated body is no body
                result.body, retriable = None, False
                result.error = f"too slow: response not complete within {s.max_seconds:g} s"
                self.session.close()  # the shut socket must not go back to the pool
            duration = time.monotonic() - started
            gate.free_at = time.monotonic() + self.crawl_delay(url)
        self.log({
            "time": started_wall, "url": url, "method": "GET", "status": result.status,
            "duration_ms": round(duration * 1000, 1), "bytes": len(result.body or b"") or size,
            "error": result.error, "from_cache": result.not_modified,
            "attempt": 0 if refused_here else attempt,  # refused in the connection: nothing sent
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


def _address_refused(exc: BaseException) -> str | None:
    """The refusal inside a requests error, when the connection refused the address."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, AddressRefused):
            return exc.reason
        nested = getattr(exc, "reason", None)
        if isinstance(nested, BaseException):
            exc = nested
        elif exc.args and isinstance(exc.args[0], BaseException):
            exc = exc.args[0]
        else:
            exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


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

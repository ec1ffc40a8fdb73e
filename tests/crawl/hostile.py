"""A hostile portal on 127.0.0.1 and canaries standing for private addresses.

* ``HostilePortal(routes)``: a ``ThreadingHTTPServer`` on 127.0.0.1; ``routes`` maps a path to
  ``(status, headers, body)``, or to a callable ``handler -> None`` that writes the answer
  itself (a server trickling bytes). Keeps a request log.
* ``Canary(host, port)``: a listener that records every connection made to it; on ``"::"`` it is
  dual-stack, so in a private network namespace one canary on port 80 stands for 127.0.0.2,
  10.0.0.1, 169.254.169.254 and ::ffff:127.0.0.2 at once.
* ``python -m tests.crawl.hostile ssrf``: run inside ``unshare -n`` (see
  ``test_hostile_portal.py``): brings ``lo`` up with the private addresses, starts the canary and
  the portal, crawls the portal with no host fence and prints JSON: the canary's hits (must be
  none), what a plain connect to 127.0.0.2 reached (the canary works), and the crawl log.

Never anything but loopback: the private addresses exist only inside the test's own namespace.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# where each report link of the SSRF portal redirects: metadata service, private, another
# loopback address, mapped IPv6, the integer form of 127.0.0.2, octal and hex forms
SSRF_TARGETS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://10.0.0.1/",
    "http://127.0.0.2/",
    "http://[::ffff:127.0.0.2]/",
    "http://2130706434/",
    "http://0177.0.0.2/report.pdf",
    "http://0x7f.0.0.2/report.pdf",
    "http://[::1]/report.pdf",
    "http://0.0.0.0/report.pdf",
]


class HostilePortal:
    def __init__(self, routes: dict) -> None:
        self.routes = routes
        self.log: list[dict] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                portal.log.append({"time": time.time(), "path": self.path,
                                   "headers": dict(self.headers)})
                route = portal.routes.get(self.path.split("?")[0])
                if route is None:
                    route = (404, {"Content-Type": "text/plain"}, b"not here")
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> "HostilePortal":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def page(links: list[tuple[str, str]]) -> tuple[int, dict, bytes]:
    """A 政府信息公开年报 list page linking ``(href, text)``."""
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    html = (f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head>'
            f"<body><ul>{items}</ul></body></html>")
    return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()


def ssrf_routes() -> dict:
    routes = {"/robots.txt": (404, {}, b"")}
    links = []
    for i, target in enumerate(SSRF_TARGETS):
        path = f"/files/report-{2016 + i}.pdf"
        routes[path] = (302, {"Location": target}, b"")
        links.append((path, f"示例市人民政府{2016 + i}年政府信息公开工作年度报告"))
    # and the same addresses linked straight from the list
    links += [(t, f"示例县人民政府{2030 + i}年政府信息公开工作年度报告（直链）")
              for i, t in enumerate(SSRF_TARGETS)]
    routes["/ndbg.html"] = page(links)
    return routes


class Canary:
    """Accepts connections and records who came; answers nothing useful."""

    def __init__(self, host: str = "::", port: int = 80) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.hits: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            dialled = conn.getsockname()[0]
            self.hits.append(dialled.removeprefix("::ffff:"))  # the address that was dialled
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECRET")
            finally:
                conn.close()


def _ssrf_in_namespace() -> dict:
    import duckdb  # noqa: F401  (the warehouse's driver, imported early for a clean log)

    from gongkai.crawl import CrawlSettings, Source, crawl
    from warehouse.db import connect

    canary = Canary("::", 80)
    # the canary works: a plain connect to each private address reaches it
    for address in ("127.0.0.2", "10.0.0.1", "169.254.169.254"):
        with socket.create_connection((address, 80), timeout=2) as s:
            s.recv(100)
    time.sleep(0.2)
    control = sorted(canary.hits)
    canary.hits.clear()
    import tempfile
    from pathlib import Path

    with HostilePortal(ssrf_routes()) as portal, tempfile.TemporaryDirectory() as tmp:
        source = Source("hostile", "示例市人民政府", "示例市", "city", (portal.url("/ndbg.html"),))
        con = connect(Path(tmp) / "w.duckdb")
        settings = CrawlSettings(delay=0, timeout=2, max_seconds=5, max_retries=0,
                                 allowed_hosts=None)
        result = crawl(source, Path(tmp) / "store", con, settings=settings)
        log = con.execute("SELECT url, attempt, status, error FROM crawl_log ORDER BY time").fetchall()
        reports = con.execute("SELECT url FROM crawl_urls WHERE role = 'report'").fetchall()
    return {"control": control, "hits": canary.hits, "log": log, "reports": reports,
            "documents": [(d.url, d.status, d.error) for d in result.documents]}


if __name__ == "__main__":
    if sys.argv[1:] == ["ssrf"]:
        import os

        os.environ.pop("GONGKAI_CRAWL_ALLOWED_HOSTS", None)  # the namespace is the fence here
        print(json.dumps(_ssrf_in_namespace(), ensure_ascii=False, default=str))
    else:
        sys.exit("usage: python -m tests.crawl.hostile ssrf   (inside unshare -n)")

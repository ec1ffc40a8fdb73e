"""The demo portal on 127.0.0.1 and crawl settings small enough for a fast suite.

Every crawl in these tests is fenced to 127.0.0.1 (``GONGKAI_CRAWL_ALLOWED_HOSTS``): the real
portals in sources.yaml are never contacted.
"""

from __future__ import annotations

import os
import socket

from warehouse.db import connect
import pytest

from gongkai.crawl import CrawlSettings, get_source
from gongkai.crawl.demo_portal import DemoPortal
from gongkai.crawl.fetch import ALLOWED_HOSTS_ENV

DELAY = 0.15
SETTINGS = CrawlSettings(delay=DELAY, timeout=5, max_seconds=10, backoff_base=0.05, backoff_max=0.5,
                         retry_after_max=5, allowed_hosts=frozenset({"127.0.0.1"}))


@pytest.fixture(scope="session", autouse=True)
def only_localhost():
    old = os.environ.get(ALLOWED_HOSTS_ENV)
    os.environ[ALLOWED_HOSTS_ENV] = "127.0.0.1"
    yield
    if old is None:
        os.environ.pop(ALLOWED_HOSTS_ENV, None)
    else:
        os.environ[ALLOWED_HOSTS_ENV] = old


@pytest.fixture(scope="module")
def portal():
    with DemoPortal() as p:
        yield p


@pytest.fixture(scope="module")
def demo_source(portal):
    return get_source("demo", demo=portal.base_url)


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_warehouse(tmp_path):
    return connect(tmp_path / "crawl.duckdb"), tmp_path / "store"


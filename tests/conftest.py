"""Every test session is fenced to 127.0.0.1: a crawl may only reach the demo portal the tests
start themselves, never a real portal of sources.yaml (the crawler refuses other hosts)."""

from __future__ import annotations

import os

import pytest

from gongkai.crawl.fetch import ALLOWED_HOSTS_ENV

os.environ[ALLOWED_HOSTS_ENV] = "127.0.0.1"


@pytest.fixture(scope="module")
def pg():
    """A real Postgres on 127.0.0.1 (tests/engines.py) for the module's tests, stopped after;
    the tests are skipped, saying why, where Postgres is not installed."""
    from tests import engines

    reason = engines.missing_postgres()
    if reason:
        pytest.skip(f"needs Postgres: {reason}")
    with engines.postgres() as server:
        yield server

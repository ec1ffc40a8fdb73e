"""Every test session is fenced to 127.0.0.1: a crawl may only reach the demo portal the tests
start themselves, never a real portal of sources.yaml (the crawler refuses other hosts)."""

from __future__ import annotations

import os

from gongkai.crawl.fetch import ALLOWED_HOSTS_ENV

os.environ[ALLOWED_HOSTS_ENV] = "127.0.0.1"

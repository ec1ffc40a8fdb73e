"""The Dagster resources of gongkai, configured in one place (defaults from ``gongkai.config``).

- ``WarehouseResource``: the warehouse location (a DuckDB file by default,
  ``warehouse/gongkai.duckdb`` or ``$GONGKAI_WAREHOUSE``), opened through its backend
  (``warehouse.backend``): a run writes through ``connect(run_id)`` and ``publish(run_id)``
  makes it the warehouse people query.
- ``ReportFolderResource``: the folders of report documents ``check_reports_job`` reads
  (``$GONGKAI_REPORTS``, folders separated by ``os.pathsep``; none by default: the user names
  them, in the launchpad or with ``gongkai run --reports``).
- ``CrawlResource``: the crawl's content-addressed store (``$GONGKAI_STORE``), a running demo
  portal's URL, the delay between requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from gongkai import config


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse. A run writes through its own connection (for the DuckDB file, a staging
    copy) and ``publish(run_id)`` swaps it in at the end: people keep SQL sessions open on the
    published warehouse, which a writer could not open (``warehouse/snapshot.py``)."""

    path: str | None = None

    def backend(self):
        from warehouse.backend import open_backend

        return open_backend(self.path)

    @contextmanager
    def connect(self, run_id: str) -> Iterator:
        with self.backend().run_connection(run_id) as con:
            yield con

    def publish(self, run_id: str) -> str:
        return self.backend().publish(run_id)

    def location(self) -> str:
        """Where the warehouse is, for metadata and messages."""
        return self.backend().location


class ReportFolderResource(dg.ConfigurableResource):
    """The folders whose documents are the reports to check (subfolders included unless
    ``recursive`` is off)."""

    folders: list[str] = []
    recursive: bool = True
    # read again every document that failed before, whatever reader version failed on it
    # (`gongkai run --retry-failed`); otherwise only those failed under another version are
    retry_failed: bool = False
    # how many bounded reader processes extract at once (`gongkai run --workers N`)
    workers: int = 1

    def resolved(self) -> list[Path]:
        return [config.resolve_folder(f) for f in self.folders]


class CrawlResource(dg.ConfigurableResource):
    """Where crawled bytes are kept, and how to reach the bundled demo portal.

    ``store_dir``: the content-addressed store (``warehouse/store`` by default, or
    ``$GONGKAI_STORE``). ``demo_base``: the base URL of a running demo portal; when empty, a crawl
    of the ``demo`` source starts one on 127.0.0.1 for its own duration. ``delay``: seconds
    between requests to one host instead of the default (a source's ``limits`` still win).
    """

    store_dir: str | None = None
    demo_base: str | None = None
    delay: float | None = None

    def store(self) -> Path:
        return config.store_dir(self.store_dir)

    def settings(self):
        """Crawl settings; the source's own ``limits`` are applied over them by the crawler."""
        from gongkai.crawl import CrawlSettings

        return CrawlSettings() if self.delay is None else CrawlSettings(delay=self.delay)

    @contextmanager
    def located(self, source):
        """``source`` ready to crawl. Only the bundled demo source has a ``{demo}``
        placeholder in its URLs: the demo portal (demo code, imported on this path only) is
        used at ``demo_base``, or served on 127.0.0.1 for the length of the block."""
        from gongkai.crawl.sources import PLACEHOLDER

        if not any(PLACEHOLDER.search(u) for u in source.list_urls):
            yield source
            return
        from gongkai.crawl.demo_portal import reachable

        with reachable(source, self.demo_base) as located:
            yield located


def make_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, with defaults from the environment."""
    return {
        "warehouse": WarehouseResource(path=None),
        "reports": ReportFolderResource(folders=config.report_folders()),
        "crawl": CrawlResource(),
    }

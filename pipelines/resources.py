"""Resources of the gongkai code location, configured in one place.

- ``WarehouseResource``: where the DuckDB warehouse lives. Default ``warehouse/gongkai.duckdb``
  (or ``$GONGKAI_WAREHOUSE``). A run writes a staging copy and publishes it at the end, so
  sessions people keep open on the warehouse never block a run (``warehouse/snapshot.py``).
- ``ReportFolderResource``: the folders of report PDFs. Default: the bundled sample reports
  ``tests/fixtures/reports`` and the real report(s) in ``tests/fixtures/real``; ``$GONGKAI_REPORTS``
  (folders separated by ``os.pathsep``) or run config overrides it.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT_FOLDERS = ("tests/fixtures/reports", "tests/fixtures/real")


def default_report_folders() -> list[str]:
    env = os.environ.get("GONGKAI_REPORTS")
    if env:
        return [str(Path(p).expanduser().resolve()) for p in env.split(os.pathsep) if p]
    return [str(REPO_ROOT / p) for p in DEFAULT_REPORT_FOLDERS]


def default_warehouse_path() -> str | None:
    """None lets ``warehouse.store.connect`` pick its default (and honour $GONGKAI_WAREHOUSE)."""
    return os.environ.get("GONGKAI_WAREHOUSE") or None


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse. A run writes its own staging copy (``connect(run_id)``) and
    ``publish(run_id)`` swaps it in at the end (``warehouse/snapshot.py``): people keep SQL
    sessions open on the published file, which a writer could not open."""

    path: str | None = None

    @contextmanager
    def connect(self, run_id: str) -> Iterator:
        from warehouse import snapshot, store

        con = store.connect(snapshot.prepare(self.published(), run_id))
        try:
            yield con
        finally:
            con.close()

    def publish(self, run_id: str) -> Path:
        from warehouse import snapshot

        return snapshot.publish(self.published(), run_id)

    def published(self) -> Path:
        from warehouse import store

        return Path(self.path or store.default_path()).expanduser().resolve()

    def location(self) -> str:
        """Where the warehouse file is, for metadata and messages."""
        return str(self.published())


class ReportFolderResource(dg.ConfigurableResource):
    """The folders whose ``*.pdf`` files are the reports to check (not recursive)."""

    folders: list[str] = list(DEFAULT_REPORT_FOLDERS)

    def resolved(self) -> list[Path]:
        out = []
        for f in self.folders:
            p = Path(f).expanduser()
            out.append(p if p.is_absolute() else (REPO_ROOT / p))
        return out


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
        path = self.store_dir or os.environ.get("GONGKAI_STORE") or "warehouse/store"
        p = Path(path).expanduser()
        return p if p.is_absolute() else REPO_ROOT / p

    def settings(self):
        """Crawl settings; the source's own ``limits`` are applied over them by the crawler."""
        from gongkai.crawl import CrawlSettings

        return CrawlSettings() if self.delay is None else CrawlSettings(delay=self.delay)


def make_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, with defaults from the environment."""
    return {
        "warehouse": WarehouseResource(path=default_warehouse_path()),
        "reports": ReportFolderResource(folders=default_report_folders()),
        "crawl": CrawlResource(),
    }

"""Resources of the gongkai code location, configured in one place.

- ``WarehouseResource``: where the DuckDB warehouse lives. Default ``warehouse/gongkai.duckdb``
  (or ``$GONGKAI_WAREHOUSE``), resolved by ``warehouse.store.connect``. Connections are short:
  open, write, close — DuckDB allows one writer process and a writer fails while any other
  process holds the file open.
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
    """The DuckDB warehouse. Use ``with warehouse.connect() as con:`` and keep it short."""

    path: str | None = None

    @contextmanager
    def connect(self) -> Iterator:
        from warehouse import store

        con = store.connect(self.path)
        try:
            yield con
        finally:
            con.close()

    def location(self) -> str:
        """Where the warehouse file is, for metadata and messages."""
        from warehouse import store

        return str(Path(self.path or store.default_path()).expanduser().resolve())


class ReportFolderResource(dg.ConfigurableResource):
    """The folders whose ``*.pdf`` files are the reports to check (not recursive)."""

    folders: list[str] = list(DEFAULT_REPORT_FOLDERS)

    def resolved(self) -> list[Path]:
        out = []
        for f in self.folders:
            p = Path(f).expanduser()
            out.append(p if p.is_absolute() else (REPO_ROOT / p))
        return out


def make_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, with defaults from the environment."""
    return {
        "warehouse": WarehouseResource(path=default_warehouse_path()),
        "reports": ReportFolderResource(folders=default_report_folders()),
    }

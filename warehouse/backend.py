"""The warehouse's backend seam: where the warehouse lives and how a run writes it.

A backend is told by the warehouse *location* (``--warehouse``, ``$GONGKAI_WAREHOUSE``): a
path is a DuckDB file (:class:`DuckDBFile`); a location that starts with a registered prefix
(``BACKENDS``) is handed to that backend's module: ``ducklake:…`` to ``warehouse/lake.py``. A second backend is one
new module with a class of the same four methods, and one line in ``BACKENDS``:

- ``connect(read_only=…)``: a connection to the published warehouse (readers: SQL, the CLI's
  summary, the sensor);
- ``run_connection(run_id)``: a context manager giving the connection a run writes through;
- ``publish(run_id)``: make what the run wrote the warehouse people query;
- ``exists()``, and ``location`` / ``files_dir`` for messages and the files kept with it
  (the Great Expectations Data Docs site).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gongkai import config

# location prefix -> "module:Class" of the backend that reads such locations
BACKENDS: dict[str, str] = {"ducklake:": "warehouse.lake:DuckLake"}


class DuckDBFile:
    """A single DuckDB file. A run never writes the published file: it writes a staging copy
    and renames it over the published one at the end (``warehouse/snapshot.py``), because
    DuckDB allows one writer and a writer cannot open a file other processes hold open."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.location = str(self.path)

    def connect(self, *, read_only: bool = False):
        from warehouse.db import connect

        return connect(self.path, read_only=read_only)

    @contextmanager
    def run_connection(self, run_id: str) -> Iterator:
        from warehouse import snapshot
        from warehouse.db import connect

        con = connect(snapshot.prepare(self.path, run_id))
        try:
            yield con
        finally:
            con.close()

    def publish(self, run_id: str) -> str:
        from warehouse import snapshot

        return str(snapshot.publish(self.path, run_id))

    def exists(self) -> bool:
        return self.path.exists()

    def remove_leftovers(self, alive: set[str]) -> list[Path]:
        """The staging copies of runs not in ``alive`` (killed, failed, outraced), removed."""
        from warehouse import snapshot

        return snapshot.remove_leftovers(self.path, alive)

    @property
    def files_dir(self) -> Path:
        """The folder of the files kept with the warehouse (its Data Docs site)."""
        return self.path.parent

    @property
    def name(self) -> str:
        return self.path.stem


def open_backend(location: str | Path | None = None):
    """The backend of ``location`` (default: ``$GONGKAI_WAREHOUSE``, else the default file)."""
    location = config.warehouse_location(location)
    for prefix, target in BACKENDS.items():
        if location.startswith(prefix):
            module, cls = target.split(":")
            return getattr(importlib.import_module(module), cls)(location)
    return DuckDBFile(location)

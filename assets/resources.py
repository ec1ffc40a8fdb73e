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
- ``RunScopedIOManager`` (``io_manager``): the values assets hand on (the documents, the
  extracted reports), pickled per run, in ``$GONGKAI_IO_DIR`` when set: a folder every worker
  sees when steps run on several machines.
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
    # how many bounded reader processes extract at once (`gongkai run --workers N`), per
    # extraction step
    workers: int = 1
    # documents read per extraction step (0: all in one step); each step can run in another
    # process or on another machine (`$GONGKAI_BATCH_SIZE`, pipelines/executors.py)
    batch_size: int = 0

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


class _RunScopedPickles(dg.UPathIOManager):
    """Each value pickled at ``<base>/<run id>/<asset key>.pickle``, written whole or not at
    all (a temporary file renamed)."""

    extension = ".pickle"

    def dump_to_path(self, context, obj, path) -> None:
        import os
        import pickle

        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        with partial.open("wb") as file:
            pickle.dump(obj, file, pickle.HIGHEST_PROTOCOL)
        os.replace(str(partial), str(path))

    def load_from_path(self, context, path):
        import pickle

        with path.open("rb") as file:
            return pickle.load(file)

    def get_asset_relative_path(self, context):
        from upath import UPath

        return UPath(self._run_of(context), *context.asset_key.path)

    def _run_of(self, context) -> str:
        if not isinstance(context, dg.InputContext):
            return context.run_id
        # the run that made the value: this run, the parent of a re-execution; for an asset
        # materialized alone (from the UI), the run of its upstream's last materialization
        made_by = context.upstream_output.run_id
        if self._with_extension(self._base_path.joinpath(made_by, *context.asset_key.path)
                                ).exists():
            return made_by
        last = context.instance.get_latest_materialization_event(context.asset_key)
        return last.run_id if last else made_by


class RunScopedIOManager(dg.ConfigurableIOManagerFactory):
    """Where assets' values go between steps: pickles in ``base_dir`` (``$GONGKAI_IO_DIR``,
    default the instance's ``storage/``), one folder per run. When steps run on several
    machines (Celery workers, Kubernetes pods) it must be a folder they all see (NFS, a
    shared volume): a step reads what another machine's step wrote. Dagster's default keeps
    an asset at one path (``<base>/<asset key>``), so two runs at once on one instance — two
    ``gongkai run``, the writers of one lake — overwrite each other's values: measured here, one
    run loaded the other's extracted reports and the lake held one run's reports twice over
    instead of both runs'. Folders of runs that ended more than ``keep_days`` ago are removed
    when a run starts, but for the newest successful run's (a single asset materialized from
    the UI reads its upstream's last value)."""

    base_dir: str | None = None
    keep_days: float = 7

    def create_io_manager(self, context) -> _RunScopedPickles:
        base = Path(self.base_dir or context.instance.storage_directory())
        _remove_old_runs(context.instance, base, self.keep_days)
        from upath import UPath

        return _RunScopedPickles(base_path=UPath(base))


def _remove_old_runs(instance, base: Path, keep_days: float) -> None:
    import shutil
    import time

    if not base.is_dir():
        return
    cutoff = time.time() - keep_days * 86400
    finished = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                dg.DagsterRunStatus.CANCELED}
    newest_success = None
    for folder in sorted(base.iterdir(), key=lambda f: f.stat().st_mtime, reverse=True):
        run = instance.get_run_by_id(folder.name) if folder.is_dir() else None
        if run is None or run.status not in finished:
            continue  # not a run's folder, or a run still going
        if run.status == dg.DagsterRunStatus.SUCCESS and newest_success is None:
            newest_success = folder
            continue
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def make_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, with defaults from the environment."""
    return {
        "warehouse": WarehouseResource(path=None),
        "reports": ReportFolderResource(folders=config.report_folders(),
                                        batch_size=config.extract_batch_size()),
        "crawl": CrawlResource(),
        "io_manager": RunScopedIOManager(base_dir=config.io_dir()),
    }

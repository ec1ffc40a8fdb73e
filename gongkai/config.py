"""Where things are: the one root of the checkout and the one place that reads ``GONGKAI_*``.

Every default path of gongkai is named here, relative to :data:`ROOT` (the checkout, or the
installed tree in an editable install); every environment variable that moves one is read
here, when asked, never at import (a test or the CLI may set it first).

| variable | what | default |
|---|---|---|
| ``GONGKAI_WAREHOUSE`` | the warehouse: a DuckDB file, or a DuckLake ``ducklake:postgres:…`` | ``warehouse/gongkai.duckdb`` |
| ``GONGKAI_DATA_PATH`` | a DuckLake's Parquet folder (or object-store URL) | none (a lake made before remembers it) |
| ``GONGKAI_STORE`` | the crawl's content-addressed store | ``warehouse/store`` |
| ``GONGKAI_REPORTS`` | report folders (``os.pathsep``-separated) of ``check_reports_job`` | none |
| ``GONGKAI_SOURCES`` | the portals file | ``pipelines/sources.yaml`` |
| ``GONGKAI_ALIASES`` | the agency alias table | ``pipelines/agency_aliases.csv`` |
| ``GONGKAI_CRAWL_CONTACT`` | the URL in the crawler's User-Agent | the project's page |
| ``GONGKAI_CRAWL_ALLOWED_HOSTS`` | the only hosts a crawl may reach (comma-separated) | any |
| ``GONGKAI_DOCUMENT_MEMORY_MB`` | memory one document may take to read (its worker's address space) | 1024 |
| ``GONGKAI_DOCUMENT_SECONDS`` | time one document may take to read | 300 |
| ``GONGKAI_LIBRARY_LOG`` | where the libraries' warnings go (set by ``gongkai run``) | the terminal |
| ``GONGKAI_DEMO_WAREHOUSE`` | the demo's own warehouse (its store beside it) | ``warehouse/demo.duckdb`` |
| ``GONGKAI_EXECUTOR`` | where a run's steps run: ``in_process``, ``celery`` (workers), ``k8s`` (a pod per step) | ``in_process`` |
| ``GONGKAI_CELERY_BROKER`` | the Celery broker of the ``celery`` executor | ``redis://127.0.0.1:6379/0`` |
| ``GONGKAI_CELERY_BACKEND`` | the Celery result backend | the broker |
| ``GONGKAI_BATCH_SIZE`` | documents to read per extraction step (0: all in one step) | 0 in process, 8 otherwise |
| ``GONGKAI_IO_DIR`` | where steps hand values on (a folder every worker sees) | the instance's ``storage/`` |
| ``DAGSTER_HOME`` | the Dagster instance of ``gongkai run`` / ``gongkai ui`` | ``.dagster_home`` |
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_WAREHOUSE = ROOT / "warehouse" / "gongkai.duckdb"
DEFAULT_STORE = ROOT / "warehouse" / "store"
# the demo (`gongkai run` with no option) keeps its invented reports apart from the user's
DEMO_WAREHOUSE = ROOT / "warehouse" / "demo.duckdb"
DEFAULT_SOURCES = ROOT / "pipelines" / "sources.yaml"
DEFAULT_ALIASES = ROOT / "pipelines" / "agency_aliases.csv"
DEFAULT_DAGSTER_HOME = ROOT / ".dagster_home"
FIXTURES = ROOT / "tests" / "fixtures"
# warehouse locations that are connection strings, not files (warehouse/backend.py)
BACKEND_PREFIXES = ("ducklake:",)


def _path(value: str | os.PathLike) -> Path:
    """A configured path: ``~`` expanded, relative ones taken from the checkout's root."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else ROOT / p


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


DEFAULT_DOCUMENT_MEMORY_MB = 1024
DEFAULT_DOCUMENT_SECONDS = 300.0


def document_limits() -> tuple[int, float]:
    """(bytes, seconds) one document may take to read: ``$GONGKAI_DOCUMENT_MEMORY_MB`` and
    ``$GONGKAI_DOCUMENT_SECONDS`` or the defaults (0: no limit)."""
    memory = int(_env("GONGKAI_DOCUMENT_MEMORY_MB") or DEFAULT_DOCUMENT_MEMORY_MB)
    seconds = float(_env("GONGKAI_DOCUMENT_SECONDS") or DEFAULT_DOCUMENT_SECONDS)
    return memory << 20, seconds


def library_log() -> Path | None:
    """The file the libraries' log records (pdfminer, Camelot) go to: ``$GONGKAI_LIBRARY_LOG``
    (``gongkai run`` sets it); None: Python's default, the terminal."""
    value = _env("GONGKAI_LIBRARY_LOG")
    return _path(value) if value else None


def warehouse_location(value: str | os.PathLike | None = None) -> str:
    """The warehouse: ``value`` if given, else ``$GONGKAI_WAREHOUSE``, else the default file.
    A path is made absolute; a location that is not a path (a backend's connection string,
    ``:memory:``) is returned as it is."""
    value = value or _env("GONGKAI_WAREHOUSE") or DEFAULT_WAREHOUSE
    text = str(value)
    if text == ":memory:" or text.startswith(BACKEND_PREFIXES):
        return text  # not a file: the backend of that prefix reads it
    return str(_path(text).resolve())


def data_path(value: str | os.PathLike | None = None) -> str | None:
    """A DuckLake's data: ``value``, else ``$GONGKAI_DATA_PATH``; a local folder made absolute,
    an object-store URL (``s3://…``) as it is; None when unset (an existing lake remembers
    where its data are)."""
    value = value or _env("GONGKAI_DATA_PATH")
    if not value:
        return None
    text = str(value)
    if "://" in text:
        return text
    return str(_path(text).resolve())


def demo_warehouse() -> Path:
    """The demo's own warehouse: ``$GONGKAI_DEMO_WAREHOUSE`` (tests), else
    ``warehouse/demo.duckdb``; never ``$GONGKAI_WAREHOUSE``, the user's."""
    return _path(_env("GONGKAI_DEMO_WAREHOUSE") or DEMO_WAREHOUSE).resolve()


def demo_store() -> Path:
    """The demo's crawl store: ``demo-store/`` beside its warehouse."""
    return demo_warehouse().with_name("demo-store")


def store_dir(value: str | os.PathLike | None = None) -> Path:
    return _path(value or _env("GONGKAI_STORE") or DEFAULT_STORE)


def report_folders() -> list[str]:
    """``$GONGKAI_REPORTS`` as absolute folders; none when unset (the user names them)."""
    env = _env("GONGKAI_REPORTS")
    return [str(_path(p).resolve()) for p in env.split(os.pathsep) if p] if env else []


def resolve_folder(value: str | os.PathLike) -> Path:
    return _path(value)


def sources_file(value: str | os.PathLike | None = None) -> Path:
    return _path(value or _env("GONGKAI_SOURCES") or DEFAULT_SOURCES)


def aliases_file(value: str | os.PathLike | None = None) -> Path:
    return _path(value or _env("GONGKAI_ALIASES") or DEFAULT_ALIASES)


def dagster_home() -> Path:
    """``$DAGSTER_HOME``, set to the checkout's ``.dagster_home`` when unset (so that
    ``dagster dev`` started by ``gongkai ui`` shows the runs of ``gongkai run``)."""
    home = _env("DAGSTER_HOME")
    if not home:
        home = str(DEFAULT_DAGSTER_HOME)
        os.environ["DAGSTER_HOME"] = home
    return Path(home)


CRAWL_ALLOWED_HOSTS = "GONGKAI_CRAWL_ALLOWED_HOSTS"
DEFAULT_CRAWL_CONTACT = "https://github.com/gongkai/gongkai"


def crawl_contact() -> str:
    """The URL the crawler's User-Agent names, for portal operators to reach us."""
    return _env("GONGKAI_CRAWL_CONTACT") or DEFAULT_CRAWL_CONTACT


def crawl_allowed_hosts() -> frozenset[str] | None:
    """``$GONGKAI_CRAWL_ALLOWED_HOSTS`` as lower-case host names; None when unset (any host;
    the tests set it to 127.0.0.1)."""
    env = (_env(CRAWL_ALLOWED_HOSTS) or "").strip()
    if not env:
        return None
    return frozenset(h.strip().lower() for h in env.split(",") if h.strip())


EXECUTORS = ("in_process", "celery", "k8s")
DEFAULT_CELERY_BROKER = "redis://127.0.0.1:6379/0"
# documents per extraction step when steps go to other processes: enough to pay a step's start
# (a worker loads the code location, starts its readers), few enough to spread a run
DEFAULT_DISTRIBUTED_BATCH_SIZE = 8


def executor_name() -> str:
    """``$GONGKAI_EXECUTOR`` (``in_process`` when unset); another value is an error naming the
    known ones."""
    name = (_env("GONGKAI_EXECUTOR") or "in_process").strip().lower().replace("-", "_")
    if name not in EXECUTORS:
        raise ValueError(f"GONGKAI_EXECUTOR={name!r}: not one of {', '.join(EXECUTORS)}")
    return name


def celery_broker() -> str:
    return _env("GONGKAI_CELERY_BROKER") or DEFAULT_CELERY_BROKER


def celery_backend() -> str:
    return _env("GONGKAI_CELERY_BACKEND") or celery_broker()


def extract_batch_size() -> int:
    """Documents read per extraction step: ``$GONGKAI_BATCH_SIZE``, else all in one step when
    steps run in one process, and a few per step when they go to workers."""
    value = _env("GONGKAI_BATCH_SIZE")
    if value is not None:
        return max(0, int(value))
    return 0 if executor_name() == "in_process" else DEFAULT_DISTRIBUTED_BATCH_SIZE


def io_dir() -> str | None:
    """``$GONGKAI_IO_DIR``: the folder where a run's steps leave the values the next ones read
    (None: the Dagster instance's ``storage/``). Workers on other machines must all see it."""
    value = _env("GONGKAI_IO_DIR")
    return str(_path(value)) if value else None

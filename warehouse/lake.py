"""The DuckLake backend: the warehouse as a lake whose catalogue is a Postgres database and
whose data are Parquet files in a folder (or an object store), which many processes write and
read at once.

A location ``ducklake:postgres:dbname=gongkai host=127.0.0.1 port=5432 user=gongkai`` (what
``--warehouse`` and ``$GONGKAI_WAREHOUSE`` take) with the data folder from ``--data-path`` /
``$GONGKAI_DATA_PATH`` (``gongkai.config.data_path``). A password is best left to libpq
(``$PGPASSWORD``, ``~/.pgpass``): the location is printed in logs and run metadata.

The DuckLake and Postgres extensions are loaded from the files the ``duckdb-extension-ducklake``
and ``duckdb-extension-postgres-scanner`` packages install (``LOAD '<path>'``): no download,
no ``INSTALL``. The schema is ``schema.sql`` without what a lake lacks (``db.schema_sql``);
every writer commits in transactions retried on a conflict (``db.transaction``,
``db.retrying``); a reader sees the last commit and never blocks a writer.

Writers' commits take turns (:func:`writers_turn`: a Postgres advisory lock on the catalogue's
database, a file lock beside a local catalogue): measured here with DuckLake 1.5.5, commits
that overlap fail on the catalogue's own keys (a duplicate ``ducklake_snapshot`` key; two
writers creating one lake, on ``pg_type``) in ways no "conflict" names, or are retried by
DuckLake itself against a snapshot gongkai did not read. So the work of a run (reading,
extracting, evaluating) runs side by side, and each transaction, from ``BEGIN`` (so that it
reads the last commit) to ``COMMIT``, runs alone.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from gongkai import config
from warehouse.db import LAKE_ALIAS, LAKE_PREFIX, retrying, schema_sql

# (package, extension): the Postgres scanner first, DuckLake attaches its catalogue through it
EXTENSIONS = (("duckdb_extension_postgres_scanner", "postgres_scanner"),
              ("duckdb_extension_ducklake", "ducklake"))


class LakeError(RuntimeError):
    """The lake cannot be opened: its catalogue unreachable, no data path for a new lake, an
    extension missing."""


def extension_path(package: str, name: str) -> Path:
    """The extension file a package ships for the installed duckdb version."""
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise LakeError(f"the {name} extension is not installed: pip install "
                        f"{package.replace('_', '-')}=={duckdb.__version__}") from None
    path = Path(str(root)) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise LakeError(f"{package} has no {name} extension for duckdb {duckdb.__version__} "
                        f"({path}): install {package.replace('_', '-')}=={duckdb.__version__}")
    return path


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(location: str, *, read_only: bool = False, data_path: str | None = None):
    """A connection with the lake at ``location`` attached and in use (as ``LAKE_ALIAS``),
    the schema created or brought up to date unless ``read_only``. ``data_path``: the Parquet
    folder (default ``$GONGKAI_DATA_PATH``); needed when the lake is new, remembered after."""
    # never reach for DuckDB's extension server: these machines cannot, and nothing must
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    try:
        for package, name in EXTENSIONS:
            con.execute(f"LOAD {_quoted(str(extension_path(package, name)))}")
        data_path = data_path or config.data_path()
        options = []
        if data_path:
            options.append(f"DATA_PATH {_quoted(_folder(data_path))}")
        if read_only:
            options.append("READ_ONLY")
        options = f" ({', '.join(options)})" if options else ""
        # a writer attaches (and may create the lake and its tables) in its writers' turn: two
        # creating one lake at once fail on Postgres' own keys (pg_type) otherwise
        with writers_turn(None if read_only else location[len(LAKE_PREFIX):]):
            try:
                con.execute(f"ATTACH {_quoted(location)} AS {LAKE_ALIAS}{options}")
            except duckdb.Error as exc:
                hint = ("" if data_path or read_only else
                        "; a new lake needs its data folder: --data-path or $GONGKAI_DATA_PATH")
                raise LakeError(f"cannot open the lake {location}: {str(exc).strip()}{hint}") \
                    from None
            con.execute(f"USE {LAKE_ALIAS}")
            if not read_only:
                ensure_schema(con)
    except BaseException:
        con.close()
        raise
    return con


# the advisory lock's key: any 64-bit number others are unlikely to use for theirs
_WRITERS_KEY = int.from_bytes(hashlib.sha256(b"gongkai lake writers").digest()[:8], "big",
                              signed=True)
_turns = threading.local()  # per thread: the lock's depth (transactions nest in retries)
_catalogue_connections: dict[str, object] = {}  # conninfo -> psycopg2 connection, per process


def catalogue_of(con) -> str | None:
    """The catalogue the connection's lake is attached from ('postgres:dbname=…' or a path),
    None when it is no lake."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = ? "
                      "AND type = 'ducklake'", [LAKE_ALIAS]).fetchone()
    return row[0] if row else None


@contextmanager
def writers_turn(catalogue: str | None) -> Iterator[None]:
    """Wait for this catalogue's writers' lock (re-entrant in a thread), hold it for the block.
    A Postgres catalogue: ``pg_advisory_lock`` on a connection of its own (libpq's conninfo
    from the location, so a password comes from $PGPASSWORD or ~/.pgpass as for DuckLake);
    a local one: ``flock`` on ``<catalogue>.writers``."""
    depth = getattr(_turns, "depth", 0)
    if not catalogue or depth:
        _turns.depth = depth + 1
        try:
            yield
        finally:
            _turns.depth = depth
        return
    conninfo = catalogue[len("postgres:"):] if catalogue.startswith("postgres:") else None
    if conninfo is not None:
        import psycopg2

        pg = _catalogue_connections.get(conninfo)
        if pg is None or pg.closed:
            try:
                pg = psycopg2.connect(conninfo)
            except psycopg2.Error as exc:
                raise LakeError(f"cannot reach the lake's catalogue ({conninfo}) for the "
                                f"writers' lock: {str(exc).strip()}") from None
            pg.autocommit = True
            _catalogue_connections[conninfo] = pg
        with pg.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_WRITERS_KEY])
        release = lambda: pg.cursor().execute("SELECT pg_advisory_unlock(%s)",  # noqa: E731
                                              [_WRITERS_KEY])
    else:
        import fcntl

        path = re.sub(r"^(sqlite|duckdb):", "", catalogue)  # a local catalogue's file
        handle = open(f"{path}.writers", "a")
        fcntl.flock(handle, fcntl.LOCK_EX)

        def release():
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
    _turns.depth = 1
    try:
        yield
    finally:
        _turns.depth = 0
        release()


def _folder(data_path: str) -> str:
    """A local data folder made absolute and created, with the trailing slash DuckLake joins
    file names to; an object-store URL (s3://…) as it is."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", data_path):
        return data_path
    folder = Path(data_path).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder) + "/"


SCHEMA_MARK = "gongkai_schema"


def ensure_schema(con) -> None:
    """``schema_sql(lake=True)`` applied once per version of it: a lake records the digest of
    the DDL it was given (``gongkai_schema``), so that connecting does not replace every view
    each time (which would conflict with every other writer). Retried on a conflict, when
    two writers create the lake at once."""
    from warehouse import reference

    ddl = schema_sql(lake=True)
    digest = hashlib.sha256(ddl.encode()).hexdigest()

    @retrying
    def apply(con):
        if _has_rows(con, f"SELECT 1 FROM {SCHEMA_MARK} WHERE sha256 = ?", [digest]):
            return
        con.execute("BEGIN")
        try:
            con.execute(ddl)
            con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA_MARK} "
                        "(sha256 VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
            con.execute(f"DELETE FROM {SCHEMA_MARK}")
            con.execute(f"INSERT INTO {SCHEMA_MARK} VALUES (?, now()::TIMESTAMP)", [digest])
            con.execute("INSERT INTO last_write SELECT 'schema', now()::TIMESTAMP "
                        "WHERE NOT EXISTS (FROM last_write)")
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise

    apply(con)
    reference.fill(con)


def _has_rows(con, sql: str, params, *, empty: bool = False) -> bool:
    """Whether ``sql`` finds a row (``empty``: whether it runs at all); False when its table is
    missing. (Asking information_schema is slow on a lake: it asks Postgres of every schema.)"""
    try:
        rows = con.execute(sql, params).fetchall()
    except duckdb.CatalogException:
        return False
    return True if empty else bool(rows)


class DuckLake:
    """A DuckLake: Postgres catalogue, Parquet data. A run writes it directly, in
    transactions (no staging copy: there is no file to rename), so ``publish`` has nothing
    left to do; what a run committed is visible to readers from its commit on."""

    def __init__(self, location: str, data_path: str | None = None):
        if not location.startswith(LAKE_PREFIX):
            raise ValueError(f"not a DuckLake location: {location}")
        self.location = location
        self.data_path = data_path or config.data_path()

    def connect(self, *, read_only: bool = False):
        return connect(self.location, read_only=read_only, data_path=self.data_path)

    @contextmanager
    def run_connection(self, run_id: str) -> Iterator:
        con = self.connect()
        try:
            yield con
        finally:
            con.close()

    def publish(self, run_id: str) -> str:
        return self.location  # every write of the run is committed already

    def exists(self) -> bool:
        """A lake with the warehouse's tables (its catalogue reachable)."""
        try:
            con = self.connect(read_only=True)
        except (LakeError, duckdb.Error):
            return False
        try:
            return _has_rows(con, "SELECT 1 FROM documents LIMIT 0", None, empty=True)
        finally:
            con.close()

    def remove_leftovers(self, alive: set[str]) -> list[Path]:
        return []  # a run leaves no copy behind

    @property
    def files_dir(self) -> Path:
        """Where the files kept with the warehouse go (its Data Docs site): the local data
        folder, else ``warehouse/`` of the checkout."""
        if self.data_path and not re.match(r"^[a-z][a-z0-9+.-]*://", self.data_path):
            return Path(self.data_path).expanduser().resolve()
        return config.ROOT / "warehouse"

    @property
    def name(self) -> str:
        """A name for the lake's files: ``lake-<catalogue database>``."""
        db = re.search(r"(?:dbname|database)=([^\s]+)", self.location)
        return "lake-" + re.sub(r"[^\w.-]", "_", db.group(1) if db else "catalogue")

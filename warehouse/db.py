"""Connections to the warehouse's DuckDB database: opening (with the schema), transactions,
bulk inserts. Every database gongkai opens is opened here: a DuckDB file, ``:memory:``, or a
DuckLake (a location starting ``ducklake:``, ``warehouse/lake.py``).

DuckDB allows one writing process while readers keep sessions open, so callers keep
connections short: ``con = connect(path); …; con.close()``. A DuckLake allows many writers;
two that commit at once conflict and one of them is retried (:func:`retrying`).
"""

from __future__ import annotations

import functools
import os
import random
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = Path(__file__).with_name("schema.sql")
LAKE_PREFIX = "ducklake:"
# the catalog name a DuckLake is attached as (warehouse/lake.py): how a connection is known
# to be one on a lake
LAKE_ALIAS = "gongkai_lake"


class WarehouseVersionError(RuntimeError):
    """A warehouse file this DuckDB cannot read (written by another version)."""


def connect(path: str | Path, *, read_only: bool = False):
    """Open the warehouse at ``path`` (``:memory:`` works; a ``ducklake:…`` location is a
    lake, :func:`warehouse.lake.connect`), creating the schema if absent. ``read_only=True``
    opens a reader that never writes (no schema creation)."""
    path = str(path)
    if path.startswith(LAKE_PREFIX):
        from warehouse import lake

        return lake.connect(path, read_only=read_only)
    if path != ":memory:" and not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        if "database file with version number" not in str(exc):
            raise
        raise WarehouseVersionError(
            f"{path} was written by another DuckDB version than this gongkai's "
            f"({duckdb.__version__}; gongkai before the DuckLake backend used duckdb 2.0.0). "
            "Its data is intact: carry it over as README.md says under \"Upgrading a "
            "warehouse\" (EXPORT DATABASE with the old version, then "
            "`python -m warehouse.migrate EXPORT_FOLDER NEW.duckdb`)") from None
    if not read_only:
        from warehouse import migrate

        if path != ":memory:" and migrate.has_sequence_ids(con):
            con.close()  # made before ids came from the data: rewritten once
            migrate.to_data_ids(Path(path))
            con = duckdb.connect(path)
        ensure_schema(con)
    return con


def ensure_schema(con, *, lake: bool = False) -> None:
    """Every table and view of ``schema.sql`` (idempotent), the vocabulary and the cells of
    the figures the text states. ``lake``: the DDL without what a DuckLake lacks
    (:func:`schema_sql`)."""
    from warehouse import reference

    con.execute(schema_sql(lake=lake))
    reference.fill(con)


# --- one DDL for both backends -----------------------------------------------------------------

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.S)
_DECLARED_KEY = re.compile(r"natural key: (none|\(([^)]*)\))")


@functools.cache
def schema_sql(lake: bool = False) -> str:
    """``schema.sql``; for a DuckLake (``lake``) without PRIMARY KEY, UNIQUE, sequences and
    nextval defaults, which it does not support: the writers keep the keys unique."""
    ddl = SCHEMA.read_text(encoding="utf-8")
    if not lake:
        return ddl
    ddl = re.sub(r"^CREATE SEQUENCE[^\n]*\n", "", ddl, flags=re.M)
    ddl = re.sub(r"\s+DEFAULT nextval\('[^']*'\)", "", ddl)
    # a table's key, its last line: the comma before it goes too, a comment after it stays
    ddl = re.sub(r",([ \t]*--[^\n]*)?\n\s*PRIMARY KEY \([^)]*\)\s*\n", r"\1\n", ddl)
    ddl = re.sub(r"(?<=\w) PRIMARY KEY\b", "", ddl)
    ddl = re.sub(r"(?<=\w) UNIQUE\b", "", ddl)
    return ddl


def _strip_comments(block: str) -> str:
    return re.sub(r"--[^\n]*", "", block)


@functools.cache
def natural_keys() -> dict[str, list[tuple[str, ...]]]:
    """Every table of ``schema.sql`` with its natural keys (the columns that say which row is
    which): its PRIMARY KEY and UNIQUE columns, or the key its ``-- natural key:`` comment
    names; an empty list for a table that has none (a log). What the writers keep unique on
    both backends, and what tests/test_lake_keys.py checks."""
    ddl = SCHEMA.read_text(encoding="utf-8")
    keys: dict[str, list[tuple[str, ...]]] = {}
    for match in _TABLE.finditer(ddl):
        name, body = match.group(1), match.group(2)
        # the comment lines just above the table
        above = ddl[:match.start()].rstrip("\n").split("\n")
        comments = []
        while above and above[-1].startswith("--"):
            comments.insert(0, above.pop()[2:].strip())
        declared = _DECLARED_KEY.search(" ".join(comments))
        found: list[tuple[str, ...]] = []
        code = _strip_comments(body)
        for line in code.splitlines():
            words = line.strip().rstrip(",").split()
            if not words:
                continue
            table_key = re.match(r"PRIMARY KEY \(([^)]*)\)", line.strip())
            if table_key:
                found.append(tuple(c.strip() for c in table_key.group(1).split(",")))
            elif "PRIMARY KEY" in line or re.search(r"\bUNIQUE\b", line):
                found.append((words[0],))
        if declared and declared.group(2):
            found.append(tuple(c.strip() for c in declared.group(2).split(",")))
        keys[name] = found
    return keys


# --- transactions ----------------------------------------------------------------------------------

# how often a write that conflicted with another writer's is tried again, and the longest
# pause between two tries (seconds): a conflict is retried, never dropped; after this many the
# run fails with WriteConflict, saying so
WRITE_ATTEMPTS = 40
MAX_BACKOFF_SECONDS = 5.0


class WriteConflict(RuntimeError):
    """A write kept conflicting with other writers' after every retry."""


def is_lake(con) -> bool:
    """True for a connection to a DuckLake (``warehouse/lake.py`` attaches it as LAKE_ALIAS)."""
    return con.execute("SELECT current_database()").fetchone()[0] == LAKE_ALIAS


def is_conflict(exc: BaseException) -> bool:
    """A DuckLake's "Transaction conflict" (another writer committed first)."""
    return isinstance(exc, duckdb.Error) and "conflict" in str(exc).lower()


_WRITER = f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def transaction(con) -> Iterator:
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` and re-raise when the block fails.

    On a lake the transaction waits for its writers' turn (``lake.writers_turn``: no two
    commits overlap) and first replaces the one row of ``last_write`` (a DuckLake sees a
    conflict between two deletes, not between two inserts): should a writer that is not
    gongkai commit at once, the second to commit conflicts (a ``duckdb.TransactionException``;
    :func:`retrying` runs the work again)."""
    if not is_lake(con):
        with _transaction(con, lake=False):
            yield con
        return
    from warehouse.lake import catalogue_of, writers_turn

    with writers_turn(catalogue_of(con)), _transaction(con, lake=True):
        yield con


@contextmanager
def _transaction(con, *, lake: bool) -> Iterator:
    con.execute("BEGIN")
    try:
        if lake:
            con.execute("DELETE FROM last_write")
            con.execute("INSERT INTO last_write VALUES (?, ?)",
                        [_WRITER, datetime_now()])
        yield con
    except BaseException:
        _rollback(con)
        raise
    try:
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT may have ended the transaction already


def datetime_now():
    from datetime import datetime

    return datetime.now().replace(microsecond=0)


def retrying(function):
    """``function(con, …)``, whose writes are one :func:`transaction`, run again when it
    conflicted with another writer's commit, after a pause that grows (with jitter) — never
    dropped: after WRITE_ATTEMPTS tries it raises :class:`WriteConflict`. Everything the
    function reads it reads again, in the new snapshot (the other writer's rows included)."""

    @functools.wraps(function)
    def wrapper(con, *args, **kwargs):
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return function(con, *args, **kwargs)
            except duckdb.Error as exc:
                if not is_conflict(exc):
                    raise
                if attempt == WRITE_ATTEMPTS:
                    raise WriteConflict(
                        f"{function.__qualname__}: still conflicting with other writers after "
                        f"{attempt} tries: {str(exc).strip()}") from exc
                pause = min(MAX_BACKOFF_SECONDS, 0.05 * 2 ** min(attempt, 10))
                time.sleep(pause * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    return wrapper


def write(con, work, *args, **kwargs):
    """``work(con, *args, **kwargs)`` in one :func:`transaction`, retried on a conflict."""

    @retrying
    def once(con):
        with transaction(con):
            return work(con, *args, **kwargs)

    return once(con)


# --- bulk inserts ----------------------------------------------------------------------------------

def frame(rows: list[tuple], columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """``rows`` as a DataFrame of Python objects, a Decimal as a float (exact at DECIMAL(18,4)
    for the counts and 万元 amounts of the tables)."""
    return pd.DataFrame([[float(v) if isinstance(v, Decimal) else v for v in row]
                         for row in rows], columns=list(columns), dtype=object)


def insert_rows(con, table: str, rows: list[tuple], columns: tuple[str, ...] | None = None
                ) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, default the table's) with one
    ``INSERT … SELECT`` from a DataFrame: DuckDB's ``executemany`` runs a statement per row
    and a long parameterised ``VALUES`` is slow to bind, which made loading a report take 0.1-
    0.2 s. DuckDB casts each column to the table's type."""
    if not rows:
        return
    if columns is None:
        columns = tuple(d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description)
    con.register("_insert_rows", frame(rows, columns))
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"SELECT {', '.join(columns)} FROM _insert_rows")
    finally:
        con.unregister("_insert_rows")


def has_table(con, name: str) -> bool:
    return con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ? "
                       "AND table_catalog = current_database()", [name]).fetchone() is not None


def checkpoint(path: str | Path) -> None:
    """Everything of the database at ``path`` written into the file itself (no write-ahead
    log left beside it), so that the file can be renamed as a whole."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()

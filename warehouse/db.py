"""Connections to the warehouse's DuckDB database: opening (with the schema), transactions,
bulk inserts. Every database file gongkai opens is opened here.

DuckDB allows one writing process while readers keep sessions open, so callers keep
connections short: ``con = connect(path); …; con.close()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = Path(__file__).with_name("schema.sql")


def connect(path: str | Path, *, read_only: bool = False):
    """Open the DuckDB database at ``path`` (``:memory:`` works), creating the schema if
    absent. ``read_only=True`` opens a reader that never writes (no schema creation)."""
    path = str(path)
    if path != ":memory:" and not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(path, read_only=read_only)
    if not read_only:
        ensure_schema(con)
    return con


def ensure_schema(con) -> None:
    """Every table and view of ``schema.sql`` (idempotent), the vocabulary and the cells of
    the figures the text states."""
    from warehouse import reference

    con.execute(SCHEMA.read_text(encoding="utf-8"))
    reference.fill(con)


@contextmanager
def transaction(con) -> Iterator:
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` and re-raise when the block fails."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def insert_rows(con, table: str, rows: list[tuple], columns: tuple[str, ...] | None = None
                ) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, default the table's) with one
    ``INSERT … SELECT`` from a DataFrame: DuckDB's ``executemany`` runs a statement per row
    and a long parameterised ``VALUES`` is slow to bind, which made loading a report take 0.1-
    0.2 s. DuckDB casts each column to the table's type; a Decimal goes in as a float, exact
    at DECIMAL(18,4) for the counts and 万元 amounts of the tables."""
    if not rows:
        return
    if columns is None:
        columns = tuple(d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description)
    frame = pd.DataFrame([[float(v) if isinstance(v, Decimal) else v for v in row]
                          for row in rows], columns=list(columns), dtype=object)
    con.register("_insert_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"SELECT {', '.join(columns)} FROM _insert_rows")
    finally:
        con.unregister("_insert_rows")


def has_table(con, name: str) -> bool:
    return con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = ?",
                       [name]).fetchone() is not None


def checkpoint(path: str | Path) -> None:
    """Everything of the database at ``path`` written into the file itself (no write-ahead
    log left beside it), so that the file can be renamed as a whole."""
    con = duckdb.connect(str(path))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()

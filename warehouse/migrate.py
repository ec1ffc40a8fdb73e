"""Warehouses made before identifiers came from the data. Until then ``document_id`` and
``report_id`` were INTEGERs drawn from sequences; now each is the number of the document's
sha256 (``store.document_id``, a BIGINT), which a DuckLake and two writers need. A warehouse
file of the old kind would refuse the first new id ("out of range for INT32"), so the first
writing connection rewrites it once: every table copied into a file of the current schema,
each id replaced by the one its document's bytes give (``supersedes``, ``superseded_by``,
``previous_report_id`` too), then the new file renamed over the old one. Nothing else changes;
a reader (``read_only``) reads an old warehouse as it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# the columns that hold a document's id, and those that hold a report's
DOCUMENT_ID_COLUMNS = ("document_id", "supersedes", "superseded_by")
REPORT_ID_COLUMNS = ("report_id", "previous_report_id")
OLD = "gongkai_sequence_ids"  # the old file, attached beside the new one


def has_sequence_ids(con) -> bool:
    """Whether the connected warehouse keeps the old INTEGER ids."""
    row = con.execute("SELECT data_type FROM duckdb_columns() WHERE database_name = "
                      "current_database() AND table_name = 'documents' "
                      "AND column_name = 'document_id'").fetchone()
    return row is not None and row[0] == "INTEGER"


def to_data_ids(path: Path, exported: Path | None = None) -> None:
    """Rewrite the warehouse file at ``path`` with ids from the data (see the module doc). On
    any error the old file stays as it was and the error is raised, naming the table.
    ``exported``: instead, make the warehouse ``path`` (which must not exist) from the folder
    an ``EXPORT DATABASE … (FORMAT parquet)`` wrote (a warehouse of another DuckDB version)."""
    from warehouse.db import ensure_schema
    from warehouse.store import document_id

    path = Path(path)
    if exported is not None and path.exists():
        raise FileExistsError(f"{path} exists: give a new file to make from {exported}")
    new = path.with_name(f".{path.name}.data-ids")
    new.unlink(missing_ok=True)
    con = duckdb.connect(str(new))
    try:
        ensure_schema(con)
        if exported is None:
            con.execute(f"ATTACH {_quoted(path)} AS {OLD} (READ_ONLY)")
        else:
            con.execute(f"ATTACH ':memory:' AS {OLD}")
            for table in sorted(Path(exported).glob("*.parquet")):
                con.execute(f'CREATE TABLE {OLD}."{table.stem}" AS '
                            f"SELECT * FROM read_parquet({_quoted(table)})")
        con.execute("CREATE TEMP TABLE document_ids (old BIGINT, new BIGINT)")
        con.executemany("INSERT INTO document_ids VALUES (?, ?)", [
            (old, document_id(sha)) for old, sha in
            con.execute(f"SELECT document_id, sha256 FROM {OLD}.documents").fetchall()])
        con.execute("CREATE TEMP TABLE report_ids AS SELECT r.report_id AS old, d.new "
                    f"FROM {OLD}.reports r JOIN document_ids d ON d.old = r.document_id")
        columns = _columns(con)
        con.execute("BEGIN")
        for table, old_columns in columns["old"].items():
            kept = [c for c in columns["main"].get(table, []) if c in old_columns]
            if not kept:
                continue
            chosen = []
            for c in kept:
                ids = ("document_ids" if c in DOCUMENT_ID_COLUMNS else
                       "report_ids" if c in REPORT_ID_COLUMNS else None)
                chosen.append(f'(SELECT new FROM {ids} WHERE old = t."{c}")' if ids
                              else f't."{c}"')
            names = ", ".join(f'"{c}"' for c in kept)
            try:
                con.execute(f'DELETE FROM main."{table}"')
                con.execute(f'INSERT INTO main."{table}" ({names}) '
                            f'SELECT {", ".join(chosen)} FROM {OLD}."{table}" t')
            except duckdb.Error as exc:
                raise RuntimeError(f"{path}: table {table} could not be given ids from the "
                                   f"data: {str(exc).strip()}") from None
        con.execute("COMMIT")
    except BaseException:
        con.close()
        new.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(new, path)


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns(con) -> dict[str, dict[str, list[str]]]:
    """{"main": {table: [column, …]}, "old": …}: the tables of the new file and the old."""
    out: dict[str, dict[str, list[str]]] = {"main": {}, "old": {}}
    for database, table, column in con.execute(
            "SELECT database_name, table_name, column_name FROM duckdb_columns() "
            f"WHERE database_name IN (current_database(), '{OLD}') AND NOT internal "
            "AND (database_name, table_name) IN "
            "(SELECT (database_name, table_name) FROM duckdb_tables()) "
            "ORDER BY database_name, table_name, column_index").fetchall():
        out["old" if database == OLD else "main"].setdefault(table, []).append(column)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m warehouse.migrate EXPORTED NEW``: a warehouse of this gongkai from the export
    of one another DuckDB version wrote (see README, "Upgrading a warehouse")."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m warehouse.migrate EXPORT_FOLDER NEW_WAREHOUSE.duckdb",
              file=sys.stderr)
        return 2
    to_data_ids(Path(args[1]), exported=Path(args[0]))
    print(f"wrote {args[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The integrity of our own output in the warehouse (the blocking check of a run): a failure
here is a bug of gongkai's, not a finding about a report."""

from __future__ import annotations

from gongkai import vocabulary


def vocabulary_cells() -> set[tuple[str, str, str]]:
    """Every (table, row, column) either template has."""
    return {cell for t in vocabulary.TEMPLATES for cell in vocabulary.cells(t)}


def integrity_violations(con, limit: int = 50) -> dict:
    """Our own output's integrity in the warehouse: every fact has a page and its raw text,
    every (table, row, column) is a cell of the vocabulary (of either template), and every
    report has its three tables or an extraction problem saying why not.

    Returns {facts, missing_page, missing_raw, unknown_keys, tables_unexplained,
    examples: [str]}.
    """
    facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    missing_page = con.execute(
        "SELECT count(*) FROM facts WHERE page IS NULL OR page < 1").fetchone()[0]
    missing_raw = con.execute("SELECT count(*) FROM facts WHERE raw IS NULL").fetchone()[0]
    examples = [
        f"report {rid}: {t}.{r}.{c} has no {'page' if p is None or p < 1 else 'raw text'}"
        for rid, t, r, c, p in con.execute(
            "SELECT report_id, table_name, row_key, column_key, page FROM facts "
            "WHERE page IS NULL OR page < 1 OR raw IS NULL ORDER BY ALL LIMIT ?", [limit]
        ).fetchall()
    ]
    # either template's cells: a hybrid report (a 2021 table 三 with the 2019 single
    # （六）其他处理 row) legitimately mixes them
    known = vocabulary_cells()
    unknown = 0
    for rid, t, r, c in con.execute(
        "SELECT report_id, table_name, row_key, column_key FROM facts ORDER BY ALL"
    ).fetchall():
        if (t, r, c) not in known:
            unknown += 1
            if len(examples) < limit:
                examples.append(f"report {rid}: {t}.{r}.{c} is not a cell of the vocabulary")
    # every report has its three tables, or a problem saying why one is missing
    unexplained = con.execute("""
        SELECT r.report_id, t.table_name
        FROM reports r CROSS JOIN (VALUES ('active_disclosure'), ('applications'),
                                          ('review_litigation')) t(table_name)
        WHERE NOT EXISTS (SELECT 1 FROM facts f WHERE f.report_id = r.report_id
                          AND f.table_name = t.table_name)
          AND NOT EXISTS (SELECT 1 FROM extraction_problems p WHERE p.report_id = r.report_id
                          AND (p.table_name = t.table_name OR p.table_name IS NULL))
        ORDER BY ALL""").fetchall()
    for rid, t in unexplained:
        if len(examples) < limit:
            examples.append(f"report {rid}: table {t} is missing and no problem says why")
    return {"facts": facts, "missing_page": missing_page, "missing_raw": missing_raw,
            "unknown_keys": unknown, "tables_unexplained": len(unexplained),
            "examples": examples}


def duplicate_keys(con) -> dict[str, int]:
    """Every natural key of every table (``warehouse.db.natural_keys``: the keys schema.sql
    declares) with the number of its values held by more than one row; only keys that have
    such duplicates. Empty on a sound warehouse, file or lake: on a lake, which enforces no
    key, the writers keep them unique."""
    from warehouse.db import natural_keys

    found = {}
    for table, keys in natural_keys().items():
        for key in keys:
            columns = ", ".join(key)
            n = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY {columns} "
                            "HAVING count(*) > 1)").fetchone()[0]
            if n:
                found[f"{table}({columns})"] = n
    return found

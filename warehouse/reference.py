"""The warehouse's reference tables, filled from the code that defines them: the vocabulary
(``vocab_rows``, ``vocab_columns``: gongkai/vocabulary.py) and the cells each figure the text
states sums (``figure_cells``: gongkai/narrative.py)."""

from __future__ import annotations

from gongkai import vocabulary as V


def fill(con) -> None:
    """The reference tables, written only when they differ from the code (on a lake, retried
    when another writer filled them at the same time)."""
    from warehouse.db import retrying

    retrying(_fill_vocabulary)(con)
    retrying(_fill_figure_cells)(con)


def _fill_vocabulary(con) -> None:
    from warehouse.db import insert_rows, transaction

    rows, cols = [], []
    for table, source in ((V.ACTIVE_DISCLOSURE, V.AD_ROWS), (V.APPLICATIONS, V.APP_ROWS),
                          (V.REVIEW_LITIGATION, V.RL_ROWS)):
        rows += [(table, r.key, r.label, list(r.templates), i) for i, r in enumerate(source)]
    for table, source in ((V.ACTIVE_DISCLOSURE, V.AD_COLUMNS.values()),
                          (V.APPLICATIONS, V.APP_COLUMNS), (V.REVIEW_LITIGATION, V.RL_COLUMNS)):
        cols += [(table, c.key, c.label, c.kind, i) for i, c in enumerate(source)]
    have = con.execute("SELECT (SELECT count(*) FROM vocab_rows), "
                       "(SELECT count(*) FROM vocab_columns)").fetchone()
    if have == (len(rows), len(cols)):
        return  # the vocabulary is a contract: keys never change, so counts suffice
    with transaction(con):
        con.execute("DELETE FROM vocab_rows")
        con.execute("DELETE FROM vocab_columns")
        insert_rows(con, "vocab_rows", rows)
        insert_rows(con, "vocab_columns", cols)


def _fill_figure_cells(con) -> None:
    from gongkai import narrative
    from warehouse.db import insert_rows, transaction

    rows = sorted({(figure, spec.label, template, *cell)
                   for figure, spec in narrative.FIGURES.items()
                   for template in V.TEMPLATES for cell in spec.cells(template)})
    if con.execute("SELECT count(*) FROM figure_cells").fetchone()[0] == len(rows):
        return
    with transaction(con):
        con.execute("DELETE FROM figure_cells")
        insert_rows(con, "figure_cells", rows)

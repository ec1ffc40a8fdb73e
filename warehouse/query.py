"""Read-only SQL against the configured warehouse, whichever backend holds it (``gongkai sql``):
so a user queries without installing a DuckDB shell."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from gongkai.values import display_width
from warehouse.backend import open_backend


class QueryError(Exception):
    """The query could not run: a missing warehouse, a syntax error, a write attempted."""


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([["" if v is None else v for v in row] for row in self.rows])
        return out.getvalue()

    def json(self) -> str:
        return json.dumps([dict(zip(self.columns, row)) for row in self.rows],
                          ensure_ascii=False, indent=2, default=_jsonable)

    def table(self, max_width: int = 40) -> str:
        """An aligned text table (CJK characters counted as two columns wide)."""
        cells = [[_text(v, max_width) for v in row] for row in self.rows]
        widths = [max([display_width(c)] + [display_width(r[i]) for r in cells])
                  for i, c in enumerate(self.columns)]
        lines = ["  ".join(_pad(c, w) for c, w in zip(self.columns, widths)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(_pad(v, w) for v, w in zip(r, widths)) for r in cells]
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(lines)


def run_query(sql: str, location: str | None = None) -> Result:
    """``sql`` run on the published warehouse, opened read-only (a write is refused by the
    database, and a running pipeline, which writes a staged copy, is never blocked)."""
    import duckdb

    from warehouse.db import WarehouseVersionError
    from warehouse.lake import LakeError

    backend = open_backend(location)
    if not backend.exists():
        why = ""
        try:  # a lake that cannot be opened says why (its catalogue unreachable …)
            backend.connect(read_only=True).close()
        except LakeError as exc:
            why = "" if "does not exist" in str(exc) else f" ({exc})"
        raise QueryError(f"no warehouse at {backend.location}{why}: run `gongkai run` first")
    try:
        con = backend.connect(read_only=True)
    except (LakeError, WarehouseVersionError) as exc:
        raise QueryError(str(exc)) from None
    try:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from None
    finally:
        con.close()
    return Result(columns, rows)


def _jsonable(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def _text(value, max_width: int) -> str:
    text = "NULL" if value is None else str(value).replace("\n", " ")
    return text if display_width(text) <= max_width else text[: max_width - 1] + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))

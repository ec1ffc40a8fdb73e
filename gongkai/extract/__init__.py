"""A report's bytes -> Report: the three statutory tables as facts with provenance.

``extract_report`` is the one entry point (``intake.read_document``): it tells the format from
the bytes and calls that format's reader (``intake.READERS``). It knows nothing of Dagster or
DuckDB.
"""

from __future__ import annotations

from gongkai.extract.intake import read_document as extract_report

__all__ = ["extract_report"]

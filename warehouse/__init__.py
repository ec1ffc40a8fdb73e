"""The DuckDB warehouse: schema, loading (store.py), staged runs (snapshot.py)."""

from warehouse.store import (
    connect, default_path, load_report, record_load_error, refresh_agencies, summary,
)

__all__ = ["connect", "default_path", "load_report", "record_load_error", "refresh_agencies",
           "summary"]

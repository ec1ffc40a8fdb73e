"""The DuckDB warehouse of extracted reports (schema.sql, README.md)."""

from warehouse.store import connect, default_path, load_report, record_load_error, summary

__all__ = ["connect", "default_path", "load_report", "record_load_error", "summary"]

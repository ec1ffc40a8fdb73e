"""Publishing a run's warehouse all at once, while people keep the old one open.

DuckDB allows one writer, and a writer cannot open a file that any other process holds open,
even read-only. People keep SQL sessions open on the warehouse, so a run never writes the
published file: it copies it to a staging file beside it (reading is always allowed), writes
there, and at the end renames the staging file over the published one. The rename is atomic:
a session opened before keeps reading the old file (its inode lives on until it closes), one
opened after sees the whole run, never half of it. A run that fails publishes nothing.

One run at a time writes a given warehouse (the Dagster job runs in one process).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

STALE_AFTER_SECONDS = 24 * 3600


def staging_path(published: Path, run_id: str) -> Path:
    return published.with_name(f".{published.name}.{run_id}.staging")


def prepare(published: Path, run_id: str) -> Path:
    """The run's staging file: a copy of the published warehouse (made once per run)."""
    staging = staging_path(published, run_id)
    if not staging.exists():
        published.parent.mkdir(parents=True, exist_ok=True)
        if published.exists():
            shutil.copyfile(published, staging)
    return staging


def publish(published: Path, run_id: str) -> Path:
    """Make the run's staging file the warehouse. Returns the published path."""
    staging = staging_path(published, run_id)
    con = duckdb.connect(str(staging))
    try:
        con.execute("CHECKPOINT")  # everything in the file itself, no write-ahead log left
    finally:
        con.close()
    os.replace(staging, published)
    _remove_stale(published)
    return published


def _remove_stale(published: Path) -> None:
    """Staging files of runs that failed long ago (a failed run leaves its staging behind)."""
    now = time.time()
    for leftover in published.parent.glob(f".{published.name}.*.staging*"):
        try:
            if now - leftover.stat().st_mtime > STALE_AFTER_SECONDS:
                leftover.unlink()
        except OSError:
            pass

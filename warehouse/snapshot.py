"""Publishing a run's warehouse all at once, while people keep the old one open.

DuckDB allows one writer, and a writer cannot open a file that any other process holds open,
even read-only. People keep SQL sessions open on the warehouse, so a run never writes the
published file: it copies it to a staging file beside it (reading is always allowed), writes
there, and at the end renames the staging file over the published one. The rename is atomic:
a session opened before keeps reading the old file (its inode lives on until it closes), one
opened after sees the whole run, never half of it. A run that fails publishes nothing.

One run at a time writes a given warehouse: the instance runs one run at a time
(``concurrency.runs.max_concurrent_runs: 1`` in .dagster_home/dagster.yaml). Should two runs
overlap anyway, the second to publish finds that the published file changed since it took its
copy and refuses (``StaleSnapshot``) instead of silently dropping the first run's work.

A run killed before it publishes loses its staging copy, and with it what its crawls wrote;
the files they stored stay in the store, and the crawl rows are replayed from the store's
journal by the next crawl (``gongkai.crawl.store``: nothing the killed crawl fetched is lost).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from warehouse.db import checkpoint

STALE_AFTER_SECONDS = 24 * 3600


class StaleSnapshot(RuntimeError):
    """Another run published the warehouse after this run took its copy."""


def _fingerprint(path: Path) -> str:
    if not path.exists():
        return "absent"
    st = path.stat()
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def staging_path(published: Path, run_id: str) -> Path:
    return published.with_name(f".{published.name}.{run_id}.staging")


def prepare(published: Path, run_id: str) -> Path:
    """The run's staging file: a copy of the published warehouse (made once per run)."""
    staging = staging_path(published, run_id)
    if not staging.exists():
        published.parent.mkdir(parents=True, exist_ok=True)
        base = _fingerprint(published)
        if published.exists():
            shutil.copyfile(published, staging)
        staging.with_name(staging.name + ".base").write_text(base)
    return staging


def publish(published: Path, run_id: str) -> Path:
    """Make the run's staging file the warehouse. Returns the published path."""
    staging = staging_path(published, run_id)
    base_file = staging.with_name(staging.name + ".base")
    base = base_file.read_text() if base_file.exists() else None
    if base is not None and base != _fingerprint(published):
        raise StaleSnapshot(
            f"{published} was published by another run after run {run_id} copied it; "
            f"this run's work is kept in {staging}: run again to include it")
    checkpoint(staging)  # everything in the file itself, no write-ahead log left
    os.replace(staging, published)
    base_file.unlink(missing_ok=True)
    _remove_stale(published)
    return published


def run_of_leftover(published: Path, leftover: Path) -> str | None:
    """The run id in a staging file's name (``.<name>.<run id>.staging[.base]``)."""
    prefix = f".{published.name}."
    name = leftover.name
    if not name.startswith(prefix) or ".staging" not in name:
        return None
    return name[len(prefix):name.rindex(".staging")]


def remove_leftovers(published: Path, alive: set[str]) -> list[Path]:
    """What runs that are no longer alive left beside the warehouse: their staging copies
    (full-size, one per killed, failed or outraced run) and their ``.base`` files. ``alive``:
    the ids of the runs still in progress, whose files are theirs. Returns what was removed."""
    removed = []
    for leftover in published.parent.glob(f".{published.name}.*.staging*"):
        if run_of_leftover(published, leftover) in alive:
            continue
        try:
            leftover.unlink()  # the copy, its .base and its .wal alike
            removed.append(leftover)
        except OSError:
            pass
    return removed


def _remove_stale(published: Path) -> None:
    """Staging files of runs that failed long ago (a failed run leaves its staging behind)."""
    now = time.time()
    for leftover in published.parent.glob(f".{published.name}.*.staging*"):
        try:
            if now - leftover.stat().st_mtime > STALE_AFTER_SECONDS:
                leftover.unlink()
        except OSError:
            pass

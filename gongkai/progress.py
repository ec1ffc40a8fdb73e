"""Progress of the long steps (crawling, extracting, loading), for whoever shows it.

Domain code and assets call :func:`report`; the Dagster assets also log each step (``extracting
3/40 name`` in the run's log), and ``gongkai run`` listens (:func:`listening`) to draw the
counts, a bar and the current document in the terminal. Runs of ``gongkai run`` execute in its
own process (``in_process_executor``), so a listener there hears every step; with workers
(``GONGKAI_EXECUTOR=celery`` or ``k8s``) the steps report in the workers' processes, and the
progress is in the run's log (the UI), not on the terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, int, str], None]  # (stage, done, total, current name)

_listeners: list[Listener] = []
_lock = threading.Lock()


def report(stage: str, done: int, total: int, name: str = "") -> None:
    """``done`` of ``total`` of ``stage`` (e.g. "extracting"), now at ``name``."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(stage, done, total, name)
        except Exception:  # showing progress must never break the work
            pass


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def line(stage: str, done: int, total: int, name: str = "") -> str:
    """The one wording of a step, in logs and on the terminal: 'extracting 3/40 name'."""
    return f"{stage} {done}/{total}" + (f" {name}" if name else "")

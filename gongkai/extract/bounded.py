"""Reading documents in a worker process bounded in memory and time.

One hostile or broken document (a content stream that inflates to gigabytes, a page that
takes an hour) must not take the run with it: each document is read by a worker process whose
address space is limited (``resource.RLIMIT_AS``) and whose answer is awaited for a limited
time. What exceeded a limit becomes the document's reason for not being read, naming the
limit, and the next document is read by a fresh worker.

The worker is kept between documents (it costs an interpreter and Camelot's import once, not
once per document): it is forked from a ``forkserver`` that has imported the reader already,
and replaced after a limit was hit, after it died, every ``TASKS_PER_WORKER`` documents
(so what one document left allocated does not count against the next ones), and after it read
by OCR (a scan, a picture of a table): the OCR engines' models and arenas stay in the worker's
address space, and two or three scans in a row would push a worker over the limit with nothing
of the next document's own.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass

from gongkai.model import Report, UnreadableDocument

# address space the OCR engines take whatever the document (RapidOCR's and Tesseract's models,
# ONNX Runtime's and OpenCV's thread arenas: measured 0.2-0.25 GB): not the document's own, so
# a worker that loads them may use this much more than the limit (allow_ocr)
OCR_ALLOWANCE = 256 << 20
# documents a worker reads before it is replaced by a fresh one
TASKS_PER_WORKER = 25
# what the forkserver imports once, so that each worker starts with the reader loaded
PRELOAD = ["gongkai.extract.intake", "gongkai.extract.pdf", "camelot", "pdfplumber"]


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 1 << 30  # 0: no limit
    seconds: float = 300.0  # 0: no limit

    @classmethod
    def configured(cls) -> "Limits":
        from gongkai import config

        memory, seconds = config.document_limits()
        return cls(memory, seconds)

    def memory_text(self) -> str:
        mib = self.memory_bytes / (1 << 20)
        return f"{mib / 1024:g} GiB" if mib >= 1024 else f"{mib:g} MiB"


class LimitExceeded(UnreadableDocument):
    """A document whose reading exceeded a limit (memory or time)."""


def _serve(conn, memory_bytes: int, library_log: str | None) -> None:
    """The worker: read the paths it is sent, answer each with ("report", Report),
    ("unreadable", reason) or ("error", text) and whether it is to be retired (it loaded the
    OCR engines); exit after a memory error (what it holds may be unusable)."""
    import logging
    import resource

    if memory_bytes:
        # the hard limit leaves room for the OCR engines, which allow_ocr() lets a scan use
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes + OCR_ALLOWANCE))
    handler = None
    if library_log:
        # the libraries' warnings (pdfminer writes thousands for a damaged PDF) go to the
        # run's library log, each line naming the document
        handler = logging.FileHandler(library_log, encoding="utf-8", delay=True)
        root = logging.getLogger()
        root.handlers, root.level = [handler], logging.WARNING
        logging.captureWarnings(True)
    from gongkai.extract.intake import display_name, read_document

    while True:
        try:
            path = conn.recv()
        except EOFError:
            return
        if handler is not None:
            handler.setFormatter(logging.Formatter(
                f"%(asctime)s %(name)s %(levelname)s {display_name(path)}: %(message)s"))
        try:
            report = read_document(path)
            answer = ("report", report)
        except UnreadableDocument as e:
            answer = ("unreadable", e.reason)
        except MemoryError:
            conn.send(("memory", None, True))  # it exits: retired
            return
        except Exception as e:  # a bug of ours on one document: its reason
            answer = ("error", f"extraction failed: {type(e).__name__}: {e}")
        retire = _read_by_ocr()
        try:
            conn.send((*answer, retire))
        except MemoryError:
            return
        if retire:
            return


def allow_ocr() -> None:
    """Called before the OCR engines are loaded: in a bounded worker, the limit of its address
    space is raised by ``OCR_ALLOWANCE`` (to its hard limit, set by ``_serve``), so a scan has
    the same room for its own pages as a text PDF. Elsewhere nothing changes. The worker is
    retired after that document (``_read_by_ocr``)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY and hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def _read_by_ocr() -> bool:
    """Whether this process has loaded the OCR engines (what makes it heavy for its next
    document): RapidOCR's runtime, imported by the first text OCR reads (Tesseract only
    checks what it read)."""
    import sys

    return "onnxruntime" in sys.modules


# several readers may start workers from several threads (intake.extract_documents)
_STARTING = threading.Lock()


class BoundedReader:
    """Reads documents one at a time in a worker bounded by ``limits``. Use as a context
    manager (the worker is stopped at the end)."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits.configured()
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(PRELOAD)
        self._process = None
        self._conn = None
        self._tasks = 0

    def __enter__(self) -> "BoundedReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        with _STARTING:  # the environment is set for the child: one start at a time
            self._start_locked()

    def _start_locked(self) -> None:
        parent, child = self._ctx.Pipe()
        # threads of the numeric libraries each reserve address space: one is enough here
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            from gongkai import config

            log = config.library_log()
            process = self._ctx.Process(
                target=_serve, args=(child, self.limits.memory_bytes, str(log) if log else None),
                daemon=True, name="gongkai-reader")
            # kept only once started: a start that fails (in a daemonic process, e.g. a
            # Celery prefork child) must show its own error, not a later one of close()
            process.start()
            self._process = process
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        self._conn, self._tasks = parent, 0

    def _stop(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            try:
                self._conn.close()  # the worker sees EOF and ends
                self._process.join(2)
            except OSError:
                pass
        self._stop()

    def read(self, path: str) -> Report:
        """The document's Report; UnreadableDocument (LimitExceeded for a limit) otherwise."""
        if self._process is None or not self._process.is_alive() or \
                self._tasks >= TASKS_PER_WORKER:
            self._stop()
            self._start()
        self._tasks += 1
        started = time.monotonic()
        try:
            self._conn.send(path)
        except OSError:  # the worker died between documents: a fresh one
            self._stop()
            self._start()
            self._conn.send(path)
        timeout = self.limits.seconds or None
        if not self._conn.poll(timeout):
            self._stop()
            raise LimitExceeded(path, f"exceeded the time limit: not read within "
                                      f"{self.limits.seconds:g} s (GONGKAI_DOCUMENT_SECONDS)")
        try:
            kind, value, retire = self._conn.recv()
        except (EOFError, OSError):
            self._process.join(5)
            code = self._process.exitcode
            self._stop()
            raise LimitExceeded(path, self._died(code, time.monotonic() - started)) from None
        if kind == "memory":
            self._stop()
            raise LimitExceeded(path, f"exceeded the memory limit of {self.limits.memory_text()} "
                                      "per document (GONGKAI_DOCUMENT_MEMORY_MB)")
        if retire:
            self.close()  # it has ended: the next document gets a fresh worker
        if kind == "report":
            return value
        raise UnreadableDocument(path, value)

    def _died(self, code: int | None, seconds: float) -> str:
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        limit = (f", under the memory limit of {self.limits.memory_text()} per document "
                 "(GONGKAI_DOCUMENT_MEMORY_MB)" if self.limits.memory_bytes else "")
        return f"the reader's process died ({how}) after {seconds:.1f} s{limit}"

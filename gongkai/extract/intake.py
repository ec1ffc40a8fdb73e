"""Intake: a document's bytes in, a ``Report`` out.

The format is told from the bytes (``gongkai.crawl.formats.sniff_format``; a ``.pdf`` that is
an HTML page is read as HTML), never from the name alone; then that format's reader is called.
One reader per format, each a module of this package with one function ``path -> Report``
(``READERS``); a format without a reader is refused with a reason that names it, and the
document is recorded, not lost.

Also here: the batch side the pipeline uses — which files of a folder are documents
(``list_documents``), and ``extract_documents`` over a list of them, where one unreadable
document never stops the others.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.model import Report, UnreadableDocument

# format -> "module:function" of its reader (imported when first needed: readers pull in
# heavy libraries, Camelot, LibreOffice bindings, OCR engines)
READERS: dict[str, str] = {
    "pdf": "gongkai.extract.pdf:read_pdf",
    "html": "gongkai.extract.html:read_html",
    "docx": "gongkai.extract.word:read_docx",
    # OLE Word documents (Word 97-2003, WPS Office), converted by LibreOffice
    "doc": "gongkai.extract.word:read_doc",
    "wps": "gongkai.extract.word:read_wps",
    "xlsx": "gongkai.extract.sheet:read_xlsx",
    "xls": "gongkai.extract.sheet:read_xls",  # BIFF, and WPS Office's .et
}

# the version of the intake itself (how a format is told, what is a document): raised when a
# change may read a document that failed before; with each reader's READER_VERSION and
# gongkai's own version it makes ``reader_version()``, recorded with every load error
INTAKE_VERSION = 1


def reader_version() -> str:
    """What read (or failed to read) a document: gongkai's version, the intake's and every
    reader's (``READER_VERSION`` of its module), e.g. 'gongkai 0.1.0; intake 1; pdf 2'. A
    document that failed under another reader version is tried again."""
    from importlib import metadata

    try:
        version = metadata.version("gongkai")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        version = "unknown"
    parts = [f"gongkai {version}", f"intake {INTAKE_VERSION}"]
    for fmt, target in sorted(READERS.items()):
        module = importlib.import_module(target.split(":")[0])
        parts.append(f"{fmt} {getattr(module, 'READER_VERSION', 0)}")
    return "; ".join(parts)


# file names that may be a report (the bytes decide what it is); other files of a folder are
# listed as skipped, never silently
DOCUMENT_SUFFIXES = {".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".html", ".htm",
                     ".shtml", ".xhtml", ".ofd", ".rtf"}

# how many bytes the format is told from: enough for an OLE directory or a ZIP's central
# directory of any report; a larger file is told by its first bytes only
SNIFF_BYTES = 64 << 20


def display_name(path: str | Path) -> str:
    """A path as text that can be stored and printed anywhere: itself when it is valid
    Unicode; a name that is not UTF-8 (its bytes came through ``os.fsdecode`` as surrogates)
    with each such byte written ``\\xNN``. ``name_bytes`` keeps the original bytes."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _original_bytes(text).decode("utf-8", "backslashreplace")


def name_bytes(path: str | Path) -> str | None:
    """The original bytes of a path that is not valid UTF-8, in hex (None for one that is):
    with ``display_name`` nothing of the name is lost."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError:
        return _original_bytes(text).hex()


def _original_bytes(text: str) -> bytes:
    try:
        return os.fsencode(text)  # surrogateescape: the bytes the file system gave
    except UnicodeEncodeError:  # surrogates that no file system gave: keep them as UTF-8 does
        return text.encode("utf-8", "surrogatepass")


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def regular_file(path: str | Path) -> Path:
    """``path`` if it is a regular file; else UnreadableDocument saying what it is. Never opens
    anything else (opening a FIFO blocks for ever)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise UnreadableDocument(str(path), "no such file") from None
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise UnreadableDocument(str(path), f"not a file ({_kind_of(mode)})")
    return path


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def document_format(path: str | Path) -> str:
    """The format of the file at ``path``, told from its bytes (the name only decides between
    look-alikes: a WPS file is an OLE Word document)."""
    from gongkai.crawl.formats import claimed_format, sniff_format

    path = regular_file(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot be read: {exc.strerror or exc}") from None
    return sniff_format(data, claimed_format(path.name))


def reader_for(fmt: str):
    """The reader function of ``fmt``, or None when gongkai has none."""
    target = READERS.get(fmt)
    if target is None:
        return None
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


def read_document(path: str | Path) -> Report:
    """Read one document, whatever its format. Raises UnreadableDocument (naming the document
    and the reason) for one that cannot be read at all; anything read with doubt is listed in
    ``Report.problems``, never guessed."""
    fmt = document_format(path)
    reader = reader_for(fmt)
    if reader is None:
        raise UnreadableDocument(str(path), _no_reader(fmt))
    return reader(path)


def _no_reader(fmt: str) -> str:
    if fmt == "unknown":
        return ("not a PDF, nor any report format (its bytes are no PDF, HTML, Word or "
                "spreadsheet file)")
    return f"not a PDF: a {fmt} document, and gongkai has no reader for {fmt} yet"


# --- folders and batches ---------------------------------------------------------------------

def list_documents(folders: list[Path], recursive: bool = True) -> tuple[list[dict], list[str]]:
    """The documents in ``folders`` (and their subfolders unless ``recursive`` is False),
    sorted, de-duplicated by path (folders may overlap), each with its sha256.

    Returns (documents, notes). A document is {path, name, sha256, bytes}; an entry with a
    report's name that is no regular file (a directory or a FIFO named ``*.pdf``) is a document
    too, with sha256 None, so that extraction records why it cannot be read. Notes say which
    folders are missing and which files were skipped (hidden, or not a report by their name).
    """
    docs: list[dict] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            notes.append(f"{folder}: no such folder, skipped")
            continue
        skipped = []
        for p in _entries(folder, recursive):
            if p.name.startswith("."):
                continue
            if p.suffix.lower() not in DOCUMENT_SUFFIXES:
                if not p.is_dir():
                    skipped.append(p.name)
                continue
            # the same entry through overlapping folders is one document; a symlink is an
            # entry of its own (its bytes, if any, are one document with two sources), and a
            # link that loops is recorded like any entry that is no file
            rp = p.absolute()
            if rp in seen:
                continue
            seen.add(rp)
            docs.append(_document(p))
        if skipped:
            notes.append(f"{folder}: {len(skipped)} file(s) skipped, not a report by their "
                         f"name: {', '.join(sorted(skipped)[:10])}"
                         + (" …" if len(skipped) > 10 else ""))
    return docs, notes


def _entries(folder: Path, recursive: bool):
    for p in sorted(folder.iterdir()):
        if recursive and p.is_dir() and not p.is_symlink() and not p.name.startswith("."):
            if p.suffix.lower() in DOCUMENT_SUFFIXES:
                yield p  # a directory named like a report: recorded as not a file, and read
            yield from _entries(p, recursive)
        else:
            yield p


def _document(p: Path) -> dict:
    try:
        regular_file(p)
        return {"path": str(p), "name": p.name, "sha256": sha256_of(p),
                "bytes": p.stat().st_size}
    except (UnreadableDocument, OSError):  # extraction says why, for this document
        return {"path": str(p), "name": p.name, "sha256": None, "bytes": None}


def mark_settled(documents: list[dict], settled: set[str]) -> list[dict]:
    """Flag the documents whose bytes the warehouse already holds (or found unreadable with
    the current reader version, ``warehouse.store.settled_documents``): they are not
    extracted again, only their path or URL is recorded."""
    return [{**d, "settled": d.get("sha256") in settled} for d in documents]


@dataclass
class Extraction:
    """What extraction of a set of documents gave: the reports, the documents it could not
    read at all, each with its reason (these go to the warehouse's ``load_errors``), and the
    documents it did not read again because their bytes are known."""

    reports: list[Report] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)  # {path, sha256, reason}
    known: list[dict] = field(default_factory=list)  # {path, sha256, sources}
    # path -> the paths or URLs the bytes were found at (a crawled file: its URLs)
    sources: dict[str, list[str]] = field(default_factory=dict)


def extract_documents(documents: list[dict], progress=None, *, bounded: bool = True,
                      limits=None, workers: int = 1) -> Extraction:
    """``read_document`` for every new document; an unreadable one is recorded, the rest go
    on. ``progress(done, total, name)`` is called before each document read (1-based).
    ``bounded``: each document is read in a worker process limited in memory and time
    (``gongkai.extract.bounded``; ``limits`` or the configured ones), and one that exceeds a
    limit is unreadable for that reason; False reads them in this process. ``workers``: how
    many such processes read at once (bounded only); the outcome is the same, in the same
    order, whatever their number."""
    from contextlib import nullcontext

    from gongkai.extract.bounded import BoundedReader

    out = Extraction()
    todo = [d for d in documents if not d.get("settled")]
    workers = max(1, min(workers, len(todo))) if bounded else 1
    if workers > 1:
        outcomes = _read_in_parallel(todo, workers, limits, progress)

        def read(path: str) -> Report:
            outcome = outcomes[path]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        for doc in documents:
            _extract_one(doc, read, out)
        return out
    done = 0
    with (BoundedReader(limits) if bounded and todo else nullcontext()) as worker:
        read = worker.read if worker is not None else read_document
        for doc in documents:
            if not doc.get("settled"):
                done += 1
                if progress is not None:
                    progress(done, len(todo), doc.get("name") or os.path.basename(doc["path"]))
            _extract_one(doc, read, out)
    return out


def _read_in_parallel(todo: list[dict], workers: int, limits, progress) -> dict:
    """path -> Report, or the exception reading it raised: ``workers`` bounded readers, each
    fed by a thread (the reading happens in their processes, so threads are enough here)."""
    import itertools
    import queue
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from gongkai.extract.bounded import BoundedReader

    readers: queue.Queue = queue.Queue()
    made = [BoundedReader(limits) for _ in range(workers)]
    for reader in made:
        readers.put(reader)
    counter, lock = itertools.count(1), threading.Lock()

    def one(doc: dict):
        reader = readers.get()
        try:
            with lock:
                done = next(counter)
                if progress is not None:
                    progress(done, len(todo), doc.get("name") or os.path.basename(doc["path"]))
            try:
                return reader.read(doc["path"])
            except Exception as exc:  # recorded by _extract_one as for one worker
                return exc
        finally:
            readers.put(reader)

    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="gongkai-intake") as pool:
            outcomes = list(pool.map(one, todo))
    finally:
        for reader in made:
            reader.close()
    return {doc["path"]: outcome for doc, outcome in zip(todo, outcomes)}


def _extract_one(doc: dict, read, out: Extraction) -> None:
    sources = doc.get("sources") or [doc["path"]]
    if doc.get("settled"):
        out.known.append({"path": doc["path"], "sha256": doc["sha256"], "sources": sources})
        return
    try:
        out.reports.append(read(doc["path"]))
        out.sources[doc["path"]] = sources
    except UnreadableDocument as e:
        out.unreadable.append({"path": sources[0], "sha256": doc.get("sha256"),
                               "reason": e.reason})
    except Exception as e:  # a bug of ours on one document must not stop the others
        out.unreadable.append({"path": sources[0], "sha256": doc.get("sha256"),
                               "reason": f"extraction failed: {type(e).__name__}: {e}"})


def problem_lines(reports: list[Report]) -> list[str]:
    """One line per problem the extractor reported: 'file.pdf p.3 table.missing: …'."""
    lines = []
    for r in reports:
        name = os.path.basename(r.document.path)
        for p in r.problems:
            where = f" p.{p.page}" if p.page else ""
            lines.append(f"{name}{where} {p.code}: {p.message}")
    return lines

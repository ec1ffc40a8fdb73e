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
}

# file names that may be a report (the bytes decide what it is); other files of a folder are
# listed as skipped, never silently
DOCUMENT_SUFFIXES = {".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".html", ".htm",
                     ".shtml", ".xhtml", ".ofd", ".rtf"}

# how many bytes the format is told from: enough for an OLE directory or a ZIP's central
# directory of any report; a larger file is told by its first bytes only
SNIFF_BYTES = 64 << 20


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
    sorted, de-duplicated by resolved path, each with its sha256.

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
            rp = p.resolve()
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
        if recursive and p.is_dir() and not p.is_symlink() and p.suffix.lower() not in \
                DOCUMENT_SUFFIXES and not p.name.startswith("."):
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
    """Flag the documents whose bytes the warehouse already holds (or found unreadable): they
    are not extracted again, only their path or URL is recorded."""
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


def extract_documents(documents: list[dict], progress=None) -> Extraction:
    """``read_document`` for every new document; an unreadable one is recorded, the rest go
    on. ``progress(done, total, name)`` is called before each document read (1-based)."""
    out = Extraction()
    total = sum(not doc.get("settled") for doc in documents)
    done = 0
    for doc in documents:
        sources = doc.get("sources") or [doc["path"]]
        if doc.get("settled"):
            out.known.append({"path": doc["path"], "sha256": doc["sha256"], "sources": sources})
            continue
        done += 1
        if progress is not None:
            progress(done, total, doc.get("name") or os.path.basename(doc["path"]))
        try:
            out.reports.append(read_document(doc["path"]))
            out.sources[doc["path"]] = sources
        except UnreadableDocument as e:
            out.unreadable.append({"path": sources[0], "sha256": doc.get("sha256"),
                                   "reason": e.reason})
        except Exception as e:  # a bug of ours on one document must not stop the others
            out.unreadable.append({"path": sources[0], "sha256": doc.get("sha256"),
                                   "reason": f"extraction failed: {type(e).__name__}: {e}"})
    return out


def problem_lines(reports: list[Report]) -> list[str]:
    """One line per problem the extractor reported: 'file.pdf p.3 table.missing: …'."""
    lines = []
    for r in reports:
        name = os.path.basename(r.document.path)
        for p in r.problems:
            where = f" p.{p.page}" if p.page else ""
            lines.append(f"{name}{where} {p.code}: {p.message}")
    return lines

"""Document formats, told from the bytes first and from the name only when the bytes agree.

Portals serve error pages as ``.pdf`` and name Word files ``.wps``; the name is a claim, the
bytes are the evidence.
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import parse_qs, unquote, urlsplit

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# File extensions a report attachment can have, mapped to the format the name claims.
ATTACHMENT_EXTENSIONS = {
    "pdf": "pdf", "doc": "doc", "docx": "docx", "wps": "wps", "xls": "xls", "xlsx": "xlsx",
    "et": "xls", "ofd": "ofd", "rtf": "rtf", "zip": "zip", "rar": "rar",
}

EXTENSION_FOR_FORMAT = {
    "pdf": "pdf", "doc": "doc", "docx": "docx", "wps": "wps", "xls": "xls", "xlsx": "xlsx",
    "ofd": "ofd", "rtf": "rtf", "zip": "zip", "rar": "rar", "html": "html", "ole": "ole",
    "unknown": "bin",
}

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|div|p|table)\b",
                         re.I | re.S)


def claimed_format(url: str, title: str = "") -> str | None:
    """The format a link claims by its file name: path, ``filename=`` query, or the link text."""
    parts = urlsplit(url)
    candidates = [unquote(parts.path)]
    for key, values in parse_qs(parts.query).items():
        if key.lower() in ("filename", "file", "fn", "name", "path"):
            candidates.extend(values)
    candidates.append(title.strip())
    for name in candidates:
        m = re.search(r"\.([A-Za-z]{2,4})$", name.strip())
        if m and m.group(1).lower() in ATTACHMENT_EXTENSIONS:
            return ATTACHMENT_EXTENSIONS[m.group(1).lower()]
    return None


def sniff_format(data: bytes, claimed: str | None = None) -> str:
    """Format from the leading bytes. ``claimed`` only decides between look-alikes (.wps vs .doc)."""
    head = data[:4096]
    # containers first: a ZIP or OLE file may hold a PDF member whose "%PDF-" sits in its
    # first kilobyte; a PDF's header may follow a few bytes of junk (the spec allows 1024)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(data, claimed)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return "pdf"
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff")
    if _HTML_START.match(stripped) or b"<html" in head.lower():
        return "html"
    return "unknown"


def _sniff_ole(data: bytes, claimed: str | None) -> str:
    # Stream names sit in the directory sector as UTF-16LE; WPS writes Word-compatible streams.
    if "WordDocument".encode("utf-16-le") in data:
        return "wps" if claimed == "wps" else "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return claimed if claimed in ("doc", "wps", "xls") else "ole"


def _sniff_zip(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return "zip"
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.lower() == "ofd.xml" for n in names):
        return "ofd"
    return "zip"


def extension_for(fmt: str) -> str:
    return EXTENSION_FOR_FORMAT.get(fmt, "bin")

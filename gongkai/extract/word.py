"""The reader of Word reports: ``.docx`` read with python-docx; ``.doc`` and ``.wps`` (OLE Word
documents, as Microsoft Word 97-2003 and WPS Office save them) converted to ``.docx`` by
LibreOffice headless first, then read the same way.

A table's cells are taken from the document's own grid: ``w:gridSpan`` is the columns a cell
spans; ``w:vMerge="restart"`` starts a cell that spans down over the rows whose cell at that
grid column says ``w:vMerge`` (continue). A continued cell is *covered* by the one above, its
(empty) text is not a cell of its own and the value above is not copied into it. The cells go
to ``gongkai.extract.cellgrid``, the seam every cell-table format shares.

Locators: ``{"table": t, "row": r, "col": c}`` with ``t`` the table's number in document order,
``r`` its row (``w:tr``) and ``c`` the grid column of the cell's left edge, all 1-based as in
every cell-table format (``gongkai.model.Fact.locator``): "table 2, row 5, column 3" is what
Word shows a person counting from the top-left corner.

The body's paragraphs (tables excluded), in order, are the report's text: the title for the
agency and the year, the prose for the narrative rules.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from gongkai.extract.cellgrid import Cell, CellTable, report_from_cell_tables
from gongkai.model import Document, Problem, Report, UnreadableDocument

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# how long one LibreOffice conversion may take (a 30-page report converts in 2-5 s)
CONVERT_TIMEOUT = 180
INSTALL_HINT = "apt-get install libreoffice-writer-nogui"
# raised when the reader may now read a document it failed on, or read it otherwise (load
# errors of older versions are retried: intake.reader_version). 1: tables pasted as pictures
READER_VERSION = 1


def read_docx(path: str | Path, *, kind: str = "docx", sha256: str | None = None,
              source: str | Path | None = None) -> Report:
    """The report of the ``.docx`` at ``path``. ``source`` (and ``kind``): the document as
    published when ``path`` is its conversion (a ``.doc`` or ``.wps``)."""
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    from gongkai.extract.intake import regular_file, sha256_of

    source = Path(source or path)
    regular_file(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise UnreadableDocument(str(source), f"not a readable Word document: {exc}") from None
    except Exception as exc:  # lxml's XMLSyntaxError, zipfile's BadZipFile, ...
        raise UnreadableDocument(
            str(source), f"not a readable Word document: {type(exc).__name__}: {exc}") from None
    drawn: list[tuple[int, object]] = []
    paragraphs, tables = body_of(document.element.body, drawn)
    problems: list[Problem] = []
    items = with_pictures(tables, drawn, document.part, problems)
    doc = Document(path=str(source), sha256=sha256 or sha256_of(source), pages=1, kind=kind)
    text = "\n".join(p for p in paragraphs if p.strip())
    report = report_from_cell_tables(doc, [text], items,
                                     where_title="in the document's first paragraphs")
    report.problems[:0] = problems
    return report


def document_tables(path: str | Path, kind: str = "docx") -> list[CellTable]:
    """The tables of the Word document at ``path`` as the reader reads them (a ``.doc`` or
    ``.wps`` converted by LibreOffice first): what ``gongkai check --html`` shows."""
    import docx  # python-docx

    if kind in ("doc", "wps"):
        with tempfile.TemporaryDirectory(prefix="gongkai-word-") as tmp:
            converted = convert_to_docx(path, kind, Path(tmp))
            return body_of(docx.Document(str(converted)).element.body)[1]
    return body_of(docx.Document(str(path)).element.body)[1]


def read_doc(path: str | Path) -> Report:
    """A ``.doc`` (OLE Word document): converted to ``.docx`` by LibreOffice, then read."""
    return _read_converted(path, "doc")


def read_wps(path: str | Path) -> Report:
    """A ``.wps`` of WPS Office: an OLE Word document under another name; read as a ``.doc``."""
    return _read_converted(path, "wps")


# --- the document's body ---------------------------------------------------------------------

def body_of(body, pictures: list | None = None) -> tuple[list[str], list[CellTable]]:
    """(paragraph texts, tables) of a ``w:body`` in document order. Content controls
    (``w:sdt``) are looked into; a table nested in a cell is part of that cell's text.
    ``pictures``, when given, gets (how many tables come before it, element) for each picture
    of a paragraph (``wp:inline``, ``wp:anchor``, VML ``v:imagedata``)."""
    paragraphs: list[str] = []
    tables: list[CellTable] = []

    def walk(parent):
        for child in parent:
            if child.tag == W + "p":
                paragraphs.append(text_of(child))
                if pictures is not None:
                    pictures.extend((len(tables), el) for el in pictures_in(child))
            elif child.tag == W + "tbl":
                if pictures is not None:  # a picture in a layout table's cell
                    pictures.extend((len(tables), el) for el in pictures_in(child))
                tables.append(cell_table(child, len(tables) + 1))
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content)

    walk(body)
    return paragraphs, tables


WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
VML = "{urn:schemas-microsoft-com:vml}"
_PICTURE_TAGS = (WP + "inline", WP + "anchor", VML + "imagedata")
EMU_PER_INCH = 914400
# Word writes a DrawingML picture with a VML copy for older readers (mc:AlternateContent)
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def pictures_in(element) -> list:
    """The pictures of ``element``, each once: an ``mc:Fallback`` copy of a picture is not
    another picture."""
    return [el for el in element.iter(*_PICTURE_TAGS)
            if not any(a.tag == MC_FALLBACK for a in el.iterancestors())]


def with_pictures(tables: list[CellTable], drawn: list[tuple[int, object]], part,
                  problems: list[Problem]) -> list:
    """The tables with, among them in document order, each picture (``drawn``: from
    ``body_of``) whose tables OCR read (``gongkai.extract.pictures``): an embedded picture
    (``word/media`` through the part's relationships) that cannot be read is
    ``word.image_unreadable``, a linked one (not embedded) ``word.image_not_fetched``."""
    if not drawn:
        return list(tables)
    from gongkai.extract.pictures import PictureBudget, read_file_picture

    budget = PictureBudget("word", problems)
    read: list[tuple[int, object]] = []
    for number, (before, element) in enumerate(drawn, 1):
        if element.tag == VML + "imagedata":
            embed, link, shown = element.get(R + "id"), None, None
        else:
            blip = element.find(f".//{A}blip")
            if blip is None:  # a chart, a shape: no picture
                continue
            embed, link = blip.get(R + "embed"), blip.get(R + "link")
            extent = element.find(WP + "extent")
            shown = (_int_attr(extent, "cx", 0, namespace="") / EMU_PER_INCH
                     if extent is not None else None)
        where = f"picture {number}"
        if not embed:
            if link:
                target = part.rels[link].target_ref if link in part.rels else link
                problems.append(Problem(
                    "word.image_not_fetched", f"{where}: linked, not embedded ({target[:300]!r}): "
                    "never fetched, a table in it is not read"))
            continue
        try:
            related = part.related_parts[embed]
            data, name = related.blob, str(related.partname)
        except (KeyError, AttributeError) as exc:
            problems.append(Problem("word.image_unreadable", f"{where}: its relationship "
                                    f"{embed!r} names no part of the document ({exc})"))
            continue
        picture = read_file_picture(data, number, name, "word", problems, budget, shown)
        if picture is not None:
            read.append((before, picture))
    budget.close()
    items: list = []
    for i, table in enumerate([*tables, None]):
        items += [picture for before, picture in read if before == i]
        if table is not None:
            items.append(table)
    return items


def text_of(element) -> str:
    """The text of a paragraph (or any element) as Word shows it: runs' text, tabs and breaks;
    deleted text (``w:delText``) and field codes (``w:instrText``) are not text."""
    out = []
    for el in element.iter():
        tag = el.tag
        if tag == W + "t":
            out.append(el.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
    return "".join(out)


def _cell_text(tc) -> str:
    return "\n".join(text_of(p) for p in tc.iter(W + "p"))


def _int_attr(el, name: str, default: int, namespace: str = W) -> int:
    """An integer attribute (WordprocessingML's by default; DrawingML's extents have none)."""
    if el is None:
        return default
    try:
        return int(el.get(namespace + name, default))
    except ValueError:
        return default


def _rows_of(tbl):
    for child in tbl:
        if child.tag == W + "tr":
            yield child
        elif child.tag == W + "sdt":  # a row inside a content control
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from (tr for tr in content if tr.tag == W + "tr")


def _cells_of(tr):
    for child in tr:
        if child.tag == W + "tc":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from (tc for tc in content if tc.tag == W + "tc")


def cell_table(tbl, number: int) -> CellTable:
    """One ``w:tbl`` as rows of Cells: a vertically merged cell spans down, the cells it covers
    are left out (never copied into); a row's ``w:gridBefore`` is an empty cell of that width,
    so every cell stands at its grid column."""
    # first pass: each row's cells at their grid columns, with their vMerge state
    rows: list[list[dict]] = []
    for tr in _rows_of(tbl):
        trpr = tr.find(W + "trPr")
        col = _int_attr(trpr.find(W + "gridBefore") if trpr is not None else None, "val", 0)
        row: list[dict] = []
        if col:
            row.append(dict(col=0, span=col, merge=None, text="", padding=True))
        for tc in _cells_of(tr):
            tcpr = tc.find(W + "tcPr")
            span = max(1, _int_attr(tcpr.find(W + "gridSpan") if tcpr is not None else None,
                                    "val", 1))
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            merge = None if vmerge is None else (vmerge.get(W + "val") or "continue")
            row.append(dict(col=col, span=span, merge=merge, text=_cell_text(tc)))
            col += span
        rows.append(row)
    # second pass: a restart's rowspan counts the continuations below it at its grid column
    out: list[list[Cell]] = []
    for r, row in enumerate(rows):
        cells = []
        for item in row:
            if item["merge"] == "continue" and r > 0 and _continues(rows[r - 1], item["col"]):
                continue  # covered by the cell above
            rowspan = 1
            if item["merge"] is not None:
                while r + rowspan < len(rows) and any(
                        x["col"] == item["col"] and x["merge"] == "continue"
                        for x in rows[r + rowspan]):
                    rowspan += 1
            cells.append(Cell(item["text"], rowspan=rowspan, colspan=item["span"],
                              locator={} if item.get("padding") else
                              {"table": number, "row": r + 1, "col": item["col"] + 1}))
        out.append(cells)
    return CellTable(out, place=f"table {number}")


def _continues(row_above: list[dict], col: int) -> bool:
    """Whether the row above has a merged cell (restart or continue) at grid column ``col``."""
    return any(x["col"] == col and x["merge"] is not None for x in row_above)


# --- .doc and .wps through LibreOffice -------------------------------------------------------

_profile_lock = threading.Lock()
_profile_dir: Path | None = None


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile() -> Path:
    """This process's own LibreOffice profile (two processes sharing one block each other),
    made once and removed at exit."""
    global _profile_dir
    if _profile_dir is None or _profile_dir.parent.name != f"gongkai-lo-{os.getpid()}":
        base = Path(tempfile.mkdtemp(prefix=f"gongkai-lo-{os.getpid()}-"))
        _profile_dir = base / f"gongkai-lo-{os.getpid()}" / "profile"
        user = _profile_dir / "user"
        user.mkdir(parents=True)
        # no update check, no crash reporter asking to send: the conversion talks to no one
        (user / "registrymodifications.xcu").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<item oor:path="/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job'
            '[\'UpdateCheck\']/Arguments"><prop oor:name="AutoCheckEnabled" oor:op="fuse">'
            '<value>false</value></prop></item>\n'
            '<item oor:path="/org.openoffice.Office.Common/Misc"><prop '
            'oor:name="CrashReport" oor:op="fuse"><value>false</value></prop></item>\n'
            '<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop '
            'oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>\n'
            '</oor:items>\n', encoding="utf-8")
        atexit.register(shutil.rmtree, base, True)
    return _profile_dir


def _offline() -> list[str]:
    """A prefix that runs the conversion without a network (a new network namespace) where
    the system allows it; else none (LibreOffice converting a file makes no connection of
    its own: updates are off in the profile, and linked images are not fetched headless)."""
    global _OFFLINE
    if _OFFLINE is None:
        _OFFLINE = []
        unshare = shutil.which("unshare")
        if unshare:
            for prefix in ([unshare, "--net"], [unshare, "--user", "--map-root-user", "--net"]):
                try:
                    ok = subprocess.run([*prefix, "true"], capture_output=True,
                                        timeout=10).returncode == 0
                except (OSError, subprocess.SubprocessError):
                    ok = False
                if ok:
                    _OFFLINE = prefix
                    break
    return _OFFLINE


_OFFLINE: list[str] | None = None


def convert_to_docx(path: str | Path, kind: str, outdir: Path) -> Path:
    """The ``.docx`` LibreOffice makes of the OLE Word document at ``path``."""
    program = soffice()
    if program is None:
        raise UnreadableDocument(
            str(path), f"a {kind} document (OLE Word): reading it needs LibreOffice's soffice, "
            f"which is not installed; install it with `{INSTALL_HINT}`")
    # the input under a .doc name: LibreOffice picks its import filter by the name too, and
    # takes a .wps for Microsoft Works
    source = outdir / "in" / "document.doc"
    source.parent.mkdir()
    shutil.copyfile(path, source)
    out = outdir / "out"
    with _profile_lock:  # one conversion at a time per profile
        cmd = [*_offline(), program, f"-env:UserInstallation={_profile().as_uri()}",
               "--headless", "--norestore", "--nologo", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), str(source)]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT,
                                  stdin=subprocess.DEVNULL,
                                  env={**os.environ, "HOME": str(outdir)})
        except subprocess.TimeoutExpired:
            raise UnreadableDocument(
                str(path), f"a {kind} document: LibreOffice did not convert it within "
                f"{CONVERT_TIMEOUT} s") from None
    converted = out / "document.docx"
    if not converted.exists():
        said = " ".join(line.strip() for line in
                        (done.stderr + done.stdout).decode("utf-8", "replace").splitlines()
                        if line.strip() and "javaldx" not in line)[-300:]
        raise UnreadableDocument(
            str(path), f"a {kind} document that LibreOffice could not convert to docx "
            f"(exit {done.returncode}{': ' + said if said else ''})")
    return converted


def _read_converted(path: str | Path, kind: str) -> Report:
    from gongkai.extract.intake import regular_file, sha256_of

    path = regular_file(path)
    with tempfile.TemporaryDirectory(prefix="gongkai-word-") as tmp:
        converted = convert_to_docx(path, kind, Path(tmp))
        return read_docx(converted, kind=kind, sha256=sha256_of(path), source=path)

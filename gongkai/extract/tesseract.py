"""Tesseract, the scan reader's second engine: in this process through libtesseract's C API,
or the ``tesseract`` command where the library cannot be loaded.

A ``tesseract`` process per batch of cell crops costs its start and its model loading each
time (about a fifth of a table page's time); the library (Debian's ``libtesseract5``, which
``tesseract-ocr`` installs) is loaded once per process and keeps one engine per language set
and character whitelist, each read image going in by ``SetImage``. Both ways read the same
pixels with the same settings and give the same TSV, so they read alike.

The page's orientation (OSD, the "osd" language of Debian's ``tesseract-ocr-osd``) is found the
same two ways: ``TessBaseAPIDetectOrientationScript`` on an engine kept for it, or ``tesseract
--psm 0`` on a temporary PNG (a process and its model loading per page: about 1.2 s of CPU).

``OMP_THREAD_LIMIT=1`` is set before the library is loaded: Tesseract's OpenMP would
otherwise take every core (the benchmark counts one).
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

LIBRARY = "libtesseract.so.5"
PSM_SINGLE_LINE = 7  # every crop is one line of a cell
PSM_OSD_ONLY = 0  # orientation and script detection, no reading


@dataclass(frozen=True)
class Settings:
    """How Tesseract reads a kind of crop: its languages and, for numbers, a whitelist."""

    languages: str
    whitelist: str | None = None
    page_segmentation: int = PSM_SINGLE_LINE

    def command_options(self) -> list[str]:
        out = ["-l", self.languages, "--psm", str(self.page_segmentation)]
        if self.whitelist is not None:
            out += ["-c", f"tessedit_char_whitelist={self.whitelist}"]
        return out


# the engine that finds a page's orientation (the command, given --psm 0, loads "osd" itself)
ORIENTATION = Settings("osd", page_segmentation=PSM_OSD_ONLY)


class _Library:
    """libtesseract's C API, with one initialised engine per ``Settings``."""

    def __init__(self):
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        lib = ctypes.CDLL(LIBRARY)
        p = ctypes.c_void_p
        lib.TessVersion.restype = ctypes.c_char_p
        lib.TessBaseAPICreate.restype = p
        lib.TessBaseAPIInit3.argtypes = [p, ctypes.c_char_p, ctypes.c_char_p]
        lib.TessBaseAPIInit3.restype = ctypes.c_int
        lib.TessBaseAPISetVariable.argtypes = [p, ctypes.c_char_p, ctypes.c_char_p]
        lib.TessBaseAPISetVariable.restype = ctypes.c_int
        lib.TessBaseAPISetPageSegMode.argtypes = [p, ctypes.c_int]
        lib.TessBaseAPISetImage.argtypes = [p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                            ctypes.c_int, ctypes.c_int]
        lib.TessBaseAPIRecognize.argtypes = [p, p]
        lib.TessBaseAPIRecognize.restype = ctypes.c_int
        lib.TessBaseAPISetSourceResolution.argtypes = [p, ctypes.c_int]
        lib.TessBaseAPIDetectOrientationScript.argtypes = [
            p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_float)]
        lib.TessBaseAPIDetectOrientationScript.restype = ctypes.c_int
        lib.TessBaseAPIGetTsvText.argtypes = [p, ctypes.c_int]
        lib.TessBaseAPIGetTsvText.restype = p  # freed by TessDeleteText, so not c_char_p
        lib.TessDeleteText.argtypes = [p]
        lib.TessBaseAPIClear.argtypes = [p]
        lib.TessBaseAPIEnd.argtypes = [p]
        lib.TessBaseAPIDelete.argtypes = [p]
        self.lib = lib
        self.version = lib.TessVersion().decode()
        self._engines: dict[Settings, int] = {}
        # an engine reads one image at a time (a process reading scans in two threads waits)
        self._lock = threading.Lock()
        # engines ended before the library's own exit handlers run (else it warns of leaks)
        atexit.register(self.close)

    def close(self) -> None:
        for handle in self._engines.values():
            self.lib.TessBaseAPIEnd(handle)
            self.lib.TessBaseAPIDelete(handle)
        self._engines.clear()

    def engine(self, settings: Settings) -> int:
        handle = self._engines.get(settings)
        if handle is None:
            lib = self.lib
            handle = lib.TessBaseAPICreate()
            if lib.TessBaseAPIInit3(handle, None, settings.languages.encode()) != 0:
                raise RuntimeError(f"libtesseract could not load the languages "
                                   f"{settings.languages!r}")
            lib.TessBaseAPISetPageSegMode(handle, settings.page_segmentation)
            if settings.whitelist is not None:
                lib.TessBaseAPISetVariable(handle, b"tessedit_char_whitelist",
                                           settings.whitelist.encode())
            self._engines[settings] = handle
        return handle

    def tsv(self, settings: Settings, crop: np.ndarray) -> str:
        """Tesseract's TSV of one grey crop (one page, page_num 1)."""
        with self._lock:
            return self._tsv(self.engine(settings), crop)

    def orientation(self, page: np.ndarray, dpi: int) -> tuple[int, float] | None:
        """OSD of a grey page at ``dpi``: (clockwise turn to upright, confidence), or None."""
        with self._lock:
            handle = self.engine(ORIENTATION)
            lib = self.lib
            self._set_image(handle, page)
            # as the command's --dpi (user_defined_dpi): the image's resolution, not a guess
            lib.TessBaseAPISetSourceResolution(handle, dpi)
            degrees, confidence = ctypes.c_int(0), ctypes.c_float(0.0)
            try:
                # the script is not asked for (None): its name would be the library's string
                found = lib.TessBaseAPIDetectOrientationScript(
                    handle, ctypes.byref(degrees), ctypes.byref(confidence), None, None)
            finally:
                lib.TessBaseAPIClear(handle)
        if not found:
            return None
        # orient_deg is how the page lies (counter-clockwise); the command prints as "Rotate"
        # the clockwise turn that undoes it (baseapi's OrientationIdToValue): 90 <-> 270
        return (360 - degrees.value) % 360, confidence.value

    def _set_image(self, handle: int, grey: np.ndarray) -> None:
        """Give the engine a grey image (it copies the pixels into a Pix of its own)."""
        image = np.ascontiguousarray(grey, dtype=np.uint8)
        self.lib.TessBaseAPISetImage(handle, image.ctypes.data, image.shape[1], image.shape[0],
                                     1, image.strides[0])

    def _tsv(self, handle: int, crop: np.ndarray) -> str:
        lib = self.lib
        self._set_image(handle, crop)
        if lib.TessBaseAPIRecognize(handle, None) != 0:
            raise RuntimeError("libtesseract failed to recognise a crop")
        pointer = lib.TessBaseAPIGetTsvText(handle, 0)
        try:
            return ctypes.string_at(pointer).decode("utf-8") if pointer else ""
        finally:
            if pointer:
                lib.TessDeleteText(pointer)
            lib.TessBaseAPIClear(handle)


_LIBRARY: _Library | None = None
_LIBRARY_FAILED: str | None = None


def library() -> _Library | None:
    """The loaded library, or None (why is in ``way()``) where it cannot be loaded or
    ``GONGKAI_TESSERACT=command`` asks for the command."""
    global _LIBRARY, _LIBRARY_FAILED
    if os.environ.get("GONGKAI_TESSERACT") == "command":
        return None
    if _LIBRARY is None and _LIBRARY_FAILED is None:
        try:
            _LIBRARY = _Library()
        except (OSError, AttributeError) as exc:
            _LIBRARY_FAILED = f"{LIBRARY} not loaded ({exc})"
            log.info("Tesseract runs as the tesseract command: %s", _LIBRARY_FAILED)
    return _LIBRARY


def way() -> str:
    """Which Tesseract reads: "libtesseract 5.3.0 in process" or "the tesseract command"."""
    loaded = library()
    if loaded is not None:
        return f"libtesseract {loaded.version} in process"
    return "the tesseract command" + (f" ({_LIBRARY_FAILED})" if _LIBRARY_FAILED else "")


def read_lines(crops: list[np.ndarray], settings: Settings) -> list[tuple[str, float]]:
    """Each crop's text and its lowest word confidence (0..100); ("", 0.0) for no word."""
    loaded = library()
    if loaded is not None:
        tables = [_words(loaded.tsv(settings, crop)).get(1, []) for crop in crops]
    else:
        pages = _words(_command_tsv(crops, settings))
        tables = [pages.get(n, []) for n in range(1, len(crops) + 1)]
    return [_text_and_confidence(words) for words in tables]


def orientation(page: np.ndarray, dpi: int) -> tuple[int, float] | None:
    """Tesseract's orientation detection on a grey page image of ``dpi``: the degrees (0, 90,
    180 or 270) to turn it clockwise so its text stands upright, and the confidence of that
    (Tesseract's: about 4-15 for a page of text, below 1 when it cannot tell); None when it
    finds too few characters to try."""
    loaded = library()
    if loaded is not None:
        return loaded.orientation(page, dpi)
    return _command_orientation(page, dpi)


def _command_orientation(page: np.ndarray, dpi: int) -> tuple[int, float] | None:
    with tempfile.TemporaryDirectory(prefix="gongkai-osd-") as tmp:
        name = os.path.join(tmp, "page.png")
        cv2.imwrite(name, page)
        proc = subprocess.run(["tesseract", name, "-", "--psm", str(PSM_OSD_ONLY),
                               "--dpi", str(dpi)],
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                              capture_output=True, text=True, timeout=120)
    found = dict(re.findall(r"^(Rotate|Orientation confidence): *([0-9.]+)$", proc.stdout,
                            re.MULTILINE))
    if proc.returncode != 0 or "Rotate" not in found:
        return None
    return int(found["Rotate"]) % 360, float(found.get("Orientation confidence", 0))


def _command_tsv(crops: list[np.ndarray], settings: Settings) -> str:
    """One ``tesseract`` run over many images (a list file): their TSV, a page per image."""
    with tempfile.TemporaryDirectory(prefix="gongkai-ocr-") as tmp:
        names = []
        for n, crop in enumerate(crops):
            name = os.path.join(tmp, f"{n:05d}.png")
            cv2.imwrite(name, crop)
            names.append(name)
        listing = os.path.join(tmp, "images.txt")
        Path(listing).write_text("\n".join(names) + "\n")
        base = os.path.join(tmp, "out")
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        proc = subprocess.run(["tesseract", listing, base, *settings.command_options(), "tsv"],
                              env=env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"tesseract failed: {proc.stderr.strip()[-300:]}")
        return Path(base + ".tsv").read_text(encoding="utf-8")


def _words(tsv: str) -> dict[int, list[tuple[int, int, str, float]]]:
    """The words of a TSV by page: (line, left, text, confidence)."""
    words: dict[int, list[tuple[int, int, str, float]]] = {}
    for line in tsv.splitlines():
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        words.setdefault(int(parts[1]), []).append(
            (int(parts[4]), int(parts[6]), parts[11], float(parts[10])))
    return words


def _text_and_confidence(words: list[tuple[int, int, str, float]]) -> tuple[str, float]:
    if not words:
        return "", 0.0
    found = sorted(words)
    text = " ".join(w[2] for w in found)
    # Tesseract puts spaces between Chinese characters: only digits keep theirs
    text = re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)
    return text, min(w[3] for w in found)

"""`gongkai check` as a user runs it: a subprocess, its exit code, its output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import expectations
from tests.samples import three_samples, write_not_a_pdf

# one worker runs this module's tests, so its module fixtures run once (--dist loadgroup)
pytestmark = pytest.mark.xdist_group("cli")

@pytest.fixture(scope="module")
def samples() -> list[Path]:
    return three_samples()


def write_encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(path, "wb") as f:
        writer.write(f)
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF with pages but no text layer (a scan): an image of a table, nothing to select."""
    try:
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (1240, 1754), "white")
        draw = ImageDraw.Draw(img)
        for y in range(200, 1000, 60):
            draw.line((100, y, 1140, y), fill="black", width=2)
        for x in range(100, 1200, 130):
            draw.line((x, 200, x, 980), fill="black", width=2)
        buf = io.BytesIO()
        img.save(buf, format="PDF", resolution=150)
        path.write_bytes(buf.getvalue())
    except ImportError:  # pragma: no cover - Pillow comes with pdfplumber
        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        with open(path, "wb") as f:
            writer.write(f)
    return path


TOP_KEYS = {"document", "agency", "year", "template", "facts", "findings"}
DOCUMENT_KEYS = {"path", "sha256", "pages", "kind"}
FACT_KEYS = {"table", "row", "column", "value", "raw", "page"}
# the finding contract, version 2 (pinned here: users parse it)
FINDING_KEYS = ("rule", "severity", "status", "table", "row", "column", "figure", "expected",
                "actual", "message", "message_zh", "operands", "previous")


def gongkai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gongkai.cli", *args], capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def checked_json(samples):
    """`gongkai check --json` over two sample reports."""
    proc = gongkai("check", "--json", *map(str, samples[:2]))
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return samples[:2], [json.loads(line) for line in lines]


def test_json_one_object_per_file(checked_json):
    files, objects = checked_json
    assert len(objects) == len(files)
    assert [Path(o["document"]["path"]).name for o in objects] == [f.name for f in files]


def test_json_contract(checked_json):
    from gongkai import vocabulary

    cells = {c for t in vocabulary.TEMPLATES for c in vocabulary.cells(t)}
    for o in checked_json[1]:
        assert TOP_KEYS <= set(o)
        assert set(o["document"]) == DOCUMENT_KEYS
        assert len(o["document"]["sha256"]) == 64
        assert o["document"]["pages"] >= 1
        assert o["template"] in ("2019", "2021")
        assert isinstance(o["year"], int)
        assert o["agency"]
        assert o["facts"], "a sample report has facts"
        for f in o["facts"]:
            assert set(f) == FACT_KEYS
            assert (f["table"], f["row"], f["column"]) in cells
            assert isinstance(f["page"], int) and f["page"] >= 1
            assert isinstance(f["raw"], str)
        assert o["findings"], "the statutory rules were evaluated"
        rules = set()
        for f in o["findings"]:
            # contract version 2: every key, null where it does not apply
            assert tuple(f) == FINDING_KEYS
            assert f["status"] in ("pass", "fail", "not_assessable")
            assert f["severity"] in ("error", "warning", "info")
            assert f["message"].startswith(f["rule"])
            scope = expectations.rule(f["rule"]).scope
            named = {k for k in ("row", "column", "figure") if f[k] is not None}
            assert named == ({scope} if scope in ("row", "column", "figure") else set())
            for op in f["operands"]:
                assert {"table", "row", "column", "value", "raw", "page"} <= set(op)
            rules.add(f["rule"])
        # every per-report rule of its template is in the findings (one file: no year before,
        # no other document of the same report)
        assert rules == {r.id for r in expectations.CATALOGUE
                         if not r.cross_year and not r.same_year
                         and o["template"] in r.templates}


def test_files_of_consecutive_years_are_checked_against_each_other():
    """示例区 2020 (2019 template, titled 示例区人民政府) and 2021 (示例市示例区人民政府, 2021
    template) given together: the 2021 report's 上年结转 is checked against 2020's 结转下年度."""
    from tests.golden import FIXTURES

    pdfs = [str(FIXTURES / "reports" / f"{s}.pdf")
            for s in ("t21-demo-district-2021", "s19-demo-district-2020")]
    proc = gongkai("check", "--json", *pdfs)
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    carry = [(f["column"], f["status"], f["expected"], f["actual"], f["previous"])
             for f in first["findings"] if f["rule"] == "applications.carry_continuity"
             and f["status"] == "fail"]
    previous = {"path": pdfs[1], "year": 2020}
    assert carry == [("natural_person", "fail", 3, 5, previous),
                     ("total", "fail", 3, 5, previous)]
    # the operands name both years' cells with their pages
    (f,) = [f for f in first["findings"] if f["rule"] == "applications.carry_continuity"
            and f["column"] == "total"]
    assert [(o["year"], o["row"], o["value"], o["page"]) for o in f["operands"]] == [
        (2020, "carried_forward", 3, 3), (2021, "carried_over", 5, 2)]
    assert "2020年结转下年度·总计 3（第3页）" in f["message_zh"]
    # the earlier year has no year before among the files: no cross-year instance
    assert not [f for f in second["findings"] if f["previous"] is not None]
    text = gongkai("check", *pdfs).stdout
    assert f"FAILED applications.carry_continuity (error), column total, against {pdfs[1]} " \
           "(2020)" in text


def test_text_output(samples):
    proc = gongkai("check", str(samples[0]))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert str(samples[0]) in out
    assert "agency:" in out and "year:" in out and "template:" in out
    assert "rules:" in out


def _assert_unreadable(proc, path: Path, *words: str):
    assert proc.returncode != 0
    err = proc.stderr
    assert f"cannot read {path}" in err, err
    assert any(w in err.lower() for w in words), err


def test_missing_file(tmp_path):
    missing = tmp_path / "no-such-report.pdf"
    proc = gongkai("check", str(missing))
    _assert_unreadable(proc, missing, "missing", "not found", "no such", "does not exist")


def test_text_file(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("这不是一份年度报告\n", encoding="utf-8")
    proc = gongkai("check", str(notes))
    _assert_unreadable(proc, notes, "not a pdf")


def test_html_saved_as_pdf(tmp_path):
    page = write_not_a_pdf(tmp_path / "report.pdf")
    proc = gongkai("check", str(page))
    _assert_unreadable(proc, page, "not a pdf")


def test_encrypted_pdf(tmp_path, samples):
    locked = write_encrypted_pdf(tmp_path / "locked.pdf", samples[0])
    proc = gongkai("check", str(locked))
    _assert_unreadable(proc, locked, "encrypt", "password")


def test_pdf_without_text_layer(tmp_path):
    scan = write_scanned_pdf(tmp_path / "scan.pdf")
    proc = gongkai("check", str(scan))
    _assert_unreadable(proc, scan, "text layer", "no text", "scan")


def test_bad_file_does_not_stop_the_others(tmp_path, samples):
    missing = tmp_path / "missing.pdf"
    proc = gongkai("check", "--json", str(missing), str(samples[0]))
    assert proc.returncode == 1
    assert f"cannot read {missing}" in proc.stderr
    objects = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(objects) == 2  # one line per file, the unreadable one with its reason
    assert objects[0]["document"]["path"] == str(missing) and objects[0]["error"]
    assert objects[1]["document"]["path"].endswith(samples[0].name)
    assert objects[1]["facts"]


def test_run_prints_warehouse_summary(tmp_path, samples):
    """`gongkai run` over a small folder: the job runs through Dagster on a persistent instance
    and the command ends with the warehouse, its counts and how to open the UI."""
    import os
    import shutil

    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(samples[0], folder / samples[0].name)
    write_not_a_pdf(folder / "error-page.pdf")
    home, db = tmp_path / "dagster_home", tmp_path / "w" / "gongkai.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "gongkai.cli", "run", "--reports", str(folder),
         "--warehouse", str(db)],
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "DAGSTER_HOME": str(home)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "check_reports_job succeeded" in out
    assert f"Warehouse: {db}" in out
    assert "documents:                1" in out
    assert "reports:                  1" in out
    assert "load errors:              1" in out
    assert "error-page.pdf: not a PDF" in out
    assert "failed rule instances:" in out
    assert "Asset checks:" in out and "warehouse_reports/facts_integrity: failed" not in out
    # the run ends with the failure counts of every rule of the catalogue
    tail = out.rstrip().splitlines()[-len(expectations.CATALOGUE) - 1:]
    assert tail[0].startswith("Failures by rule")
    assert [line.split()[0] for line in tail[1:]] == [r.id for r in expectations.CATALOGUE]
    assert f"DAGSTER_HOME={home}" in out and "gongkai ui" in out
    assert (home / "history").exists()  # the run is in the persistent instance

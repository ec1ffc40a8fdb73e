"""Generated fixtures are fiction and say so: every agency they name is an invented one (示例…),
and none of the real places the fixtures were once named after comes back, in a file's name or
in its text (PDF text layer, HTML, Word and spreadsheet parts, golden JSON, READMEs).

Left out: tests/fixtures/real/ (real reports with their real numbers), the golden files typed
from the real 淮安 2024 report, and heilongjiang-gxt-2020 (the real 黑龙江省工业和信息化厅 report
rebuilt with its own prose and numbers); the generator scripts, which keep the table of the old
names."""

from __future__ import annotations

import ast
import html
import json
import re
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from tests.fixtures.make_fixtures import FICTION
from tests.fixtures.make_fixtures import REAL_PLACES as REPORT_PLACES

FIXTURES = Path(__file__).parent / "fixtures"
MARKER = "示例"


def _assigned(script: Path, name: str):
    """A literal assigned at the top of a generator script, read without importing it (the
    stress generator needs reportlab, which only the fixtures extra installs)."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"{script}: no {name}")


STRESS = FIXTURES / "stress" / "make_stress.py"
REAL_PLACES = sorted(set(REPORT_PLACES) | set(_assigned(STRESS, "REAL_PLACES")))
REAL_REPORTS = {"heilongjiang-gxt-2020.pdf", "heilongjiang-gxt-2020.json", "huaian-city-2024.json",
                "README-huaian.md", "narrative-huaian.md"}
# the old stems' place parts (t21-gulou-finance-2023 -> gulou), for file names
REAL_PLACE_WORDS = sorted({old.split("-")[1] for old, *_ in FICTION})
TEXT_SUFFIXES = {".json", ".md", ".html", ".htm", ".txt", ".csv", ".xml", ".yaml"}
ZIP_SUFFIXES = {".docx", ".xlsx"}
BINARY_SUFFIXES = {".doc", ".wps", ".xls"}  # Chinese text in UTF-16LE (or GBK) inside


def generated_files() -> list[Path]:
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        rel = path.relative_to(FIXTURES)
        if not path.is_file() or rel.parts[0] == "real" or path.name in REAL_REPORTS:
            continue
        if path.suffix == ".py" or "__pycache__" in rel.parts:
            continue
        out.append(path)
    return out


FILES = generated_files()


def pdf_text(path: Path) -> str:
    doc = pdfium.PdfDocument(str(path))
    try:
        return "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def texts(path: Path) -> list[str]:
    """The file's text in every encoding it may hold it in, references resolved, whitespace
    removed."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        found = [pdf_text(path)]
    elif suffix in ZIP_SUFFIXES:
        with zipfile.ZipFile(path) as z:
            found = [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    elif suffix in BINARY_SUFFIXES:
        data = path.read_bytes()
        found = [data.decode("utf-16-le", "replace"), data[1:].decode("utf-16-le", "replace"),
                 data.decode("gbk", "replace"), data.decode("utf-8", "replace")]
    elif suffix in TEXT_SUFFIXES:
        data = path.read_bytes()
        try:
            found = [data.decode("utf-8")]
        except UnicodeDecodeError:
            found = [data.decode("gbk")]
    else:
        found = []
    # XML and HTML write characters as references too (&#31034;)
    return [re.sub(r"\s+", "", html.unescape(t)) for t in found]


def test_the_fixture_set_is_there():
    suffixes = {p.suffix for p in FILES}
    assert {".pdf", ".json", ".html", ".docx"} <= suffixes
    assert len([p for p in FILES if p.parent.name == "reports" and p.suffix == ".pdf"]) >= 30


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_no_real_place(path):
    rel = str(path.relative_to(FIXTURES)).lower()
    assert not [w for w in REAL_PLACE_WORDS if w in rel], rel
    found = sorted({place for text in texts(path) for place in REAL_PLACES if place in text})
    assert found == [], f"{rel} names {found}"


GOLDEN = [p for p in FILES if p.suffix == ".json" and "golden" in p.parent.parts[-1:]]


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_golden_agency_is_invented_and_is_the_documents(path):
    golden = json.loads(path.read_text(encoding="utf-8"))
    agency = golden.get("agency")
    if agency is None:
        pytest.skip("no agency field")
    assert MARKER in agency, f"{path.name}: {agency}"
    pdf = path.parent.parent / "reports" / golden.get("document", "")
    if pdf.suffix == ".pdf" and pdf.exists():
        assert agency in texts(pdf)[0], f"{pdf.name} does not name {agency}"


def test_fixture_meta_and_the_mapping():
    meta = json.loads((FIXTURES / "fixture-meta.json").read_text(encoding="utf-8"))
    new = {row[1] for row in FICTION}
    assert new <= set(meta)
    for old, stem, real, invented, _seed in FICTION:
        assert MARKER in invented and MARKER not in real
        assert not any(place in invented for place in REAL_PLACES), invented
        assert any(place in real for place in REAL_PLACES), real
        assert stem[:4] == old[:4] and stem[-4:] == old[-4:]  # template prefix and year kept
    for _stem, real, invented in ((r[0], r[2], r[3]) for r in _assigned(STRESS, "FICTION")):
        assert MARKER in invented and len(invented) == len(real)
        assert any(place in real for place in REAL_PLACES), real


def test_every_invented_agency_has_the_level_of_the_real_one():
    """The rules read an agency's level from its name (rule_making_power, cross-year pairing):
    an invented name must read as the real one did."""
    from gongkai.agencies import level

    rows = [(r[2], r[3]) for r in FICTION] + [(r[2], r[3]) for r in _assigned(STRESS, "FICTION")]
    differ = [(real, invented, level(real), level(invented)) for real, invented in rows
              if level(real) != level(invented)]
    assert differ == []


def test_the_invented_names_pair_across_years_as_the_real_ones_did():
    """示例区人民政府 is 示例市示例区人民政府 as 洪泽区人民政府 was 淮安市洪泽区人民政府; no two
    agencies that were apart are one now."""
    from gongkai.agencies import resolve

    invented = {row[2]: row[3] for row in FICTION}
    assert len(set(invented.values())) == len(invented)
    real = resolve(sorted(invented))
    assert resolve(sorted(invented.values())) == {invented[a]: invented[b] for a, b in real.items()}

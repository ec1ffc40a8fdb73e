"""PDF report -> Report: the three statutory tables as facts with provenance.

``extract_report`` is the one entry point; it knows nothing of Dagster or DuckDB.
"""

from __future__ import annotations

from pathlib import Path

from gongkai.extract.document import open_pdf
from gongkai.extract.grid import read_grids
from gongkai.extract.identify import identify
from gongkai.extract.tables import detect_template, read_tables, table_pages
from gongkai.model import Problem, Report


def extract_report(path: str | Path) -> Report:
    """Extract one report. Raises UnreadableDocument for a file that cannot be read at all;
    anything read with doubt is listed in ``Report.problems``, never guessed."""
    opened = open_pdf(path)
    agency, year = identify(opened.page_texts)
    grids = read_grids(str(path), opened.glyphs, pages=table_pages(opened.page_texts))
    template = detect_template(grids)
    problems = []
    if template is None:
        template = "2021" if year and year >= 2021 else "2019" if year else None
        problems.append(Problem(
            "template.unknown", "table 二's headers name neither template; "
            f"assumed {template} from the year" if template else
            "table 二's headers name neither template and the year is unknown"))
    if agency is None:
        problems.append(Problem("agency.unknown", "no title naming the agency on page 1"))
    if year is None:
        problems.append(Problem("year.unknown", "no year in the title or the reporting period"))
    report = Report(document=opened.document, agency=agency, year=year, template=template,
                    page_texts=opened.page_texts, problems=problems)
    if template is None:
        report.problems.append(Problem("table.unreadable", "tables not read: template unknown"))
        return report
    reading = read_tables(grids, template, opened.page_heights)
    report.facts = reading.facts
    report.problems += reading.problems
    report.cells_read = reading.cells_read
    report.cells_disagreeing = reading.cells_disagreeing
    return report

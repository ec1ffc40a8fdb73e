"""From a document's text and its tables as grids to a ``Report``: the part every reader
shares. A reader (PDF, HTML, Word, a spreadsheet, a scan) only opens its format and gives its
tables as ``Grid``s of regions; the template, the agency and year, the rows and columns and
every problem are decided here, the same way for every format."""

from __future__ import annotations

from gongkai.extract.grid import Grid
from gongkai.extract.identify import identify
from gongkai.extract.tables import detect_template, read_tables
from gongkai.model import Document, Problem, Report


def report_from_grids(document: Document, page_texts: list[str], grids: list[Grid],
                      page_heights: list[float], *, agency: str | None = None,
                      year: int | None = None, where_title: str = "on page 1") -> Report:
    """The report of ``document``. ``agency`` and ``year`` when the format states them (an
    HTML page's headline); otherwise they are read from the text as a PDF's are."""
    found_agency, found_year = identify(page_texts)
    agency = agency or found_agency
    year = year or found_year
    template = detect_template(grids)
    problems = []
    if template is None:
        template = "2021" if year and year >= 2021 else "2019" if year else None
        problems.append(Problem(
            "template.unknown", "table 二's headers name neither template; "
            f"assumed {template} from the year" if template else
            "table 二's headers name neither template and the year is unknown"))
    if agency is None:
        problems.append(Problem("agency.unknown", f"no title naming the agency {where_title}"))
    if year is None:
        problems.append(Problem("year.unknown", "no year in the title or the reporting period"))
    report = Report(document=document, agency=agency, year=year, template=template,
                    page_texts=page_texts, problems=problems)
    if template is None:
        report.problems.append(Problem("table.unreadable", "tables not read: template unknown"))
        return report
    reading = read_tables(grids, template, page_heights)
    report.facts = reading.facts
    report.problems += reading.problems
    report.cells_read = reading.cells_read
    report.cells_disagreeing = reading.cells_disagreeing
    return report

"""``report_documents`` and ``extracted_reports``: from folders and the crawl store to Report
objects, through the intake (``gongkai.extract.intake``)."""

import dagster as dg

from assets.crawl import CRAWL_ASSETS
from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
from gongkai.extract import intake
from gongkai.progress import line as progress_line, report as report_progress

GROUP = "reports"


@dg.asset(
    group_name=GROUP,
    kinds={"pdf"},
    deps=[a.key for a in CRAWL_ASSETS],
    description="The documents to check: the report PDFs (*.pdf) of the configured folders and "
                "every report file the crawls stored, each with its sha256. Documents whose "
                "bytes the warehouse already holds are marked settled and not extracted again "
                "(only new or changed documents are). Folders: none for a crawl; "
                "`tests/fixtures/reports` and `tests/fixtures/real` by default in the UI; "
                "`$GONGKAI_REPORTS` or the `reports` resource config overrides them.",
)
def report_documents(context: dg.AssetExecutionContext, reports: ReportFolderResource,
                     warehouse: WarehouseResource, crawl: CrawlResource) -> dg.Output[list[dict]]:
    from gongkai.crawl.store import crawled_documents
    from warehouse import store

    folders = reports.resolved()
    documents, notes = intake.list_documents(folders, recursive=reports.recursive)
    with warehouse.connect(context.run.run_id) as con:
        documents += crawled_documents(con, crawl.store())
        documents = intake.mark_settled(
            documents, store.settled_documents(con, retry_failed=reports.retry_failed))
    for note in notes:
        context.log.warning(note)
    table = "\n".join(
        ["| document | sha256 | bytes | new |", "|---|---|---|---|"]
        + [f"| {intake.display_name(d['name'])} | `{(d['sha256'] or '')[:12]}` | {d['bytes'] or ''} "
           f"| {'' if d['settled'] else 'yes'} |" for d in documents])
    return dg.Output(documents, metadata={
        "documents": len(documents),
        "new_or_changed": sum(not d["settled"] for d in documents),
        "folders": dg.MetadataValue.json([str(f) for f in folders]),
        "notes": dg.MetadataValue.json(notes),
        "listing": dg.MetadataValue.md(table),
    })


@dg.asset(
    group_name=GROUP,
    kinds={"python"},
    description="Every document run through `gongkai.extract.extract_report` (Camelot): one "
                "Report per readable PDF, with its facts and provenance. A document that cannot "
                "be read (missing, not a PDF, encrypted, no text layer) is kept with its reason "
                "and recorded in the warehouse's `load_errors` downstream; the run goes on.",
)
def extracted_reports(context: dg.AssetExecutionContext, report_documents: list[dict],
                      reports: ReportFolderResource) -> dg.Output[intake.Extraction]:
    def progress(done: int, total: int, name: str) -> None:
        context.log.info(progress_line("extracting", done, total, name))
        report_progress("extracting", done, total, name)

    extraction = intake.extract_documents(report_documents, progress=progress,
                                          workers=reports.workers)
    for u in extraction.unreadable:
        context.log.info(f"not extracted: {u['path']}: {u['reason']}")
    problems = intake.problem_lines(extraction.reports)
    per_report = "\n".join(
        ["| document | agency | year | template | facts | problems |", "|---|---|---|---|---|---|"]
        + [f"| {r.document.path.rsplit('/', 1)[-1]} | {r.agency or '?'} | {r.year or '?'} "
           f"| {r.template or '?'} | {len(r.facts)} | {len(r.problems)} |"
           for r in extraction.reports])
    unreadable = "\n".join(
        ["| document | reason |", "|---|---|"]
        + [f"| {u['path']} | {u['reason']} |" for u in extraction.unreadable])
    return dg.Output(extraction, metadata={
        "documents": len(report_documents),
        "not_extracted_again": len(extraction.known),
        "reports": len(extraction.reports),
        "unreadable": len(extraction.unreadable),
        "facts": sum(len(r.facts) for r in extraction.reports),
        "problems": len(problems),
        "per_report": dg.MetadataValue.md(per_report),
        "unreadable_documents": dg.MetadataValue.md(unreadable),
        "problem_list": dg.MetadataValue.md(
            "\n".join(f"- {p}" for p in problems[:200]) or "(none)"),
    })

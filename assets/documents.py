"""``report_documents`` and ``extracted_reports``: from folders and the crawl store to Report
objects, through the intake (``gongkai.extract.intake``)."""

import dagster as dg

from assets.crawl import CRAWL_ASSETS
from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
from gongkai.extract import batches, intake
from gongkai.extract.batches import Batch
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


@dg.op(out=dg.DynamicOut(Batch),
       description="The run's documents cut into batches of `reports.batch_size` documents "
                   "to read (`gongkai.extract.batches.split`; one batch when 0): each batch "
                   "is a step of its own, which an executor may run in another process or on "
                   "another machine.")
def documents_in_batches(context: dg.OpExecutionContext, report_documents: list[dict],
                         reports: ReportFolderResource):
    parts = batches.split(report_documents, reports.batch_size)
    context.log.info(f"{sum(b.to_read for b in parts)} document(s) to read in "
                     f"{len(parts)} batch(es)")
    for batch in parts:
        yield dg.DynamicOutput(batch, mapping_key=batch.key)


@dg.op(description="One batch of documents through `gongkai.extract.extract_report`; an "
                   "unreadable document is kept with its reason, the others go on.")
def extract_batch(context: dg.OpExecutionContext, batch: Batch,
                  reports: ReportFolderResource) -> intake.Extraction:
    import os
    import socket

    def progress(done: int, total: int, name: str) -> None:
        context.log.info(progress_line("extracting", done, total, name))
        report_progress("extracting", done, total, name)

    # where it ran, for the run's log: with workers, the steps of one run spread over them
    context.log.info(f"{batch.key}: {batch.to_read} document(s) to read, in process "
                     f"{os.getpid()} on {socket.gethostname()}")
    extraction = batches.extract_batch(batch, progress=progress, workers=reports.workers)
    for u in extraction.unreadable:
        context.log.info(f"not extracted: {u['path']}: {u['reason']}")
    return extraction


@dg.op(description="The batches' extractions joined in batch order (the run's documents' "
                   "order), with the asset's metadata.")
def joined_extraction(extractions: list[intake.Extraction]) -> dg.Output[intake.Extraction]:
    extraction = batches.merge(extractions)
    return dg.Output(extraction, metadata=_extraction_metadata(extraction, len(extractions)))


@dg.graph_asset(
    group_name=GROUP,
    kinds={"python"},
    description="Every document run through `gongkai.extract.extract_report` (Camelot): one "
                "Report per readable PDF, with its facts and provenance. A document that cannot "
                "be read (missing, not a PDF, encrypted, no text layer) is kept with its reason "
                "and recorded in the warehouse's `load_errors` downstream; the run goes on. "
                "The documents are read in batches, one step each (`$GONGKAI_BATCH_SIZE`), so "
                "that Celery workers or Kubernetes pods share them out.",
)
def extracted_reports(report_documents):
    return joined_extraction(
        documents_in_batches(report_documents).map(extract_batch).collect())


def _extraction_metadata(extraction: intake.Extraction, n_batches: int) -> dict:
    problems = intake.problem_lines(extraction.reports)
    per_report = "\n".join(
        ["| document | agency | year | template | facts | problems |", "|---|---|---|---|---|---|"]
        + [f"| {r.document.path.rsplit('/', 1)[-1]} | {r.agency or '?'} | {r.year or '?'} "
           f"| {r.template or '?'} | {len(r.facts)} | {len(r.problems)} |"
           for r in extraction.reports])
    unreadable = "\n".join(
        ["| document | reason |", "|---|---|"]
        + [f"| {u['path']} | {u['reason']} |" for u in extraction.unreadable])
    return {
        "documents": len(extraction.reports) + len(extraction.unreadable)
        + len(extraction.known),
        "batches": n_batches,
        "not_extracted_again": len(extraction.known),
        "reports": len(extraction.reports),
        "unreadable": len(extraction.unreadable),
        "facts": sum(len(r.facts) for r in extraction.reports),
        "problems": len(problems),
        "per_report": dg.MetadataValue.md(per_report),
        "unreadable_documents": dg.MetadataValue.md(unreadable),
        "problem_list": dg.MetadataValue.md(
            "\n".join(f"- {p}" for p in problems[:200]) or "(none)"),
    }

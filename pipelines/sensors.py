"""A sensor that starts ``check_reports_job`` when documents wait to be checked: a crawled
report file the warehouse has not loaded (a crawl run that stopped before extraction), or a new
PDF in a report folder. It reads the published warehouse read-only, which no run ever writes
in place, so it never gets in a run's way."""

from __future__ import annotations

import hashlib

import dagster as dg

from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
from pipelines.jobs import check_reports_job


def pending_documents(warehouse: WarehouseResource, reports: ReportFolderResource,
                      crawl: CrawlResource) -> list[dict]:
    """Documents no run has checked yet (their bytes are not in the published warehouse)."""
    from gongkai.crawl.store import crawled_documents
    from gongkai.extract import intake
    from warehouse import store

    documents, _ = intake.list_documents(reports.resolved(), recursive=reports.recursive)
    backend = warehouse.backend()
    if not backend.exists():
        return documents
    con = backend.connect(read_only=True)
    try:
        documents += crawled_documents(con, crawl.store())
        settled = store.settled_documents(con)
    finally:
        con.close()
    return [d for d in intake.mark_settled(documents, settled) if not d["settled"]]


@dg.sensor(
    job=check_reports_job,
    minimum_interval_seconds=120,
    description="Starts check_reports_job when a crawled report or a PDF in a report folder has "
                "not been checked yet (its sha256 is not in the published warehouse).",
)
def pending_documents_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource,
                             reports: ReportFolderResource, crawl: CrawlResource):
    pending = pending_documents(warehouse, reports, crawl)
    if not pending:
        return dg.SkipReason("every document has been checked")
    digest = hashlib.sha256("".join(sorted(d["sha256"] or d["path"] for d in pending))
                            .encode()).hexdigest()[:16]
    return dg.RunRequest(run_key=f"pending-{digest}",
                         tags={"gongkai/pending_documents": str(len(pending))})


SENSORS = [pending_documents_sensor]

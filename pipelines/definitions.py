"""The gongkai code location. Assembles only: assets, checks, jobs and resources are defined in
their own modules (``assets/``, ``pipelines/jobs.py``, ``pipelines/resources.py``).

Steps run in one process (``in_process_executor``): DuckDB allows one writer process, and the
graph is a chain anyway.
"""

from __future__ import annotations

import dagster as dg

from assets import documents, findings, warehouse
from pipelines.jobs import JOBS
from pipelines.resources import make_resources

defs = dg.Definitions(
    assets=[documents.report_documents, documents.extracted_reports,
            warehouse.warehouse_reports, findings.rule_findings,
            findings.published_warehouse],
    asset_checks=[warehouse.facts_integrity],
    jobs=JOBS,
    resources=make_resources(),
    executor=dg.in_process_executor,
)

"""The gongkai code location. Assembles only: assets, checks and resources are defined in
``assets/``, jobs, schedules and sensors beside this file.

Steps run where ``$GONGKAI_EXECUTOR`` says (``pipelines/executors.py``): in the run's own
process by default (DuckDB allows one writer process), on Celery workers or as Kubernetes Jobs.
"""

from __future__ import annotations

import dagster as dg

from assets import documents, findings, warehouse
from assets.crawl import CRAWL_ASSETS
from assets.resources import make_resources
from pipelines.executors import executor
from pipelines.jobs import JOBS
from pipelines.schedules import SCHEDULES
from pipelines.sensors import SENSORS

defs = dg.Definitions(
    assets=[*CRAWL_ASSETS, documents.report_documents, documents.extracted_reports,
            warehouse.warehouse_reports, findings.rule_findings, findings.findings_summary,
            findings.published_warehouse],
    asset_checks=[warehouse.facts_integrity],
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=make_resources(),
    executor=executor(),
)

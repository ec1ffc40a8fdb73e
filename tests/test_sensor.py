"""The sensor starts check_reports_job when a document waits to be checked, and skips when
every document has been."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from assets.crawl import CRAWL_ASSETS
from pipelines.definitions import defs
from assets.resources import CrawlResource, ReportFolderResource, WarehouseResource
from pipelines.sensors import pending_documents_sensor

REPORTS = Path(__file__).resolve().parent / "fixtures" / "reports"


def test_the_sensor_requests_a_run_for_new_documents_only(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(sorted(REPORTS.glob("*.pdf"))[0], folder)
    resources = {"warehouse": WarehouseResource(path=str(tmp_path / "gongkai.duckdb")),
                 "reports": ReportFolderResource(folders=[str(folder)]),
                 "crawl": CrawlResource(store_dir=str(tmp_path / "store"))}

    def evaluate():
        with dg.build_sensor_context(resources=resources) as context:
            return pending_documents_sensor(context)

    request = evaluate()
    assert isinstance(request, dg.RunRequest)
    assert request.tags["gongkai/pending_documents"] == "1"

    result = dg.materialize([a for a in defs.assets if a not in CRAWL_ASSETS]
                            + list(defs.asset_checks),
                            instance=dg.DagsterInstance.ephemeral(), resources=resources)
    assert result.success
    assert isinstance(evaluate(), dg.SkipReason)

    shutil.copy(sorted(REPORTS.glob("*.pdf"))[1], folder)
    again = evaluate()
    assert isinstance(again, dg.RunRequest) and again.run_key != request.run_key

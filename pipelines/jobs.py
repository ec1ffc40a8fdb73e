"""Jobs of the gongkai code location.

- ``crawl_and_check_job``: every portal of sources.yaml crawled, then the new or changed
  documents extracted, loaded, checked and published. The nightly schedule runs it.
- ``check_reports_job``: no crawl: the report folders and any crawled document not yet
  extracted, through extraction, warehouse, rules and publication. The sensor runs it.
``gongkai run`` runs ``crawl_and_check_job`` restricted to the sources it is given (the demo
portal by default), or ``check_reports_job`` over ``--reports`` folders.
"""

from __future__ import annotations

import dagster as dg

from assets.crawl import GROUP as CRAWL_GROUP

CHECK = dg.AssetSelection.all() - dg.AssetSelection.groups(CRAWL_GROUP)

crawl_and_check_job = dg.define_asset_job(
    name="crawl_and_check_job",
    selection=dg.AssetSelection.all(),
    description="Crawl every portal of pipelines/sources.yaml politely (one request at a time "
                "per host), then extract, load, check (Great Expectations) and publish the "
                "new or changed reports. A portal that fails is recorded; the others go on.",
)

check_reports_job = dg.define_asset_job(
    name="check_reports_job",
    selection=CHECK,
    description="Check documents without crawling: the report folders and crawled documents "
                "not yet extracted -> extraction -> DuckDB warehouse -> statutory rules (Great "
                "Expectations) -> publication, with all asset checks.",
)

JOBS = [crawl_and_check_job, check_reports_job]

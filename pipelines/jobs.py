"""Jobs of the gongkai code location."""

from __future__ import annotations

import dagster as dg

# The whole graph: list the PDFs, extract them, load the warehouse, evaluate the rules, and
# every asset check along the way.
check_reports_job = dg.define_asset_job(
    name="check_reports_job",
    selection=dg.AssetSelection.all(),
    description="Check the report folder end to end: documents -> extraction -> DuckDB "
                "warehouse -> statutory rules (Great Expectations), with all asset checks.",
)

JOBS = [check_reports_job]

"""The nightly crawl: 02:00 in China, when portals are quiet. Stopped until a person turns it
on in the UI (Automation → nightly_crawl), so that loading the code location never crawls."""

from __future__ import annotations

import dagster as dg

from pipelines.jobs import crawl_and_check_job

nightly_crawl = dg.ScheduleDefinition(
    name="nightly_crawl",
    job=crawl_and_check_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    description="Every night at 02:00 Asia/Shanghai: crawl every portal of sources.yaml, then "
                "extract and check what is new or changed.",
)

SCHEDULES = [nightly_crawl]

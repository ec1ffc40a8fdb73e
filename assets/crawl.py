"""One crawl asset per portal of the sources file (``pipelines/sources.yaml``, or
``$GONGKAI_SOURCES``; group ``crawl``).

Each asset crawls its source (``gongkai.crawl.crawl``) into the run's staging warehouse
(``crawl_documents``, ``crawl_urls``, ``crawl_log``, ``crawl_runs``) and the content-addressed
store on disk. An asset per source, not one asset for all, so that each gets its own pool (one
request at a time per host across runs), its own retries, its own metadata in the UI, and a
failing portal never stops the others. A crawl never raises for network trouble: it records it.
"""


from urllib.parse import urlsplit

import dagster as dg

from gongkai.crawl import load_sources
from gongkai.crawl.sources import PLACEHOLDER, Source
from assets.resources import CrawlResource, WarehouseResource

GROUP = "crawl"
CRAWL_CHECK = "crawl_succeeded"


def host_pool(source: Source) -> str:
    """The Dagster pool of a source: its host. The instance allows one op per pool at a time
    (``concurrency.pools.default_limit: 1``), so two runs never crawl one host at once."""
    host = urlsplit(PLACEHOLDER.sub("http://127.0.0.1", source.list_urls[0])).hostname
    return f"crawl_host_{host.replace('.', '_').replace('-', '_')}"


def asset_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey(f"crawl_{source.id.replace('-', '_')}")


def build_crawl_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(source),
        group_name=GROUP,
        kinds={"http"},
        pool=host_pool(source),
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL,
                                    jitter=dg.Jitter.PLUS_MINUS),
        description=f"Crawl of {source.agency} ({source.region}, {source.level}): "
                    f"{', '.join(source.list_urls)} → list pages, detail pages, report files, "
                    "stored content-addressed; new or changed reports are extracted downstream.",
        metadata={"source": source.id, "list_urls": dg.MetadataValue.json(source.list_urls)},
        # a crawl never raises for network trouble (the other portals and the checks go on),
        # so its failure shows here, red, with the reason
        check_specs=[dg.AssetCheckSpec(
            CRAWL_CHECK, asset=asset_key(source),
            description="The crawl reached the portal and read its list pages: fails with "
                        "the reason when the source as a whole failed (unreachable, refused, "
                        "not allowed); errors of single pages or files are listed, not failed.")],
    )
    def crawl_source(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                     crawl: CrawlResource) -> dg.MaterializeResult:
        from gongkai.crawl import crawl as run_crawl

        run_id = context.run.run_id
        with crawl.located(source) as located, warehouse.connect(run_id) as con:
            result = run_crawl(located, crawl.store(), con, settings=crawl.settings(),
                               run_id=f"{run_id}:{source.id}")
        for line in result.errors[:20]:
            context.log.info(f"{source.id}: {line}")
        if result.error:
            context.log.error(f"{source.id}: {result.error}")
        counts = result.counts()
        found = "\n".join(["| status | format | title | url |", "|---|---|---|---|"] + [
            f"| {d.status} | {d.format or d.claimed_format or '?'} | {d.title[:40]} | {d.url} |"
            for d in result.documents])
        check = dg.AssetCheckResult(
            check_name=CRAWL_CHECK, passed=not result.error, severity=dg.AssetCheckSeverity.ERROR,
            description=(f"crawl of {source.id} failed: {result.error}" if result.error
                         else f"crawl of {source.id}: {counts.get('pages_seen', 0)} page(s) "
                              f"read"),
            metadata={"source_error": result.error or ""})
        return dg.MaterializeResult(check_results=[check], metadata={
            **counts,
            "source_error": result.error or "",
            "errors_list": dg.MetadataValue.md("\n".join(f"- {e}" for e in result.errors)
                                               or "(none)"),
            "documents": dg.MetadataValue.md(found),
        })

    return crawl_source


CRAWL_ASSETS = [build_crawl_asset(s) for s in load_sources().values()]

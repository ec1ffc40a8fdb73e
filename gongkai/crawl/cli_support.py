"""What ``gongkai crawl`` prints: a crawl result for a person."""

from __future__ import annotations

from gongkai.crawl.crawler import CrawlResult

_MARK = {"planned": "would fetch", "new": "new", "changed": "CHANGED", "unchanged": "unchanged",
         "error": "ERROR"}


def format_result(result: CrawlResult, verbose: bool = False) -> str:
    """A crawl (or dry run) as text: pages read, each report found with its fate, the errors."""
    lines = []
    head = "dry run of" if result.dry_run else "crawl of"
    lines.append(f"{head} source {result.source_id!r} (run {result.run_id})")
    lines.append(f"  list and detail pages read: {result.pages_seen}   requests sent: {result.requests}")
    if verbose:
        lines += [f"    {url}" for url in result.pages]
    if result.error:
        lines.append(f"  SOURCE FAILED: {result.error.splitlines()[0]}")
    lines.append(f"  reports found: {result.documents_found}")
    if result.cap:
        lines.append(f"  CAPPED: {result.cap}")
    for d in result.documents:
        mark = _MARK.get(d.status, d.status)
        fmt = d.format or d.claimed_format or "?"
        kind = "page" if d.kind == "html_page" else "file"
        lines.append(f"  [{mark:>11}] {fmt:<5} {kind}  {d.title}")
        lines.append(f"                 {d.url}")
        if d.final_url:
            lines.append(f"                 → {d.final_url}")
        if d.error:
            lines.append(f"                 ! {d.error}")
    others = [e for e in result.errors if not any(e.startswith(d.url + ":") for d in result.documents)]
    if others:
        lines.append(f"  other problems ({len(others)}):")
        lines += [f"    {e}" for e in others]
    if result.dry_run:
        lines.append("  (dry run: report files were not downloaded and nothing was stored)")
    else:
        c = result.counts()
        lines.append(f"  new {c['new']}, changed {c['changed']}, unchanged {c['unchanged']}, errors {c['errors']}")
    return "\n".join(lines)


def format_dry_run(result: CrawlResult) -> str:
    """The listing ``gongkai crawl --source ID --dry-run`` prints."""
    return format_result(result, verbose=True)


def run_for_cli(source_id: str, store_dir=None, con=None, dry_run: bool = True,
                sources_path=None, demo_base: str | None = None, settings=None) -> tuple[CrawlResult, str]:
    """What ``gongkai crawl --source ID [--dry-run]`` does: load the source, crawl, format.

    A source whose list URLs use ``{demo}`` is crawled against the bundled demo portal, started
    here on a free 127.0.0.1 port unless ``demo_base`` points at a running one.
    """
    from gongkai.crawl.crawler import crawl
    from gongkai.crawl.demo_portal import reachable
    from gongkai.crawl.sources import get_source

    with reachable(get_source(source_id, sources_path), demo_base) as source:
        result = crawl(source, store_dir, con, dry_run=dry_run, settings=settings)
    return result, (format_dry_run(result) if dry_run else format_result(result))

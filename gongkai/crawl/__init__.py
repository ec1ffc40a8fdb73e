"""Crawling government portals for 政府信息公开工作年度报告: discover politely, keep every version.

    from gongkai.crawl import crawl, get_source, CrawlSettings
    result = crawl(get_source("huaian-city"), "data/raw", con)   # con: a duckdb connection
    result.counts()  # pages_seen, documents_found, new, changed, unchanged, errors, requests
"""

from gongkai.crawl.crawler import CrawlResult, FoundDocument, crawl
from gongkai.crawl.fetch import USER_AGENT, CrawlSettings
from gongkai.crawl.sources import Source, SourceError, get_source, load_sources
from gongkai.crawl.store import current_reports

__all__ = ["crawl", "CrawlResult", "FoundDocument", "CrawlSettings", "USER_AGENT", "Source",
           "SourceError", "get_source", "load_sources", "current_reports"]

"""The sources registry: ``pipelines/sources.yaml`` (or the user's own file, ``$GONGKAI_SOURCES``
or ``gongkai run --sources FILE``), one entry per portal column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from gongkai import config

LEVELS = ("national", "province", "city", "county", "township", "department")
HINT_KEYS = ("link_pattern", "title_pattern", "pagination_pattern", "content_selector",
             "list_selector", "page_hosts")
LIMIT_KEYS = ("delay", "timeout", "max_seconds", "max_bytes", "max_retries", "max_list_pages",
              "max_detail_pages", "max_documents")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class SourceError(ValueError):
    """sources.yaml says something we cannot use; the message names the entry and the field."""


@dataclass(frozen=True)
class Source:
    id: str
    agency: str
    region: str
    level: str
    list_urls: tuple[str, ...]
    hints: dict = field(default_factory=dict)   # see HINT_KEYS
    limits: dict = field(default_factory=dict)  # overrides of CrawlSettings, see LIMIT_KEYS
    notes: str = ""

    @property
    def hosts(self) -> set[str]:
        return {urlsplit(u).netloc.lower() for u in self.list_urls}

    def with_placeholders(self, **values: str) -> "Source":
        """Fill ``{demo}``-style placeholders in the list URLs (the demo portal's port is chosen at run time)."""
        def fill(url: str) -> str:
            def sub(m: re.Match) -> str:
                if m.group(1) not in values:
                    raise SourceError(f"source {self.id!r}: no value for placeholder {{{m.group(1)}}} in {url}")
                return values[m.group(1)].rstrip("/")
            return PLACEHOLDER.sub(sub, url)
        return Source(self.id, self.agency, self.region, self.level,
                      tuple(fill(u) for u in self.list_urls), dict(self.hints), dict(self.limits), self.notes)


def _check(entry: dict, index: int) -> Source:
    where = f"sources.yaml entry {index + 1}"
    if not isinstance(entry, dict):
        raise SourceError(f"{where}: expected a mapping, got {type(entry).__name__}")
    sid = entry.get("id")
    if not isinstance(sid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", sid or ""):
        raise SourceError(f"{where}: 'id' must be lower-case letters, digits, '-', '_' or '.', got {sid!r}")
    where = f"source {sid!r}"
    for key in ("agency", "region", "level"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise SourceError(f"{where}: '{key}' is required")
    if entry["level"] not in LEVELS:
        raise SourceError(f"{where}: level must be one of {', '.join(LEVELS)}, got {entry['level']!r}")
    urls = entry.get("list_urls")
    if isinstance(urls, str):
        urls = [urls]
    if not urls or not all(isinstance(u, str) for u in urls):
        raise SourceError(f"{where}: 'list_urls' must be a URL or a list of URLs")
    for url in urls:
        probe = PLACEHOLDER.sub("http://placeholder", url)
        if urlsplit(probe).scheme not in ("http", "https") or not urlsplit(probe).netloc:
            raise SourceError(f"{where}: list URL {url!r} is not an http(s) URL")
    hints = entry.get("hints") or {}
    unknown = set(hints) - set(HINT_KEYS)
    if unknown:
        raise SourceError(f"{where}: unknown hints {sorted(unknown)}; known: {', '.join(HINT_KEYS)}")
    for key in ("link_pattern", "title_pattern"):
        if key in hints:
            try:
                re.compile(hints[key])
            except re.error as exc:
                raise SourceError(f"{where}: hints.{key} is not a valid regular expression: {exc}") from None
    if "pagination_pattern" in hints and "{n}" not in hints["pagination_pattern"]:
        raise SourceError(f"{where}: hints.pagination_pattern must contain {{n}}, e.g. index_{{n}}.html")
    if isinstance(hints.get("page_hosts"), str):
        hints = {**hints, "page_hosts": [hints["page_hosts"]]}
    limits = entry.get("limits") or {}
    unknown = set(limits) - set(LIMIT_KEYS)
    if unknown:
        raise SourceError(f"{where}: unknown limits {sorted(unknown)}; known: {', '.join(LIMIT_KEYS)}")
    return Source(sid, entry["agency"].strip(), entry["region"].strip(), entry["level"], tuple(urls),
                  dict(hints), dict(limits), str(entry.get("notes") or ""))


def load_sources(path: str | Path | None = None, **placeholders: str) -> dict[str, Source]:
    """All sources by id, validated, from ``path`` (default: ``$GONGKAI_SOURCES``, else the
    bundled ``pipelines/sources.yaml``). ``placeholders`` fill e.g. ``{demo}`` in list URLs; entries
    whose placeholders are not given are returned unfilled (see ``Source.with_placeholders``)."""
    path = config.sources_file(path)
    if not path.is_file():
        raise SourceError(f"sources file {path} does not exist (set $GONGKAI_SOURCES or --sources FILE)")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SourceError(f"{path}: expected a top-level 'sources:' list")
    sources: dict[str, Source] = {}
    for i, entry in enumerate(entries):
        source = _check(entry, i)
        if source.id in sources:
            raise SourceError(f"{path}: source id {source.id!r} appears twice")
        needed = {m.group(1) for u in source.list_urls for m in PLACEHOLDER.finditer(u)}
        if needed and needed <= set(placeholders):
            source = source.with_placeholders(**placeholders)
        sources[source.id] = source
    return sources


def get_source(source_id: str, path: str | Path | None = None, **placeholders: str) -> Source:
    sources = load_sources(path, **placeholders)
    if source_id not in sources:
        raise SourceError(f"no source {source_id!r}; known: {', '.join(sorted(sources))}")
    return sources[source_id]

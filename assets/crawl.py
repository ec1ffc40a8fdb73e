"""One crawl asset per portal of the sources file (``pipelines/sources.yaml``, or
``$GONGKAI_SOURCES``; group ``crawl``).

Each asset crawls its source (``gongkai.crawl.crawl``) into the run's staging warehouse
(``crawl_documents``, ``crawl_urls``, ``crawl_log``, ``crawl_runs``) and the content-addressed
store on disk; what it does is journaled beside the stored files too, so that a crawl killed
before its run publishes the staging warehouse is replayed into it by the next crawl of the
source (``gongkai.crawl.store.replay_journal``). An asset per source, not one asset for all, so that each gets its own pool (one
request at a time per host across runs), its own retries, its own metadata in the UI, and a
failing portal never stops the others. A crawl never raises for network trouble: it records it.
"""

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
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
            # the store's journal is replayed into, and written for, this warehouse only
            result = run_crawl(located, crawl.store(), con, settings=crawl.settings(),
                               run_id=f"{run_id}:{source.id}", journal_scope=warehouse.location())
        for recovered in result.recovered:
            context.log.warning(
                f"{source.id}: crawl {recovered['run_id']} was stopped before its run published; "
                f"{recovered['stored']} stored file(s) and {recovered['requests']} request(s) "
                "recovered from the store's journal")
        for line in result.errors[:20]:
            context.log.info(f"{source.id}: {line}")
        if result.error:
            context.log.error(f"{source.id}: {result.error}")
        if result.cap:
            context.log.warning(f"{source.id}: {result.cap}")
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
            "recovered_crawls": len(result.recovered),
            "source_error": result.error or "",
            "documents_cap": result.cap or "",  # what limits.max_documents left for a later run
            "errors_list": dg.MetadataValue.md("\n".join(f"- {e}" for e in result.errors)
                                               or "(none)"),
            "documents": dg.MetadataValue.md(found),
        })

    return crawl_source


CRAWL_ASSETS = [build_crawl_asset(s) for s in load_sources().values()]


# --- the pool slots of runs whose process died ---------------------------------------------------
# `gongkai run` executes in its own process (execute_in_process): no daemon watches it. A process
# killed mid-crawl (kill -9, OOM, reboot) leaves its run STARTED and its host's pool slot claimed,
# and every later crawl of that host would wait for ever. Each run is tagged with the process that
# runs it; at the next start, a run whose process is gone is marked failed and its slots freed.

PROCESS_TAG = "gongkai/process"  # "<hostname>:<pid>:<process start time>"
LIVE_STATUSES = ("NOT_STARTED", "STARTING", "STARTED", "CANCELING", "QUEUED")


def _process_start(pid: int) -> str:
    """The start time of a process (clock ticks since boot, /proc): a pid reused by another
    process after a reboot or a wrap has another start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def process_tags() -> dict[str, str]:
    """The tags of a run of this process."""
    return {PROCESS_TAG: f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid())}"}


def process_alive(tag: str | None) -> bool | None:
    """Whether the process named by a run's tag still runs; None when it cannot be told (no tag,
    another machine)."""
    if not tag or tag.count(":") < 2:
        return None
    host, pid, started = tag.rsplit(":", 2)
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process, alive
    return not started or _process_start(int(pid)) == started


def _pools_of(instance, run_id: str) -> list[str]:
    storage = instance.event_log_storage
    pools = []
    for pool in sorted(storage.get_concurrency_keys()):
        info = storage.get_concurrency_info(pool)
        if any(s.run_id == run_id for s in info.claimed_slots) or any(
                p.run_id == run_id for p in info.pending_steps):
            pools.append(pool)
    return pools


def pool_host(pool: str) -> str:
    """The host a crawl pool stands for, for people (``crawl_host_127_0_0_1`` → 127.0.0.1)."""
    for source in load_sources().values():
        if host_pool(source) == pool:
            return urlsplit(PLACEHOLDER.sub("http://127.0.0.1", source.list_urls[0])).hostname or pool
    return pool.removeprefix("crawl_host_")


def release_run(instance, run, why: str) -> list[str]:
    """Mark ``run`` failed (if it still looks live) and free every pool slot it holds or waits
    for. Returns the pools freed."""
    pools = _pools_of(instance, run.run_id)
    if run.status.value in LIVE_STATUSES:
        # a failed run, not a retried one: the crawl that died is not to be started again behind
        # the user's back by a daemon
        instance.add_run_tags(run.run_id, {"dagster/max_retries": "0"})
        instance.report_run_failed(run, message=why)
    instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return pools


def free_slots_of_dead_runs(instance, say) -> list[str]:
    """At the start of `gongkai run`: runs of this instance whose process is dead are marked
    failed and their pool slots freed; slots still held by runs that ended are freed too. Says
    what it did; returns the run ids released."""
    released = []
    live = instance.get_runs(filters=dg.RunsFilter(
        statuses=[dg.DagsterRunStatus(s) for s in LIVE_STATUSES]))
    for run in live:
        tag = run.tags.get(PROCESS_TAG)
        if process_alive(tag) is False:
            pid = tag.rsplit(":", 2)[1]
            pools = release_run(instance, run, f"the process of this run (pid {pid}) is gone; "
                                "marked failed by the next gongkai run")
            released.append(run.run_id)
            say(f"gongkai: run {run.run_id} (process {pid}, gone) marked failed"
                + (f"; its pool slot(s) of host {', '.join(pool_host(p) for p in pools)} freed"
                   if pools else ""))
    storage = instance.event_log_storage
    for run_id in sorted(storage.get_concurrency_run_ids()):
        if run_id in released:
            continue
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            pools = _pools_of(instance, run_id)
            storage.free_concurrency_slots_for_run(run_id)
            if pools:
                released.append(run_id)
                say(f"gongkai: pool slot(s) of host {', '.join(pool_host(p) for p in pools)} "
                    f"held by run {run_id}, which "
                    f"{'is unknown' if run is None else 'ended ' + run.status.value}, freed")
    return released


class PoolWatch:
    """While a run executes: says when one of its crawls waits for a pool slot, and whom it waits
    for (never a silent wait); and on SIGTERM/SIGINT, which Dagster only notes while a step
    waits for its slot, ends the wait: the run is marked failed, its slots freed, the process
    exits (128 + the signal)."""

    def __init__(self, instance, run_id: str, say, grace: float = 5.0) -> None:
        self.instance, self.run_id, self.say, self.grace = instance, run_id, say, grace
        self.stopped = threading.Event()
        self.told: set[tuple[str, str]] = set()
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._old_fd = None

    def __enter__(self) -> "PoolWatch":
        if threading.current_thread() is threading.main_thread():
            # every signal with a Python handler (Dagster's, during the run) writes its number
            # here: we learn of SIGTERM/SIGINT even while Dagster only sets a flag
            self._old_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self.thread = threading.Thread(target=self._watch, name="gongkai-pool-watch", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        if self._old_fd is not None:
            signal.set_wakeup_fd(self._old_fd)
        self.thread.join(5)
        self._reader.close()
        self._writer.close()

    def _watch(self) -> None:
        import select

        interrupted_at = None
        signum = None
        while not self.stopped.is_set():
            ready, _, _ = select.select([self._reader], [], [], 1.0)
            if ready:
                try:
                    data = self._reader.recv(64)
                except OSError:
                    data = b""
                for n in data:
                    if n in (signal.SIGTERM, signal.SIGINT) and signum is None:
                        signum, interrupted_at = n, time.monotonic()
                        self.say(f"gongkai: interrupted by {signal.Signals(n).name}; ending run "
                                 f"{self.run_id}")
            if self.stopped.is_set():
                return
            try:
                waiting = self._waits()
            except Exception:  # the instance's storage busy or closing: look again
                waiting = []
            if signum is not None and (waiting or time.monotonic() - interrupted_at > self.grace):
                # waiting for a slot, Dagster only noted the signal; past the grace, a step that
                # did not stop is stopped here. A run that ended by itself is left to end.
                run = self.instance.get_run_by_id(self.run_id)
                if waiting or run is None or not run.is_finished:
                    self._end(signum, waiting)
                    return
            for pool, holders in waiting:
                for holder in holders:
                    if (pool, holder) not in self.told:
                        self.told.add((pool, holder))
                        run = self.instance.get_run_by_id(holder)
                        state = run.status.value if run else "unknown"
                        self.say(f"gongkai: waiting for pool slot of host {pool_host(pool)} held "
                                 f"by run {holder} ({state}); Ctrl-C or SIGTERM to stop")

    def _waits(self) -> list[tuple[str, list[str]]]:
        """(pool, runs holding its slots) for each pool a step of this run waits for."""
        storage = self.instance.event_log_storage
        found = []
        for pool in sorted(storage.get_concurrency_keys()):
            info = storage.get_concurrency_info(pool)
            if any(p.run_id == self.run_id and p.assigned_timestamp is None
                   for p in info.pending_steps):
                found.append((pool, sorted({s.run_id for s in info.claimed_slots
                                            if s.run_id != self.run_id})))
        return found

    def _end(self, signum: int, waiting) -> None:
        name = signal.Signals(signum).name
        run = self.instance.get_run_by_id(self.run_id)
        pools = release_run(self.instance, run, f"interrupted by {name}") if run else []
        self.say(f"gongkai: run {self.run_id} interrupted by {name}"
                 + (f" while waiting for the pool slot of host "
                    f"{', '.join(pool_host(p) for p, _ in waiting)}" if waiting else "")
                 + "; marked failed" + (f", its pool slot(s) freed" if pools else ""))
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(128 + signum)

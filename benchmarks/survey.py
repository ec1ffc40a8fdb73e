"""The fault survey of issue 14, re-run: ~176 damaged, hostile and odd entries named like
reports (tests/fixtures/faults/make_survey.py) through the real pipeline, and what held.

Makes the survey folder (in a temporary folder unless ``--out``), runs ``gongkai run --reports
DIR --warehouse TMP/w.duckdb`` on it in a process of its own (its own DAGSTER_HOME), and
measures:

- crashes: a non-zero exit, or a traceback on the terminal;
- hangs: the run not done within ``--timeout`` seconds (it is killed then);
- inputs accounted for: every entry of the folder (and of a directory named ``*.pdf``) is, by
  name, a source of a document (``documents``, ``document_sources``), a load error
  (``load_errors``), or named by a note the run recorded (the ``notes`` of the
  ``report_documents`` materialization: a file skipped, not a report by its name);
- cells lost without a problem: for every report read, each cell of its template that is
  neither in ``facts`` nor named by an ``extraction_problems`` row (its own, its row's or its
  table's, as ``gongkai.extract.tables.unaccounted_cells`` counts);
- entries that should have been read (a valid report under an odd name, a "no copy" PDF, a
  report with a stray glyph) but were not;
- peak memory per document: the high-water mark of resident memory (``VmHWM``) of each
  bounded reader process (``gongkai.extract.bounded``, forked by its forkserver), polled from
  /proc while the run lasts; the largest must be ≤ 1 GiB. A reader reads up to 25 documents
  before it is replaced, so this bounds each document's peak from above;
- private-address requests: the hostile portal of ``tests/crawl/hostile.py`` crawled inside a
  private network namespace of its own (``unshare -n``; canaries listen on 127.0.0.2,
  10.0.0.1, 169.254.169.254 and ::ffff:127.0.0.2): the canaries' hits. Without root or
  ``unshare``, this part is left to ``tests/crawl/test_hostile_portal.py``.

    .venv/bin/python benchmarks/survey.py [--out DIR] [--json] [--quick] [--timeout 3600]

Writes benchmarks/survey_results.json (not with ``--quick``, the ~20 entries of
tests/test_survey.py). Exits 1 when an invariant does not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "survey_results.json"
MEMORY_LIMIT = 1 << 30


# --- the memory of the reader processes -------------------------------------------------------

def _proc_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        table[int(entry.name)] = (ppid, cmdline)
    return table


def _high_water_mark(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class MemoryWatch:
    """Polls the process tree under ``root_pid``: the peak resident memory of every process,
    and which were bounded readers (children of the forkserver, which share its command
    line)."""

    def __init__(self, root_pid: int, every: float = 0.05) -> None:
        self.root_pid, self.every = root_pid, every
        self.peaks: dict[int, int] = {}
        self.readers: set[int] = set()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "MemoryWatch":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(5)

    def _watch(self) -> None:
        while not self.stopped.is_set():
            table = _proc_table()
            tree = {self.root_pid}
            grew = True
            while grew:
                grew = False
                for pid, (ppid, _) in table.items():
                    if ppid in tree and pid not in tree:
                        tree.add(pid)
                        grew = True
            for pid in tree:
                hwm = _high_water_mark(pid)
                if hwm is None:
                    continue
                self.peaks[pid] = max(self.peaks.get(pid, 0), hwm)
                ppid, cmd = table.get(pid, (0, ""))
                if "multiprocessing.forkserver" in cmd and \
                        "multiprocessing.forkserver" in table.get(ppid, (0, ""))[1]:
                    self.readers.add(pid)
            self.stopped.wait(self.every)

    def reader_peaks(self) -> list[int]:
        return sorted((self.peaks[p] for p in self.readers), reverse=True)


# --- the run ------------------------------------------------------------------------------------

def run_pipeline(folder: Path, place: Path, timeout: float, workers: int | None = None) -> dict:
    """``gongkai run --reports folder`` into ``place``; what it said and how it ended."""
    env = {**os.environ, "DAGSTER_HOME": str(place / "dagster_home"), "PYTHONUNBUFFERED": "1"}
    env.pop("GONGKAI_REPORTS", None)
    cmd = [sys.executable, "-m", "gongkai.cli", "run", "--reports", str(folder),
           "--warehouse", str(place / "w.duckdb")]
    if workers:
        cmd += ["--workers", str(workers)]
    out, err = open(place / "stdout.log", "wb"), open(place / "stderr.log", "wb")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err,
                            start_new_session=True)
    hung = False
    with MemoryWatch(proc.pid) as watch:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
    seconds = time.monotonic() - started
    out.close()
    err.close()
    stdout = (place / "stdout.log").read_text(errors="replace")
    stderr = (place / "stderr.log").read_text(errors="replace")
    return {"returncode": proc.returncode, "hung": hung, "seconds": round(seconds, 1),
            "stdout": stdout, "stderr": stderr,
            "reader_peaks": watch.reader_peaks(), "readers": len(watch.readers),
            "process_peak": max(watch.peaks.values(), default=0)}


def folder_entries(folder: Path) -> list[str]:
    """Every entry of ``folder`` as the pipeline names it (``display_name`` of its path), and
    of the directories in it (those named ``*.pdf`` included), not following symlinks."""
    from gongkai.extract.intake import display_name

    names = []
    for dirpath, dirnames, filenames in os.walk(os.fsencode(str(folder))):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            names.append(display_name(os.fsdecode(path)))
    return sorted(names)


def recorded_notes(home: Path) -> list[str]:
    """The notes of the run's ``report_documents`` materialization (files skipped by name)."""
    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        import dagster as dg

        with dg.DagsterInstance.get() as instance:
            event = instance.get_latest_materialization_event(dg.AssetKey("report_documents"))
            if event is None:
                return []
            notes = event.asset_materialization.metadata.get("notes")
            return list(notes.value) if notes is not None else []
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved


def _named_by_note(entry: str, folder: Path, notes: list[str]) -> bool:
    from gongkai.extract.intake import display_name

    parent, name = os.path.split(entry)
    return any(note.startswith(f"{parent}:") and "skipped" in note
               and display_name(name) in note for note in notes) or \
        any(note.startswith(f"{entry}:") for note in notes)


def lost_cells(con) -> list[dict]:
    """Per report read, the template's cells neither in facts nor named by a problem."""
    from types import SimpleNamespace

    from gongkai.extract.tables import unaccounted_cells

    lost = []
    reports = con.execute(
        "SELECT r.report_id, r.template, d.source FROM reports r JOIN documents d "
        "USING (document_id) ORDER BY d.source").fetchall()
    for report_id, template, source in reports:
        facts = [SimpleNamespace(table=t, row=r, column=c) for t, r, c in con.execute(
            "SELECT table_name, row_key, column_key FROM facts WHERE report_id = ?",
            [report_id]).fetchall()]
        problems = [SimpleNamespace(code=code, table=t, row=r, column=c) for code, t, r, c in
                    con.execute("SELECT code, table_name, row_key, column_key FROM "
                                "extraction_problems WHERE report_id = ?", [report_id]).fetchall()]
        if template is None:
            # no template told: every table must be named missing (nothing read, all said)
            cells = [] if problems else [("*", "*", "*")]
        else:
            cells = unaccounted_cells(template, facts, problems)
        if cells:
            lost.append({"source": source, "template": template, "cells": len(cells),
                         "first": [".".join(c) for c in cells[:5]]})
    return lost


def measure(folder: Path, place: Path, run: dict, entries) -> dict:
    from gongkai.extract.intake import display_name
    from warehouse import store

    crash = run["returncode"] != 0 or "Traceback" in run["stdout"] + run["stderr"]
    result = {"crashes": int(crash and not run["hung"]), "hangs": int(run["hung"]),
              "run_seconds": run["seconds"], "returncode": run["returncode"]}
    names = folder_entries(folder)
    result["entries"] = len(names)
    db = place / "w.duckdb"
    if not db.exists():
        result.update({"accounted_for": 0, "not_accounted_for": names, "reports": 0,
                       "load_errors": 0, "cells_lost_without_a_problem": None})
        return result
    con = store.connect(db, read_only=True)
    try:
        sources = {s for (s,) in con.execute(
            "SELECT source FROM documents UNION SELECT source FROM document_sources").fetchall()}
        errors = dict(con.execute(
            "SELECT path, any_value(reason) FROM load_errors GROUP BY path").fetchall())
        notes = recorded_notes(place / "dagster_home")
        missing = [n for n in names if n not in sources and n not in errors
                   and not _named_by_note(n, folder, notes)]
        result["accounted_for"] = len(names) - len(missing)
        result["not_accounted_for"] = missing
        result["documents"] = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        result["reports"] = con.execute("SELECT count(*) FROM reports").fetchone()[0]
        result["facts"] = con.execute("SELECT count(*) FROM facts").fetchone()[0]
        result["load_errors"] = len(errors)
        result["noted"] = sum(1 for n in names if n not in sources and n not in errors)
        lost = lost_cells(con)
        result["cells_lost_without_a_problem"] = sum(x["cells"] for x in lost)
        result["reports_losing_cells"] = lost
        # what should have been read (valid reports under odd names, "no copy" PDFs, stray
        # glyphs), but ended in load_errors
        expected = {display_name(os.fsdecode(os.path.join(os.fsencode(str(folder)), e.name))): e
                    for e in entries if e.expect == "report"}
        result["expected_reports"] = len(expected)
        result["expected_but_not_read"] = {n: errors.get(n, "not found")
                                           for n in expected if n not in sources}
        limits = {"memory": 0, "time": 0, "died": 0}
        for reason in errors.values():
            if "memory limit" in reason:
                limits["memory"] += 1
            elif "time limit" in reason:
                limits["time"] += 1
            elif "reader's process died" in reason:
                limits["died"] += 1
        result["limits_hit"] = limits
        reasons: dict[str, int] = {}
        for reason in errors.values():
            key = reason.split(":")[0][:60]
            reasons[key] = reasons.get(key, 0) + 1
        result["load_error_reasons"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1]))
    finally:
        con.close()
    peaks = run["reader_peaks"]
    result["reader_processes"] = run["readers"]
    result["peak_memory_per_document_mib"] = round(peaks[0] / (1 << 20), 1) if peaks else None
    result["reader_peaks_mib_top5"] = [round(p / (1 << 20), 1) for p in peaks[:5]]
    result["pipeline_process_peak_mib"] = round(run["process_peak"] / (1 << 20), 1)
    return result


# --- the hostile portal ----------------------------------------------------------------------

def namespaces_work() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip") or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def private_address_requests(timeout: float = 180) -> dict:
    """The SSRF portal crawled inside a private network namespace (tests.crawl.hostile):
    what the canaries standing for private addresses saw."""
    from tests.crawl.hostile import SSRF_TARGETS

    if not namespaces_work():
        return {"measured": False, "covered_by": [
            "tests/crawl/test_hostile_portal.py::test_canaries_in_a_private_network_namespace"
            "_see_no_request",
            "tests/crawl/test_hostile_portal.py::test_redirects_and_links_to_private_addresses"
            "_are_refused_before_connecting"]}
    script = ("ip link set lo up && ip addr add 10.0.0.1/32 dev lo && "
              "ip addr add 169.254.169.254/32 dev lo && "
              f"exec {sys.executable} -m tests.crawl.hostile ssrf")
    out = subprocess.run(["unshare", "-n", "sh", "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode != 0:
        return {"measured": False, "error": out.stderr[-2000:]}
    report = json.loads(out.stdout.strip().splitlines()[-1])
    refused = {u for u, attempt, _, error in report["log"]
               if attempt == 0 and (error or "").startswith("refused: ")}
    return {"measured": True, "canary_control": report["control"],
            "private_address_requests": len(report["hits"]), "hits": report["hits"],
            "targets": len(SSRF_TARGETS),
            "targets_refused": len(set(SSRF_TARGETS) & refused),
            "reports_stored": len(report["reports"])}


# --- all of it --------------------------------------------------------------------------------

def survey(out: Path | None = None, quick: bool = False, timeout: float = 3600,
           crawl: bool = True, workers: int | None = None) -> dict:
    from tests.fixtures.faults.make_survey import make_survey

    with tempfile.TemporaryDirectory(prefix="gongkai-survey-") as tmp:
        tmp = Path(tmp)
        folder = Path(out) if out else tmp / "survey"
        if folder.exists() and any(folder.iterdir()):
            raise SystemExit(f"{folder} is not empty")
        made = time.monotonic()
        entries = make_survey(folder, quick=quick)
        made = time.monotonic() - made
        place = tmp / "run"
        place.mkdir()
        run = run_pipeline(folder, place, timeout, workers)
        result = {"measured": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "python": platform.python_version(), "cpus": os.cpu_count(),
                  "load_average": [round(x, 1) for x in os.getloadavg()],
                  "quick": quick, "timeout_seconds": timeout,
                  "made_seconds": round(made, 1), "kinds": _kinds(entries)}
        result.update(measure(folder, place, run, entries))
        if result["crashes"] or result["hangs"]:
            result["terminal_tail"] = (run["stdout"] + run["stderr"])[-4000:]
    result["crawl"] = private_address_requests() if crawl else {"measured": False}
    result["held"] = held(result)
    return result


def _kinds(entries) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for e in entries:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    return dict(sorted(kinds.items()))


def held(r: dict) -> dict[str, bool]:
    """Each invariant of the issue: True when it held."""
    peak = r.get("peak_memory_per_document_mib")
    out = {"no_crash": r["crashes"] == 0, "no_hang": r["hangs"] == 0,
           "every_input_accounted_for": not r.get("not_accounted_for"),
           "no_cell_lost_without_a_problem": r.get("cells_lost_without_a_problem") == 0,
           "every_readable_report_read": not r.get("expected_but_not_read"),
           "peak_memory_per_document_within_1_GiB":
               peak is not None and peak * (1 << 20) <= MEMORY_LIMIT}
    if r.get("crawl", {}).get("measured"):
        out["no_request_to_a_private_address"] = r["crawl"]["private_address_requests"] == 0
    return out


def text(r: dict) -> str:
    lines = [f"survey: {r['entries']} entries ({', '.join(f'{k} {n}' for k, n in r['kinds'].items())})",
             f"  run: {r['run_seconds']} s, exit code {r['returncode']}",
             f"  crashes: {r['crashes']}   hangs: {r['hangs']}",
             f"  inputs accounted for: {r.get('accounted_for')} of {r['entries']} "
             f"(documents {r.get('documents')}, reports {r.get('reports')}, load errors "
             f"{r.get('load_errors')}, noted {r.get('noted')})",
             f"  cells lost without a problem: {r.get('cells_lost_without_a_problem')}",
             f"  readable reports not read: {len(r.get('expected_but_not_read') or {})} of "
             f"{r.get('expected_reports')}",
             f"  peak memory per document: {r.get('peak_memory_per_document_mib')} MiB "
             f"({r.get('reader_processes')} reader processes; limit 1024 MiB)",
             f"  limits hit: {r.get('limits_hit')}"]
    crawl = r["crawl"]
    if crawl.get("measured"):
        lines.append(f"  private-address requests: {crawl['private_address_requests']} "
                     f"({crawl['targets_refused']} of {crawl['targets']} targets refused; "
                     f"canaries reachable: {', '.join(crawl['canary_control'])})")
    else:
        lines.append("  private-address requests: not measured here; covered by "
                     + ", ".join(crawl.get("covered_by", [])) + (crawl.get("error") or ""))
    for name in r.get("not_accounted_for") or []:
        lines.append(f"  ! not accounted for: {name}")
    for lost in r.get("reports_losing_cells") or []:
        lines.append(f"  ! {lost['cells']} cell(s) lost in {lost['source']}: {lost['first']}")
    for name, why in (r.get("expected_but_not_read") or {}).items():
        lines.append(f"  ! not read: {name}: {why}")
    failed = [k for k, ok in r["held"].items() if not ok]
    lines.append("held: all" if not failed else f"did NOT hold: {', '.join(failed)}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="make the survey here (kept); default: a "
                                             "temporary folder")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--quick", action="store_true", help="the ~20 entries of the test")
    ap.add_argument("--timeout", type=float, default=3600, help="the run's global time limit")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--no-crawl", action="store_true", help="skip the hostile portal")
    args = ap.parse_args()
    result = survey(args.out, args.quick, args.timeout, not args.no_crawl, args.workers)
    if not args.quick:
        RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else text(result))
    sys.exit(0 if all(result["held"].values()) else 1)


if __name__ == "__main__":
    main()

"""The whole pipeline at scale: N distinct synthetic text-PDF reports into a fresh warehouse.

    python benchmarks/scale_benchmark.py --reports N [--workers W] [--json]
    python benchmarks/scale_benchmark.py --nothing-new 48,288 [--workers W] [--json]
    python benchmarks/scale_benchmark.py --generate N   # only make (and cache) the PDFs

The reports are made by the fixture generator (``tests/fixtures/make_fixtures.py``, used as a
library, never edited): both templates (the official 2021 Word template, the 2019 layout built
from scratch), each report taking the style, quirks and planted breaks of one of its fixture
recipes under an invented 示例 agency (a city government, a department, a county, a district
or a town), its own seed and so its own numbers. Agencies report over one to four consecutive
years (2019–2024; the template follows the year, a few on the wrong one), chained by
construction so the cross-year rules have pairs — a few not chained (carry breaks), a few
with last year's text copied. The .docx files are converted by LibreOffice in batches, two
converters at once, and the PDFs are cached (``$GONGKAI_SCALE_CACHE``, default
``$TMPDIR/gongkai-scale-cache``); generating is not timed.

``--reports N``: ``gongkai run --reports DIR --warehouse FRESH.duckdb --workers W`` on the N
reports, then again with nothing new, then with 1% more (the next year of some agencies' series:
new reports with cross-year pairs). Per run: wall seconds, per-stage seconds per report (from
the Dagster run's step events: listing, extract, load, the integrity check, rules = planning,
SQL and GX validation and storing, Data Docs, the asset checks, the summary, publishing), peak
memory (the sum of the resident memory of the run's processes, sampled every 0.2 s) and the
warehouse's size.

``--nothing-new A,B``: warehouses of A and B reports (the first ones of the same set), each
loaded once, then ``--repeat`` runs with nothing new on each, alternately; the ratio of the
medians B / A (target ≤ 1.5 for 288 against 48).

Writes ``benchmarks/scale_results.json`` (the last measurement of each kind is kept).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULTS = REPO / "benchmarks" / "scale_results.json"
GENERATOR_VERSION = "1"  # bump when the plan or the rendering changes: a new cache
SEED = 12

# --------------------------------------------------------------------------------------------
# the reports: a deterministic plan of agencies and their series of years

PLACE_1 = "甲乙丙丁戊己庚辛壬癸"
PLACE_2 = "东南西北中安宁平和兴"
DEPARTMENTS = ["财政局", "教育局", "民政局", "审计局", "司法局", "交通运输局", "卫生健康委员会",
               "生态环境局", "住房和城乡建设局", "市场监督管理局", "自然资源和规划局", "农业农村局"]
# (name pattern, may make 规章, magnitudes); {p} an invented place, {q} another
AGENCY_KINDS = [
    ("示例{p}市人民政府", True, ("city", "bigcity")),
    ("示例{p}市{dept}", False, ("county", "small")),
    ("示例{p}县人民政府", False, ("county",)),
    ("示例{p}市{q}区人民政府", False, ("county", "small")),
    ("示例{p}县{q}镇人民政府", False, ("township", "zero")),
]
KIND_WEIGHTS = [1, 6, 2, 2, 2]
YEARS = range(2019, 2025)


def _recipes():
    from tests.fixtures import make_fixtures as mf

    usable = [f for f in mf.FIXTURES if "labels" not in f]
    return {"s19": [f for f in usable if f["gen"] == "s19"],
            "t21": [f for f in usable if f["gen"] == "t21"]}


def _agency_names():
    """Every invented agency once, in a fixed shuffled order."""
    places = [a + b for a, b in itertools.product(PLACE_1, PLACE_2)]
    rng = random.Random(SEED)
    out = []
    for p in places:
        q = places[(places.index(p) * 7 + 3) % len(places)]
        out.append(("示例{p}市人民政府".format(p=p), 0, "市政府"))
        out += [("示例{p}市{dept}".format(p=p, dept=d), 1, "市" + d) for d in DEPARTMENTS]
        out.append(("示例{p}县人民政府".format(p=p), 2, "县政府"))
        out.append(("示例{p}市{q}区人民政府".format(p=p, q=q), 3, "区政府"))
        out.append(("示例{p}县{q}镇人民政府".format(p=p, q=q), 4, "镇政府"))
    rng.shuffle(out)
    return out


def plan(n: int) -> tuple[list[dict], list[dict]]:
    """(the first run's reports, the 1% added later): fixture definitions for the generator.

    The series do not depend on ``n``: the plan of 200 reports is the first series of the plan
    of 2000, so one cache serves both. The 1% added are the next year of the last series that
    have one (new reports that pair with a report already in the warehouse)."""
    from tests.fixtures import make_fixtures as mf

    recipes = _recipes()
    extra = max(1, math.ceil(n / 100))
    rng = random.Random(SEED)
    names = iter(_agency_names())
    series = []
    total = 0
    while total < n + extra:  # the same series whatever n: one cache serves every n
        agency, kind, short = next(names)
        _, power, mags = AGENCY_KINDS[kind]
        length = rng.choices((1, 2, 3, 4), weights=(30, 30, 25, 15))[0]
        first = rng.randint(YEARS[0], YEARS[-1] - length + 1)
        mag = rng.choice(mags)
        chained = rng.random() > 0.1
        recipe = {g: rng.choice(recipes[g]) for g in ("s19", "t21")}
        reports = []
        for year in range(first, first + length):
            gen = "s19" if year <= 2020 else "t21"
            if year >= 2021 and rng.random() < 0.03:
                gen = "s19"  # the old layout in a year of the new template
            r = recipe[gen]
            stem = f"scale-{len(series):04d}-{year}"
            f = mf.F(stem, gen, year, agency, short, r["font"], mag, dict(r["style"]),
                     quirks=r["quirks"], plant=r["plant"], power=power,
                     **{k: r[k] for k in ("override", "say", "body_pt") if k in r})
            if reports:
                f["previous"] = reports[-1]["stem"]
                f["chained"] = chained
                if rng.random() < 0.1:
                    f["prose_of"] = reports[-1]["stem"]  # last year's text, numbers changed
            reports.append(f)
        series.append(reports)
        total += length
    _register([f for reports in series for f in reports])
    for reports in series:  # a chain the generator cannot continue (a count below 0): unchained
        for f in reports[1:]:
            try:
                mf.intended_and_raws(f, random.Random(mf.seed_of(f["stem"])))
            except RuntimeError:
                f["chained"] = False
    # the first n + extra reports; the last year of the last series of two years or more is
    # held back for the 1% run (new reports that pair with one already in the warehouse)
    flat = [f for reports in series for f in reports][:n + extra]
    held: set[str] = set()
    for reports in reversed(series):
        inside = [f for f in reports if f in flat]
        if len(held) == extra:
            break
        if len(inside) >= 2:
            held.add(inside[-1]["stem"])
    for f in reversed(flat):  # too few series of two years: the last reports instead
        if len(held) == extra:
            break
        held.add(f["stem"])
    first_run = [f for f in flat if f["stem"] not in held]
    added = [f for f in flat if f["stem"] in held]
    return first_run, added


def _register(fixtures: list[dict]) -> None:
    from tests.fixtures import make_fixtures as mf

    mf.BY_STEM.update({f["stem"]: f for f in fixtures})


_MERGES = [0]


def _fast_cells() -> None:
    """python-docx's ``Table.cell`` lays out the whole grid at every call (two thirds of the
    generator's time, 1.5 s a report): keep the layout until a merge or a change of rows or
    cells. The same documents, made four times faster."""
    from docx.table import Table, _Cell

    if getattr(Table, "_gongkai_fast", False):
        return
    layout = Table._cells.fget
    merge = _Cell.merge

    def cells(self):
        tbl = self._tbl
        key = (_MERGES[0], len(tbl.tr_lst), sum(len(tr.tc_lst) for tr in tbl.tr_lst))
        cached = getattr(self, "_gongkai_cells", None)
        if cached is None or cached[0] != key:
            cached = (key, layout(self))
            self._gongkai_cells = cached
        return cached[1]

    def merged(self, other):
        _MERGES[0] += 1
        try:
            return merge(self, other)
        finally:
            _MERGES[0] += 1

    Table._cells = property(cells)
    _Cell.merge = merged
    Table._gongkai_fast = True


def _build_docx(job: tuple[dict, str, list[dict]]) -> str:
    """Write one report's .docx (the generator's builders, its numbers and text)."""
    from tests.fixtures import make_fixtures as mf

    _fast_cells()
    f, out, every = job
    _register(every)
    seed = mf.seed_of(f["stem"])
    raws, sub, _ = mf.intended_and_raws(f, random.Random(seed))
    vals = {k: mf.parse_raw(v, k[2]) for k, v in raws.items()}
    prose, _ = mf.make_prose(random.Random(mf.seed_of(f.get("prose_of", f["stem"])) + 1), f, vals)
    builder = mf.build_t21 if f["gen"] == "t21" else mf.build_s19
    builder(f, raws, sub, prose, {}, out, random.Random(seed + 2))
    return out


def _convert(job: tuple[list[str], str, int]) -> None:
    """LibreOffice converts a batch of .docx in one start (its own profile per converter)."""
    docs, outdir, slot = job
    profile = Path(tempfile.gettempdir()) / f"gongkai_scale_lo_{os.getpid()}_{slot}"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", outdir, *docs],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60 * len(docs) + 120)


def cache_dir() -> Path:
    base = os.environ.get("GONGKAI_SCALE_CACHE") or Path(tempfile.gettempdir()) / \
        "gongkai-scale-cache"
    return Path(base) / f"v{GENERATOR_VERSION}"


def generate(fixtures: list[dict], jobs: int = 2, say=print) -> dict[str, Path]:
    """stem -> cached PDF, rendering those not cached yet (in ``jobs`` processes)."""
    from tests.fixtures import make_fixtures as mf

    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    out = {f["stem"]: cache / f"{f['stem']}.pdf" for f in fixtures}
    todo = [f for f in fixtures if not out[f["stem"]].exists()]
    if not todo:
        return out
    t0 = time.perf_counter()
    say(f"generating {len(todo)} report PDF(s) into {cache} ...")
    every = list(fixtures)
    batch = 40
    with tempfile.TemporaryDirectory(prefix="gongkai-scale-") as tmp, \
            ProcessPoolExecutor(max_workers=jobs) as pool:
        for start in range(0, len(todo), batch * jobs):
            chunk = todo[start:start + batch * jobs]
            docs = list(pool.map(_build_docx, [(f, f"{tmp}/{f['stem']}.docx", every)
                                               for f in chunk], chunksize=8))
            groups = [docs[i::jobs] for i in range(jobs)]
            list(pool.map(_convert, [(g, tmp, i) for i, g in enumerate(groups) if g]))
            for f in chunk:
                pdf = Path(tmp) / f"{f['stem']}.pdf"
                if not pdf.exists():
                    raise RuntimeError(f"LibreOffice made no PDF of {f['stem']}")
                part = out[f["stem"]].with_suffix(".part")
                part.write_bytes(mf.reproducible(pdf.read_bytes(), f))
                part.rename(out[f["stem"]])
                pdf.unlink()
                Path(tmp, f"{f['stem']}.docx").unlink()
            say(f"  {start + len(chunk)}/{len(todo)} in {time.perf_counter() - t0:.0f} s")
    return out


def report_folder(pdfs: list[Path], folder: Path) -> Path:
    """A folder of the given PDFs (hard links into the cache, copies across file systems)."""
    folder.mkdir(parents=True, exist_ok=True)
    for pdf in pdfs:
        target = folder / pdf.name
        if target.exists():
            continue
        try:
            os.link(pdf, target)
        except OSError:
            shutil.copyfile(pdf, target)
    return folder


# --------------------------------------------------------------------------------------------
# a run, measured


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        p = int(entry.name)
        children.setdefault(int(fields[1]), []).append(p)
        rss[p] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


class PeakMemory:
    """Samples the resident memory of a process tree until stopped; ``peak`` in bytes."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            self._stop.wait(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


STAGES = {  # step key -> stage
    "report_documents": "list",
    "extracted_reports": "extract",
    "warehouse_reports": "load",
    "warehouse_reports_facts_integrity": "integrity",
    "rule_findings": "rules_and_checks",
    "findings_summary": "summary",
    "published_warehouse": "publish",
}


def _step_seconds(home: Path, run_id: str) -> dict[str, float]:
    """Seconds per step of the run, and rule_findings split by its log lines into rules
    (plan, SQL, GX validation, store), Data Docs and the asset checks."""
    os.environ["DAGSTER_HOME"] = str(home)
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        out: dict[str, float] = {}
        for s in instance.get_run_step_stats(run_id):
            if s.start_time is not None and s.end_time is not None:
                # extraction is several steps (extracted_reports.extract_batch[batch_0000] …):
                # its stage is their sum
                stage = STAGES.get(s.step_key.split(".")[0], s.step_key)
                out[stage] = out.get(stage, 0.0) + s.end_time - s.start_time
        records = instance.all_logs(run_id)
        start = end = None
        marks = {}
        for e in records:
            if e.step_key != "rule_findings":
                continue
            if e.is_dagster_event and e.dagster_event.event_type_value == "STEP_START":
                start = e.timestamp
            if e.is_dagster_event and e.dagster_event.event_type_value in ("STEP_SUCCESS",
                                                                            "STEP_FAILURE"):
                end = e.timestamp
            msg = e.user_message or ""
            if msg.startswith("Great Expectations validation:"):
                marks["validated"] = e.timestamp
            elif msg.startswith("Great Expectations Data Docs") or msg.startswith(
                    "nothing validated"):
                marks["docs"] = e.timestamp
        if start and end and "validated" in marks and "docs" in marks:
            out["rules"] = marks["validated"] - start
            out["data_docs"] = marks["docs"] - marks["validated"]
            out["checks"] = end - marks["docs"]
            out.pop("rules_and_checks", None)
    return out


def gongkai_run(folder: Path, warehouse: Path, workers: int, home: Path) -> dict:
    """One ``gongkai run --reports folder`` in a new process, measured."""
    gongkai = str(Path(sys.executable).with_name("gongkai"))
    cmd = [gongkai, "run", "--reports", str(folder), "--warehouse", str(warehouse),
           "--workers", str(workers)]
    env = dict(os.environ, DAGSTER_HOME=str(home))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak = PeakMemory(proc.pid)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    rss = peak.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{stdout[-3000:]}\n"
                           f"{stderr[-3000:]}")
    run_id = next(line.split()[1] for line in stdout.splitlines() if line.startswith("Run "))
    docs = warehouse.parent / "data_docs" / warehouse.stem
    return {"wall_s": round(wall, 2), "run_id": run_id,
            "steps_s": {k: round(v, 3) for k, v in _step_seconds(home, run_id).items()},
            "peak_rss_mb": round(rss / 2**20, 1),
            "warehouse_mb": round(warehouse.stat().st_size / 2**20, 2),
            "data_docs_mb": round(_size(docs) / 2**20, 2)}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _per_report(run: dict, n: int) -> dict:
    return {k: round(v / n, 4) for k, v in run["steps_s"].items()}


def _print_run(name: str, run: dict, n_docs: int, n_new: int) -> None:
    per = ", ".join(f"{k} {v:.3f}" for k, v in _per_report(run, max(n_new, 1)).items())
    print(f"{name}: {n_docs} document(s) in the folder, {n_new} new: {run['wall_s']:.1f} s wall; "
          f"per new report (s): {per}; peak memory {run['peak_rss_mb']:.0f} MB; warehouse "
          f"{run['warehouse_mb']:.1f} MB (+ Data Docs {run['data_docs_mb']:.1f} MB)",
          file=sys.stderr)


def scale(n: int, workers: int) -> dict:
    first, added = plan(n)
    pdfs = generate(first + added, say=lambda m: print(m, file=sys.stderr))
    with tempfile.TemporaryDirectory(prefix="gongkai-scale-run-") as tmp:
        tmp = Path(tmp)
        folder = report_folder([pdfs[f["stem"]] for f in first], tmp / "reports")
        warehouse = tmp / "warehouse" / f"scale-{n}.duckdb"
        warehouse.parent.mkdir()
        home = tmp / "dagster_home"
        runs = {}
        runs["fresh"] = gongkai_run(folder, warehouse, workers, home)
        _print_run("fresh warehouse", runs["fresh"], n, n)
        runs["nothing_new"] = gongkai_run(folder, warehouse, workers, home)
        _print_run("nothing new", runs["nothing_new"], n, 0)
        report_folder([pdfs[f["stem"]] for f in added], folder)
        runs["one_percent_new"] = gongkai_run(folder, warehouse, workers, home)
        _print_run("1% new", runs["one_percent_new"], n + len(added), len(added))
    fresh = runs["fresh"]
    return {
        "reports": n, "added": len(added), "workers": workers,
        "templates": {t: sum(f["template"] == t for f in first) for t in ("2019", "2021")},
        "agencies": len({f["agency"] for f in first}),
        "cross_year_pairs": sum(bool(f.get("previous")) for f in first),
        "runs": runs,
        "per_report_s": {name: _per_report(r, n if name == "fresh" else
                                           len(added) if name == "one_percent_new" else 1)
                         for name, r in runs.items()},
        "seconds_per_report_wall": round(fresh["wall_s"] / n, 4),
    }


def nothing_new(sizes: tuple[int, int], workers: int, repeat: int) -> dict:
    small, big = sizes
    first, _ = plan(big)
    pdfs = generate(first, say=lambda m: print(m, file=sys.stderr))
    out = {}
    with tempfile.TemporaryDirectory(prefix="gongkai-scale-nothing-new-") as tmp:
        tmp = Path(tmp)
        setups = {}
        for n in sizes:
            folder = report_folder([pdfs[f["stem"]] for f in first[:n]], tmp / f"reports-{n}")
            warehouse = tmp / f"warehouse-{n}" / f"w{n}.duckdb"
            warehouse.parent.mkdir()
            home = tmp / f"home-{n}"
            run = gongkai_run(folder, warehouse, workers, home)
            _print_run(f"{n} reports, fresh", run, n, n)
            setups[n] = (folder, warehouse, home)
        times: dict[int, list[dict]] = {n: [] for n in sizes}
        for _ in range(repeat):  # alternately: a load on the machine weighs on both alike
            for n in sizes:
                run = gongkai_run(*setups[n][:2], workers, setups[n][2])
                _print_run(f"{n} reports, nothing new", run, n, 0)
                times[n].append(run)
        for n in sizes:
            walls = [r["wall_s"] for r in times[n]]
            out[str(n)] = {"wall_s_median": round(statistics.median(walls), 2), "walls_s": walls,
                           "steps_s_median": {k: round(statistics.median(
                               r["steps_s"].get(k, 0) for r in times[n]), 3)
                               for k in times[n][0]["steps_s"]},
                           "warehouse_mb": times[n][-1]["warehouse_mb"]}
    ratio = out[str(big)]["wall_s_median"] / out[str(small)]["wall_s_median"]
    return {"sizes": list(sizes), "workers": workers, "repeat": repeat, "by_size": out,
            "ratio": round(ratio, 3), "target_ratio": 1.5}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, help="N reports into a fresh warehouse")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--nothing-new", metavar="A,B",
                    help="re-runs with nothing new on warehouses of A and B reports")
    ap.add_argument("--repeat", type=int, default=3, help="--nothing-new: runs of each size")
    ap.add_argument("--generate", type=int, metavar="N", help="only make the PDFs of N reports")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if args.generate:
        first, added = plan(args.generate)
        generate(first + added, say=lambda m: print(m, file=sys.stderr))
        return 0
    if bool(args.reports) == bool(args.nothing_new):
        ap.error("give --reports N or --nothing-new A,B")
    env = {"machine": platform.machine(), "cpus": os.cpu_count(),
           "python": platform.python_version(),
           "load_average": [round(x, 2) for x in os.getloadavg()],
           "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if args.reports:
        result = dict(scale(args.reports, args.workers), **env)
        key = f"scale_{args.reports}"
    else:
        sizes = tuple(int(x) for x in args.nothing_new.split(","))
        result = dict(nothing_new(sizes, args.workers, args.repeat), **env)
        key = f"nothing_new_{sizes[0]}_{sizes[1]}"
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[key] = result
    RESULTS.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""From grids of regions to facts: which table, which row, which column, which value.

Rows are recognised by the template's labels (vocabulary ``match`` fragments), columns by the
header regions above them; a fragment that continues a table on the next page has no header
and takes the columns of the fragment before it, matched by x position (same page layout).
Nothing is guessed: a label we do not know, a header we cannot find, a value that is not a
number, glyphs that cross a cell border: each becomes a Problem naming table, row, column, page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from gongkai import vocabulary as V
from gongkai.extract.grid import Grid, Region
from gongkai.model import Fact, Problem
from gongkai.values import CellValueError, clean_raw, parse_cell

N = V.normalise_label

_TABLE_WORDS = {
    V.REVIEW_LITIGATION: ("行政复议",),
    V.APPLICATIONS: ("申请人情况", "本年新收", "予以公开", "不予公开", "无法提供", "不予处理",
                     "结转下年度", "国家秘密", "信访举报", "另行制作", "仍不明确", "逾期不补正",
                     "重复申请", "总计"),
    V.ACTIVE_DISCLOSURE: ("第二十条", "信息内容", "规章", "规范性文件", "行政许可", "行政处罚",
                          "行政强制", "事业性收费", "集中采购"),
}
_RL_HEADER_WORDS = ("维持", "纠正", "其他", "审结", "总计", "行政复议", "行政诉讼", "起诉")


def classify(grid: Grid) -> str | None:
    """Which statutory table a ruled table (or a fragment of one) belongs to, if any."""
    text = N(grid.text())
    if "行政复议" in text and any(w in text for w in ("维持", "纠正", "行政诉讼")):
        return V.REVIEW_LITIGATION
    apps = sum(word in text for word in _TABLE_WORDS[V.APPLICATIONS])
    ads = sum(word in text for word in _TABLE_WORDS[V.ACTIVE_DISCLOSURE])
    if apps >= 2 and apps >= ads:
        return V.APPLICATIONS
    if ads >= 1:
        return V.ACTIVE_DISCLOSURE
    return None


def table_pages(page_texts: list[str]) -> list[int]:
    """The pages (1-based) that may hold part of a statutory table: those with the tables'
    words, and the page after each (a fragment of figures only, continued from the page before).

    Camelot lays out every page it is given (about 0.3 s a page): prose pages are skipped.
    """
    words = {w for ws in _TABLE_WORDS.values() for w in ws} | {"申请人情况", "维持", "纠正"}
    hits = [i + 1 for i, text in enumerate(page_texts)
            if sum(w in N(text) for w in words) >= 2]
    pages = sorted({p for hit in hits for p in (hit, hit + 1) if p <= len(page_texts)})
    return pages


def detect_template(grids: list[Grid]) -> str | None:
    """The template by the headers of table 二, the one part the two templates print differently."""
    for grid in grids:
        if classify(grid) != V.ACTIVE_DISCLOSURE:
            continue
        text = N(grid.text())
        if any(w in text for w in ("新制作", "上一年项目", "采购项目", "新公开数量")):
            return "2019"
        if any(w in text for w in ("制发", "废止", "现行有效", "收费金额")):
            return "2021"
    return None


@dataclass
class Reading:
    """What the tables of one document gave."""

    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    cells_read: int = 0
    cells_disagreeing: int = 0  # where Camelot's own text gives another value than the glyphs


@dataclass
class _Context:
    template: str
    page_heights: list[float]
    reading: Reading
    seen: set = field(default_factory=set)

    def add(self, table: str, row: str, column: str, region: Region, grid: Grid,
            kind: str = "count", default_unit: str = "万元") -> None:
        raw = clean_raw(region.text)
        second = clean_raw(region.check_text)
        agree = "".join(second.split()) == "".join(raw.split())
        if agree:
            # PDFium synthesises spaces and drops the document's own; pdfminer's characters are
            # the content stream's, so the raw text takes its spacing from them ("12.6 万元")
            raw = second
        where = dict(table=table, row=row, column=column, page=grid.page)
        if (table, row, column) in self.seen:
            self.reading.problems.append(Problem(
                "cell.duplicate", f"{table}.{row}.{column} read twice ({grid.where}); "
                "the first reading is kept", **where))
            return
        self.seen.add((table, row, column))
        if region.straddling:
            self.reading.problems.append(Problem(
                "cell.geometry_suspect",
                f"{table}.{row}.{column} on {grid.where}: the glyphs "
                f"{''.join(region.straddling)!r} cross the cell's border, so the value {raw!r} "
                "may belong to a neighbouring cell", **where))
        try:
            parsed = parse_cell(raw, kind, default_unit)
        except CellValueError as exc:
            self.reading.problems.append(Problem(
                "cell.unreadable", f"{table}.{row}.{column} on {grid.where}: {exc}", **where))
            parsed = None
        self.reading.cells_read += 1
        if not agree:
            self.reading.cells_disagreeing += 1
            self.reading.problems.append(Problem(
                "cell.methods_disagree",
                f"{table}.{row}.{column} on {grid.where}: {grid.readings[0]} read {raw!r}, "
                f"{grid.readings[1]} read {second!r}", **where))
        self.reading.facts.append(Fact(
            table=table, row=row, column=column,
            value=parsed.value if parsed else None, raw=raw, page=grid.page,
            bbox=(region.bbox_top_left(self.page_heights[grid.page - 1])
                  if region.locator is None else None),
            locator=region.locator,
            grid=(region.rows[0], region.cols[0]),
            unit=parsed.unit if parsed else None,
        ))


def read_tables(grids: list[Grid], template: str, page_heights: list[float]) -> Reading:
    ctx = _Context(template, page_heights, Reading())
    parsers = {V.ACTIVE_DISCLOSURE: _ActiveDisclosure(), V.APPLICATIONS: _Applications(),
               V.REVIEW_LITIGATION: _ReviewLitigation()}
    found = set()
    current, last_page = None, None
    for grid in grids:
        kind = classify(grid)
        if current is not None and kind != current and (
            not _has_labels(grid)  # only figures: the rest of the table before
            # the first ruled table of the next page, while the table before is unfinished
            or (kind is None and grid.page == last_page + 1 and parsers[current].unfinished(ctx))
        ):
            kind = current
        if kind is None:
            continue
        parsers[kind].feed(grid, ctx)
        found.add(kind)
        current, last_page = kind, grid.page
    for table in V.TABLES:
        if table not in found:
            ctx.reading.problems.append(Problem(
                "table.missing", f"table {V.TABLE_LABELS[table]} was not found as a ruled table",
                table=table))
        else:
            parsers[table].finish(ctx)
    _account_for_every_cell(ctx)
    return ctx.reading


def expected_cells(template: str, facts: list[Fact]) -> list[tuple[str, str, str]]:
    """Every (table, row, column) a report of ``template`` has, table 三's （六） as the report
    prints it: the 2019 single row or the 2021 three (a hybrid prints either)."""
    out = []
    for table in V.TABLES:
        rows = application_rows(template, facts) if table == V.APPLICATIONS \
            else V.rows(table, template)
        for row in rows:
            out += [(table, row.key, c.key) for c in V.columns(table, template, row.key)]
    return out


def application_rows(template: str, facts: list[Fact]):
    keys = {f.row for f in facts if f.table == V.APPLICATIONS}
    expected = list(V.rows(V.APPLICATIONS, "2021"))
    if "other_handling" in keys or (template == "2019" and not keys & set(_SIX)):
        expected = [r for r in expected if r.key not in _SIX]
        expected.insert(20, next(r for r in V.APP_ROWS if r.key == "other_handling"))
    return expected


def unaccounted_cells(template: str, facts: list[Fact], problems: list[Problem]
                      ) -> list[tuple[str, str, str]]:
    """The cells of the template neither read (a fact) nor named by a problem: the cell's own,
    its row's (row.missing, or cell.missing listing what the row lacks) or its table's
    (table.missing). Extraction leaves none (``_account_for_every_cell``)."""
    read = {(f.table, f.row, f.column) for f in facts}
    named = {(p.table, p.row, p.column) for p in problems}
    rows = {(p.table, p.row) for p in problems
            if p.row and p.column is None and p.code in ("row.missing", "cell.missing")}
    tables = {p.table for p in problems if p.code == "table.missing"}
    return [c for c in expected_cells(template, facts)
            if c not in read and c not in named and c[:2] not in rows and c[0] not in tables]


def _account_for_every_cell(ctx: _Context) -> None:
    """Every cell of the template is either read or named by a problem: a final pass over the
    template, for the cells no reading step above named (a column whose header was not read,
    in a row that has a problem of its own; a figure of table 四 under no region)."""
    for table, row, column in unaccounted_cells(ctx.template, ctx.reading.facts,
                                                ctx.reading.problems):
        ctx.reading.problems.append(Problem(
            "cell.missing", f"table {V.TABLE_LABELS[table]}: {V.label(table, row)} · "
            f"{V.label(table, column, column=True)} ({table}.{row}.{column}) was not read: "
            "no cell of the table was found for it", table=table, row=row, column=column))


def _has_labels(grid: Grid) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]{2}", grid.text()))


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _cell_under(regions: list[Region], x_range: tuple[float, float],
                min_share: float = 0.0) -> Region | None:
    """The region lying most under the column ``x_range`` (None if it covers less than
    ``min_share`` of the column's width, or nothing of it)."""
    # of regions lying equally under it, the one lying most *within* it: an HTML row whose
    # colspans disagree with its header ("0" spanning 上一年项目数量 and half of 本年增/减,
    # then "0" under the rest of 本年增/减) gives 本年增/减 to the second
    cell = max(regions, key=lambda g: (_overlap((g.x0, g.x1), x_range),
                                       _overlap((g.x0, g.x1), x_range) / max(g.x1 - g.x0, 1e-9)),
               default=None)
    if cell is None:
        return None
    covered = _overlap((cell.x0, cell.x1), x_range)
    return cell if covered > 0 and covered >= min_share * (x_range[1] - x_range[0]) else None


def _regions_in_row(grid: Grid, row: int) -> list[Region]:
    return sorted((r for r in grid.regions if r.rows[0] <= row <= r.rows[1]),
                  key=lambda r: r.cols[0])


def _find_key(text: str, candidates) -> str | None:
    """The candidate whose longest match fragment occurs in ``text``."""
    best, best_len = None, 0
    for item in candidates:
        for word in item.match:
            if word in text and len(word) > best_len:
                best, best_len = item.key, len(word)
    return best


def _header_of(column, header: list[tuple[tuple[float, float], str, str]], tolerant: bool):
    """The header (x range, text, unit) of ``column``: the one holding a match word of it, else,
    for a table read by OCR (``tolerant``), the header most like its label (OCR reads 决 as
    決, drops a character under a seal), when alike in at least ``HEADER_LIKENESS``."""
    head = next((h for h in header if any(w in h[1] for w in column.match)), None)
    if head is not None or not header or not tolerant:
        return head
    from difflib import SequenceMatcher

    label = N(column.label)
    score, best = max((SequenceMatcher(None, label, h[1]).ratio(), i)
                      for i, h in enumerate(header))
    return header[best] if score >= HEADER_LIKENESS else None


# a header read by OCR is taken for a column's when this alike (difflib's ratio) to its label
HEADER_LIKENESS = 0.75


# --- 二、主动公开政府信息情况 -------------------------------------------------------------------

class _ActiveDisclosure:
    def __init__(self):
        self.header: list[tuple[tuple[float, float], str, str]] = []  # x range, text, unit
        self.last_key: str | None = None

    def feed(self, grid: Grid, ctx: _Context) -> None:
        rows = V.rows(V.ACTIVE_DISCLOSURE, ctx.template)
        for r in range(grid.nrows):
            regions = [g for g in _regions_in_row(grid, r) if g.rows[0] == r]
            if not regions:
                continue
            first = N(regions[0].text)
            if "信息内容" in first:
                self.header = [((g.x0, g.x1), N(g.text), _unit_of(g.text)) for g in regions[1:]]
                continue
            if not first or "第二十条" in first:
                continue
            key = _find_key(first, rows)
            if key is None and any(re.search(r"\d", g.text) for g in regions[1:]):
                key = misprinted_row(regions[0].text, rows, self.last_key, ctx,
                                     V.ACTIVE_DISCLOSURE, grid)
            if key is None:
                if any(re.search(r"\d", g.text) for g in regions[1:]):
                    ctx.reading.problems.append(Problem(
                        "row.unrecognised", f"table 二 row {regions[0].text!r} on page "
                        f"{grid.page} matches no row of the {ctx.template} template",
                        table=V.ACTIVE_DISCLOSURE, page=grid.page))
                continue
            self.last_key = key
            for column in V.columns(V.ACTIVE_DISCLOSURE, ctx.template, key):
                head = _header_of(column, self.header, tolerant=grid.readings[0] == "RapidOCR")
                if head is None:
                    ctx.reading.problems.append(Problem(
                        "column.missing", f"table 二 row {key}: no header "
                        f"{column.label!r} above it ({grid.where})",
                        table=V.ACTIVE_DISCLOSURE, row=key, column=column.key, page=grid.page))
                    continue
                cell = _cell_under(regions[1:], head[0])
                if cell is None:
                    ctx.reading.problems.append(Problem(
                        "cell.missing", f"table 二 row {key}: no cell under {column.label!r} "
                        f"({grid.where})", table=V.ACTIVE_DISCLOSURE, row=key,
                        column=column.key, page=grid.page))
                    continue
                ctx.add(V.ACTIVE_DISCLOSURE, key, column.key, cell, grid,
                        kind=column.kind, default_unit=head[2] or "万元")

    def unfinished(self, ctx: _Context) -> bool:
        last = V.rows(V.ACTIVE_DISCLOSURE, ctx.template)[-1].key
        return (V.ACTIVE_DISCLOSURE, last) not in {(t, r) for t, r, _ in ctx.seen}

    def finish(self, ctx: _Context) -> None:
        _report_missing_rows(ctx, V.ACTIVE_DISCLOSURE, V.rows(V.ACTIVE_DISCLOSURE, ctx.template))


def _unit_of(header_text: str) -> str | None:
    text = N(header_text)
    if "万元" in text:
        return "万元"
    if "单位元" in text:
        return "元"
    return None


@dataclass
class _HeaderPart:
    """A header region of a table kept for the fragment that continues it on the next page."""

    x_range: tuple[float, float]
    bottom_row: int
    text: str


class _BrokenHeaderTable:
    """A table whose header Word may break across a page (rows may split there): the header
    rows of a fragment without figures are kept and stacked over the next fragment's columns."""

    label = ""
    table = ""

    def __init__(self):
        self.columns: list = []
        self.carried: list[_HeaderPart] = []

    def _columns(self, grid: Grid, header_end: int, carried: list[_HeaderPart]) -> list:
        raise NotImplementedError

    def _ready(self, grid: Grid, header_end: int, has_header: bool, ctx: "_Context") -> bool:
        """Update the columns from this fragment's header; False when there is nothing to read."""
        if header_end >= grid.nrows:
            self.carried = [_HeaderPart((g.x0, g.x1), g.rows[1], g.text) for g in grid.regions]
            return False
        if has_header or self.carried:
            self.columns = self._columns(grid, header_end, self.carried) or self.columns
            self.carried = []
        if not self.columns:
            ctx.reading.problems.append(Problem(
                "table.unreadable", f"table {self.label} on {grid.where}: its column "
                "headers were not found", table=self.table, page=grid.page))
            return False
        return True


# --- 三、收到和处理政府信息公开申请情况 --------------------------------------------------------

_SIX = ("other_no_correction", "other_unpaid_fee", "other_other")


class _Applications(_BrokenHeaderTable):
    label = "三"
    table = V.APPLICATIONS

    def __init__(self):
        super().__init__()
        self.last_key: str | None = None
        self.last_row: dict | None = None  # the row read last: its key, labels and cells
        self.fragments = 0

    def feed(self, grid: Grid, ctx: _Context) -> None:
        first_data = self._first_data_row(grid)
        header_end = grid.nrows if first_data is None else first_data
        if not self._ready(grid, header_end, header_end > 0 or not self.columns, ctx):
            return
        continues = self.fragments > 0
        self.fragments += 1
        value_x0 = min(x[0] for x, _ in self.columns) - 1
        for r in range(header_end, grid.nrows):
            regions = _regions_in_row(grid, r)
            labels = [g for g in regions if g.x1 <= value_x0 + 2]
            own = N("".join(g.text for g in labels if g.height == 1 or g.rows[0] == r == g.rows[1]))
            group = N("".join(g.text for g in labels if g.height > 1))
            key = self._row_key(own, group, ctx.template)
            values = [g for g in regions if g.x0 >= value_x0]
            blank = not any(g.text.strip() for g in values)
            if continues and r == header_end and blank and own and self.last_row and (
                    key is None or key == self.last_row["key"]):
                # Word let the row break across the page: the rest of its label, no figures
                self._join_tail(own, group, ctx)
                continue
            if key is None and own:
                # a label misprinted ("2.其他法律行政止公开"): the row the template expects here
                following = self._row_key(self._own_label(grid, r + 1, value_x0), "", ctx.template) \
                    if r + 1 < grid.nrows else None
                key = misprinted_row(self._printed(labels, r), self._expected_rows(ctx),
                                     self.last_key, ctx, V.APPLICATIONS, grid,
                                     following=following)
            if key is None:
                problem = None
                if own or group or not blank:
                    problem = Problem(
                        "row.unrecognised", f"table 三 row {own or group!r} on {grid.where} "
                        "matches no row of the template", table=V.APPLICATIONS, page=grid.page)
                    ctx.reading.problems.append(problem)
                self.last_row = dict(key=None, own=own, group=group, values=values, grid=grid,
                                     problem=problem)
                continue
            self.last_key = key
            self.last_row = dict(key=key, own=own, group=group, values=values, grid=grid)
            self._add_row(key, values, grid, ctx)

    @staticmethod
    def _own_label(grid: Grid, r: int, value_x0: float) -> str:
        labels = [g for g in _regions_in_row(grid, r) if g.x1 <= value_x0 + 2]
        return N("".join(g.text for g in labels if g.height == 1 or g.rows[0] == r == g.rows[1]))

    @staticmethod
    def _printed(labels: list[Region], r: int) -> str:
        """The row's own label as printed (not the group label spanning rows beside it)."""
        return " ".join(g.text.strip() for g in labels
                        if g.height == 1 or g.rows[0] == r == g.rows[1]).strip()

    @staticmethod
    def _expected_rows(ctx: _Context):
        """The rows in the order the table prints them: the 2021 template's, with the 2019
        single （六）其他处理 where its three items would stand (agencies print either)."""
        rows = list(V.rows(V.APPLICATIONS, "2021"))
        single = next(r for r in V.APP_ROWS if r.key == "other_handling")
        if ctx.template == "2019":
            rows = [r for r in rows if r.key not in _SIX]
            rows.insert(20, single)
        return rows

    def _add_row(self, key: str, values: list[Region], grid: Grid, ctx: _Context) -> None:
        for (x_range, column) in self.columns:
            cell = _cell_under(values, x_range, min_share=0.5)
            if cell is None:
                ctx.reading.problems.append(Problem(
                    "cell.missing", f"table 三 row {key}: no cell under {column} "
                    f"({grid.where})", table=V.APPLICATIONS, row=key, column=column,
                    page=grid.page))
                continue
            if column == "subtotal":
                continue
            ctx.add(V.APPLICATIONS, key, column, cell, grid)

    def _join_tail(self, own: str, group: str, ctx: _Context) -> None:
        """Join the label's rest to the row before the page break, and name that row anew
        if the whole label says more ("1.申请人无正当理由逾" + "期不补正…" -> 逾期不补正)."""
        last = self.last_row
        key = self._row_key(last["own"] + own, last["group"] + group, ctx.template)
        last["own"] += own
        if key is None or key == last["key"]:
            return
        if last["key"] is None:  # unrecognised before the break, known now
            if last["problem"] in ctx.reading.problems:
                ctx.reading.problems.remove(last["problem"])
            self._add_row(key, last["values"], last["grid"], ctx)
        else:  # read under the key its first half suggested: move its cells
            for fact in ctx.reading.facts:
                if fact.table == V.APPLICATIONS and fact.row == last["key"]:
                    ctx.seen.discard((fact.table, fact.row, fact.column))
                    fact.row = key
                    ctx.seen.add((fact.table, fact.row, fact.column))
        last["key"] = self.last_key = key

    _ROW_WORDS = tuple(w for r in V.APP_ROWS if r.key != "total_processed" for w in r.match)

    _HEADER_WORDS = ("申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "勾稽")

    def _first_data_row(self, grid: Grid) -> int | None:
        """The first row holding a row label of the template or figures (the header has neither).
        On a continuation page any row but a repeated header is data: even the rest of a label
        broken by the page, with neither a whole label word nor figures."""
        for r in range(grid.nrows):
            text = N("".join(g.text for g in _regions_in_row(grid, r) if g.rows[0] == r))
            if any(w in text for w in self._HEADER_WORDS):
                continue
            if self.fragments and text:
                return r
            if any(w in text for w in self._ROW_WORDS) or re.search(r"\d", text):
                return r
        return None

    def _columns(self, grid: Grid, first_data: int, carried: list[_HeaderPart]):
        """Each grid column's key from its header leaf: the narrowest header region over it
        (with what stood above it on the page before, when the header was broken there)."""
        found = []
        for c, x_range in enumerate(grid.col_edges):
            width = x_range[1] - x_range[0]
            stack = [g for g in (grid.region_at(r, c) for r in range(first_data)) if g is not None]
            leaf = next((g for g in reversed(stack) if g.width == 1), None)
            above = [h for h in carried if _overlap(h.x_range, x_range) > 0.5 * width
                     and h.x_range[1] - h.x_range[0] < 1.5 * width]
            text = N("".join(h.text for h in above) + (leaf.text if leaf else ""))
            if not text or len(text) > 8:
                continue
            if "小计" in text:
                found.append((x_range, "subtotal"))
                continue
            key = _find_key(text, V.APP_COLUMNS)
            if key and (key != "other_organization" or text == "其他"):
                found.append((x_range, key))
        return found

    def _row_key(self, own: str, group: str, template: str) -> str | None:
        specific = [r for r in V.APP_ROWS if r.match and r.key not in ("other_handling", "total_processed")]
        for text in (own, own + group):
            key = _find_key(text, specific)
            if key:
                return key
            if "总计" in text:
                return "total_processed"
            if "其他" in text:
                # "3.其他" inside （六）其他处理 of the 2021 template; the 2019 single row is
                # （六）其他处理 on its own (agencies also print it in a 2021 table)
                if self.last_key in ("other_no_correction", "other_unpaid_fee"):
                    return "other_other"
                # only a label that is （六）其他处理 and nothing more makes a row the single
                # （六）: an item of the 2021 group whose words we cannot read must not become it
                if re.fullmatch(r"[六6]?其他处理", own) or (not own and "其他处理" in group):
                    return "other_handling"
        return None

    def unfinished(self, ctx: _Context) -> bool:
        return (V.APPLICATIONS, "carried_forward") not in {(t, r) for t, r, _ in ctx.seen}

    def finish(self, ctx: _Context) -> None:
        _report_missing_rows(ctx, V.APPLICATIONS,
                             application_rows(ctx.template, ctx.reading.facts))


# --- 四、政府信息公开行政复议、行政诉讼情况 ----------------------------------------------------

class _ReviewLitigation(_BrokenHeaderTable):
    label = "四"
    table = V.REVIEW_LITIGATION

    def __init__(self):
        super().__init__()
        self.data_rows = 0

    def unfinished(self, ctx: _Context) -> bool:
        return self.data_rows == 0

    def feed(self, grid: Grid, ctx: _Context) -> None:
        header_rows = [r for r in range(grid.nrows)
                       if any(w in N(g.text) for g in _regions_in_row(grid, r) for w in _RL_HEADER_WORDS)]
        start = max(header_rows) + 1 if header_rows else 0
        if not self._ready(grid, start, bool(header_rows), ctx):
            return
        for r in range(start, grid.nrows):
            regions = [g for g in _regions_in_row(grid, r) if g.rows[0] == r]
            # the first row under the header is the figures, even left all blank
            if self.data_rows and not any(g.text.strip() for g in regions):
                continue
            self.data_rows += 1
            if self.data_rows > 1:
                ctx.reading.problems.append(Problem(
                    "table.extra_rows", f"table 四 has more than one row of figures (page "
                    f"{grid.page}); only the first is read", table=V.REVIEW_LITIGATION,
                    page=grid.page))
                return
            for x_range, row, column in self.columns:
                cell = _cell_under(regions, x_range)
                if cell is None:
                    continue
                ctx.add(V.REVIEW_LITIGATION, row, column, cell, grid)

    def _columns(self, grid: Grid, header_end: int, carried: list[_HeaderPart]):
        """Each figure column's (row key, column key) from the header regions stacked above it
        (on this page, and on the page before when the header was broken across pages)."""
        out, spanned = [], []
        for c, x_range in enumerate(grid.col_edges):
            width = x_range[1] - x_range[0]
            above = sorted((h for h in carried if _overlap(h.x_range, x_range) > 0.5 * width),
                           key=lambda h: h.bottom_row)
            stack = [g for g in (grid.region_at(r, c) for r in range(header_end)) if g is not None]
            stack = [g for i, g in enumerate(stack) if all(g is not h for h in stack[:i])]
            group = N("".join(h.text for h in above) + "".join(g.text for g in stack))
            leaf = next((g for g in reversed(stack) if g.width == 1), None)
            found = out
            if leaf is None and stack and stack[-1].cols[0] == c and stack[-1].rows[1] == \
                    header_end - 1:
                # a leaf two grid columns wide (a Word table whose column edges do not line up:
                # 总计 over a grid column of its own and a sliver of the next), read once
                leaf = stack[-1]
            elif leaf is None and stack and not above:
                # no header of one column over it: an HTML table whose colspans disagree
                # (总计 over two columns, the second under 行政诉讼); its lowest header says,
                # unless a header of its own names that column
                leaf, found = stack[-1], spanned
            leaf_text = N((above[-1].text if above else "") + (leaf.text if leaf else ""))
            if "直接起诉" in group:
                row = "litigation_direct"
            elif "复议后起诉" in group:
                row = "litigation_after_review"
            elif "行政复议" in group:
                row = "administrative_review"
            else:
                continue
            column = next((k for k, words in (("pending", ("审结", "尚未")), ("upheld", ("维持",)),
                                               ("corrected", ("纠正",)), ("total", ("总计",)),
                                               ("other", ("其他",)))
                           if any(w in leaf_text for w in words)), None)
            if column:
                found.append((x_range, row, column))
        named = {(row, column) for _, row, column in out}
        for x_range, row, column in spanned:
            if (row, column) not in named:
                named.add((row, column))
                out.append((x_range, row, column))
        return sorted(out, key=lambda x: x[0])

    def finish(self, ctx: _Context) -> None:
        _report_missing_rows(ctx, V.REVIEW_LITIGATION, V.rows(V.REVIEW_LITIGATION, ctx.template))


# --- labels printed otherwise than the template's ---------------------------------------------

# how alike a printed label must be to the template's label of the row expected at its place
# ("2.其他法律行政止公开" to "2.其他法律行政法规禁止公开": 0.86), and by how much more alike than
# to any other row of the table (two close candidates: no row is assigned)
MISPRINT_SIMILARITY = 0.7
MISPRINT_MARGIN = 0.2

_LEADING_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+|\d+)")


def _template_label(row) -> str:
    """The label a row's own cell prints: the last part of its label ("（三）不予公开
    1.属于国家秘密" -> "1.属于国家秘密")."""
    return row.label.split(" ")[-1]


def _number_and_words(label: str) -> tuple[str | None, str]:
    text = N(label)
    m = _LEADING_NUMBER.match(text)
    return (m.group(0), text[m.end():]) if m else (None, text)


def misprinted_row(printed: str, rows, previous: str | None, ctx: _Context, table: str,
                   grid: Grid, following: str | None = None) -> str | None:
    """The row a label no row's words match stands for, when the template's structure says so:
    it is the row expected after ``previous`` (the row read before it), it bears that row's
    number, its words are close to that row's label and clearly closer than to any other row's,
    and the row after it (``following``, when known) is not that row itself. Records an info
    problem quoting the label as printed; None (the row stays unrecognised) when any of this
    does not hold. Never a row by similarity alone."""
    number, words = _number_and_words(printed)
    if not words:
        return None
    keys = [r.key for r in rows]
    done = {r for t, r, _ in ctx.seen if t == table}
    at = keys.index(previous) + 1 if previous in keys else 0
    expected = next((r for r in rows[at:] if r.key not in done and r.match), None)
    if expected is None or following == expected.key:
        return None
    exp_number, exp_words = _number_and_words(_template_label(expected))
    if number is not None and exp_number is not None and number != exp_number:
        return None
    score = SequenceMatcher(None, words, exp_words).ratio()
    others = [SequenceMatcher(None, words, _number_and_words(_template_label(r))[1]).ratio()
              for r in rows if r.key != expected.key]
    if score < MISPRINT_SIMILARITY or any(o > score - MISPRINT_MARGIN for o in others):
        return None
    ctx.reading.problems.append(Problem(
        "row.label_misprinted",
        f"table {V.TABLE_LABELS[table]} row {printed!r} on {grid.where} read as "
        f"{_template_label(expected)!r} ({expected.key}): the row the template has at this "
        f"place, its label printed otherwise (similarity {score:.2f})",
        table=table, row=expected.key, page=grid.page))
    return expected.key


def _report_missing_rows(ctx: _Context, table: str, expected_rows) -> None:
    have = {(f.row, f.column) for f in ctx.reading.facts if f.table == table}
    for row in expected_rows:
        wanted = [c.key for c in V.columns(table, ctx.template, row.key)] \
            if table == V.ACTIVE_DISCLOSURE else [c.key for c in V.columns(table, ctx.template)]
        lost = [c for c in wanted if (row.key, c) not in have]
        if lost and not any(p.table == table and p.row == row.key for p in ctx.reading.problems):
            ctx.reading.problems.append(Problem(
                "row.missing" if len(lost) == len(wanted) else "cell.missing",
                f"table {V.TABLE_LABELS[table]}: {row.label} ({row.key}) "
                + ("was not found" if len(lost) == len(wanted) else f"lacks {', '.join(lost)}"),
                table=table, row=row.key))

"""One self-contained HTML page for one checked report (``gongkai check FILE --html OUT``).

The page shows: the document (agency, year, template, path, sha256, pages); the three statutory
tables as extracted, laid out with the template's Chinese labels, every cell with its value (the
raw text and page in its tooltip), the cells of failed findings in red and blank cells in grey;
the findings (failed and not assessable first, numbered, then a count of passes) in Chinese and
English; and, for every page holding a cell of a failed finding, the page image with those cells
boxed in red and numbered like the findings. Images are embedded as base64 PNG, so the file can
be mailed or archived on its own.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from gongkai import vocabulary as V
from gongkai.model import Fact, Report
from gongkai.values import plain_number

# the page images are rendered at this many pixels per PDF point; bboxes are scaled by it
RENDER_SCALE = 2.0
BOX_RGB = (220, 0, 0)

TABLE_EN = {
    V.ACTIVE_DISCLOSURE: "Proactive disclosure",
    V.APPLICATIONS: "Applications received and processed",
    V.REVIEW_LITIGATION: "Administrative review and litigation",
}
STATUS_ZH = {"fail": "不通过", "not_assessable": "无法判断", "pass": "通过"}
STATUS_EN = {"fail": "failed", "not_assessable": "not assessable", "pass": "passed"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

# the applications table's label columns as the template prints them: section, group, item
# (None = the cell is merged with the one to its left)
_APP_LABELS: dict[str, tuple[str, str | None, str | None]] = {
    "new_requests": ("一、本年新收政府信息公开申请数量", None, None),
    "carried_over": ("二、上年结转政府信息公开申请数量", None, None),
    "granted": ("三、本年度办理结果", "（一）予以公开", None),
    "partially_granted": ("三、本年度办理结果",
                          "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    "withheld_state_secret": ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"),
    "withheld_prohibited_by_law": ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    "withheld_security_stability": ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"),
    "withheld_third_party": ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"),
    "withheld_internal_affairs": ("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"),
    "withheld_process_information": ("三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"),
    "withheld_enforcement_file": ("三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"),
    "withheld_administrative_query": ("三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"),
    "unavailable_not_held": ("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": ("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"),
    "unavailable_still_unclear": ("三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"),
    "not_processed_petition": ("三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"),
    "not_processed_duplicate": ("三、本年度办理结果", "（五）不予处理", "2.重复申请"),
    "not_processed_publication": ("三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"),
    "not_processed_excessive": ("三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"),
    "not_processed_confirmation": ("三、本年度办理结果", "（五）不予处理",
                                   "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": ("三、本年度办理结果", "（六）其他处理",
                            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_unpaid_fee": ("三、本年度办理结果", "（六）其他处理",
                         "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_other": ("三、本年度办理结果", "（六）其他处理", "3.其他"),
    "other_handling": ("三、本年度办理结果", "（六）其他处理", None),
    "total_processed": ("三、本年度办理结果", "（七）总计", None),
    "carried_forward": ("四、结转下年度继续办理", None, None),
}

CSS = """
figure.published table { border-collapse: collapse; font-size: .85em; margin: .5em 0; }
figure.published td, figure.published th { border: 1px solid var(--line); padding: 2px 5px; }
figure.published td.boxed { outline: 3px solid var(--red); outline-offset: -2px;
                            background: var(--redbg); }
figure.published p { margin: 0; }
figure.published sup.box-num { color: var(--red); font-weight: bold; margin-left: .2em; }
:root { --red: #c00000; --redbg: #ffd6d6; --grey: #e6e6e6; --line: #999; }
body { font-family: "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
       "Source Han Sans SC", "WenQuanYi Micro Hei", "Noto Sans SC", sans-serif;
       margin: 0 auto; max-width: 1200px; padding: 1.5em; color: #222; line-height: 1.5; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.2em; border-bottom: 2px solid #333; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
.en { color: #555; font-size: .92em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; margin: .6em 0; }
dl.meta dt { color: #555; } dl.meta dd { margin: 0; word-break: break-all; }
.verdict { display: inline-block; padding: .3em .8em; border-radius: 4px; font-weight: bold; }
.verdict.bad { background: var(--redbg); color: var(--red); }
.verdict.good { background: #d8f0d8; color: #1a6b1a; }
table.st { border-collapse: collapse; margin: .4em 0 1em; font-size: .9em; }
table.st th, table.st td { border: 1px solid var(--line); padding: .25em .5em; }
table.st th { background: #f3f3f3; font-weight: normal; text-align: center; }
table.st th.rl { text-align: left; }
table.st td { text-align: right; min-width: 3.2em; font-variant-numeric: tabular-nums; }
table.st td.blank { background: var(--grey); color: #777; }
table.st td.missing { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #eee 4px,
                      #eee 8px); color: #999; }
table.st td.fail { background: var(--redbg); color: var(--red); font-weight: bold;
                   outline: 2px solid var(--red); outline-offset: -2px; }
table.st td sup { color: var(--red); font-weight: normal; margin-left: .2em; }
.legend span { display: inline-block; padding: 0 .6em; margin-right: .8em; border: 1px solid
               var(--line); }
.legend .l-fail { background: var(--redbg); color: var(--red); }
.legend .l-blank { background: var(--grey); }
.legend .l-doubt, table.ocr tr.doubtful td { background: #fff3c4; }
table.ocr { border-collapse: collapse; } table.ocr td, table.ocr th { border: 1px solid #ccc; padding: 2px 6px; }
table.ocr img { max-height: 48px; }
.legend .l-missing { background: repeating-linear-gradient(45deg, #fff, #fff 4px, #eee 4px,
                     #eee 8px); }
ol.findings { padding-left: 0; list-style: none; }
ol.findings li { border-left: 4px solid var(--red); padding: .4em .8em; margin: .8em 0;
                 background: #fff7f7; }
ol.findings li.not_assessable { border-color: #b08000; background: #fffbea; }
.num { display: inline-block; min-width: 1.6em; padding: 0 .3em; background: var(--red);
       color: #fff; text-align: center; border-radius: 3px; margin-right: .4em; }
li.not_assessable .num { background: #b08000; }
.title-zh { font-weight: bold; }
.zh { margin: .2em 0; } .msg-en { margin: .2em 0; color: #444; font-size: .9em; }
.basis { color: #777; font-size: .85em; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #aaa; }
figcaption { color: #555; font-size: .9em; }
.problems li { font-size: .9em; }
footer { margin-top: 3em; color: #888; font-size: .8em; }
"""


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Decimal):
        return str(plain_number(value))
    return str(value)


def _rule(rule_id: str):
    try:
        from expectations.rules import RULES
    except ImportError:  # pragma: no cover
        return None
    return next((r for r in RULES if r.id == rule_id), None)


def _short(table: str, row: str | None = None, column: str | None = None) -> str:
    try:
        from expectations.rules import short_label

        return short_label(table, row=row, column=column)
    except (StopIteration, KeyError, ImportError):
        return row if row is not None else (column or "")


def _row_label(table: str, key: str) -> str:
    try:
        return V.label(table, key)
    except StopIteration:
        return key


def _col_label(table: str, key: str) -> str:
    try:
        return V.label(table, key, column=True)
    except StopIteration:
        return key


# --- findings ---------------------------------------------------------------------------------

def _key(o: dict) -> tuple:
    return (o.get("table"), o.get("row"), o.get("column"))


def _side_of(rule, finding: dict, o: dict) -> str | None:
    """'expected' / 'actual' for an operand of a sum rule (from the catalogue), else None."""
    if rule is None or not hasattr(rule, "expected") or not hasattr(rule, "scope"):
        return o.get("side")
    if o.get("side"):
        return o["side"]
    along = o.get("row") if rule.scope == "column" else o.get("column")
    if along in getattr(rule, "actual", ()):
        return "actual"
    if along in getattr(rule, "expected", ()):
        return "expected"
    return None


def _pages_zh(pages: list[int]) -> str:
    return "第 " + "、".join(str(p) for p in pages) + " 页"


def _operands_zh(rule, operands: list[dict], facts: dict, per_page: bool, sep: str) -> str:
    """Operands joined by ``sep``; with ``per_page``, each run of operands on one page is
    opened by its page: '［第 2 页］予以公开 58 + 部分公开 10 + ［第 3 页］重复申请 6'."""
    parts, last = [], None
    for o in operands:
        text = _operand_zh(rule, o, facts, False)
        if per_page and o.get("page") and o["page"] != last:
            text = f"［第 {o['page']} 页］{text}"
            last = o["page"]
        parts.append(text)
    return sep.join(parts)


def _operand_zh(rule, o: dict, facts: dict, per_page: bool) -> str:
    scope = getattr(rule, "scope", None)
    if scope == "column":
        name = _short(o["table"], row=o.get("row"))
    elif scope == "row":
        name = _short(o["table"], column=o.get("column"))
    else:
        name = (_short(o["table"], row=o.get("row")) + "·"
                + _short(o["table"], column=o.get("column")))
    page = f"（第 {o['page']} 页）" if per_page and o.get("page") else ""
    if _key(o) not in facts and o.get("value") is None and not o.get("raw"):
        return f"{name} 未提取（按 0 计）"
    if o.get("value") is None:
        shown = f"“{o['raw']}”" if o.get("raw") else "空白"
        return f"{name} {shown}（按 0 计）{page}"
    return f"{name} {_fmt(o['value'])}{page}"


def sentence_zh(finding: dict, facts: dict | None = None) -> str:
    """The finding in one Chinese sentence naming every operand with its value and page, e.g.
    '第 4 页：自然人列 本年新收 3001 + 上年结转 34 = 3035，但 总计 2932 + 结转下年度 103 = 3035'."""
    facts = facts or {}
    if finding.get("message_zh"):
        return str(finding["message_zh"])
    rule = _rule(finding.get("rule", ""))
    operands = finding.get("operands") or []
    pages = sorted({o["page"] for o in operands if o.get("page")})
    prefix = f"{_pages_zh(pages)}：" if pages else ""
    per_page = len(pages) > 1
    table = getattr(rule, "table", None) or (operands[0]["table"] if operands else None)
    if finding.get("column") is not None and table:
        where = f"{_short(table, column=finding['column'])}列"
    elif finding.get("row") is not None and table:
        where = f"“{_short(table, row=finding['row'])}”行"
    else:
        where = ""
    status = finding.get("status")
    if status == "not_assessable":
        names = "、".join(_operand_zh(rule, o, facts, False).split(" ")[0] for o in operands)
        return (f"无法判断：{where}所涉单元格均未提取" + (f"（{names}）" if names else "") + "。")
    sides = defaultdict(list)
    for o in operands:
        sides[_side_of(rule, finding, o)].append(o)
    if sides.get("expected") and sides.get("actual") and None not in sides:
        def side(os_, total):
            text = _operands_zh(rule, os_, facts, per_page, " + ")
            return text if len(os_) == 1 else f"{text} = {_fmt(total)}"

        left = side(sides["expected"], finding.get("expected"))
        right = side(sides["actual"], finding.get("actual"))
        try:
            gap = _fmt(abs(finding["expected"] - finding["actual"]))
        except (TypeError, KeyError):
            gap = None
        if getattr(rule, "comparison", "eq") == "le":  # actual may not exceed expected
            if status == "fail":
                return (f"{prefix}{where} {right}，超过了 {left}"
                        + (f"（多 {gap}）" if gap else "") + "。")
            return f"{prefix}{where} {right}，不超过 {left}。"
        if status == "fail":
            return f"{prefix}{where} {left}，但 {right}" + (f"，相差 {gap}" if gap else "") + "。"
        return f"{prefix}{where} {left}，等于 {right}。"
    # a rule of another shape: name the operands, then expected and actual
    listed = _operands_zh(rule, operands, facts, per_page, "，")
    text = f"{prefix}{where} {listed}".strip()
    if finding.get("expected") is not None or finding.get("actual") is not None:
        text += f"；应为 {_fmt(finding.get('expected'))}，实为 {_fmt(finding.get('actual'))}"
    return text + "。"


def _marks_cells(finding: dict) -> bool:
    """A failed finding whose cells are shown red and boxed: errors and warnings (an info
    finding, e.g. blank cells reported, is listed but does not paint its cells)."""
    return finding.get("status") == "fail" and finding.get("severity") != "info"


def _numbered(findings: list[dict]) -> list[dict]:
    """The findings listed one by one: failures (errors and warnings), the not assessable,
    then failed info findings; passes are only counted."""
    def order(f):
        return 0 if _marks_cells(f) else 1 if f.get("status") == "not_assessable" else 2
    return sorted((f for f in findings if f.get("status") in ("fail", "not_assessable")),
                  key=order)


# --- page images ------------------------------------------------------------------------------

def _page_png(pdf, page: int, boxes: list[tuple[tuple[float, float, float, float], str]],
              scale: float = RENDER_SCALE) -> bytes:
    """Page ``page`` (1-based) as PNG, each bbox (PDF points, origin top-left) boxed in red and
    labelled with its finding numbers."""
    from PIL import ImageDraw, ImageFont

    img = pdf[page - 1].render(scale=scale).to_pil().convert("RGB")
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.load_default(size=int(11 * scale))
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    width = max(2, int(round(1.5 * scale)))
    for (x0, top, x1, bottom), label in boxes:
        rect = [x0 * scale, top * scale, x1 * scale, bottom * scale]
        draw.rectangle(rect, outline=BOX_RGB, width=width)
    # labels after all boxes, so no box line crosses a number
    for (x0, top, x1, bottom), label in boxes:
        l, t, r, b = draw.textbbox((0, 0), label, font=font)
        w, h = r - l + 6, b - t + 4
        # just left of the box, level with its top: each label stays in its box's row
        lx = max(0, x0 * scale - w - 1)
        ly = max(0, top * scale + 1)
        draw.rectangle([lx, ly, lx + w, ly + h], fill=BOX_RGB)
        draw.text((lx + 3 - l, ly + 2 - t), label, fill=(255, 255, 255), font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# --- tables -----------------------------------------------------------------------------------

class _Cells:
    """How each cell is shown: value, tooltip, classes, finding numbers."""

    def __init__(self, report: Report, fail_numbers: dict[tuple, list[int]]):
        self.facts = {(f.table, f.row, f.column): f for f in report.facts}
        self.fail_numbers = fail_numbers

    def td(self, table: str, row: str, column: str, *, applies: bool = True) -> str:
        key = (table, row, column)
        f: Fact | None = self.facts.get(key)
        nums = self.fail_numbers.get(key, [])
        label = f"{_row_label(table, row)} × {_col_label(table, column)}"
        classes = []
        if f is None:
            if not applies:
                return '<td class="na"></td>'
            classes.append("missing")
            shown = "·"
            tip = f"{label}\n未提取 not extracted\n{table}/{row}/{column}"
        else:
            if f.value is None:
                classes.append("blank")
                shown = _e(f.raw) if f.raw and f.raw.strip() else "&nbsp;"
            else:
                shown = _e(_fmt(f.value))
            tip = (f"{label}\n原文 raw: “{f.raw}”\n第 {f.page} 页 page {f.page}"
                   + (f" ({f.unit})" if f.unit else "") + f"\n{table}/{row}/{column}")
        if nums:
            classes.append("fail")
            tip += "\n不通过 failed: " + ", ".join(f"#{n}" for n in nums)
            shown += "<sup>" + ",".join(str(n) for n in nums) + "</sup>"
        page = f' data-page="{f.page}"' if f is not None else ""
        return (f'<td class="{" ".join(classes)}" title="{_e(tip)}" '
                f'data-cell="{_e(table)}/{_e(row)}/{_e(column)}"{page}>{shown}</td>')


def _template(report: Report) -> str:
    return report.template if report.template in V.TEMPLATES else "2021"


def _rows_of(report: Report, table: str) -> list[str]:
    """The template's rows, plus rows of another template the report has (hybrid reports)."""
    template = _template(report)
    have = {f.row for f in report.facts if f.table == table}
    source = {V.ACTIVE_DISCLOSURE: V.AD_ROWS, V.APPLICATIONS: V.APP_ROWS,
              V.REVIEW_LITIGATION: V.RL_ROWS}[table]
    keys = [r.key for r in source if template in r.templates or r.key in have]
    keys += sorted(have - set(keys))
    return keys


def _active_disclosure(report: Report, cells: _Cells) -> str:
    template = _template(report)
    table = V.ACTIVE_DISCLOSURE
    groups: list[tuple[tuple[str, ...], list[str]]] = []
    for row in _rows_of(report, table):
        r = next((x for x in V.AD_ROWS if x.key == row), None)
        cols = (r.columns.get(template) or next(iter(r.columns.values()))) if r else ()
        cols = tuple(cols) + tuple(sorted({f.column for f in report.facts
                                           if f.table == table and f.row == row} - set(cols)))
        if groups and groups[-1][0] == cols:
            groups[-1][1].append(row)
        else:
            groups.append((cols, [row]))
    out = ['<table class="st" data-table="active_disclosure">']
    for cols, rows in groups:
        out.append("<tr><th>信息内容</th>" + "".join(
            f"<th>{_e(_col_label(table, c))}</th>" for c in cols) + "</tr>")
        for row in rows:
            out.append(f'<tr><th class="rl">{_e(_row_label(table, row))}</th>'
                       + "".join(cells.td(table, row, c) for c in cols) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _applications(report: Report, cells: _Cells) -> str:
    table = V.APPLICATIONS
    cols = [c.key for c in V.APP_COLUMNS]
    rows = _rows_of(report, table)
    labels = [_APP_LABELS.get(r, (_row_label(table, r), None, None)) for r in rows]
    out = ['<table class="st" data-table="applications">',
           '<tr><th colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，'
           '等于第三项加第四项之和）</th><th colspan="7">申请人情况</th></tr>',
           '<tr><th rowspan="2">自然人</th><th colspan="5">法人或其他组织</th>'
           '<th rowspan="2">总计</th></tr>',
           "<tr>" + "".join(f"<th>{_e(_col_label(table, c))}</th>" for c in cols[1:6]) + "</tr>"]

    def merged(level: int, i: int, j: int) -> bool:
        """Rows i and j share their label cell at ``level`` (0 section, 1 group): the same
        labels up to it, and both have a sub-level (a row without one spans the columns)."""
        return (labels[i][:level + 1] == labels[j][:level + 1]
                and labels[i][level + 1] is not None and labels[j][level + 1] is not None)

    def span(level: int, i: int) -> int:
        n = 1
        while i + n < len(labels) and merged(level, i + n - 1, i + n):
            n += 1
        return n

    for i, (row, (sec, grp, item)) in enumerate(zip(rows, labels)):
        th = []
        if not (i and merged(0, i - 1, i)):
            cs = 3 if grp is None else 1
            th.append(f'<th class="rl" colspan="{cs}" rowspan="{span(0, i)}">{_e(sec)}</th>')
        if grp is not None and not (i and merged(1, i - 1, i)):
            cs = 2 if item is None else 1
            th.append(f'<th class="rl" colspan="{cs}" rowspan="{span(1, i)}">{_e(grp)}</th>')
        if item is not None:
            th.append(f'<th class="rl">{_e(item)}</th>')
        out.append(f'<tr data-row="{_e(row)}">' + "".join(th)
                   + "".join(cells.td(table, row, c) for c in cols) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _review_litigation(report: Report, cells: _Cells) -> str:
    table = V.REVIEW_LITIGATION
    cols = [c.key for c in V.RL_COLUMNS]
    rows = _rows_of(report, table)
    known = [r.key for r in V.RL_ROWS]
    if rows == known:  # the template's own layout: one row of 15 cells
        head = ('<tr><th colspan="5" rowspan="2">行政复议</th><th colspan="10">行政诉讼</th>'
                '</tr><tr><th colspan="5">未经复议直接起诉</th>'
                '<th colspan="5">复议后起诉</th></tr>'
                "<tr>" + "".join(f"<th>{_e(_col_label(table, c))}</th>" for c in cols) * 3
                + "</tr>")
        body = "<tr>" + "".join(cells.td(table, r, c) for r in rows for c in cols) + "</tr>"
        return f'<table class="st" data-table="review_litigation">{head}{body}</table>'
    out = ['<table class="st" data-table="review_litigation"><tr><th></th>'
           + "".join(f"<th>{_e(_col_label(table, c))}</th>" for c in cols) + "</tr>"]
    for r in rows:
        out.append(f'<tr><th class="rl">{_e(_row_label(table, r))}</th>'
                   + "".join(cells.td(table, r, c) for c in cols) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


# --- the page ---------------------------------------------------------------------------------

def build_html(report: Report, findings: list[dict], *, scale: float = RENDER_SCALE) -> str:
    """The page as a string (``render_html`` writes it)."""
    d = report.document
    facts = {(f.table, f.row, f.column): f for f in report.facts}
    numbered = _numbered(findings)
    passed = sum(1 for f in findings if f.get("status") == "pass")
    failed = [f for f in numbered if _marks_cells(f)]
    not_assessable = [f for f in numbered if f["status"] == "not_assessable"]

    fail_numbers: dict[tuple, list[int]] = defaultdict(list)
    for n, f in enumerate(numbered, 1):
        if not _marks_cells(f):
            continue
        for o in f.get("operands") or []:
            # only this report's table cells: not a sentence (table "text"), not the reports
            # row, not the cell of last year's report a cross-year rule compares with
            if o.get("table") not in V.TABLES or o.get("report_id") not in (
                    None, f.get("report_id")):
                continue
            if n not in fail_numbers[_key(o)]:
                fail_numbers[_key(o)].append(n)
    cells = _Cells(report, fail_numbers)

    title = f"{report.agency or '（未识别机关）'} {report.year or ''} 年政府信息公开工作年度报告 · 核查"
    p = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
         f"<h1>{_e(report.agency or '（未识别机关 agency not found）')}</h1>",
         f'<div class="en">{_e(report.year or "?")} 年度政府信息公开工作年度报告 — statutory '
         "tables checked by gongkai</div>",
         '<dl class="meta">',
         f"<dt>机关 Agency</dt><dd>{_e(report.agency or '—')}</dd>",
         f"<dt>年度 Year</dt><dd>{_e(report.year or '—')}</dd>",
         f"<dt>模板 Template</dt><dd>{_e(report.template or '未识别 not recognised')}</dd>",
         f"<dt>文件 Document</dt><dd>{_e(d.path)}</dd>",
         f"<dt>SHA-256</dt><dd><code>{_e(d.sha256)}</code></dd>",
         f"<dt>页数 Pages</dt><dd>{_e(d.pages)}</dd>",
         f"<dt>单元格 Cells read</dt><dd>{len(report.facts)}</dd>",
         "</dl>"]
    if failed:
        p.append(f'<p class="verdict bad">{len(failed)} 项规则不通过 · {len(failed)} rule '
                 f"instance(s) failed</p>")
    else:
        p.append('<p class="verdict good">全部规则通过 · every rule holds</p>'
                 if not not_assessable else
                 '<p class="verdict good">没有不通过的规则 · no rule failed</p>')

    # findings
    p.append('<h2 id="findings">核查结果 <span class="en">Findings</span></h2>')
    if numbered:
        p.append('<ol class="findings">')
        for n, f in enumerate(numbered, 1):
            rule = _rule(f.get("rule", ""))
            tzh = getattr(rule, "title_zh", "") or f.get("rule", "")
            ten = getattr(rule, "title_en", "") or ""
            sev = f.get("severity") or getattr(rule, "severity", "")
            basis = getattr(rule, "basis", "")
            p.append(
                f'<li class="{_e(f["status"])}" id="finding-{n}" data-rule="{_e(f.get("rule"))}">'
                f'<span class="num">{n}</span><span class="title-zh">{_e(tzh)}</span> '
                f'<span class="en">{_e(ten)}</span> '
                f'<span class="en">[{_e(STATUS_ZH.get(f["status"], f["status"]))} '
                f'{_e(STATUS_EN.get(f["status"], f["status"]))} · '
                f'{_e(SEVERITY_ZH.get(sev, sev))} {_e(sev)} · <code>{_e(f.get("rule"))}</code>]'
                "</span>"
                f'<p class="zh">{_e(sentence_zh(f, facts))}</p>'
                f'<p class="msg-en">{_e(f.get("message") or "")}</p>'
                + (f'<div class="basis">依据 Basis: {_e(basis)}</div>' if basis else "")
                + "</li>")
        p.append("</ol>")
    p.append(f"<p>另有 {passed} 项规则实例通过。<span class=\"en\">{passed} other rule "
             f"instance(s) passed.</span></p>")

    # tables
    p.append('<h2 id="tables">提取的表格 <span class="en">The tables as extracted</span></h2>')
    p.append('<p class="legend"><span class="l-fail">不通过 failed</span>'
             '<span class="l-blank">空白 blank</span><span class="l-missing">未提取 not '
             "extracted</span> 悬停单元格可见原文与页码 · hover a cell for its raw text and "
             "page</p>")
    for table, render in ((V.ACTIVE_DISCLOSURE, _active_disclosure),
                          (V.APPLICATIONS, _applications),
                          (V.REVIEW_LITIGATION, _review_litigation)):
        pages = sorted({f.page for f in report.facts if f.table == table})
        where = f"（{_pages_zh(pages)}）" if pages else "（未提取 not extracted）"
        p.append(f"<h3>{_e(V.TABLE_LABELS[table])} {_e(where)} "
                 f'<span class="en">{_e(TABLE_EN[table])}</span></h3>')
        p.append(render(report, cells))

    # page images
    boxes: dict[int, dict[tuple, list[int]]] = defaultdict(dict)
    for key, nums in fail_numbers.items():
        f = facts.get(key)
        # an HTML or Word document's cells in a picture have a box in the picture, not on a
        # page of a PDF (they are listed below with the picture that holds them)
        if f is not None and f.page and f.bbox and d.kind in PAGE_KINDS:
            boxes[f.page][key] = nums
    unboxed = sorted({key for key in fail_numbers if facts.get(key) is None
                      or not facts[key].bbox or d.kind not in PAGE_KINDS})
    # cells read by OCR in an HTML or Word document's pictures: named with their picture
    pictured = [key for key in unboxed if facts.get(key) is not None
                and (facts[key].locator or {}).get("picture")]
    unboxed = [key for key in unboxed if key not in pictured]
    if boxes:
        p.append('<h2 id="pages">原文页面 <span class="en">The pages, failing cells boxed'
                 "</span></h2>")
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(d.path)
        try:
            for page in sorted(boxes):
                items = [(facts[k].bbox, ",".join(map(str, nums)))
                         for k, nums in sorted(boxes[page].items(),
                                               key=lambda kv: facts[kv[0]].bbox[1:2])]
                png = _page_png(pdf, page, items, scale)
                nums = sorted({n for v in boxes[page].values() for n in v})
                p.append(
                    f'<figure id="page-{page}"><figcaption>第 {page} 页 · page {page} — '
                    f"红框为不通过规则所涉单元格，编号对应上方核查结果 {', '.join(f'#{n}' for n in nums)}"
                    " · red boxes: the cells of the failed findings, numbered as above"
                    f'</figcaption><img alt="第 {page} 页" data-page="{page}" '
                    f'data-scale="{scale:g}" src="data:image/png;base64,'
                    f'{base64.b64encode(png).decode("ascii")}"></figure>')
        finally:
            pdf.close()
    if d.kind == "scan":
        p.append(_ocr_cells(report))
    if d.kind == "html":
        p.append(_published_html_tables(d.path, facts, fail_numbers))
        unboxed = [key for key in unboxed if facts.get(key) is None or not facts[key].locator]
    elif d.kind in WORD_KINDS or d.kind in SHEET_KINDS:
        p.append(_published_cell_tables(d, facts, fail_numbers))
        unboxed = [key for key in unboxed if facts.get(key) is None or not facts[key].locator]
    if pictured:
        p.append('<p class="en">图片中的单元格 Cells read by OCR in the document\'s pictures: '
                 + _e("; ".join(
                     f"{'/'.join(map(str, key))} in picture {facts[key].locator['picture']} "
                     f"({facts[key].locator.get('src', '')}) at {facts[key].bbox} pt"
                     for key in pictured)) + "</p>")
    if unboxed:
        p.append("<p class=\"en\">未能在页面上定位的单元格 Cells that could not be located on a "
                 "page: " + _e("; ".join("/".join(map(str, k)) for k in unboxed)) + "</p>")

    if report.problems:
        p.append('<h2 id="problems">未能确定读取的内容 <span class="en">What could not be read '
                 "with certainty</span></h2><ul class=\"problems\">")
        for pr in report.problems:
            page = f"（第 {pr.page} 页）" if pr.page else ""
            p.append(f"<li><code>{_e(pr.code)}</code>{_e(page)} {_e(pr.message)}</li>")
        p.append("</ul>")
    p.append("<footer>gongkai check --html · 数值取自 PDF 文本层 values read from the PDF's text "
             "layer</footer></body></html>" if d.kind == "pdf" else
             f"<footer>gongkai check --html · 数值取自原文 values read from the {_e(d.kind)} "
             "document's own cells</footer></body></html>")
    return "\n".join(p)


def _ocr_cells(report: Report) -> str:
    """A scan's proof: every OCR-read cell's crop of the page as it was read (deskewed, turned
    upright, seal whitened: the boxes are in its points) beside the value taken and both
    engines' readings with their confidences; the cells a problem doubts marked."""
    from gongkai.extract.scan import cell_crop_png, prepare_page

    import pypdfium2 as pdfium

    doubted = {(pr.table, pr.row, pr.column) for pr in report.problems if pr.row}
    read = [f for f in report.facts if f.bbox and f.locator and "ocr" in f.locator]
    if not read:
        return ""
    out = ['<h2 id="ocr">逐格识别 <span class="en">Every cell as read by OCR</span></h2>',
           '<p class="legend"><span class="l-doubt">存疑 doubtful</span> 原图裁切 the crop of '
           "the scanned page · RapidOCR（置信度 0–1）· Tesseract（置信度 0–100）</p>",
           '<table class="ocr"><tr><th>单元格 cell</th><th>原图 crop</th><th>取值 value</th>'
           "<th>RapidOCR</th><th>Tesseract</th></tr>"]
    pdf = pdfium.PdfDocument(report.document.path)
    try:
        for page in sorted({f.page for f in read}):
            scan_page = prepare_page(pdf[page - 1], page)
            for f in sorted((f for f in read if f.page == page), key=lambda f: f.bbox[1:2]):
                engines = f.locator["ocr"]
                png = cell_crop_png(scan_page, f.bbox)
                doubt = (f.table, f.row, f.column) in doubted
                out.append(
                    f'<tr class="{"doubtful" if doubt else "sure"}" data-cell="'
                    f'{_e(f.table)}.{_e(f.row)}.{_e(f.column)}">'
                    f"<td>{_e(_short(f.table, f.row, f.column))}<br>"
                    f'<span class="en">第 {page} 页 p.{page}</span></td>'
                    f'<td><img alt="crop" src="data:image/png;base64,'
                    f'{base64.b64encode(png).decode("ascii")}"></td>'
                    f"<td>{'⚠ ' if doubt else ''}{_e(_fmt(f.value) if f.value is not None else (f.raw or '空白 blank'))}</td>"
                    + "".join(f"<td>{_e(engines[e][0])!s} ({engines[e][1]:g})</td>"
                              if e in engines else "<td>—</td>"
                              for e in ("rapidocr", "tesseract"))
                    + "</tr>")
    finally:
        pdf.close()
    out.append("</table>")
    return "\n".join(out)


def _published_html_tables(path, facts: dict, fail_numbers: dict[tuple, list[int]]) -> str:
    """An HTML page's statutory tables as it prints them, the cells of the failed findings
    boxed in red (found by their locators) and numbered like the findings."""
    from gongkai.extract.html import published_tables

    marks: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for key, nums in fail_numbers.items():
        fact = facts.get(key)
        if fact is not None and fact.locator and "table" in fact.locator:  # not a picture's
            spot = (fact.locator["table"], fact.locator["row"], fact.locator["col"])
            marks[spot] += [n for n in nums if n not in marks[spot]]
    parts = ['<h2 id="published">原文表格 <span class="en">The tables as the page prints them, '
             "failing cells boxed</span></h2>"]
    for i, fragment in enumerate(published_tables(path, marks), 1):
        parts.append(f'<figure class="published" id="table-{i}"><figcaption>网页第 {i} 个表格 · '
                     f"table {i} of the page — 红框为不通过规则所涉单元格 · red boxes: the cells of "
                     f"the failed findings, numbered as above</figcaption>{fragment}</figure>")
    return "\n".join(parts)


WORD_KINDS = ("docx", "doc", "wps")
PAGE_KINDS = ("pdf", "scan")  # documents of PDF pages, which the page images are rendered from
SHEET_KINDS = ("xlsx", "xls", "et")


def _published_cell_tables(d, facts: dict, fail_numbers: dict[tuple, list[int]]) -> str:
    """A Word document's or a workbook's statutory tables as the document holds them (its own
    cells, spans and text), the cells of the failed findings boxed in red (found by their
    locators) and numbered like the findings. A .doc or .wps is converted by LibreOffice
    again; a document that cannot be opened again says so instead of failing the page."""
    from gongkai.extract.cellgrid import locator_key, published_tables

    marks: dict[tuple, list[int]] = defaultdict(list)
    for key, nums in fail_numbers.items():
        fact = facts.get(key)
        spot = locator_key(fact.locator) if fact is not None else None
        if spot is not None:
            marks[spot] += [n for n in nums if n not in marks[spot]]
    holding = {k for k in (locator_key(f.locator) for f in facts.values()) if k is not None}
    what = "工作表 sheet" if d.kind in SHEET_KINDS else "文档 document"
    parts = [f'<h2 id="published">原文表格 <span class="en">The tables as the {_e(d.kind)} '
             "document holds them, failing cells boxed</span></h2>"]
    try:
        if d.kind in SHEET_KINDS:
            from gongkai.extract.sheet import workbook_tables

            tables = workbook_tables(d.path, d.kind)
        else:
            from gongkai.extract.word import document_tables

            tables = document_tables(d.path, d.kind)
    except Exception as e:  # noqa: BLE001 - the page still shows the tables as extracted
        parts.append(f'<p class="en">原文表格无法再次打开 The document could not be opened again: '
                     f"{_e(type(e).__name__)}: {_e(e)}</p>")
        return "\n".join(parts)
    for i, (place, fragment) in enumerate(published_tables(tables, marks, holding), 1):
        parts.append(f'<figure class="published" id="table-{i}"><figcaption>{what}：{_e(place)} '
                     "— 红框为不通过规则所涉单元格 · red boxes: the cells of the failed findings, "
                     f"numbered as above</figcaption>{fragment}</figure>")
    return "\n".join(parts)


def render_html(report: Report, findings: list[dict], out_path, *,
                scale: float = RENDER_SCALE) -> Path:
    """Write the page for ``report`` and its ``findings`` to ``out_path``; returns the path."""
    out = Path(out_path)
    if out.parent:
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_html(report, findings, scale=scale), encoding="utf-8")
    return out

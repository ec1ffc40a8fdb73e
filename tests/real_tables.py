"""The real numbers of 淮安市人民政府 2024 (tables 二、三、四 as printed) and 黑龙江省工业和信息化厅
2020, as Report objects: the rule and warehouse tests plant their errors into them."""

from __future__ import annotations

import dataclasses

from gongkai import vocabulary as V
from gongkai.model import Document, Fact, Report

APP_COLS = [c.key for c in V.APP_COLUMNS]

# 淮安市人民政府 2024年政府信息公开工作年度报告, table 三 as printed (row, 7 columns, page)
HUAIAN_APPLICATIONS = """
new_requests                   3001 53 0 0 61 4 3119 4
carried_over                     34  0 0 0  0 0   34 4
granted                        1288 21 0 0 50 3 1362 4
partially_granted               447  7 0 0  0 0  454 4
withheld_state_secret             2  0 0 0  0 0    2 4
withheld_prohibited_by_law       30  1 0 0  0 0   31 4
withheld_security_stability       5  0 0 0  0 0    5 4
withheld_third_party              6  0 0 0  0 0    6 4
withheld_internal_affairs         7  1 0 0  0 0    8 4
withheld_process_information     12  0 0 0  0 0   12 4
withheld_enforcement_file         9  0 0 0  0 0    9 4
withheld_administrative_query   105  0 0 0  0 0  105 4
unavailable_not_held            746 12 0 0 10 1  769 4
unavailable_needs_creation       11  0 0 0  0 0   11 5
unavailable_still_unclear         1  0 0 0  0 0    1 5
not_processed_petition           56  6 0 0  0 0   62 5
not_processed_duplicate          25  0 0 0  0 0   25 5
not_processed_publication         0  0 0 0  0 0    0 5
not_processed_excessive           0  0 0 0  0 0    0 5
not_processed_confirmation        1  0 0 0  0 0    1 5
other_no_correction              67  3 0 0  1 0   71 5
other_unpaid_fee                  6  0 0 0  0 0    6 5
other_other                     108  2 0 0  0 0  110 5
total_processed                2932 53 0 0 61 4 3050 5
carried_forward                 103  0 0 0  0 0  103 5
"""
HUAIAN_REVIEW = """
administrative_review    72 64 178 37 351 5
litigation_direct        13  4   8  1  26 5
litigation_after_review  12  1   1  6  20 5
"""
HUAIAN_ACTIVE = [  # (row, column, value, page)
    ("regulations", "issued", 1, 3), ("regulations", "repealed", 0, 3),
    ("regulations", "in_force", 11, 3), ("normative_documents", "issued", 8, 3),
    ("normative_documents", "repealed", 26, 3), ("normative_documents", "in_force", 66, 3),
    ("administrative_licensing", "decisions", 447228, 3),
    ("administrative_penalty", "decisions", 3985758, 4),
    ("administrative_coercion", "decisions", 88283, 4),
]


def _table(table: str, text: str, columns: list[str]) -> list[Fact]:
    facts = []
    for line in text.strip().splitlines():
        row, *values, page = line.split()
        assert len(values) == len(columns), line
        facts += [Fact(table, row, col, int(v), v, int(page)) for col, v in zip(columns, values)]
    return facts


def huaian_report(sha256: str = "huaian-2024", agency: str = "淮安市人民政府", year: int = 2024,
                  path: str = "/reports/huaian-city-2024.pdf") -> Report:
    from decimal import Decimal

    facts = [Fact(V.ACTIVE_DISCLOSURE, r, c, v, str(v), p) for r, c, v, p in HUAIAN_ACTIVE]
    facts.append(Fact(V.ACTIVE_DISCLOSURE, "administrative_fees", "fee_amount",
                      Decimal("96171.6"), "96171.6", 4, unit="万元"))
    facts += _table(V.APPLICATIONS, HUAIAN_APPLICATIONS, APP_COLS)
    facts += _table(V.REVIEW_LITIGATION, HUAIAN_REVIEW, list(V.RL_PARTS) + ["total"])
    return Report(Document(path, sha256, 6, "pdf"), agency, year, "2021", facts)


def heilongjiang_report() -> Report:
    """黑龙江省工业和信息化厅 2020 (2019 template: one （六）其他处理 row)."""
    rows = {"new_requests": 8, "granted": 8, "total_processed": 8}
    facts = []
    for row in V.rows(V.APPLICATIONS, "2019"):
        n = rows.get(row.key, 0)
        facts += [Fact(V.APPLICATIONS, row.key, c, n if c in ("natural_person", "total") else 0,
                       str(n if c in ("natural_person", "total") else 0), 3) for c in APP_COLS]
    facts += [Fact(V.REVIEW_LITIGATION, r.key, c.key, 0, "0", 4) for r in V.RL_ROWS
              for c in V.RL_COLUMNS]
    return Report(Document("/reports/hlj-gxt-2020.pdf", "hlj-2020", 5, "pdf"),
                  "黑龙江省工业和信息化厅", 2020, "2019", facts)


def with_cell(report: Report, table: str, row: str, column: str, value, raw=None, **kw) -> Report:
    """A copy of ``report`` with one cell changed (value None = blank) or removed (value ...)."""
    facts = []
    for f in report.facts:
        if (f.table, f.row, f.column) == (table, row, column):
            if value is ...:
                continue
            f = dataclasses.replace(f, value=value, raw=str(value) if raw is None else raw)
        facts.append(f)
    doc = dataclasses.replace(report.document, sha256=report.document.sha256 + "-" + row + column)
    return dataclasses.replace(report, document=doc, facts=facts, **kw)

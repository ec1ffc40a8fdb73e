"""The rule kinds: one module per ``Rule.kind``, each owning its query (``sql``), its message
fields (``message_fields``) and its Great Expectations expectation (``MEASURE`` and
``bounds``: one ``ExpectColumnValuesToBeBetween`` on the query's measure column).

A new kind of rule is one new module here with the same names (``KIND``, ``sql``,
``message_fields``; see ``sum.py``), added to
``KINDS``; its rules are entries of the catalogue (``expectations/rules.py``) with that kind.

Every query returns one row per (report, instance): ``report_id``, ``rule``, the instance key
(``column_key``, ``row_key``, ``table_key`` or ``figure_key``; none for per-report rules),
``operands`` (a list of structs), ``expected``, ``actual``, the measure, ``blank_involved``,
``missing_involved`` and ``assessable``; failures are decided by GX, not by the query.
"""

from __future__ import annotations

from types import ModuleType

from expectations.kinds import (
    cells, continuity, narrative, power, similarity, statement, sum, template, threshold,
)

KINDS: dict[str, ModuleType] = {m.KIND.name: m for m in (
    sum, cells, threshold, template, continuity, narrative, power, statement, similarity)}


def kind_of(rule) -> ModuleType:
    return KINDS[rule.kind]


def rule_sql(rule, report_ids: list[int] | None = None) -> str:
    """The query of ``rule`` over ``facts`` and ``reports`` (see the module doc)."""
    return kind_of(rule).sql(rule, report_ids)


def gx_bounds(rule) -> tuple[str, float | None, float | None]:
    """(column, min_value, max_value) of the rule's GX expectation."""
    kind = kind_of(rule).KIND
    low, high = kind.bounds(rule)
    return kind.measure, low, high

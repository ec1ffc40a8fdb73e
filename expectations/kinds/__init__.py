"""The rule kinds: one module per ``Rule.kind``, each owning its query (``sql``), its message
fields (``message_fields``) and its Great Expectations expectation (``MEASURE`` and
``bounds``: one ``ExpectColumnValuesToBeBetween`` on the query's measure column).

A new kind of rule is one new module here with the same names (``KIND``, ``sql``,
``message_fields``; see ``sum.py``), added to
``KINDS``; its rules are entries of the catalogue (``expectations/rules.py``) with that kind.

Every query returns one row per (report, instance): ``report_id``, ``rule``, the instance key
(``column_key``, ``row_key``, ``table_key`` or ``figure_key``; none for per-report rules),
``operands`` (a list of structs), ``expected``, ``actual``, the measure, ``blank_involved``,
``missing_involved`` and ``assessable``; failures are decided by :func:`fails` on the measure
(the bounds of GX's expectation), not by the query.
"""

from __future__ import annotations

import math
from types import ModuleType

from expectations.kinds.common import create_references

from expectations.kinds import (
    agreement, cells, continuity, narrative, power, similarity, statement, sum, template,
    threshold,
)

KINDS: dict[str, ModuleType] = {m.KIND.name: m for m in (
    sum, cells, threshold, template, continuity, narrative, power, statement, similarity,
    agreement)}


def kind_of(rule) -> ModuleType:
    return KINDS[rule.kind]


def rule_sql(rule, report_ids: list[int] | None = None) -> str:
    """The query of ``rule`` over ``facts`` and ``reports`` (see the module doc). Its long
    constant lists are temporary tables: run it after :func:`create_references`."""
    return kind_of(rule).sql(rule, report_ids)


def gx_bounds(rule) -> tuple[str, float | None, float | None]:
    """(column, min_value, max_value) of the rule's GX expectation."""
    kind = kind_of(rule).KIND
    low, high = kind.bounds(rule)
    return kind.measure, low, high


def fails(rule, measure: float) -> bool:
    """Whether an assessable instance fails: its measure outside the bounds of the rule's
    expectation (:func:`gx_bounds`), as ``ExpectColumnValuesToBeBetween`` decides it (bounds
    inclusive; a missing value, NaN, is not counted unexpected).

    The one decision of pass and fail, whatever the path: ``gongkai check`` decides with it
    alone (no GX import), a pipeline run also validates with GX and requires the same verdicts
    (``expectations.evaluate.evaluate``).
    """
    _, low, high = gx_bounds(rule)
    value = float(measure)
    if math.isnan(value):
        return False
    return (low is not None and value < low) or (high is not None and value > high)

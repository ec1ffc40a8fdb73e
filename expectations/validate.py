"""Great Expectations validation of rule residuals.

GX 1.24 cannot validate through a ``duckdb:///`` datasource (the connection closes before rows
are fetched, GX #10738/#11579), so the rule query runs in DuckDB and GX validates the resulting
pandas DataFrame: one suite per rule, one ``ExpectColumnValuesToBeBetween`` on the rule's
measure (``Rule.measure``, ``gx_bounds``):

- sum rules, comparison "eq": ``residual`` between -tolerance and +tolerance;
- sum rules, comparison "le" (bounds): ``residual`` (= bound - value) at least -tolerance;
- cells, threshold and template rules: ``violations`` (a count, or 0/1) between 0 and tolerance.
"""

from __future__ import annotations

import os
from functools import lru_cache

import pandas as pd

from expectations.rules import Rule

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def new_context():
    """A fresh ephemeral GX context (in-memory stores), progress bars off."""
    import great_expectations as gx  # slow import (~5 s): only when rules run

    ctx = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic
        pass
    return ctx


@lru_cache(maxsize=1)
def _context():
    ctx = new_context()
    return ctx, ctx.data_sources.add_pandas("gongkai_rules")


def gx_bounds(rule: Rule) -> tuple[str, float | None, float | None]:
    """(column, min_value, max_value) of the rule's GX expectation."""
    if rule.measure == "residual":
        if rule.comparison == "le":
            return "residual", -rule.tolerance, None
        return "residual", -rule.tolerance, rule.tolerance
    return "violations", 0, rule.tolerance


def _md(text: str) -> str:
    """``text`` with the characters Markdown would interpret backslash-escaped (Data Docs notes)."""
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in text)


def _bounds_text(rule: Rule) -> str:
    """The expectation in words: "residual ≥ -1 and ≤ 1"."""
    column, low, high = gx_bounds(rule)
    return column + " " + " and ".join(
        f"{op} {value:g}" for op, value in (("≥", low), ("≤", high)) if value is not None)


def rule_notes(rule: Rule) -> list[str]:
    """The rule's description as Markdown paragraphs (the notes Data Docs show)."""
    return [
        f"**{_md(rule.id)}**: {_md(rule.title_zh)} / {_md(rule.title_en)}",
        f"Severity: **{rule.severity}**; kind {rule.kind}, scope {rule.scope}; "
        f"expects {_md(_bounds_text(rule))}",
        f"Rule: {_md(rule.says)}",
        f"Basis: {_md(rule.basis)}",
    ]


def expectation_suite(rule: Rule):
    """The rule's GX suite (not yet added to a context): one ``ExpectColumnValuesToBeBetween``
    on the rule's measure. The rule (titles zh/en, severity, basis) is the suite's meta and
    notes (the suite page of Data Docs shows the notes) and the expectation's description (the
    validation page shows it in place of GX's generic wording)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    column, low, high = gx_bounds(rule)
    meta = {"rule": {"id": rule.id, "title_zh": rule.title_zh, "title_en": rule.title_en,
                     "severity": rule.severity, "kind": rule.kind, "scope": rule.scope,
                     "tolerance": rule.tolerance, "says": rule.says, "basis": rule.basis}}
    notes = rule_notes(rule)
    # a string template: "$" would start a parameter
    description = (f"{rule.id} [{rule.severity}] {rule.title_zh} / {rule.title_en}: "
                   f"{_bounds_text(rule)}").replace("$", "")
    suite = gx.ExpectationSuite(name=rule.id, meta=meta, notes=notes)
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=low, max_value=high, meta=meta, notes=notes,
        description=description))
    return suite


def result_format(frame: pd.DataFrame) -> dict:
    """COMPLETE results, unexpected rows identified by ``report`` and ``instance`` (those of
    the two ``frame`` has)."""
    index = [c for c in ("report", "instance") if c in frame.columns]
    fmt: dict = {"result_format": "COMPLETE"}
    if index:
        fmt["unexpected_index_column_names"] = index
    return fmt


def check_outcome(rule: Rule, result) -> None:
    """Raise when GX could not evaluate the rule's expectation (rather than report a pass)."""
    for outcome in result.results:
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(f"GX could not validate {rule.id}: {outcome.exception_info}")


@lru_cache(maxsize=None)
def _suite_and_batch_definition(rule: Rule):
    ctx, datasource = _context()
    suite = ctx.suites.add(expectation_suite(rule))
    asset = datasource.add_dataframe_asset(name=rule.id)
    return suite, asset.add_batch_definition_whole_dataframe("instances")


def validation_result(rule: Rule, frame: pd.DataFrame, fmt: dict | None = None):
    """The GX ``ExpectationSuiteValidationResult`` of the rule's suite on ``frame``
    (``fmt``: the result format, :func:`result_format` by default)."""
    suite, batch_definition = _suite_and_batch_definition(rule)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format=fmt or result_format(frame))
    check_outcome(rule, result)
    return result


def failing_instances(rule: Rule, frame: pd.DataFrame) -> set[int]:
    """The ``instance`` ids of rows whose measure GX finds outside the tolerance.

    ``frame`` has columns ``instance`` (int) and the rule's measure (``residual`` or
    ``violations``, float), assessable rows only.
    """
    if frame.empty:
        return set()
    (outcome,) = validation_result(rule, frame, {
        "result_format": "COMPLETE", "unexpected_index_column_names": ["instance"]}).results
    return {int(row["instance"]) for row in outcome.result.get("unexpected_index_list") or []}

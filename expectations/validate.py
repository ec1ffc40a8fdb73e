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


@lru_cache(maxsize=1)
def _context():
    import great_expectations as gx  # slow import (~5 s): only when rules run

    ctx = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic
        pass
    return ctx, ctx.data_sources.add_pandas("gongkai_rules")


def gx_bounds(rule: Rule) -> tuple[str, float | None, float | None]:
    """(column, min_value, max_value) of the rule's GX expectation."""
    if rule.kind == "sum":
        if rule.comparison == "le":
            return "residual", -rule.tolerance, None
        return "residual", -rule.tolerance, rule.tolerance
    return "violations", 0, rule.tolerance


@lru_cache(maxsize=None)
def _suite_and_batch_definition(rule: Rule):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    ctx, datasource = _context()
    suite = ctx.suites.add(gx.ExpectationSuite(name=rule.id))
    column, low, high = gx_bounds(rule)
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=low, max_value=high))
    asset = datasource.add_dataframe_asset(name=rule.id)
    return suite, asset.add_batch_definition_whole_dataframe("instances")


def failing_instances(rule: Rule, frame: pd.DataFrame) -> set[int]:
    """The ``instance`` ids of rows whose measure GX finds outside the tolerance.

    ``frame`` has columns ``instance`` (int) and the rule's measure (``residual`` or
    ``violations``, float), assessable rows only.
    """
    if frame.empty:
        return set()
    suite, batch_definition = _suite_and_batch_definition(rule)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format={
        "result_format": "COMPLETE", "unexpected_index_column_names": ["instance"]})
    (outcome,) = result.results
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        raise RuntimeError(f"GX could not validate {rule.id}: {outcome.exception_info}")
    return {int(row["instance"]) for row in outcome.result.get("unexpected_index_list") or []}

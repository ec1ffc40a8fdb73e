"""Great Expectations validation of rule residuals, once per run.

GX 1.24 cannot validate through a ``duckdb:///`` datasource (the connection closes before rows
are fetched, GX #10738/#11579), so the rule query runs in DuckDB and GX validates the resulting
pandas DataFrame: one suite per rule, one ``ExpectColumnValuesToBeBetween`` on the rule's
measure, with the bounds of its kind (``expectations.kinds.gx_bounds``):

- two sides that must agree (sum "eq", continuity, narrative): ``residual`` within ±tolerance;
- a bound (sum "le"): ``residual`` (= bound - value) at least -tolerance;
- the other kinds: ``violations`` (a count, or 0/1) between 0 and tolerance.

A :class:`Validation` is one GX context for one run: each rule's frame is validated once, and
the results it decided with are the ones Data Docs render (``expectations/data_docs.py``).
"""

from __future__ import annotations

import os
import pandas as pd

from expectations.kinds import gx_bounds
from expectations.rules import Rule

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# the run name of the validation results (the folder of their Data Docs pages)
RUN_NAME = "gongkai"


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


class Validation:
    """One GX context for a run. ``failing(rule, frame)`` validates the rule's frame with its
    suite, once, and returns the failing rows; with ``keep_results`` each result is kept in the
    context's validation-results store (a ``ValidationDefinition`` run) for Data Docs to render
    (``expectations.data_docs.build_site``), so a run validates every rule exactly once."""

    def __init__(self, keep_results: bool = False):
        self.keep_results = keep_results
        self.context = new_context()
        self.datasource = self.context.data_sources.add_pandas("gongkai_rules")
        self.rules: list[Rule] = []  # in the order validated
        self._definitions: dict[str, tuple] = {}
        self.run_id = None
        if keep_results:
            import datetime

            from great_expectations.core.run_identifier import RunIdentifier

            self.run_id = RunIdentifier(
                run_name=RUN_NAME, run_time=datetime.datetime.now(datetime.timezone.utc))

    def _definition(self, rule: Rule):
        if rule.id not in self._definitions:
            import great_expectations as gx

            suite = self.context.suites.add(expectation_suite(rule))
            batch = self.datasource.add_dataframe_asset(name=rule.id) \
                .add_batch_definition_whole_dataframe("instances")
            definition = (self.context.validation_definitions.add(
                gx.ValidationDefinition(name=rule.id, data=batch, suite=suite))
                if self.keep_results else None)
            self._definitions[rule.id] = (suite, batch, definition)
        return self._definitions[rule.id]

    def result(self, rule: Rule, frame: pd.DataFrame, fmt: dict | None = None):
        """The GX ``ExpectationSuiteValidationResult`` of the rule's suite on ``frame``."""
        if rule.id in {r.id for r in self.rules}:
            raise ValueError(f"{rule.id} was validated already in this run")
        suite, batch, definition = self._definition(rule)
        fmt = fmt or result_format(frame)
        if definition is not None:
            result = definition.run(batch_parameters={"dataframe": frame}, result_format=fmt,
                                    run_id=self.run_id)
        else:
            result = batch.get_batch(batch_parameters={"dataframe": frame}).validate(
                suite, result_format=fmt)
        check_outcome(rule, result)
        self.rules.append(rule)
        return result

    def failing(self, rule: Rule, frame: pd.DataFrame) -> set[tuple]:
        """The rows of ``frame`` whose measure GX finds outside the tolerance, each as the tuple
        of its index columns (``report`` and/or ``instance``, :func:`result_format`)."""
        fmt = result_format(frame)
        index = fmt.get("unexpected_index_column_names", [])
        (outcome,) = self.result(rule, frame, fmt).results
        return {tuple(row[c] for c in index)
                for row in outcome.result.get("unexpected_index_list") or []}



def failing_instances(rule: Rule, frame: pd.DataFrame) -> set[int]:
    """The ``instance`` ids of rows whose measure GX finds outside the tolerance (``frame``: an
    int ``instance`` and the rule's measure), in a validation of its own."""
    if frame.empty:
        return set()
    return {int(i) for (i,) in Validation().failing(rule, frame[["instance", rule.measure]])}

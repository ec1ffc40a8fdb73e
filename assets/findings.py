"""``rule_findings``: the rule catalogue evaluated with Great Expectations over the warehouse,
one Dagster asset check per rule; ``findings_summary``: failure rates by rule, year and agency
level; ``published_warehouse``: the run's warehouse made the one people query.

The rule checks are WARN and never blocking: a failed rule describes a report (the agency's
arithmetic or text), not a fault of the pipeline. (dagster-ge is stuck below GX 1.0, so GX is wired in
here by hand: ``expectations.evaluate`` runs the GX suite, the checks report its results.)
"""

import dagster as dg

from assets import steps
from assets.warehouse import warehouse_reports
from pipelines.resources import WarehouseResource

GROUP = "warehouse"

STATUTORY_CHECKS = [
    dg.AssetCheckSpec(
        name=steps.check_name(rule),
        asset="rule_findings",
        description=f"`{rule}` — {says}. Warns, never blocks: a failure is a finding about a "
                    "report, not a fault of the pipeline.",
        blocking=False,
        metadata={"rule": rule},
    )
    for rule, says in steps.CHECKED_RULES.items()
]


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb", "great_expectations"},
    deps=[warehouse_reports],
    check_specs=STATUTORY_CHECKS,
    description="Every rule instance of every report in the warehouse, evaluated by "
                "`expectations.evaluate` (Great Expectations) and stored in `rule_results`. "
                "Metadata: pass/fail/not-assessable counts per rule.",
)
def rule_findings(context: dg.AssetExecutionContext,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    from expectations import evaluate, store
    from expectations.data_docs import build_data_docs

    validations: list = []
    with warehouse.connect(context.run.run_id) as con:
        findings = evaluate(con, validations=validations)
        store(con, findings)
        labels = steps.report_labels(con)
    # built aside, published with the warehouse (published_warehouse)
    build_data_docs(validations,
                    steps.staged_data_docs_dir(warehouse.location(), context.run.run_id))
    docs = steps.data_docs_dir(warehouse.location()) / "index.html"
    context.log.info(f"Great Expectations Data Docs (published with the warehouse): {docs}")

    statuses = {s: sum(f["status"] == s for f in findings)
                for s in ("pass", "fail", "not_assessable")}
    context.log.info(f"{len(findings)} rule instances: {statuses}")
    checks = []
    for rule in steps.CHECKED_RULES:
        out = steps.rule_check_outcome(rule, findings, labels)
        checks.append(dg.AssetCheckResult(
            check_name=steps.check_name(rule),
            passed=out["passed"],
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rule": rule,
                "instances": out["instances"],
                "failed": out["failed"],
                "not_assessable": out["not_assessable"],
                "failing_reports": dg.MetadataValue.json(out["failing_reports"]),
                "failing_cells": dg.MetadataValue.md(out["failing_cells"]),
            },
        ))
    return dg.MaterializeResult(
        metadata={
            "rule_instances": len(findings),
            "failed": statuses["fail"],
            "not_assessable": statuses["not_assessable"],
            "passed": statuses["pass"],
            "failures_by_rule": dg.MetadataValue.md(steps.failures_markdown(findings)),
            "data_docs": dg.MetadataValue.path(str(docs)),
        },
        check_results=checks,
    )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[rule_findings],
    description="Warehouse-wide summary of the findings: failure rates by rule (with a bar "
                "chart), by year and by agency level (warehouse/failure_rates.py). The markdown is "
                "this asset's `summary` metadata.",
)
def findings_summary(context: dg.AssetExecutionContext,
                     warehouse: WarehouseResource) -> dg.MaterializeResult:
    from warehouse.failure_rates import failure_rates, summary_markdown

    with warehouse.connect(context.run.run_id) as con:
        markdown = summary_markdown(con)
        rates = failure_rates(con)
    return dg.MaterializeResult(metadata={
        "summary": dg.MetadataValue.md(markdown),
        "rules_failing_somewhere": sum(r["failing"] > 0 for r in rates),
        "rates": dg.MetadataValue.json(rates),
    })


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[rule_findings, findings_summary],
    description="The run's warehouse made the one people query, all at once: the staging copy "
                "the run wrote is renamed over the published file. Sessions opened before keep "
                "the old data until they reconnect; a run that fails before this step publishes "
                "nothing (warehouse/snapshot.py). The run's Data Docs site is published with "
                "it.",
)
def published_warehouse(context: dg.AssetExecutionContext,
                        warehouse: WarehouseResource) -> dg.MaterializeResult:
    from warehouse import store

    path = warehouse.publish(context.run.run_id)
    docs = steps.publish_data_docs(path, context.run.run_id)
    con = store.connect(path, read_only=True)
    try:
        summary = store.summary(con)
    finally:
        con.close()
    return dg.MaterializeResult(metadata={
        "warehouse": dg.MetadataValue.path(str(path)),
        **({"data_docs": dg.MetadataValue.path(str(docs))} if docs else {}),
        **{k: v for k, v in summary.items() if isinstance(v, (int, float, str))},
    })

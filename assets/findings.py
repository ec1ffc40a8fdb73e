"""``rule_findings``: the rule catalogue evaluated with Great Expectations over the warehouse,
one Dagster asset check per rule; ``findings_summary``: failure rates by rule, year and agency
level; ``published_warehouse``: the run's warehouse made the one people query.

The rule checks never block: a failed rule describes a report (the agency's arithmetic or
text), not a fault of the pipeline. Each check's severity is its rule's (error -> ERROR,
warning -> WARN); an info rule's check passes and lists what it found. GX validates each rule
once per run, and the Data Docs site is rendered from those results. (dagster-ge is stuck
below GX 1.0, so GX is wired in here by hand: ``expectations.evaluate`` runs the GX suites, the
checks report their results.)
"""

import dagster as dg

from assets.resources import WarehouseResource
from assets.warehouse import warehouse_reports
from expectations import checks
from expectations.rules import BY_ID

GROUP = "warehouse"

# a rule check's severity is its rule's; an info rule's check passes (it only describes)
CHECK_SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warning": dg.AssetCheckSeverity.WARN,
                  "info": dg.AssetCheckSeverity.WARN}

STATUTORY_CHECKS = [
    dg.AssetCheckSpec(
        name=checks.check_name(rule),
        asset="rule_findings",
        description=f"`{rule}` ({BY_ID[rule].severity}) — {says}. Never blocks: a failure is a "
                    "finding about a report, not a fault of the pipeline.",
        blocking=False,
        metadata={"rule": rule},
    )
    for rule, says in checks.CHECKED_RULES.items()
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
    from expectations import incremental
    from expectations.data_docs import build_site, data_docs_dir, staged_data_docs_dir
    from expectations.validate import Validation

    backend = warehouse.backend()
    validation = Validation(keep_results=True)  # one GX validation per rule, this run
    with warehouse.connect(context.run.run_id) as con:
        # only what changed: new reports, their neighbours across years, changed rules
        work = incremental.plan(con)
        context.log.info(f"Evaluating {incremental.planned_count(work)}")
        evaluated = incremental.evaluate_changes(con, work, validation=validation)
        incremental.store_changes(con, work, evaluated)
        findings = incremental.stored_findings(con)  # the whole warehouse, for the checks
        labels = checks.report_labels(con)
    context.log.info(f"Great Expectations validation: {len(validation.rules)} validations of "
                     f"{len({r.id for r in validation.rules})} rules (each rule once per run)")
    docs = data_docs_dir(backend) / "index.html"
    if validation.rules:
        # rendered from the same results, built aside, published with the warehouse
        build_site(validation, staged_data_docs_dir(backend, context.run.run_id))
        context.log.info(f"Great Expectations Data Docs (published with the warehouse): {docs}")
    else:
        context.log.info(f"nothing validated: the published Data Docs stay as they are ({docs})")

    statuses = {s: sum(f["status"] == s for f in findings)
                for s in ("pass", "fail", "not_assessable")}
    context.log.info(f"{len(evaluated)} rule instances evaluated this run; the warehouse "
                     f"holds {len(findings)}: {statuses}")
    results = []
    for rule in checks.CHECKED_RULES:
        out = checks.rule_check_outcome(rule, findings, labels)
        results.append(dg.AssetCheckResult(
            check_name=checks.check_name(rule),
            passed=out["passed"],
            severity=CHECK_SEVERITY[out["severity"]],
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
            "evaluated_this_run": len(evaluated),
            "failed": statuses["fail"],
            "not_assessable": statuses["not_assessable"],
            "passed": statuses["pass"],
            "failures_by_rule": dg.MetadataValue.md(checks.failures_markdown(findings)),
            "data_docs": dg.MetadataValue.path(str(docs)),
        },
        check_results=results,
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
    from expectations.data_docs import publish_data_docs
    from warehouse import store

    backend = warehouse.backend()
    path = backend.publish(context.run.run_id)
    docs = publish_data_docs(backend, context.run.run_id)
    con = backend.connect(read_only=True)
    try:
        summary = store.summary(con)
    finally:
        con.close()
    return dg.MaterializeResult(metadata={
        "warehouse": dg.MetadataValue.path(str(path)),
        **({"data_docs": dg.MetadataValue.path(str(docs))} if docs else {}),
        **{k: v for k, v in summary.items() if isinstance(v, (int, float, str))},
    })

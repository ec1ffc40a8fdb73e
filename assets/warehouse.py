"""``warehouse_reports``: the extracted reports loaded into DuckDB, and the blocking integrity
check of our own output."""

import dagster as dg

from assets.resources import WarehouseResource
from gongkai.extract.intake import Extraction

GROUP = "warehouse"


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    description="The reports loaded into the DuckDB warehouse (`warehouse.store.load_report`, "
                "idempotent by sha256) and every unreadable document recorded in `load_errors` "
                "with its reason. Downstream assets read the warehouse, not this asset's value.",
)
def warehouse_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                      extracted_reports: Extraction) -> dg.MaterializeResult:
    from warehouse import store

    with warehouse.connect(context.run.run_id) as con:
        result = store.load_extraction(con, extracted_reports)
        summary = store.summary(con)
    for e in result["errors"]:
        context.log.info(f"load error recorded: {e['path']}: {e['reason']}")
    errors = "\n".join(["| document | reason |", "|---|---|"]
                       + [f"| {e['path']} | {e['reason']} |" for e in result["errors"]])
    return dg.MaterializeResult(metadata={
        "warehouse": dg.MetadataValue.path(warehouse.location()),
        **{k: v for k, v in summary.items() if isinstance(v, (int, float, str))},
        "summary": dg.MetadataValue.json(summary),
        "loaded_this_run": len(result["loaded"]),
        "load_errors_this_run": len(result["errors"]),
        "load_errors_list": dg.MetadataValue.md(errors),
    })


@dg.asset_check(
    asset=warehouse_reports,
    blocking=True,
    description="Integrity of our own output (blocking): every fact in the warehouse has a page "
                "and its raw text, every (table, row, column) key is a cell of "
                "gongkai.vocabulary (either template), and every report has its three tables "
                "or an extraction problem saying why not.",
)
def facts_integrity(context: dg.AssetCheckExecutionContext,
                    warehouse: WarehouseResource) -> dg.AssetCheckResult:
    from warehouse.integrity import integrity_violations

    with warehouse.connect(context.run.run_id) as con:
        v = integrity_violations(con)
    passed = not (v["missing_page"] or v["missing_raw"] or v["unknown_keys"]
                  or v["tables_unexplained"])
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "facts": v["facts"],
            "missing_page": v["missing_page"],
            "missing_raw": v["missing_raw"],
            "unknown_keys": v["unknown_keys"],
            "tables_unexplained": v["tables_unexplained"],
            "examples": dg.MetadataValue.md("\n".join(f"- {x}" for x in v["examples"])
                                            or "(none)"),
        },
    )


"""The Dagster assets of gongkai: thin wrappers around the plain functions in ``assets.steps``.

report_documents -> extracted_reports -> warehouse_reports (+ blocking facts_integrity check)
-> rule_findings (+ one WARN check per statutory rule) -> published_warehouse.
"""

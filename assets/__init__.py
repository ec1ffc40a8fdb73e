"""The Dagster assets of gongkai: thin wrappers around plain domain functions (the intake of
``gongkai.extract``, the crawl of ``gongkai.crawl``, loading in ``warehouse``, the rules of
``expectations``); their resources are ``assets/resources.py``.

report_documents -> extracted_reports -> warehouse_reports (+ blocking facts_integrity check)
-> rule_findings (+ one WARN check per statutory rule) -> published_warehouse.
"""

"""The gongkai code location loads, and its asset graph is the one the README describes."""

import dagster as dg
import pytest

from pipelines.definitions import defs

DOCS = dg.AssetKey("report_documents")
EXTRACTED = dg.AssetKey("extracted_reports")
WAREHOUSE = dg.AssetKey("warehouse_reports")
FINDINGS = dg.AssetKey("rule_findings")
PUBLISHED = dg.AssetKey("published_warehouse")
SUMMARY = dg.AssetKey("findings_summary")
# the catalogue's stable rule ids, pinned: renaming one breaks users' queries and checks
RULE_IDS = ("applications.balance", "applications.outcome_sum",
            "applications.applicant_sum", "review_litigation.total",
            "applications.carried_forward_bound", "applications.processed_bound",
            "plausibility.non_negative", "plausibility.blank_cells", "plausibility.fee_unit",
            "template.matches_year", "narrative.stated_figures",
            "plausibility.rule_making_power", "plausibility.unpaid_fee_statement",
            "applications.carry_continuity", "active_disclosure.in_force_continuity",
            "active_disclosure.previous_items_continuity", "narrative.similar_to_previous",
            "documents.agree")


@pytest.fixture(scope="module")
def graph():
    dg.Definitions.validate_loadable(defs)
    return defs.resolve_asset_graph()


CRAWLS = {dg.AssetKey(f"crawl_{s}") for s in (
    "hlj_gxt", "huaian_city", "shanghai_city", "jiangsu_province", "beijing_city",
    "gov_cn_state_council", "demo")}


def test_asset_keys(graph):
    assert graph.get_all_asset_keys() == {DOCS, EXTRACTED, WAREHOUSE, FINDINGS, SUMMARY,
                                          PUBLISHED} | CRAWLS


def test_one_crawl_asset_per_source_each_in_its_hosts_pool(graph):
    from assets.crawl import CRAWL_ASSETS
    from gongkai.crawl import load_sources

    sources = load_sources()
    assert {a.key for a in CRAWL_ASSETS} == CRAWLS
    pools = {}
    for asset in CRAWL_ASSETS:
        source = sources[asset.metadata_by_key[asset.key]["source"]]
        assert graph.get(asset.key).group_name == "crawl"
        assert asset.op.retry_policy is not None and asset.op.retry_policy.max_retries >= 1
        pools[source.id] = asset.op.pool
    assert pools["demo"] == "crawl_host_127_0_0_1"
    assert pools["huaian-city"] == \
        "crawl_host_www_huaian_gov_cn"
    assert len(set(pools.values())) == len(pools)  # the sample sources are on distinct hosts


def test_documents_wait_for_every_crawl(graph):
    assert graph.get(DOCS).parent_keys == CRAWLS


def test_nightly_schedule_and_sensor():
    schedule = defs.resolve_schedule_def("nightly_crawl")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "crawl_and_check_job"
    sensor = defs.resolve_sensor_def("pending_documents_sensor")
    assert sensor.job_name == "check_reports_job"


def test_dependencies(graph):
    assert graph.get(EXTRACTED).parent_keys == {DOCS}
    assert graph.get(WAREHOUSE).parent_keys == {EXTRACTED}
    assert graph.get(FINDINGS).parent_keys == {WAREHOUSE}
    assert graph.get(SUMMARY).parent_keys == {FINDINGS}
    assert graph.get(PUBLISHED).parent_keys == {FINDINGS, SUMMARY}


def test_assets_are_described_and_grouped(graph):
    for key in (DOCS, EXTRACTED, WAREHOUSE, FINDINGS, SUMMARY, PUBLISHED, *CRAWLS):
        node = graph.get(key)
        assert node.description, key
        assert node.group_name in ("crawl", "reports", "warehouse"), key


def test_check_specs(graph):
    checks = {k: graph.get_check_spec(k) for k in graph.asset_check_keys}
    by_name = {(k.asset_key, k.name): spec for k, spec in checks.items()}
    # one WARN, non-blocking check per rule of the catalogue on rule_findings
    for rule in RULE_IDS:
        spec = by_name[(FINDINGS, rule.replace(".", "_"))]
        assert not spec.blocking
        assert spec.metadata["rule"] == rule
    # our own integrity check on warehouse_reports blocks
    assert by_name[(WAREHOUSE, "facts_integrity")].blocking
    # each crawl has its check: a failed crawl is red with its reason, never blocking
    for key in CRAWLS:
        assert not by_name[(key, "crawl_succeeded")].blocking
    assert len(checks) == len(RULE_IDS) + 1 + len(CRAWLS)


def test_resources():
    resources = defs.resources
    assert set(resources) >= {"warehouse", "reports", "crawl"}
    # no report folder by default (the user names theirs, or $GONGKAI_REPORTS): demo and test
    # documents never go into a user's warehouse from the launchpad's defaults
    from gongkai import config

    assert resources["reports"].folders == [str(p) for p in config.report_folders()]


def test_jobs(graph):
    crawl_and_check = defs.resolve_job_def("crawl_and_check_job")
    assert set(crawl_and_check.asset_layer.selected_asset_keys) == graph.get_all_asset_keys()
    check = defs.resolve_job_def("check_reports_job")
    assert set(check.asset_layer.selected_asset_keys) == graph.get_all_asset_keys() - CRAWLS
    crawl_checks = {k for k in graph.asset_check_keys if k.asset_key in CRAWLS}
    assert set(crawl_and_check.asset_layer.asset_graph.asset_check_keys) == graph.asset_check_keys
    # the crawls' checks go with the crawls
    assert set(check.asset_layer.asset_graph.asset_check_keys) == \
        graph.asset_check_keys - crawl_checks
    for job in (crawl_and_check, check):
        assert job.executor_def.name == "in_process"


def test_dagster_loads_location_from_pyproject(tmp_path):
    """What `dagster dev` does from the repo root: load the module named in pyproject.toml."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    dagster = Path(sys.executable).with_name("dagster")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    proc = subprocess.run([str(dagster), "definitions", "validate"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation successful for code location gongkai" in proc.stdout + proc.stderr

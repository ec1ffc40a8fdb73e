"""The gongkai code location loads, and its asset graph is the one the README describes."""

import dagster as dg
import pytest

from pipelines.definitions import defs

DOCS = dg.AssetKey("report_documents")
EXTRACTED = dg.AssetKey("extracted_reports")
WAREHOUSE = dg.AssetKey("warehouse_reports")
FINDINGS = dg.AssetKey("rule_findings")
PUBLISHED = dg.AssetKey("published_warehouse")
STATUTORY = ("applications.balance", "applications.outcome_sum",
             "applications.applicant_sum", "review_litigation.total")


@pytest.fixture(scope="module")
def graph():
    dg.Definitions.validate_loadable(defs)
    return defs.resolve_asset_graph()


def test_asset_keys(graph):
    assert graph.get_all_asset_keys() == {DOCS, EXTRACTED, WAREHOUSE, FINDINGS, PUBLISHED}


def test_dependencies(graph):
    assert graph.get(DOCS).parent_keys == set()
    assert graph.get(EXTRACTED).parent_keys == {DOCS}
    assert graph.get(WAREHOUSE).parent_keys == {EXTRACTED}
    assert graph.get(FINDINGS).parent_keys == {WAREHOUSE}
    assert graph.get(PUBLISHED).parent_keys == {FINDINGS}


def test_assets_are_described_and_grouped(graph):
    for key in (DOCS, EXTRACTED, WAREHOUSE, FINDINGS, PUBLISHED):
        node = graph.get(key)
        assert node.description, key
        assert node.group_name in ("reports", "warehouse"), key


def test_check_specs(graph):
    checks = {k: graph.get_check_spec(k) for k in graph.asset_check_keys}
    by_name = {(k.asset_key, k.name): spec for k, spec in checks.items()}
    # one WARN, non-blocking check per statutory rule on rule_findings
    for rule in STATUTORY:
        spec = by_name[(FINDINGS, rule.replace(".", "_"))]
        assert not spec.blocking
        assert spec.metadata["rule"] == rule
    # our own integrity check on warehouse_reports blocks
    assert by_name[(WAREHOUSE, "facts_integrity")].blocking
    assert len(checks) == len(STATUTORY) + 1


def test_resources():
    resources = defs.resources
    assert set(resources) >= {"warehouse", "reports"}
    folders = resources["reports"].folders
    assert any(f.endswith("tests/fixtures/reports") for f in folders) or folders


def test_job_selects_whole_graph(graph):
    job = defs.resolve_job_def("check_reports_job")
    assert set(job.asset_layer.selected_asset_keys) == graph.get_all_asset_keys()
    assert set(job.asset_layer.asset_graph.asset_check_keys) == graph.asset_check_keys
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

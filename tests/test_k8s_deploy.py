"""The Kubernetes deployment (deploy/k8s/) and the Celery workers' config (deploy/celery/) as
far as they can be checked without a cluster — there is none here, and no image is built (the
machine reaches no registry): the files parse, the executor config validates against
dagster_k8s's own schema, the run config against the code location's job with
GONGKAI_EXECUTOR=k8s, and the code location loads with each executor. What they name (the
ConfigMap, the volume, the port, the module, the variables) agrees across the files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
CELERY_YAML = ROOT / "deploy" / "celery" / "celery.yaml"


def load(name: str):
    return yaml.safe_load((K8S / name).read_text())


@pytest.fixture(scope="module")
def manifests() -> dict[str, dict]:
    docs = list(yaml.safe_load_all((K8S / "gongkai.yaml").read_text()))
    return {d["kind"]: d for d in docs}


def test_the_files_parse():
    for name in ("values.yaml", "run_config.yaml", "gongkai.yaml"):
        assert list(yaml.safe_load_all((K8S / name).read_text())), name
    assert yaml.safe_load(CELERY_YAML.read_text())["execution"]["config"]["broker"]


def test_executor_config_validates_against_dagster_k8s_schema():
    from dagster._config import validate_config
    from dagster_k8s import k8s_job_executor

    executor_config = load("run_config.yaml")["execution"]["config"]
    result = validate_config(k8s_job_executor.config_schema.config_type, executor_config)
    assert result.success, [e.message for e in result.errors]
    # and a wrong key is caught by that schema, so the check means something
    bad = validate_config(k8s_job_executor.config_schema.config_type,
                          {**executor_config, "max_concurent": 8})
    assert not bad.success


LOAD = """
import json, sys
import dagster as dg
import yaml
from pipelines.definitions import defs
dg.Definitions.validate_loadable(defs)
job = defs.resolve_job_def("check_reports_job")
out = {"executor": job.executor_def.name}
if len(sys.argv) > 1:
    run_config = yaml.safe_load(open(sys.argv[1]))
    try:
        dg.validate_run_config(job, run_config)
        out["run_config"] = "valid"
    except dg.DagsterInvalidConfigError as e:
        out["run_config"] = [err.message for err in e.errors]
print(json.dumps(out))
"""


def load_code_location(executor: str, *args: str) -> dict:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")},
           "GONGKAI_EXECUTOR": executor, "GONGKAI_CELERY_BROKER": "redis://127.0.0.1:1/0"}
    done = subprocess.run([sys.executable, "-c", LOAD, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_code_location_loads_with_the_k8s_executor_and_takes_the_run_config():
    assert load_code_location("k8s", str(K8S / "run_config.yaml")) == {
        "executor": "k8s", "run_config": "valid"}


def test_code_location_loads_with_the_celery_executor():
    assert load_code_location("celery") == {"executor": "celery"}


def test_celery_worker_config_validates(monkeypatch):
    from dagster_celery.cli import get_validated_config

    monkeypatch.setenv("GONGKAI_CELERY_BROKER", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("GONGKAI_CELERY_BACKEND", "redis://127.0.0.1:1/1")
    config = get_validated_config(str(CELERY_YAML))
    assert (config["broker"], config["backend"]) == ("redis://127.0.0.1:1/0",
                                                     "redis://127.0.0.1:1/1")
    # the run's side says the same (pipelines/executors.py)
    from pipelines.executors import celery_config

    assert celery_config()["config_source"].items() <= config["config_source"].items()


def test_an_unknown_executor_is_named(monkeypatch):
    from gongkai import config

    monkeypatch.setenv("GONGKAI_EXECUTOR", "dask")
    with pytest.raises(ValueError, match="GONGKAI_EXECUTOR='dask'.*in_process, celery, k8s"):
        config.executor_name()


def test_the_helm_values_serve_this_code_location_with_the_k8s_run_launcher(manifests):
    values = load("values.yaml")
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["codeServerArgs"] == ["-m", "pipelines.definitions"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False and values["postgresql"]["postgresqlHost"]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    # the ConfigMap and the volume it names are the manifests'
    assert [c["name"] for c in deployment["envConfigMaps"]] == \
        [manifests["ConfigMap"]["metadata"]["name"]]
    (volume,) = deployment["volumes"]
    assert volume["persistentVolumeClaim"]["claimName"] == \
        manifests["PersistentVolumeClaim"]["metadata"]["name"]
    assert "ReadWriteMany" in manifests["PersistentVolumeClaim"]["spec"]["accessModes"]
    # every folder of the lake's env is on that volume
    (mount,) = deployment["volumeMounts"]
    env = manifests["ConfigMap"]["data"]
    for key in ("GONGKAI_DATA_PATH", "GONGKAI_IO_DIR", "GONGKAI_STORE", "GONGKAI_REPORTS"):
        assert env[key].startswith(mount["mountPath"] + "/"), key
    # the image serves on the port the chart expects
    dockerfile = (K8S / "Dockerfile").read_text()
    assert f"EXPOSE {deployment['port']}" in dockerfile
    assert '"-m", "pipelines.definitions"' in dockerfile


def test_the_lake_env_names_only_variables_gongkai_reads(manifests):
    from gongkai import config

    env = manifests["ConfigMap"]["data"]
    known = set(re.findall(r"``(GONGKAI_[A-Z_]+)``", config.__doc__))
    assert set(env) <= known, set(env) - known
    assert env["GONGKAI_EXECUTOR"] == "k8s"
    assert env["GONGKAI_WAREHOUSE"].startswith("ducklake:postgres:")
    assert "password" not in env["GONGKAI_WAREHOUSE"]


def test_the_image_installs_the_system_packages_but_the_test_servers():
    """The Dockerfile's own pipeline (sed, awk, grep), run here by sh over the real list:
    every package of scripts/apt-packages.txt but the servers and browser only tests use."""
    dockerfile = (K8S / "Dockerfile").read_text().replace("\\\n", " ")
    pipeline = re.search(r"packages=\$\((.*?)\);", dockerfile, re.S).group(1)
    made = subprocess.run(["sh", "-c", pipeline.replace("/tmp/apt-packages.txt",
                                                        "scripts/apt-packages.txt")],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    listed = [line.split()[0] for line in (ROOT / "scripts" / "apt-packages.txt").read_text()
              .splitlines() if line.strip() and not line.startswith("#")]
    assert made == [p for p in listed if p not in {"redis-server", "postgresql", "chromium"}]
    assert {"tesseract-ocr", "tesseract-ocr-chi-sim", "libreoffice-writer-nogui"} <= set(made)

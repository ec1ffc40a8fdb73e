"""Where a run's steps run, chosen in one place by ``$GONGKAI_EXECUTOR`` (``gongkai.config``):

- ``in_process`` (default): every step in the run's own process, one after the other — what
  `gongkai run` and `dagster dev` on one machine do (the DuckDB file allows one writer
  process; extraction is parallel inside its step, `--workers N`).
- ``celery``: each step is a Celery task on a Redis broker (``$GONGKAI_CELERY_BROKER``, default
  ``redis://127.0.0.1:6379/0``; results on ``$GONGKAI_CELERY_BACKEND``, default the broker),
  run by `dagster-celery worker` processes on any machine that reaches the broker, the
  Dagster instance and the warehouse (deploy/celery/). The extraction batches of one run
  spread over them.
- ``k8s``: each step a Kubernetes Job of the code location's image (``dagster_k8s``'s
  ``k8s_job_executor``, deploy/k8s/), configured by the run config's ``execution`` block.

Off one process, values pass between steps through ``RunScopedIOManager``'s folder
(``$GONGKAI_IO_DIR``), which every worker must see.
"""

from __future__ import annotations

import dagster as dg

from gongkai import config


def celery_config() -> dict:
    """The celery executor's config: the broker and result backend from the environment, one
    task at a time per worker process (a step is long: a batch of documents)."""
    return {
        "broker": config.celery_broker(),
        "backend": config.celery_backend(),
        "config_source": {"worker_prefetch_multiplier": 1, "task_acks_late": True},
    }


def executor(name: str | None = None) -> dg.ExecutorDefinition:
    """The executor named ``name`` (default ``$GONGKAI_EXECUTOR``)."""
    name = name or config.executor_name()
    if name == "celery":
        import warnings

        from celery.exceptions import DuplicateTaskNameWarning
        from dagster_celery import celery_executor

        # dagster_celery registers its one task again for every step it submits, and Celery
        # 5.7 warns each time on the run's terminal; the task is the same each time
        warnings.filterwarnings("ignore", category=DuplicateTaskNameWarning,
                                message="Task name 'execute_plan'")
        return celery_executor.configured(celery_config(), name="celery")
    if name == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    return dg.in_process_executor

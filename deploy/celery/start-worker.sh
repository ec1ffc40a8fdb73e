#!/bin/sh
# Start one gongkai Celery worker on this machine: it takes the steps of runs launched with
# GONGKAI_EXECUTOR=celery from the Redis broker and runs them here.
#
# The worker needs what the run needs, the same everywhere:
#   DAGSTER_HOME            an instance on Postgres (deploy/postgres/dagster.yaml) shared by
#                           every machine (a SQLite instance only works on one machine)
#   GONGKAI_CELERY_BROKER   redis://HOST:6379/0 (GONGKAI_CELERY_BACKEND: the same by default)
#   GONGKAI_WAREHOUSE       the lake: ducklake:postgres:dbname=… host=… (and GONGKAI_DATA_PATH)
#   GONGKAI_IO_DIR          a folder every worker sees (NFS, a shared volume): the values one
#                           step hands the next
#   gongkai installed (pip install -e . in a checkout), this script run from that checkout
#
# One worker runs one step at a time, in its own process (Celery's solo pool): an extraction
# step starts bounded reader processes (gongkai.extract.bounded, --workers N per step), which
# Celery's prefork pool processes, being daemons, may not. Start one worker per step you want
# at once on a machine (each step's readers use `reports.workers` cores).
# Usage: deploy/celery/start-worker.sh [NAME]
set -eu
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"   # dagster-celery runs `celery` from PATH
: "${DAGSTER_HOME:?set DAGSTER_HOME to the shared instance}"
export GONGKAI_CELERY_BROKER="${GONGKAI_CELERY_BROKER:-redis://127.0.0.1:6379/0}"
export GONGKAI_CELERY_BACKEND="${GONGKAI_CELERY_BACKEND:-$GONGKAI_CELERY_BROKER}"
name="${1:-gongkai-$(hostname)-$$}"
exec .venv/bin/dagster-celery worker start -A dagster_celery.app -y deploy/celery/celery.yaml \
  --name "$name" -- --pool solo

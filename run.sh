#!/usr/bin/env bash
# Set up (once) and run the whole gongkai pipeline: ./run.sh [gongkai run options]
#   creates .venv with the system python3 if missing, installs gongkai with its test extras,
#   then runs `gongkai run` (Dagster job check_reports_job, DuckDB warehouse, rule checks).
set -euo pipefail
cd "$(dirname "$0")"

. scripts/venv.sh

export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
exec .venv/bin/gongkai run "$@"

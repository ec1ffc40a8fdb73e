#!/usr/bin/env bash
# Set up (once) and run the whole gongkai pipeline: ./run.sh [gongkai run options]
#   creates .venv with the system python3 if missing, installs gongkai with its test extras,
#   then runs `gongkai run` (Dagster job check_reports_job, DuckDB warehouse, rule checks).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
exec .venv/bin/gongkai run "$@"

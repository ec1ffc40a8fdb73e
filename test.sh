#!/usr/bin/env bash
# Set up (once) and run the test suite: ./test.sh [pytest options]
#   same set-up as ./run.sh, then pytest on 2 workers. Exits non-zero on any failure, and also
#   when pytest collected no tests (its exit code 5).
set -euo pipefail
cd "$(dirname "$0")"

. scripts/venv.sh

set +e
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests — treated as a failure" >&2
fi
exit "$status"

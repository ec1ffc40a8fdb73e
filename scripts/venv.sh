#!/usr/bin/env bash
# The set-up both ./run.sh and ./test.sh do first: .venv with the system python3 (created when
# missing) and gongkai installed in it with its test extras. Sourced, from the repo root.
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

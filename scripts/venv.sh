#!/usr/bin/env bash
# The set-up both ./run.sh and ./test.sh do first: .venv with the system python3 (created when
# missing) and gongkai installed in it with its test extras. Sourced, from the repo root.
# pip's output goes to .venv/setup.log and is shown only when something fails.
if [ ! -x .venv/bin/python ]; then
    echo "setting up .venv (first time: a few minutes) ..." >&2
    python3 -m venv .venv
fi
if ! { .venv/bin/python -m pip install --upgrade pip \
       && .venv/bin/python -m pip install -e '.[test]'; } > .venv/setup.log 2>&1; then
    cat .venv/setup.log >&2
    echo "set-up failed: the pip output is above (and in .venv/setup.log)" >&2
    exit 1
fi

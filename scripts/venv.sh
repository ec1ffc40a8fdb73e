#!/usr/bin/env bash
# The set-up both ./run.sh and ./test.sh do first, sourced from the repo root:
#   1. the system packages of scripts/apt-packages.txt (LibreOffice, Tesseract, Redis, …),
#      installed with apt when missing and when we can (root); otherwise a note says which are
#      missing, and the readers that need them record a clear reason instead;
#   2. .venv with the system python3 (created when missing) and gongkai installed in it with its
#      test extras — skipped when .venv/.setup-stamp matches pyproject.toml, so a second run needs
#      no network.
# Output goes to .venv/setup.log and is shown only when something fails.

_gongkai_missing_packages() {
    local pkg
    while read -r pkg _; do
        case "$pkg" in ""|\#*) continue ;; esac
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || printf '%s\n' "$pkg"
    done < scripts/apt-packages.txt
}

_gongkai_system_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local missing
    missing=$(_gongkai_missing_packages | tr '\n' ' ')
    [ -n "${missing// /}" ] || return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing system packages: $missing(first time: a few minutes) ..." >&2
        mkdir -p .venv
        if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
               apt-get install -y -q --no-install-recommends $missing; } >> .venv/apt.log 2>&1; then
            echo "note: could not install system packages ($missing); see .venv/apt.log." \
                 "Reports that need them are recorded with the reason." >&2
        fi
    else
        echo "note: system packages missing: $missing— install them with" \
             "'apt-get install $missing'. Reports that need them are recorded with the reason." >&2
    fi
}

_gongkai_system_packages

if [ ! -x .venv/bin/python ]; then
    echo "setting up .venv (first time: a few minutes) ..." >&2
    python3 -m venv .venv
fi
_gongkai_stamp=$( { cat pyproject.toml; python3 --version; } | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$_gongkai_stamp" ]; then
    if ! { .venv/bin/python -m pip install --upgrade pip \
           && .venv/bin/python -m pip install -e '.[test]'; } > .venv/setup.log 2>&1; then
        cat .venv/setup.log >&2
        echo "set-up failed: the pip output is above (and in .venv/setup.log)" >&2
        exit 1
    fi
    echo "$_gongkai_stamp" > .venv/.setup-stamp
fi
unset _gongkai_stamp

#!/usr/bin/env bash
# The documented check that a second ./run.sh needs no network: run it once (set-up, demo),
# then again in a new network namespace with only loopback up (no registry, no DNS, nothing
# outside 127.0.0.1: the demo portal is served there). Needs root (or user namespaces) for
# unshare. Exits non-zero when the offline run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./run.sh > /dev/null
unshare -n sh -c 'ip link set lo up && exec ./run.sh "$@"' sh "$@"

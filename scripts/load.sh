#!/usr/bin/env bash
# Load test of authmock's token endpoint against a bare net/http baseline,
# plus start-up time and idle memory. See bench/load/main.go for what is
# measured. Flags pass through, e.g.:
#   scripts/load.sh -duration 10s -concurrency 16 -algs RS256,ES256 -runs 2
# The token state (issue 11): memory under a 60 s soak, revoke/expire by
# client and user after it, 1M refresh tokens and their expiry:
#   scripts/load.sh -mode state -loader wrk -authmock ./authmock
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/load "$@"

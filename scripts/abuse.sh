#!/usr/bin/env bash
# Memory under abusive clients: oversized headers and queries, and clients
# that never read their answers; RSS must come back under 64 MiB within a
# minute after they stop. See bench/abuse/main.go. Flags pass through, e.g.:
#   scripts/abuse.sh -authmock ./authmock -nonreaders 50 -hold 15s
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/abuse "$@"

#!/usr/bin/env bash
# Runs the shipped Postman collection (docs/postman/) with newman against a
# running authmock that uses the embedded defaults, as CI step 6e does:
#
#   .ci/e2e/newman.sh BASE OUTDIR     e.g. .ci/e2e/newman.sh http://127.0.0.1:41234 .ci/out
#
# newman is the one .ci/e2e/package.json pins (npm ci in .ci/e2e first). The
# run does not stop at the first failure (no --bail); the CLI report goes to
# stdout and the JSON report to OUTDIR/newman.json. The last line printed is
# "N passed, M failed" (N and M count assertions, read from the JSON report),
# as the other e2e scripts end; the exit status is non-zero when anything
# failed: an assertion, a script error, a request that got no answer.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BASE_URL OUTDIR" >&2
  exit 2
fi
base=${1%/}
out=$2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
newman="$here/node_modules/.bin/newman"
collection="$root/docs/postman/authmock.postman_collection.json"
environment="$root/docs/postman/authmock.postman_environment.json"
report="$out/newman.json"

[[ -x "$newman" ]] || { echo "newman.sh: $newman not found (run npm ci in .ci/e2e)" >&2; exit 2; }
mkdir -p "$out"
rm -f "$report"

# Guards: 10 s per request, 10 s per script, 3 minutes for the whole run
# (newman's own limits), and `timeout` in case newman itself hangs.
rc=0
timeout 240 "$newman" run "$collection" \
  --environment "$environment" \
  --env-var "baseUrl=$base" \
  --timeout 180000 --timeout-request 10000 --timeout-script 10000 \
  --reporters cli,json --reporter-json-export "$report" \
  --color off || rc=$?

if [[ ! -s "$report" ]]; then
  echo "newman.sh: newman exited $rc and wrote no JSON report at $report" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# passed = assertions that held; failed = assertions that did not, plus every
# other failure newman recorded (a script that threw, a request with no
# answer), so an error outside pm.test still fails the run.
summary=$(node -e '
  const run = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).run;
  const a = run.stats.assertions;
  const other = run.failures.filter((f) => !(f.error && f.error.name === "AssertionError")).length;
  console.log((a.total - a.failed) + " " + (a.failed + other));
' "$report") || { echo "newman.sh: cannot read $report" >&2; echo "0 passed, 1 failed"; exit 1; }
read -r passed failed <<<"$summary"

if [[ $rc -eq 0 && $failed -eq 0 && $passed -eq 0 ]]; then
  failed=1 # a run that asserted nothing proves nothing
  echo "newman.sh: the run made no assertion" >&2
fi
echo "$passed passed, $failed failed"
if [[ $rc -ne 0 || $failed -ne 0 ]]; then
  exit 1
fi

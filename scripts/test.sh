#!/usr/bin/env bash
# Runs the test suites with Node's test runner (TAP output with `# pass` / `# fail` summaries):
#   unit         typecheck (tsconfig.all.json), `biome ci .` and the layer rules, then src/**/*.test.ts and
#                web/**/*.test.ts (the dashboard's browser code, pure parts), two files at a time
#   integration  test/**/*.test.ts, one file at a time (they start servers, etcd, containers)
# `scripts/test.sh` runs both; `scripts/test.sh unit` or `scripts/test.sh integration` one of them.
# Exits non-zero when any test failed. Extra arguments after the suite go to `node --test`.
set -uo pipefail
cd "$(dirname "$0")/.."

suite="${1:-all}"
shift || true
status=0

run() { # name concurrency dir [node --test options]
  local name=$1 concurrency=$2 dir=$3 files
  shift 3
  mapfile -t files < <(find "$dir" -name '*.test.ts' -not -path '*/node_modules/*' | sort)
  if (( ${#files[@]} == 0 )); then
    echo "# $name: no test files under $dir"
    return 0
  fi
  echo "# $name tests: ${#files[@]} files"
  node --import tsx --test --test-concurrency="$concurrency" "$@" "${files[@]}" || status=1
}

# Static checks first: the type checker over src, test, bench and scripts, then Biome (format and
# lint). A failure fails the run; the suites still run so one run reports everything.
checks() {
  echo "# typecheck: tsc -p tsconfig.all.json"
  npx tsc -p tsconfig.all.json || status=1
  echo "# typecheck: tsc -p web/dashboard/tsconfig.json (browser code)"
  npx tsc -p web/dashboard/tsconfig.json || status=1
  echo "# lint: biome ci ."
  npx biome ci . || status=1
  echo "# layers: dependency-cruiser (.dependency-cruiser.cjs)"
  npm run --silent lint:deps || status=1
}

case "$suite" in
  unit) checks; run unit 2 src "$@"; run web 2 web "$@" ;;
  integration) run integration 1 test "$@" ;;
  all) checks; run unit 2 src "$@"; run web 2 web "$@"; run integration 1 test "$@" ;;
  *) echo "usage: scripts/test.sh [unit|integration|all] [node --test options]" >&2; exit 2 ;;
esac
exit $status

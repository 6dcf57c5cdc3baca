#!/usr/bin/env bash
# Runs every benchmark in bench/ (or those named: scripts/bench.sh startup-bench) after a build;
# each prints JSON figures on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if (( $# > 0 )); then names=("$@"); else names=(); for f in bench/*.ts; do names+=("$(basename "$f" .ts)"); done; fi
for name in "${names[@]}"; do
  echo "# bench/$name.ts" >&2
  node --import tsx "bench/$name.ts"
done

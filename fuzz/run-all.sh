#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 30) with a memory cap; fails on the first crash.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"
export RUSTC_BOOTSTRAP=1
for t in $(ls fuzz_targets | sed 's/\.rs$//'); do
  echo "== fuzz $t for ${secs}s"
  mkdir -p corpus/$t
  cargo fuzz run "$t" corpus/$t -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 2>&1 | tail -n 3
done

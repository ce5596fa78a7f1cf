#!/usr/bin/env bash
# Evidence-store benchmark: appends per second on SQLite and PostgreSQL (one commit per event,
# and 1000 events per commit), then inclusion/consistency proof time and a full offline verify
# at 1M events. Results go in BENCHMARKS.md with the machine and its load.
#
#   bench/store.sh                       # SQLite only
#   MLSEC_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test bench/store.sh
#   EVENTS=200000 bench/store.sh         # smaller proof store
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
args=(--events "${EVENTS:-1000000}")
if [[ -n "${MLSEC_TEST_POSTGRES_URL:-}" ]]; then
  args+=(--postgres "$MLSEC_TEST_POSTGRES_URL")
fi
cargo run --quiet --release -p mlsec-store --example store_bench -- "${args[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

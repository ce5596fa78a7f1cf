#!/usr/bin/env bash
# Evidently 0.7.23 DataDriftPreset vs `mlsec data drift` on the shared synthetic drift dataset
# (100k and 1M rows per file), plus mlsec alone on a 10M-row Parquet pair for bounded memory.
#
#   bench/data/drift_bench.sh                 # ROWS="100000 1000000" BIG=10000000
#   ROWS=100000 BIG=0 bench/data/drift_bench.sh
#
# Needs GNU /usr/bin/time. Creates the Python venv with bench/data/setup.sh and builds only the
# release binary of the mlsec crate. Data goes to $WORK (default /tmp/data-report-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${DATA_BENCH_VENV:-/tmp/data-report-venv}
bench/data/setup.sh >&2
cargo build --release -p mlsec >&2
read -r -a rows <<<"${ROWS:-100000 1000000}"
echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$VENV/bin/python" bench/data/drift_bench.py --mlsec target/release/mlsec \
  --rows "${rows[@]}" --big "${BIG:-10000000}" --work "${WORK:-/tmp/data-report-bench}"

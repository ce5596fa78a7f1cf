#!/usr/bin/env bash
# Time and peak memory of `mlsec data drift` (release) on the synthetic drift dataset of the
# shared drift vectors (gen_drift_data.py, regenerated bit for bit by `mlsec data synth`).
#
#   bench/drift/run.sh [ROWS...]        default: 100000 1000000
#
# Needs /usr/bin/time (GNU time). Builds the release binary of the mlsec crate only.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p mlsec >/dev/null
BIN=target/release/mlsec
WORK=${WORK:-/tmp/mlsec-drift-bench}
ROWS=("$@"); [ ${#ROWS[@]} -eq 0 ] && ROWS=(100000 1000000)
for n in "${ROWS[@]}"; do
  d="$WORK/$n"
  if [ ! -f "$d/current.parquet" ]; then "$BIN" data synth --rows "$n" --out "$d"; fi
  for mode in evidently strict; do
    /usr/bin/time -v "$BIN" data drift "$d/reference.parquet" "$d/current.parquet" \
      --mode "$mode" --format json -o "$d/drift-$mode.json" 2>"$d/time-$mode.txt" || true
    wall=$(grep "Elapsed (wall clock)" "$d/time-$mode.txt" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$d/time-$mode.txt" | awk '{print $NF}')
    drifted=$(python3 -c "import json,sys;d=json.load(open('$d/drift-$mode.json'));print(d['dataset']['drifted'],'/',d['dataset']['columns'])")
    echo "rows=$n mode=$mode wall=$wall peak_rss_kib=$rss drifted=$drifted"
  done
done

#!/usr/bin/env bash
# PII detection quality and speed, mlsec vs Microsoft Presidio, on the same labelled sample in
# the same run. Prints a Markdown precision/recall table and the detection times.
#
#   bench/pii/setup.sh && bench/pii/run.sh [PER_KIND] [NEGATIVES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-/tmp/data-pii-venv}
PY="$VENV/bin/python"
PER_KIND=${1:-150}
NEGATIVES=${2:-1500}
SEED=${3:-7}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$PY" bench/pii/make_sample.py --per-kind "$PER_KIND" --negatives "$NEGATIVES" --seed "$SEED" -o "$WORK/sample.csv"
cargo build --release -q -p mlsec-data --example pii_label
MLSEC_SECS=$(target/release/examples/pii_label "$WORK/sample.csv" "$WORK/mlsec.txt")
P5_SECS=$("$PY" bench/pii/presidio_peer.py "$WORK/sample.csv" "$WORK/presidio.txt" --threshold 0.5 2>/dev/null)
P0_SECS=$("$PY" bench/pii/presidio_peer.py "$WORK/sample.csv" "$WORK/presidio0.txt" --threshold 0.0 2>/dev/null)
ROWS=$(($(wc -l < "$WORK/sample.csv") - 1))
"$PY" bench/pii/evaluate.py "$WORK/sample.csv" mlsec="$WORK/mlsec.txt" "presidio@0.5"="$WORK/presidio.txt" "presidio@0"="$WORK/presidio0.txt"
echo
echo "values: $ROWS; detection time: mlsec ${MLSEC_SECS}s, presidio@0.5 ${P5_SECS}s, presidio@0 ${P0_SECS}s"
"$PY" -c "print(f'presidio@0.5 / mlsec time ratio: {float($P5_SECS)/max(float($MLSEC_SECS),1e-9):.0f}x')"

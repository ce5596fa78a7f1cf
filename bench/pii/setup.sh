#!/usr/bin/env bash
# Recreates the Python environment for the PII benchmark: Faker (sample generator), names (1990
# US Census name files for the detector dictionary) and presidio-analyzer (the peer).
set -euo pipefail
VENV=${VENV:-/tmp/data-pii-venv}
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q 'faker==40.63.0' 'names==0.3.0' 'presidio-analyzer==2.2.366'
echo "ready: $VENV"

#!/usr/bin/env bash
# Recreates the Python peer environment for bench/redteam/run.py (IBM ART 1.20.1 + onnxruntime).
set -euo pipefail
VENV=${VENV:-/tmp/rt-black-venv}
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "adversarial-robustness-toolbox==1.20.1" onnxruntime onnx scikit-learn numpy
echo "venv ready: $VENV"

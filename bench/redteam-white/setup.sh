#!/usr/bin/env bash
# Recreates the Python environment used to generate the tree-ensemble fixtures
# (crates/mlsec-redteam/tests/fixtures/make_trees.py) and the ART peer numbers.
set -euo pipefail
VENV=${VENV:-/tmp/rt-white-venv}
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "scikit-learn==1.9.1" "skl2onnx==1.20.0" "onnxruntime==1.32.0" onnx
echo "venv ready: $VENV"

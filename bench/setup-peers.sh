#!/usr/bin/env bash
# Installs the Python peer scanners into a venv (never into the product), pinned to the versions
# the reference measurements used. Usage: bench/setup-peers.sh [VENV_DIR]   (default bench/.venv)
set -euo pipefail
venv="${1:-$(dirname "$0")/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet \
  picklescan==1.0.5 modelscan==0.8.8 fickling==0.1.12 modelaudit==0.2.54 \
  numpy scikit-learn joblib h5py onnx gguf safetensors py7zr dill
echo "peers installed in $venv"

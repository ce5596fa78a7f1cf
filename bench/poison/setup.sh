#!/usr/bin/env bash
# Recreates the Python environment for the poisoning benchmark (the peer, cleanlab, and the
# scikit-learn models and datasets it needs). Never part of the product.
set -euo pipefail
VENV="${VENV:-/tmp/data-poison-venv}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet scikit-learn numpy pandas scipy cleanlab
"$VENV/bin/python" -c 'import sklearn, cleanlab, numpy, pandas, scipy; print("sklearn", sklearn.__version__, "cleanlab", cleanlab.__version__)'

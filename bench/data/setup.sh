#!/usr/bin/env bash
# Creates the Python peer for the data-drift benchmark in a throw-away venv (never the product):
# Evidently 0.7.23 (DataDriftPreset) plus the libraries the dataset generator needs, pinned to the
# versions the shared reference values were computed with (Evidently 0.7.23 does not import
# under pandas 3).
#
#   bench/data/setup.sh        # venv at $DATA_BENCH_VENV or /tmp/data-report-venv
#
# Idempotent: a venv that already has the pinned Evidently is left alone.
set -euo pipefail
VENV=${DATA_BENCH_VENV:-/tmp/data-report-venv}
PYTHON=${PYTHON:-python3}
want=0.7.23

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "
import importlib.metadata as md, sys
sys.exit(0 if md.version('evidently') == '$want' and md.version('pandas') == '2.3.3' else 1)
import pandas, pyarrow, scipy, numpy" 2>/dev/null; then
  echo "evidently $want already installed in $VENV" >&2
else
  echo "creating $VENV with evidently==$want" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet "evidently==$want" "pandas==2.3.3" pyarrow "scipy==1.17.1" "numpy==2.4.6"
fi
"$VENV/bin/python" -c "import evidently, pandas, pyarrow, scipy, numpy; print('evidently', evidently.__version__, 'pandas', pandas.__version__, 'pyarrow', pyarrow.__version__, 'scipy', scipy.__version__, 'numpy', numpy.__version__)"

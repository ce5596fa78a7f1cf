#!/usr/bin/env bash
# Installs the Python peers that mlsec-sign's cross-check tests talk to, into a throw-away venv
# (never into the product): model-signing 1.1.1 (the OpenSSF Model Signing reference tool),
# pyopenssl (model-signing 1.1.1 imports it without declaring it) and cyclonedx-python-lib with
# its JSON-schema validator (to validate `mlsec bom` output against CycloneDX 1.6).
#
#   scripts/install-model-signing.sh            # venv at $MLSEC_PY_VENV or /tmp/mlsec-venv-signing
#   export MLSEC_MODEL_SIGNING=/tmp/mlsec-venv-signing/bin/model_signing
#   export MLSEC_PY=/tmp/mlsec-venv-signing/bin/python
#
# The script is idempotent: a venv that already has the pinned versions is left alone. On success
# it prints the two `export` lines above (with the real paths) on stdout, so CI can `eval` them.
set -euo pipefail
VENV=${MLSEC_PY_VENV:-/tmp/mlsec-venv-signing}
PYTHON=${PYTHON:-python3}
want_ms=1.1.1

have() { "$VENV/bin/python" - "$want_ms" <<'PY' 2>/dev/null
import sys, importlib.metadata as md
ok = md.version("model-signing") == sys.argv[1]
md.version("pyopenssl"); md.version("cyclonedx-python-lib"); md.version("jsonschema")
sys.exit(0 if ok else 1)
PY
}

if [ -x "$VENV/bin/python" ] && have; then
  echo "model-signing $want_ms already installed in $VENV" >&2
else
  echo "creating $VENV with model-signing==$want_ms" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "model-signing==$want_ms" pyopenssl "cyclonedx-python-lib[json-validation]" >&2
fi
"$VENV/bin/model_signing" --help >/dev/null
echo "export MLSEC_MODEL_SIGNING=$VENV/bin/model_signing"
echo "export MLSEC_PY=$VENV/bin/python"

#!/usr/bin/env bash
# FGSM and PGD-40 (L-inf, eps 0.05/0.1/0.2/0.3, ART's settings) on the shared reference models
# with the native ONNX evaluator; prints wall time and robust accuracies next to ART's targets.
# The ART side of the comparison (same models, same budgets) is in rt-black's bench/redteam.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROFILE=${PROFILE:-release}
FLAG=$([ "$PROFILE" = release ] && echo --release || true)
D=crates/mlsec-redteam/tests/data
for m in digits_mlp digits_mlp_nn bc_logreg bc_logreg_nn; do
  case $m in digits*) x=digits ;; *) x=bc ;; esac
  echo "== $m"
  cargo run -q $FLAG -p mlsec-redteam --example whitebox_timing -- "$D/$m.onnx" "$D/${x}_x_test.npy" "$D/${x}_y_test.npy"
done

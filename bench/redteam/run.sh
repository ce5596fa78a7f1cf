#!/usr/bin/env bash
# ART 1.20.1 vs mlsec redteam, same models/samples/budgets, one run. Needs setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-/tmp/rt-black-venv}
[ -x "$VENV/bin/python" ] || bench/redteam/setup.sh
cargo build --release -p mlsec
MLSEC=$PWD/target/release/mlsec "$VENV/bin/python" bench/redteam/run.py

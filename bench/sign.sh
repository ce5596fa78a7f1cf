#!/usr/bin/env bash
# Side-by-side signing benchmark: model_signing 1.1.1 (CLI) vs `mlsec sign`, with sha256sum and
# b3sum as the bandwidth reference, on (a) one 2 GiB file and (b) 1,000 small files.
# Prints one markdown table (best of $RUNS warm-cache runs) plus the machine and its load.
#
#   bench/sign.sh                      # builds mlsec in release, installs the Python peer if needed
#   RUNS=5 BIG_MIB=2048 SMALL_FILES=1000 BENCH_DIR=/tmp/mlsec-bench-sign bench/sign.sh
#
# Needs: openssl (test key), python3 (venv via scripts/install-model-signing.sh). b3sum is
# installed with `cargo install b3sum` when absent; if that fails its rows say "skipped".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
BIG_MIB=${BIG_MIB:-2048}
SMALL_FILES=${SMALL_FILES:-1000}
DIR=${BENCH_DIR:-/tmp/mlsec-bench-sign}
MLSEC=${MLSEC:-$ROOT/target/release/mlsec}
log() { printf '%s\n' "$*" >&2; }

if [ -z "${MLSEC_BIN_PREBUILT:-}" ]; then
  log "building mlsec (release)"
  (cd "$ROOT" && cargo build --release -p mlsec --quiet)
fi
if [ -z "${MLSEC_MODEL_SIGNING:-}" ]; then
  eval "$("$ROOT/scripts/install-model-signing.sh")"
fi
MS=$MLSEC_MODEL_SIGNING
B3SUM=$(command -v b3sum || true)
if [ -z "$B3SUM" ] && [ -x "$HOME/.cargo/bin/b3sum" ]; then B3SUM=$HOME/.cargo/bin/b3sum; fi
if [ -z "$B3SUM" ]; then
  log "b3sum not found: cargo install b3sum"
  if cargo install b3sum --quiet >&2; then B3SUM=$HOME/.cargo/bin/b3sum; else log "note: b3sum unavailable, its rows are skipped"; fi
fi

mkdir -p "$DIR"
cd "$DIR"
[ -f key.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
[ -f pub.pem ] || openssl pkey -in key.pem -pubout -out pub.pem 2>/dev/null
if [ ! -f big/model.bin ] || [ "$(stat -c %s big/model.bin)" != $((BIG_MIB << 20)) ]; then
  log "writing big/model.bin ($BIG_MIB MiB of random bytes)"
  mkdir -p big && head -c $((BIG_MIB << 20)) /dev/urandom > big/model.bin
fi
if [ ! -d small ] || [ "$(find small -type f | wc -l)" != "$SMALL_FILES" ]; then
  log "writing small/ ($SMALL_FILES files of 1-64 KiB)"
  rm -rf small && mkdir -p small
  python3 - "$SMALL_FILES" <<'PY'
import os, random, sys
r = random.Random(42)
for i in range(int(sys.argv[1])):
    d = f"small/d{i % 20:02d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:04d}.bin", "wb") as f:
        f.write(r.randbytes(r.randint(1024, 64 * 1024)))
PY
fi

# best_of CMD...: sets BEST_WALL and BEST_CPU (user+sys seconds), each the minimum over $RUNS
# runs after one warm-up. CPU seconds are the figure that survives a loaded machine; wall time
# is what a user waits.
best_of() {
  BEST_WALL=FAIL; BEST_CPU=""
  "$@" >/dev/null 2>&1 || return 0
  local tf; tf=$(mktemp)
  for _ in $(seq "$RUNS"); do
    local t0 t1 w c u s
    t0=$EPOCHREALTIME
    /usr/bin/time -f "%U %S" -o "$tf" "$@" >/dev/null 2>&1
    t1=$EPOCHREALTIME
    # Wall time from the shell's microsecond clock: /usr/bin/time rounds to 10 ms.
    w=$(printf '%.4f' "$(echo "$t1 - $t0" | bc -l)")
    read -r u s < "$tf"
    c=$(printf "%.2f" "$(echo "$u + $s" | bc -l)")
    if [ "$BEST_WALL" = FAIL ] || [ "$(echo "$w < $BEST_WALL" | bc -l)" = 1 ]; then BEST_WALL=$w; fi
    if [ -z "$BEST_CPU" ] || [ "$(echo "$c < $BEST_CPU" | bc -l)" = 1 ]; then BEST_CPU=$c; fi
  done
  rm -f "$tf"
}

bytes() { du -sb "$1" | cut -f1; }
rows=()
# row WORKLOAD TOOL LABEL BASELINE_WALL BASELINE_CPU CMD...
row() {
  local w=$1 tool=$2 label=$3 base=$4 basecpu=$5; shift 5
  best_of "$@"
  local size; size=$(bytes "$w")
  local gbs="" speedup="" cpuspeed=""
  if [ "$BEST_WALL" != FAIL ]; then
    gbs=$(printf '%.2f' "$(echo "$size / $BEST_WALL / 1000000000" | bc -l)")
    [ -n "$base" ] && speedup=$(printf '%.1f×' "$(echo "$base / $BEST_WALL" | bc -l)")
    BEST_WALL=$(printf '%.3f' "$BEST_WALL")
    [ -n "$basecpu" ] && [ "$(echo "$BEST_CPU > 0" | bc -l)" = 1 ] && cpuspeed=$(printf '%.1f×' "$(echo "$basecpu / $BEST_CPU" | bc -l)")
  fi
  rows+=("| $w | $tool | \`$label\` | $BEST_WALL | $gbs | $speedup | $BEST_CPU | $cpuspeed |")
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for w in big small; do
  log "== $w"
  row $w model_signing "model_signing sign key $w" "" "" "$MS" sign key $w --private_key key.pem --signature ms-$w.sig
  ms=$BEST_WALL; mscpu=$BEST_CPU; [ "$ms" = FAIL ] && ms="" && mscpu=""
  row $w mlsec "mlsec sign $w --no-cache" "$ms" "$mscpu" "$MLSEC" sign $w --key key.pem --signature ml-$w.sig --no-cache
  row $w mlsec "mlsec sign $w --hash blake3 --no-cache" "$ms" "$mscpu" "$MLSEC" sign $w --key key.pem --signature ml3-$w.sig --hash blake3 --no-cache
  if [ $w = big ]; then
    row $w mlsec "mlsec sign $w --shard-size 268435456 --no-cache" "$ms" "$mscpu" "$MLSEC" sign $w --key key.pem --signature mls-$w.sig --shard-size 268435456 --no-cache
  fi
  # Re-sign with the hash cache warm (nothing changed): what an incremental re-sign costs.
  MLSEC_CACHE_DIR="$DIR/cache" "$MLSEC" sign $w --key key.pem --signature mlc-$w.sig >/dev/null 2>&1
  row $w mlsec "mlsec sign $w (cache warm)" "$ms" "$mscpu" env MLSEC_CACHE_DIR="$DIR/cache" "$MLSEC" sign $w --key key.pem --signature mlc-$w.sig
  files=$(find $w -type f | sort)
  # shellcheck disable=SC2086
  row $w sha256sum "sha256sum (all files)" "$ms" "$mscpu" sha256sum $files
  if [ -n "$B3SUM" ]; then
    # shellcheck disable=SC2086
    row $w b3sum "b3sum (all files)" "$ms" "$mscpu" "$B3SUM" $files
  else
    rows+=("| $w | b3sum | skipped (not installed) | | | | | |")
  fi
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# The signatures must verify with the reference tool, or the timings mean nothing.
for w in big small; do
  "$MS" verify key $w --signature ml-$w.sig --public_key pub.pem >/dev/null 2>&1 \
    && log "model_signing verifies mlsec's $w signature" || { log "ERROR: model_signing rejects mlsec's $w signature"; exit 1; }
done

echo "### mlsec sign vs model_signing $("$MS" --version 2>/dev/null | awk '{print $NF}' || echo 1.1.1)"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB RAM."
echo "Load average (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER. Minimum of $RUNS warm-cache runs (wall and CPU taken separately); big = one $BIG_MIB MiB file, small = $SMALL_FILES files of 1-64 KiB ($(bytes small) bytes)."
echo
echo "| workload | tool | command | wall s | GB/s | wall speed-up vs model_signing | CPU s (user+sys) | CPU-time ratio vs model_signing |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"

#!/usr/bin/env bash
# Renders a self-contained HTML report in headless Chromium with the network cut off, writes a
# screenshot, and fails when the screenshot is blank.
#
#   scripts/check-html.sh REPORT.html OUT.png            # 1280 x 3000 viewport
#   WIDTH=900 HEIGHT=6000 scripts/check-html.sh r.html r.png
#   COLOR_SCHEME=dark scripts/check-html.sh r.html r-dark.png
#
# Installs Debian's `chromium` with apt-get when it is missing. The network is off three ways:
# in a fresh network namespace when `unshare -rn` works (nothing but loopback exists), every host
# name resolves to NOTFOUND, and every request goes to a proxy on a closed local port. A report
# that needs the network to render therefore shows up broken in the screenshot.
#
# Exit codes: 0 rendered and non-blank, 1 blank or missing screenshot, 2 usage or setup error.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: scripts/check-html.sh REPORT.html OUT.png" >&2
  exit 2
fi
report=$1
out=$2
[ -f "$report" ] || { echo "check-html: $report: no such file" >&2; exit 2; }

chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
  echo "check-html: installing chromium (apt-get)" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
  chrome=$(command -v chromium)
fi

abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
abs_out=$(cd "$(dirname "$out")" 2>/dev/null && pwd)/$(basename "$out") || {
  echo "check-html: $(dirname "$out"): no such directory" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$abs_out"

flags=(
  --headless=new --no-sandbox --disable-gpu --hide-scrollbars
  --no-first-run --no-default-browser-check --disable-extensions --disable-sync
  --disable-background-networking --disable-component-update --disable-default-apps
  --disable-domain-reliability --metrics-recording-only --no-pings
  --host-resolver-rules="MAP * ~NOTFOUND"
  --proxy-server="http=127.0.0.1:9;https=127.0.0.1:9" --proxy-bypass-list="<-loopback>"
  --user-data-dir="$profile"
  --window-size="${WIDTH:-1280},${HEIGHT:-3000}"
  --force-device-scale-factor=1
  --virtual-time-budget=2000
  --screenshot="$abs_out"
)
if [ "${COLOR_SCHEME:-light}" = dark ]; then
  flags+=(--blink-settings=preferredColorScheme=0 --force-dark-mode)
fi

isolate=()
if unshare -rn true 2>/dev/null; then
  isolate=(unshare -rn)
  echo "check-html: rendering in an empty network namespace" >&2
else
  echo "check-html: unshare not permitted; relying on resolver and proxy flags" >&2
fi

"${isolate[@]}" "$chrome" "${flags[@]}" "file://$abs_report" >"$profile/chrome.log" 2>&1 || {
  echo "check-html: chromium failed:" >&2; tail -n 20 "$profile/chrome.log" >&2; exit 1; }

[ -s "$abs_out" ] || { echo "check-html: no screenshot written" >&2; tail -n 20 "$profile/chrome.log" >&2; exit 1; }

# Blank check without image libraries: inflate the PNG's IDAT stream and measure how much of the
# filtered scanline data is not zero. A blank page filters to (almost) all zeros; text and charts
# leave a few percent or more.
python3 - "$abs_out" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("check-html: not a PNG")
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h = struct.unpack(">II", body[:8])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
nonzero = sum(1 for b in raw if b) / max(len(raw), 1)
print(f"check-html: {w}x{h} screenshot, {nonzero:.2%} of filtered bytes non-zero")
if w == 0 or h == 0 or nonzero < 0.002:
    sys.exit("check-html: the screenshot is blank")
PY
echo "check-html: ok: $out" >&2

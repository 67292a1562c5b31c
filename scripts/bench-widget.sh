#!/usr/bin/env bash
# Benchmarks of the widget in headless Chromium (not tests): builds the release widget
# and server, then prints
#  1. cold loads of an embed page on loopback: when the loading state and the cohort's
#     figures are on screen, and what the wasm costs on the wire (bench/render.mjs);
#  2. cold loads on an emulated phone (slow 4G, 4x CPU slowdown): navigation → the crowd
#     percent on screen for /embed/{slug}, for <cofund-widget> on a page of another
#     origin and for the same figures as static HTML (the floor), with bytes before the
#     first figure and long tasks (bench/phone.mjs);
#  3. bytes of a first view and of repeat views of a host page, beside the host page's
#     own bytes (bench/repeat.mjs);
#  4. live progress: from a pledge's 201 to another browser showing the new total,
#     through the event stream (bench/live.mjs).
#
# Usage: scripts/bench-widget.sh [runs] [slug] [phone-runs]   (defaults: 20, utrecht-voorjaar-2027, 10)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
bash scripts/setup.sh
if [ -z "${COFUND_BENCH_NO_BUILD:-}" ]; then
  bash scripts/build-widget.sh >&2
  cargo build --release -p cofund-server >&2
fi
echo "$(nproc) CPU(s); server and browser share them." >&2
cd e2e
export COFUND_BIN="$COFUND_ROOT/target/release/cofund" COFUND_WIDGET_DIR="$COFUND_ROOT/dist" CHROME_BIN="$(chromium_bin)"
node bench/render.mjs "${1:-20}" "${2:-utrecht-voorjaar-2027}"
node bench/phone.mjs "${3:-10}" "${2:-utrecht-voorjaar-2027}"
node bench/repeat.mjs "${2:-utrecht-voorjaar-2027}"
node bench/live.mjs "${1:-20}" "${2:-utrecht-voorjaar-2027}"

#!/usr/bin/env bash
# Benchmark of the widget in headless Chromium (not a test): builds the release widget
# and server, then prints how long cold loads of an embed page take until the loading
# state and the cohort's figures are on screen, and what the wasm costs on the wire.
#
# Usage: scripts/bench-widget.sh [runs] [slug]     (defaults: 20, utrecht-voorjaar-2027)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
bash scripts/setup.sh
bash scripts/build-widget.sh >&2
cargo build --release -p cofund-server >&2
echo "$(nproc) CPU(s); server and browser share them." >&2
cd e2e
COFUND_BIN="$COFUND_ROOT/target/release/cofund" COFUND_WIDGET_DIR="$COFUND_ROOT/dist" \
  CHROME_BIN="$(chromium_bin)" node bench/render.mjs "${1:-20}" "${2:-utrecht-voorjaar-2027}"

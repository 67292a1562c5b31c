#!/usr/bin/env bash
# Benchmark of the dashboard in headless Chromium (not a test): builds the release
# widget, dashboard and server, then prints how long cold loads of the overview and of
# a cohort page take until they are on screen, beside the widget's embed page measured
# in the same run as the reference.
#
# Usage: scripts/bench-dashboard.sh [runs] [slug]     (defaults: 10, utrecht-voorjaar-2027)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
bash scripts/setup.sh
bash scripts/build-widget.sh >&2
bash scripts/build-dashboard.sh >&2
cargo build --release -p cofund-server >&2
echo "$(nproc) CPU(s); server and browser share them." >&2
cd e2e
COFUND_BIN="$COFUND_ROOT/target/release/cofund" COFUND_WIDGET_DIR="$COFUND_ROOT/dist" \
  COFUND_DASHBOARD_DIR="$COFUND_ROOT/dashboard/dist" \
  CHROME_BIN="$(chromium_bin)" node bench/dashboard.mjs "${1:-10}" "${2:-utrecht-voorjaar-2027}"

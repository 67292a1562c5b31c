#!/usr/bin/env bash
# Builds the optimised dashboard into dashboard/dist/ (served by `cofund` at /manage/).
# Same wasm route, profile and flags as the widget (scripts/build-widget.sh), so the two
# builds share their compiled standard library and Leptos.
# Usage: scripts/build-dashboard.sh [--debug]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
with_wasm_env cargo fetch --target "$WASM_TARGET" >/dev/null
cd dashboard
if [ "${1:-}" = "--debug" ]; then
  with_wasm_env trunk build --offline
else
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none --cfg erase_components ${COFUND_WASM_RUSTFLAGS:-}" \
    with_wasm_env trunk build --release --cargo-profile wasm-release --offline
fi
for f in dist/*.wasm dist/*.js dist/*.css; do
  gzip -9 -k -f "$f"
  if command -v brotli >/dev/null; then brotli -q 11 -k -f "$f"; fi
done

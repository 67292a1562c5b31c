#!/usr/bin/env bash
# Builds the optimised widget into dist/ (wasm-release profile, wasm-opt -O2: the
# level whose output is smallest after brotli, see README "Measurements").
# Usage: scripts/build-widget.sh [--debug]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
# Trunk runs cargo --offline: fetch the crates (and, with build-std, the standard
# library's own dependencies) first. A no-op when they are there.
with_wasm_env cargo fetch --target "$WASM_TARGET" >/dev/null
if [ "${1:-}" = "--debug" ]; then
  with_wasm_env trunk build --offline
else
  # Panics abort without formatting their message: smaller, and the widget never
  # panics on input (every error is a value). Tests keep the messages.
  # erase_components: Leptos type-erases component boundaries (less monomorphised code).
  # fmt-debug=none, location-detail=none: no Debug formatting or panic locations are
  # shipped; no text the widget shows comes from Debug (-3.4 KB gzip).
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none --cfg erase_components ${COFUND_WASM_RUSTFLAGS:-}" \
    with_wasm_env trunk build --release --cargo-profile wasm-release --offline
fi

# Precompressed copies, served by `cofund` to browsers that accept them (ServeDir picks
# .br, then .gz, by Accept-Encoding): visitors fetch the compressed bytes the size
# report counts, and the server spends no CPU compressing per request.
for f in dist/*.wasm dist/*.js; do
  gzip -9 -k -f "$f"
  if command -v brotli >/dev/null; then brotli -q 11 -k -f "$f"; fi
done

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

# Content-named files of earlier builds stay servable for RETAIN_DAYS after the last
# build that made them (Trunk empties dist/): a page that loaded an earlier loader (a
# cached copy, a page open for days that adds its first widget late) still finds the
# module and wasm it names. They are kept in target/widget-history/ between builds.
RETAIN_DAYS="${COFUND_WIDGET_RETAIN_DAYS:-30}"
history="$COFUND_ROOT/target/widget-history"
mkdir -p "$history"
shopt -s nullglob
for f in dist/cofund-widget-????????????????{.js,_bg.wasm}{,.br,.gz}; do cp -p "$f" "$history/"; done
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

# The module and wasm named by content, the loader pointed at them, and precompressed
# copies (.br, .gz) that `cofund` serves to browsers that accept them: visitors fetch
# the compressed bytes the size report counts, and the server spends no CPU per request.
bash scripts/hash-widget.sh dist
# This build's files are the newest in the history (their time is this build's);
# earlier builds' files come back beside them until they are RETAIN_DAYS old.
for f in dist/cofund-widget-????????????????{.js,_bg.wasm}{,.br,.gz}; do cp "$f" "$history/"; touch "$history/${f##*/}"; done
find "$history" -type f -mtime +"$RETAIN_DAYS" -delete
for f in "$history"/*; do [ -e "dist/${f##*/}" ] || cp -p "$f" dist/; done

#!/usr/bin/env bash
# Prints the size of the built widget (dist/): wasm, JS glue, the loader and CSS (the CSS
# is compiled into the wasm; its own figure is shown for reference), gzip and brotli.
# Build first with scripts/build-widget.sh. Prints; does not fail on the budget.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
budget_kb="${COFUND_SIZE_BUDGET_KB:-90}"
gz() { gzip -9 -c "$1" | wc -c; }
br() { if command -v brotli >/dev/null; then brotli -c -q 11 "$1" | wc -c; else echo 0; fi; }
# `--dashboard`: the dashboard's files instead (dashboard/dist, scripts/build-dashboard.sh).
# No budget: coordinators load it, donors never do.
if [ "${1:-}" = "--dashboard" ]; then
  printf '\ndashboard size (release build)\n'
  total=0; totalbr=0
  for f in dashboard/dist/*.wasm dashboard/dist/*.js dashboard/dist/*.css; do
    [ -f "$f" ] || die "no dashboard build: run scripts/build-dashboard.sh first"
    g=$(gz "$f"); b=$(br "$f"); total=$((total + g)); totalbr=$((totalbr + b))
    printf '  %-44s %8s raw %8s gzip %8s brotli\n' "$(basename "$f")" "$(wc -c <"$f")" "$g" "$b"
  done
  printf '  %-44s %12s %8s gzip = %s KB, %s brotli = %s KB\n' "total transferred" "" "$total" "$((total / 1024))" "$totalbr" "$((totalbr / 1024))"
  exit 0
fi
wasm=dist/cofund-widget_bg.wasm js=dist/cofund-widget.js loader=dist/cofund.js frame=dist/cofund-frame.js
# The minified stylesheet that build.rs wrote for the last wasm build.
css=$(ls -t target/wasm32-unknown-unknown/wasm-release/build/cofund-widget-*/out/widget.min.css 2>/dev/null | head -1)
css=${css:-src/widget.css}
[ -f "$wasm" ] || die "no $wasm: run scripts/build-widget.sh first"
w=$(gz "$wasm"); j=$(gz "$js"); l=$(gz "$loader"); c=$(gz "$css")
total=$((w + j + l))
printf '\nwidget size (release build)\n'
printf '  %-28s %8s raw %8s gzip %8s brotli\n' "cofund-widget_bg.wasm" "$(wc -c <"$wasm")" "$w" "$(br "$wasm")"
printf '  %-28s %8s raw %8s gzip %8s brotli\n' "cofund-widget.js (glue)" "$(wc -c <"$js")" "$j" "$(br "$js")"
printf '  %-28s %8s raw %8s gzip %8s brotli\n' "cofund.js (loader)" "$(wc -c <"$loader")" "$l" "$(br "$loader")"
printf '  %-28s %8s raw %8s gzip %8s brotli  (iframe mode, host page)\n' "cofund-frame.js" "$(wc -c <"$frame")" "$(gz "$frame")" "$(br "$frame")"
printf '  %-28s %8s raw %8s gzip  (inside the wasm)\n' "$(basename "$css")" "$(wc -c <"$css")" "$c"
printf '  %-28s %17s %8s gzip = %s KB, budget %s KB: %s\n' "total transferred" "" "$total" "$((total / 1024))" "$budget_kb" \
  "$([ "$total" -le $((budget_kb * 1024)) ] && echo within || echo "OVER by $(( (total - budget_kb * 1024) / 1024 )) KB")"
if command -v brotli >/dev/null; then
  bt=$(( $(br "$wasm") + $(br "$js") + $(br "$loader") ))
  printf '  %-28s %17s %8s brotli -q 11 = %s KB (served to browsers that accept br)\n' "total with brotli" "" "$bt" "$((bt / 1024))"
  # No code is split off: everything above arrives before the first figure.
  printf '  %-28s %17s %8s brotli = %s KB (loader, glue, wasm; the document comes on top)\n' "before the first figure" "" "$bt" "$((bt / 1024))"
fi

#!/usr/bin/env bash
# Names the widget's module and wasm in DIR by their content, so they can be cached for
# good, and points the loader at them. Run by scripts/build-widget.sh after Trunk.
#
#   cofund-widget_bg.wasm  → cofund-widget-<16 hex>_bg.wasm   (SHA-256 of the wasm)
#   cofund-widget.js       → cofund-widget-<16 hex>.js        (the module, importing that wasm by default)
#   cofund.js              the loader: its `const FILES = …;` line names both
#   widget-manifest.json   the same names, for the server's pages (/embed/{slug} preloads them)
#
# The fixed-name files stay, for pages that still import cofund-widget.js themselves
# (the older embed). Content-named files of earlier builds in DIR are left alone: pages
# that loaded an earlier loader still find what it names. Writes .br and .gz copies of
# what it writes. Usage: scripts/hash-widget.sh [DIR]   (default: dist)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
dir="${1:-$COFUND_ROOT/dist}"
glue="$dir/cofund-widget.js" wasm="$dir/cofund-widget_bg.wasm" loader="$dir/cofund.js"
for f in "$glue" "$wasm" "$loader"; do [ -f "$f" ] || die "hash-widget: $f is missing (build the widget first)"; done

hash16() { sha256sum "$1" | cut -c1-16; }
compress() {
  gzip -9 -k -f "$1"
  if command -v brotli >/dev/null; then brotli -q 11 -k -f "$1"; fi
}

wasm_name="cofund-widget-$(hash16 "$wasm")_bg.wasm"
cp -p "$wasm" "$dir/$wasm_name"
# The same bytes as the fixed-name wasm: its compressed copies serve for both.
for z in br gz; do
  if [ ! -f "$wasm.$z" ] || [ "$wasm.$z" -ot "$wasm" ]; then compress "$wasm"; fi
  [ -f "$wasm.$z" ] && cp -p "$wasm.$z" "$dir/$wasm_name.$z"
done

# The module's default wasm URL (used by `init()` without arguments) names the
# content-named wasm, so the content-named module never loads another build's wasm.
tmp="$(mktemp)"
sed "s/cofund-widget_bg\.wasm/$wasm_name/g" "$glue" > "$tmp"
grep -q "$wasm_name" "$tmp" || die "hash-widget: the module does not name cofund-widget_bg.wasm; wasm-bindgen's output changed"
glue_name="cofund-widget-$(hash16 "$tmp").js"
mv "$tmp" "$dir/$glue_name"
chmod 644 "$dir/$glue_name"

names="{\"glue\":\"$glue_name\",\"wasm\":\"$wasm_name\"}"
grep -q '^const FILES = .*;$' "$loader" || die "hash-widget: the loader has no 'const FILES = …;' line"
sed -i "s/^const FILES = .*;\$/const FILES = $names;/" "$loader"
printf '%s\n' "$names" > "$dir/widget-manifest.json"

for f in "$dir/$glue_name" "$loader" "$glue" "$dir/cofund-frame.js"; do [ -f "$f" ] && compress "$f"; done
log "widget files named by content: $glue_name, $wasm_name"

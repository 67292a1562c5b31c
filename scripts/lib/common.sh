# Shared by the project's scripts: paths, logging and the environment for wasm builds.
# Source it; do not run it.
COFUND_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COFUND_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/cofund"
WASM_TARGET=wasm32-unknown-unknown
export PATH="$HOME/.cargo/bin:$COFUND_ROOT/e2e/node_modules/.bin:$PATH"

log() { printf '\033[1m[cofund]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The wasm32 route chosen by scripts/setup.sh: "rustup" (the normal target) or
# "debian" (Debian's rustc-web, std built from source, wasm-ld-19).
wasm_route() { cat "$COFUND_CACHE/wasm-route" 2>/dev/null || echo unknown; }

# Runs a command with the environment for building wasm32 on the chosen route.
# std is rebuilt from source on both routes (size-optimised); on the Debian route
# with Debian's rustc-web and wasm-ld. Kept out of native builds: build-std would
# rebuild std for the server too.
with_wasm_env() {
  local -a env=(RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort
                CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size)
  if [ "$(wasm_route)" = debian ]; then
    env+=(RUSTUP_TOOLCHAIN=sysweb CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19)
  fi
  env "${env[@]}" "$@"
}

# The wasm-bindgen version pinned by Cargo.lock; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$COFUND_ROOT/Cargo.lock"
}

chromium_bin() {
  for c in "${CHROME_BIN:-}" chromium chromium-browser google-chrome; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
  done
  return 1
}

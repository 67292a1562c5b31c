#!/usr/bin/env bash
# Installs everything Cofund needs to build, run the demo and run the tests.
# Idempotent: a second run only checks. Used by scripts/demo.sh and scripts/test.sh.
#
# wasm32 route: the normal one (rustup target add) where it works; on machines whose
# rustup cannot download the target, Debian's rustc-web with std built from source
# (see docs/toolchain.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
mkdir -p "$COFUND_CACHE"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
APT_UPDATED=0

apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get: install them with your package manager"
  log "installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then $SUDO apt-get update -q >/dev/null; APT_UPDATED=1; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

command -v cargo >/dev/null || die "no cargo: install Rust with rustup first (https://rustup.rs)"
command -v npm >/dev/null || { apt_install nodejs npm; }

# 1. The wasm32 target.
route="${COFUND_WASM_ROUTE:-$(wasm_route)}"
if [ "$route" != rustup ] && [ "$route" != debian ]; then
  if rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
    route=rustup
  elif log "adding the $WASM_TARGET target with rustup" &&
       timeout "${COFUND_RUSTUP_TIMEOUT:-90}" rustup target add "$WASM_TARGET" >/dev/null 2>&1; then
    route=rustup
  else
    log "rustup cannot fetch $WASM_TARGET here: using Debian's rustc-web and build-std"
    route=debian
  fi
fi
if [ "$route" = rustup ]; then
  # build-std needs the standard library's sources.
  rustup component list --installed 2>/dev/null | grep -q '^rust-src' ||
    timeout "${COFUND_RUSTUP_TIMEOUT:-90}" rustup component add rust-src >/dev/null 2>&1 || route=debian
fi
if [ "$route" = debian ]; then
  apt_install rustc-web cargo-web rust-web-src lld-19
  rustup toolchain list | grep -q '^sysweb' || rustup toolchain link sysweb /usr
fi
echo "$route" > "$COFUND_CACHE/wasm-route"

# 2. Browser and driver for the widget and end-to-end tests.
if ! chromium_bin >/dev/null || ! command -v chromedriver >/dev/null; then
  apt_install chromium chromium-driver
fi

# PostgreSQL for the second storage backend's tests (a throw-away cluster per run,
# scripts/lib/postgres.sh) and nginx as the benchmark's reference (scripts/bench.sh).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql

# A real SMTP server for the e-mail tests and the demo's mailbox
# (scripts/lib/smtp_catcher.py): Python's aiosmtpd, and cryptography for the STARTTLS
# test's self-signed certificate, from PyPI.
command -v python3 >/dev/null || apt_install python3
if ! python3 -c 'import aiosmtpd, cryptography' 2>/dev/null; then
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  log "installing aiosmtpd and cryptography (PyPI) for the e-mail tests and the demo mailbox"
  python3 -m pip install --user --quiet aiosmtpd cryptography 2>/dev/null ||
    python3 -m pip install --user --quiet --break-system-packages aiosmtpd cryptography
fi
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx

# The API conformance fuzzer (scripts/fuzz-api.sh): schemathesis from PyPI, pinned, in
# the project's own virtual environment (target/venv), so no system Python changes.
SCHEMATHESIS_VERSION=4.32.5
if [ "$("$COFUND_ROOT/target/venv/bin/st" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
  log "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into target/venv for the API fuzzer"
  python3 -m venv "$COFUND_ROOT/target/venv"
  "$COFUND_ROOT/target/venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION" || die "pip install schemathesis failed"
fi

# Brotli for the widget's precompressed files (gzip is always there).
command -v brotli >/dev/null || apt_install brotli

# 3. npm tools: wasm-opt (binaryen 132; Debian's wasm-opt 108 breaks the module),
#    playwright-core and axe-core for the end-to-end tests.
if [ ! -x "$COFUND_ROOT/e2e/node_modules/.bin/wasm-opt" ] ||
   [ "$COFUND_ROOT/e2e/package-lock.json" -nt "$COFUND_ROOT/e2e/node_modules/.package-lock.json" ]; then
  log "installing npm tools (e2e/package.json)"
  (cd "$COFUND_ROOT/e2e" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# 4. Cargo-installed tools, at the exact versions the build needs.
want_bindgen="$(locked_wasm_bindgen_version)"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want_bindgen" ]; then
  log "installing wasm-bindgen-cli $want_bindgen (a few minutes)"
  # Not --locked: the registry here lacks one of its locked dependency versions.
  cargo install wasm-bindgen-cli --version "$want_bindgen" --force >/dev/null 2>&1 ||
    die "cargo install wasm-bindgen-cli $want_bindgen failed"
fi
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "0.21.14" ]; then
  log "installing trunk 0.21.14 (about 8 minutes)"
  # 0.22 needs a newer rustc than these machines have; 0.21.14 only builds --locked.
  cargo install trunk --version 0.21.14 --locked --force >/dev/null 2>&1 || die "cargo install trunk failed"
fi

log "set-up complete (wasm route: $route)"

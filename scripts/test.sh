#!/usr/bin/env bash
# Runs every test: the contract crate (unit + property), the server (black-box against
# a real server and database), the widget in headless Chromium (wasm-bindgen-test),
# the optimised release build with its size report, and the end-to-end browser tests.
# Installs what is missing first (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
bash scripts/setup.sh

step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "format and lints (fast failure: rustfmt, clippy -D warnings on every native target)"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings

source scripts/lib/postgres.sh
pg_start
trap pg_stop EXIT
export COFUND_TEST_POSTGRES="$PG_URL"

step "contract crate and server (native; server on SQLite, several instances on PostgreSQL)"
cargo test --workspace --exclude cofund-widget

step "the server's black-box API and e-mail suites again, on PostgreSQL"
COFUND_TEST_BACKEND=postgres cargo test -p cofund-server --test api --test mail

step "the API description against the real server (schemathesis, scripts/fuzz-api.sh)"
COFUND_BIN="$COFUND_ROOT/target/debug/cofund" bash scripts/fuzz-api.sh

step "widget logic on plain types and its server-rendered first view (native unit tests)"
cargo test -p cofund-widget --lib --features ssr

step "widget in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER="$(command -v chromedriver)" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  with_wasm_env cargo test --target "$WASM_TARGET" -p cofund-widget

step "optimised release build of the widget"
bash scripts/build-widget.sh
bash scripts/size-report.sh

step "release build of the dashboard"
bash scripts/build-dashboard.sh
bash scripts/size-report.sh --dashboard

if [ -d e2e/tests ]; then
  step "end to end: real server, release widget, headless Chromium"
  cargo build --release -p cofund-server
  (cd e2e && COFUND_BIN="$COFUND_ROOT/target/release/cofund" COFUND_WIDGET_DIR="$COFUND_ROOT/dist" \
     COFUND_DASHBOARD_DIR="$COFUND_ROOT/dashboard/dist" \
     CHROME_BIN="$(chromium_bin)" node --test --test-concurrency=1 tests/)
fi
step "all tests passed"

#!/usr/bin/env bash
# The demo: the reference server on an embedded SQLite database (data/demo.db), seeded
# with realistic Starters4Communities cohorts, serving the optimised widget and a demo
# host page, with online payment through the built-in test provider (an iDEAL checkout
# with "paid", "failed" and "cancelled" buttons; no money moves). Installs what is
# missing first. Extra arguments go to `cofund demo` (e.g. --addr 127.0.0.1:9000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
bash scripts/setup.sh
log "building the widget (release, size-optimised)"
bash scripts/build-widget.sh >/dev/null
log "building the dashboard (release)"
bash scripts/build-dashboard.sh >/dev/null
log "building the server"
cargo build --release -p cofund-server
# Prints the address, a demo admin token and single-use sign-in links to the dashboard
# for a demo coordinator and a demo cohort member; online payment runs through the
# built-in test provider.
exec target/release/cofund demo --widget-dir "$COFUND_ROOT/dist" --dashboard-dir "$COFUND_ROOT/dashboard/dist" --payments demo "$@"

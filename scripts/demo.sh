#!/usr/bin/env bash
# The demo: the reference server on an embedded SQLite database (data/demo.db), seeded
# with realistic Starters4Communities cohorts, serving the optimised widget and a demo
# host page, with online payment through the built-in test provider (an iDEAL checkout
# with "paid", "failed" and "cancelled" buttons; no money moves), and e-mail to donors
# caught by a local SMTP server (scripts/lib/smtp_catcher.py, in data/mailbox/) that
# the server shows at /dev/mailbox. Installs what is missing first. Extra arguments go
# to `cofund demo` (e.g. --addr 127.0.0.1:9000).
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
# The demo's mailbox: a real SMTP server on a free loopback port, stopped with the demo.
smtp_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p data/mailbox
python3 scripts/lib/smtp_catcher.py --dir data/mailbox --port "$smtp_port" > /dev/null &
catcher=$!
trap 'kill "$catcher" 2>/dev/null || true' EXIT
log "demo mailbox: SMTP on 127.0.0.1:$smtp_port, messages in data/mailbox/ and at /dev/mailbox"
# Prints the address, a demo admin token, the mailbox and single-use sign-in links to
# the dashboard for a demo coordinator and a demo cohort member; online payment runs
# through the built-in test provider.
target/release/cofund demo --widget-dir "$COFUND_ROOT/dist" --dashboard-dir "$COFUND_ROOT/dashboard/dist" --payments demo \
  --smtp-host 127.0.0.1 --smtp-port "$smtp_port" --smtp-tls none \
  --mail-from "Starters4Communities demo <demo@starters4communities.example>" --dev-mailbox data/mailbox "$@"

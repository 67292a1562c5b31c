#!/usr/bin/env bash
# Benchmark of live events at scale (not a test): builds the release server, then opens N
# event streams to one cohort on one instance over loopback and prints the server's
# memory per stream and how long one pledge's event takes to reach them all, beside the
# same event reaching a single stream (e2e/bench/streams.mjs).
#
# Usage: scripts/bench-live.sh [streams] [slug]   (defaults: 10000, utrecht-voorjaar-2027)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
bash scripts/setup.sh
if [ -z "${COFUND_BENCH_NO_BUILD:-}" ]; then
  cargo build --release -p cofund-server >&2
fi
streams="${1:-10000}"
# The client and the server each hold one descriptor per stream.
needed=$((streams + 1024))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$needed" ]; then
  echo "bench-live: $streams streams need $needed open files; the hard limit here is $(ulimit -Hn)" >&2
  exit 1
fi
ulimit -Sn "$needed"
echo "$(nproc) CPU(s); server and client share them." >&2
cd e2e
export COFUND_BIN="$COFUND_ROOT/target/release/cofund" COFUND_WIDGET_DIR="$COFUND_ROOT/dist"
mkdir -p "$COFUND_WIDGET_DIR"
node bench/streams.mjs "$streams" "${2:-utrecht-voorjaar-2027}"

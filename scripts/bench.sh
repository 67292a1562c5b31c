#!/usr/bin/env bash
# Benchmark of the Cofund server (not a test): builds it in release, starts it on a
# loopback port with a fresh temporary database seeded with the demo cohorts, runs a
# bounded load and prints requests per second and p50/p95/p99 latency for
#   GET the cohort document (with and without If-None-Match) and POST pledges.
# The server is stopped (SIGTERM) at the end.
#
# Usage: scripts/bench.sh            (env: BENCH_PORT, BENCH_CONCURRENCY,
#                                      BENCH_REQUESTS, BENCH_PLEDGES, CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${BENCH_PORT:-18181}"
CONCURRENCY="${BENCH_CONCURRENCY:-32}"
REQUESTS="${BENCH_REQUESTS:-20000}"
PLEDGES="${BENCH_PLEDGES:-3000}"
TARGET="${CARGO_TARGET_DIR:-target}"

echo "Building (release)…" >&2
cargo build --release -p cofund-server --bin cofund >&2
cargo bench -p cofund-server --bench load --no-run >&2

TMP="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

COFUND_LOG=warn COFUND_PLEDGE_RATE_PER_MINUTE=0 "$TARGET/release/cofund" demo \
  --addr "127.0.0.1:$PORT" --database "sqlite:$TMP/bench.db" --widget-dir "$TMP/no-widget" \
  >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!

for _ in $(seq 1 200); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.05
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "$(nproc) CPU(s); server and load generator share them." >&2
cargo bench -q -p cofund-server --bench load -- \
  --url "http://127.0.0.1:$PORT" --slug utrecht-voorjaar-2027 \
  --concurrency "$CONCURRENCY" --requests "$REQUESTS" --pledges "$PLEDGES"

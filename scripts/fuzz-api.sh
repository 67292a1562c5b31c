#!/usr/bin/env bash
# Conformance fuzzing of the API description: schemathesis (an independent tool, from
# PyPI, pinned in scripts/setup.sh) reads /api/v1/openapi.yaml from a real server and
# sends generated requests to every operation, checking each response against what the
# description admits (status codes, content types, headers, body schemas) and that no
# request gets a 5xx. The server: `cofund demo` on a fresh SQLite file in a temporary
# directory (seeded cohorts and pledges), with its coordinator token (all programmes)
# for the admin routes. Exits non-zero on any failure.
#   COFUND_BIN      the server binary (default: target/debug/cofund, built if missing)
#   FUZZ_EXAMPLES   generated examples per operation (default 25: a few minutes)
#   FUZZ_SCHEMA     the description to read instead of the served one (an absolute file path)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"
st="$COFUND_ROOT/target/venv/bin/st"
[ -x "$st" ] || die "schemathesis is missing: run scripts/setup.sh"
bin="${COFUND_BIN:-$COFUND_ROOT/target/debug/cofund}"
if [ -z "${COFUND_BIN:-}" ]; then cargo build -q -p cofund-server; fi

dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Every request comes from 127.0.0.1: no per-client pledge limit here.
COFUND_PLEDGE_RATE_PER_MINUTE=0 "$bin" demo --addr "127.0.0.1:$port" --database "sqlite:$dir/fuzz.db" \
  --log error --max-streams-per-client 100000 --metrics > "$dir/out" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 300); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$dir/out"; die "cofund demo exited"; }
  sleep 0.1
done
token="$(sed -n 's/.*Admin token: \(cfd_[0-9a-f]*\).*/\1/p' "$dir/out" | head -1)"
[ -n "$token" ] || { cat "$dir/out"; die "no admin token in the demo's output"; }

# The event stream never ends by design: described, but not fuzzed (it would only time out).
# Not checked: positive_data_acceptance ("a request the schema admits is accepted"): the
# limits of a pledge are the cohort's own (its minimum and maximum), and some rules tie
# fields together (exactly one of `received` and `add`); the server refuses those with a
# 422 naming the field, which the API suite tests, and the description says so in words.
# From target/: schemathesis keeps its cache of failures (replayed first next time) there.
cd "$COFUND_ROOT/target"
"$st" run "${FUZZ_SCHEMA:-$base/api/v1/openapi.yaml}" --url "$base" \
  --header "Authorization: Bearer $token" \
  --max-examples "${FUZZ_EXAMPLES:-25}" \
  --exclude-path '/api/v1/cohorts/{slug}/events' \
  --request-timeout 10 \
  --exclude-checks positive_data_acceptance \
  --suppress-health-check all \
  --no-color "$@"

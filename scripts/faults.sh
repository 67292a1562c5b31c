#!/usr/bin/env bash
# Faults the server must survive, against the real `cofund` binary on loopback (issue 20):
#   1. postgres      PostgreSQL stopped (pg_ctl -m fast) for 8 s and started again while 32
#                    donors pledge: no 500, the server recovers by itself, every pledge stored
#                    once after the refused ones are retried with their keys.
#   2. disk-full     SQLite's file system filled up while 16 donors pledge, then freed: no 500,
#                    PRAGMA integrity_check ok, recovery without a restart, every pledge once.
#   3. sigterm       SIGTERM at a random point of 400 concurrent pledges (group commits under
#                    way), on SQLite and PostgreSQL: acknowledged = stored; the unanswered ones,
#                    retried after a restart with their keys, make one pledge each.
#   4. slow-clients  500 connections sending headers one byte a second beside a normal client:
#                    its pledges/s with and without them.
# Each prints what it did and what was lost (must be nothing) and fails otherwise.
#
# Usage: scripts/faults.sh [--release] [postgres] [disk-full] [sigterm] [slow-clients]
#        (no scenario named: all four). Bounded: about 2 minutes after the build.
# Needs root for scenario 2 (it mounts a 8 MiB tmpfs and removes it again); PostgreSQL's
# server binaries for 1 and 3 (a throw-away cluster, scripts/lib/postgres.sh). Installs
# what is missing with scripts/setup.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$COFUND_ROOT"

profile=debug
cargo_profile=()
scenarios=()
for a in "$@"; do
  case "$a" in
    --release) profile=release; cargo_profile=(--release) ;;
    postgres|disk-full|sigterm|slow-clients) scenarios+=("$a") ;;
    *) die "unknown argument $a (see the head of $0)" ;;
  esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(postgres disk-full sigterm slow-clients)

if ! command -v cargo >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  bash scripts/setup.sh
fi

log "building the server and the fault driver ($profile)"
cargo build -q "${cargo_profile[@]}" -p cofund-server --bin cofund --test faults
export COFUND_BIN="$COFUND_ROOT/target/$profile/cofund"

SMALL_FS=""
cleanup() {
  if [ -n "$SMALL_FS" ]; then
    umount "$SMALL_FS" 2>/dev/null || true
    rmdir "$SMALL_FS" 2>/dev/null || true
  fi
  pg_stop
}
source scripts/lib/postgres.sh
trap cleanup EXIT

run() {
  printf '\n'
  cargo test -q "${cargo_profile[@]}" -p cofund-server --test faults -- --ignored --nocapture --test-threads=1 --exact "$1" 2>&1 |
    grep -v -E '^(running [0-9]+ tests?|test result:.*|\.|)$'
}

for s in "${scenarios[@]}"; do
  case "$s" in
    postgres|sigterm)
      if [ -z "${PG_DIR:-}" ]; then
        pg_start
        port="${PG_URL##*:}"; port="${port%%/*}"
        export FAULTS_PG_URL="$PG_URL"
        export FAULTS_PG_STOP="${PG_RUN[*]} $PG_BIN/pg_ctl -D $PG_DIR/data -m fast -w stop >/dev/null"
        export FAULTS_PG_START="${PG_RUN[*]} $PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/server.log -w -t 60 -o '-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300' start >/dev/null"
      fi
      if [ "$s" = postgres ]; then run postgres_restarted_while_pledges_arrive; else run sigterm_during_group_commits; fi
      ;;
    disk-full)
      [ "$(id -u)" = 0 ] || { log "disk-full: skipped (needs root to mount a small file system)"; continue; }
      SMALL_FS="$(mktemp -d "${TMPDIR:-/tmp}/cofund-full.XXXXXX")"
      mount -t tmpfs -o size=8m,mode=0700 cofund-faults "$SMALL_FS"
      export FAULTS_SMALL_FS="$SMALL_FS" FAULTS_SMALL_FS_SIZE="8 MiB tmpfs"
      run sqlite_disk_full_while_pledges_arrive
      umount "$SMALL_FS"; rmdir "$SMALL_FS"; SMALL_FS=""
      ;;
    slow-clients) run slow_clients_do_not_stop_pledges ;;
  esac
done
printf '\n'
log "faults survived: ${scenarios[*]}"

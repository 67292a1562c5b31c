# A throw-away PostgreSQL cluster for the tests and benchmarks: initdb in a temporary
# directory, run as an unprivileged user (PostgreSQL refuses root; as root we use the
# `postgres` system user of Debian's package), on a free loopback port, with trust
# authentication for the `cofund` role on loopback only. `pg_stop` removes it.
# Source it after lib/common.sh; do not run it.

pg_bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] && [ -x "$d/initdb" ] || die "no PostgreSQL server binaries (scripts/setup.sh installs postgresql)"
  echo "$d"
}

# A free TCP port on 127.0.0.1 (nothing answers on it).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  die "no free port found"
}

# pg_start: starts a cluster; sets PG_DIR and PG_URL (postgres://cofund@127.0.0.1:PORT/postgres).
pg_start() {
  local bin port run=()
  bin="$(pg_bindir)"
  port="$(free_port)"
  PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cofund-pg.XXXXXX")"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user of Debian's postgresql package"
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U cofund --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB" start >/dev/null ||
    { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  PG_URL="postgres://cofund@127.0.0.1:$port/postgres"
  PG_RUN=("${run[@]}")
  PG_BIN="$bin"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throw-away, $PG_DIR)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

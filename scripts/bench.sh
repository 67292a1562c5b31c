#!/usr/bin/env bash
# Benchmark of the Cofund server (not a test: it prints, it asserts nothing). Builds the
# server in release and, on loopback only, with bounded loads:
#   1. SQLite (the embedded default): the cohort document (with and without
#      If-None-Match), pledges as fast as they are acknowledged (group commit, every one
#      durable), and pledges arriving at a steady 1,000/s (latency at that load);
#   2. the reference: nginx (Debian's, started here) serving the same document bytes as a
#      static file, measured the same way in the same run, and the ratio;
#   3. a cohort with 100 pledges against one with 1,000,000 (seeded straight into the
#      database): the document must cost the same;
#   4. the same pledge load on PostgreSQL (a throw-away cluster).
#
# Usage: scripts/bench.sh   (env: BENCH_CONCURRENCY, BENCH_REQUESTS, BENCH_PLEDGES,
#                            BENCH_RATE, BENCH_MILLION, CARGO_TARGET_DIR)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$COFUND_ROOT/scripts/lib/postgres.sh"
cd "$COFUND_ROOT"

CONCURRENCY="${BENCH_CONCURRENCY:-32}"
REQUESTS="${BENCH_REQUESTS:-20000}"
PLEDGES="${BENCH_PLEDGES:-6000}"
RATE="${BENCH_RATE:-1000}"
MILLION="${BENCH_MILLION:-1000000}"
TARGET="${CARGO_TARGET_DIR:-target}"
SLUG=utrecht-voorjaar-2027

log "building (release)"
cargo build --release -p cofund-server --bin cofund >&2
cargo bench -p cofund-server --bench load --no-run >&2
LOAD=(cargo bench -q -p cofund-server --bench load --)

TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pg_stop
  rm -rf "$TMP"
}
trap cleanup EXIT

# start_cofund NAME DATABASE: `cofund demo` on a free port; sets URL and TOKEN.
start_cofund() {
  local name="$1" db="$2" port
  port="$(free_port)"
  # No per-address pledge limit: all the load comes from one address.
  COFUND_LOG=warn COFUND_PLEDGE_RATE_PER_MINUTE=0 "$TARGET/release/cofund" demo --addr "127.0.0.1:$port" --database "$db" \
    --widget-dir "$TMP/no-widget" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=($!)
  URL="http://127.0.0.1:$port"
  for _ in $(seq 1 400); do
    curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
    sleep 0.05
  done
  curl -fsS "$URL/healthz" >/dev/null || { cat "$TMP/$name.err" >&2; die "$name did not start"; }
  TOKEN="$(awk '/Admin token:/ {print $3}' "$TMP/$name.out")"
}

# req_per_s OUTPUT_LINE: the req/s figure of a load line.
req_per_s() { awk '{for (i = 1; i < NF; i++) if ($(i+1) == "req/s") print $i}' <<<"$1"; }

echo "$(nproc) CPU(s); the servers and the load generator share them. Loopback only."
echo

# 1. SQLite.
start_cofund sqlite "sqlite:$TMP/bench.db"
SQLITE_URL="$URL"; SQLITE_TOKEN="$TOKEN"
echo "== SQLite (synchronous=FULL, WAL, group commit) =="
"${LOAD[@]}" --url "$SQLITE_URL" --slug "$SLUG" --concurrency "$CONCURRENCY" --requests "$REQUESTS" --pledges "$PLEDGES" \
  --label "POST pledge, durable" | tee "$TMP/sqlite.txt"
"${LOAD[@]}" --url "$SQLITE_URL" --slug "$SLUG" --rate "$RATE" --pledges "$((RATE * 3))" --label "POST pledge at ${RATE}/s"
echo

# 2. nginx serving the same document bytes.
mkdir -p "$TMP/www" "$TMP/nginx"
# nginx workers run as an unprivileged user: they must be able to read the file.
chmod a+rx "$TMP" "$TMP/www"
curl -fsS "$SQLITE_URL/api/v1/cohorts/$SLUG" -o "$TMP/www/document.json"
NGINX_PORT="$(free_port)"
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body; proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi; uwsgi_temp_path $TMP/nginx/uwsgi; scgi_temp_path $TMP/nginx/scgi;
  default_type application/json;
  etag on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $TMP/www;
    add_header Cache-Control "public, max-age=15";
    add_header Access-Control-Allow-Origin "*";
  }
}
CONF
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
"$NGINX" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
PIDS+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$NGINX_PORT/document.json" >/dev/null 2>&1 && break; sleep 0.05; done
echo "== the document: cofund against nginx serving the same $(wc -c <"$TMP/www/document.json") bytes as a static file =="
NGINX_LINE="$("${LOAD[@]}" --url "$SQLITE_URL" --get "http://127.0.0.1:$NGINX_PORT/document.json" --label "nginx, static file" \
  --concurrency "$CONCURRENCY" --requests "$REQUESTS")"
COFUND_LINE="$("${LOAD[@]}" --url "$SQLITE_URL" --get "$SQLITE_URL/api/v1/cohorts/$SLUG" --label "cofund, GET document" \
  --concurrency "$CONCURRENCY" --requests "$REQUESTS")"
echo "$NGINX_LINE"; echo "$COFUND_LINE"
awk -v c="$(req_per_s "$COFUND_LINE")" -v n="$(req_per_s "$NGINX_LINE")" 'BEGIN { printf "cofund / nginx = %.2f\n", c / n }'
echo

# 3. 100 against 1,000,000 pledges.
now="$(date -u +%s)"
for slug in bench-100 bench-1m; do
  sed -e "s/\"slug\": *\"$SLUG\"/\"slug\": \"$slug\"/" <(curl -fsS -H "Authorization: Bearer $SQLITE_TOKEN" "$SQLITE_URL/api/v1/admin/cohorts/$SLUG") \
    >"$TMP/$slug.json"
  curl -fsS -X PUT -H "Authorization: Bearer $SQLITE_TOKEN" -H 'content-type: application/json' \
    --data-binary "@$TMP/$slug.json" "$SQLITE_URL/api/v1/admin/cohorts/$slug" >/dev/null
done
seed() { # seed SLUG N: N pledges over the last 30 days, straight into the database
  sqlite3 "$TMP/bench.db" >/dev/null <<SQL
PRAGMA busy_timeout = 60000;
BEGIN IMMEDIATE;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO pledges (id, cohort_slug, amount_cents, name, show_name, show_amount, email, backer_key, message,
                     message_hidden, status, reference, created_at, updated_at)
SELECT 'pl_bench_$1_' || i, '$1', 500 + i % 5000, NULL, 0, 1, 'b' || (i % 50000) || '@example.nl',
       'b' || (i % 50000) || '@example.nl', NULL, 0, CASE WHEN i % 3 = 0 THEN 'received' ELSE 'pledged' END,
       'BENCH-$1-' || i, $now - 2592000 + i * 2592 / $2 * 1000, $now FROM n;
DELETE FROM cohort_totals WHERE cohort_slug = '$1';
DELETE FROM cohort_backers WHERE cohort_slug = '$1';
DELETE FROM cohort_days WHERE cohort_slug = '$1';
INSERT INTO cohort_totals SELECT '$1', SUM(amount_cents), SUM(CASE WHEN status = 'received' THEN amount_cents ELSE 0 END),
       COUNT(DISTINCT backer_key) FROM pledges WHERE cohort_slug = '$1' AND status <> 'cancelled';
INSERT INTO cohort_backers SELECT cohort_slug, backer_key, COUNT(*) FROM pledges
       WHERE cohort_slug = '$1' AND status <> 'cancelled' GROUP BY backer_key;
INSERT INTO cohort_days SELECT cohort_slug, created_at / 86400, SUM(amount_cents), COUNT(*) FROM pledges
       WHERE cohort_slug = '$1' AND status <> 'cancelled' GROUP BY created_at / 86400;
UPDATE cohorts SET revision = revision + 1 WHERE slug = '$1';
COMMIT;
SQL
}
log "seeding 100 and $MILLION pledges"
seed bench-100 100
seed bench-1m "$MILLION"
echo "== the document of a cohort with 100 pledges and of one with $MILLION =="
for slug in bench-100 bench-1m; do
  first="$(curl -fsS -o /dev/null -w '%{time_total}' "$SQLITE_URL/api/v1/cohorts/$slug")"
  echo "first render after the seeding: $slug ${first}s ($(curl -fsS "$SQLITE_URL/api/v1/cohorts/$slug" | grep -o '"backers":[0-9]*'))"
done
for slug in bench-100 bench-1m; do
  "${LOAD[@]}" --url "$SQLITE_URL" --get "$SQLITE_URL/api/v1/cohorts/$slug" --label "GET document, $slug" \
    --concurrency "$CONCURRENCY" --requests "$REQUESTS"
done
# After each pledge the document is rendered anew: the real cost of a big cohort.
for slug in bench-100 bench-1m; do
  "${LOAD[@]}" --url "$SQLITE_URL" --slug "$slug" --concurrency "$CONCURRENCY" --requests 200 --pledges 2000 \
    --label "POST pledge, $slug" | tail -n 1
done
echo

# 4. PostgreSQL.
pg_start
start_cofund postgres "$PG_URL"
echo "== PostgreSQL (one instance, synchronous_commit on) =="
"${LOAD[@]}" --url "$URL" --slug "$SLUG" --concurrency "$CONCURRENCY" --requests "$REQUESTS" --pledges "$PLEDGES" \
  --label "POST pledge, durable"
"${LOAD[@]}" --url "$URL" --slug "$SLUG" --rate "$RATE" --pledges "$((RATE * 3))" --label "POST pledge at ${RATE}/s"

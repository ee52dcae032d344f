#!/usr/bin/env bash
# Benchmark: `ebcm serve` answering GET /status.json from memory, beside nginx serving the same
# bytes as a static file, same run, same load (wrk: 256 connections, 2 threads, 10 s; the two
# measured back to back, twice, alternating); requests/s and latency p50/p99 side by side. Then
# GET /api/v1/functions/{id} with an API token under the same load: its p99.
# Not a test: these machines are noisy. Both servers log nothing per request (nginx access_log
# off, ebcm at log level warn).
#
#   bench/status_wrk.sh                       import examples/contoso.yaml, start build/ebcm serve
#   EBCM_URL=http://127.0.0.1:8080 [EBCM_TOKEN=...] bench/status_wrk.sh
#                                             measure a server already running instead
# Settings (environment): CONNECTIONS=256 THREADS=2 DURATION=10s EBCM_PORT=18080 NGINX_PORT=18081
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh

connections=${CONNECTIONS:-256}
wrk_threads=${THREADS:-2}
duration=${DURATION:-10s}
ebcm_port=${EBCM_PORT:-18080}
nginx_port=${NGINX_PORT:-18081}
for tool in wrk nginx curl; do
  command -v "$tool" > /dev/null || [[ -x /usr/sbin/$tool ]] ||
    { echo "$tool is missing: scripts/install-deps.sh" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT

# wait_for URL: until it answers 200, at most 10 s.
wait_for() {
  for _ in $(seq 100); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "no answer from $1 (see $out/bench.log)" >&2
  exit 1
}

# --- ebcm ------------------------------------------------------------------------------------
token=${EBCM_TOKEN:-}
if [[ -n ${EBCM_URL:-} ]]; then
  base=${EBCM_URL%/}
else
  db=$out/wrk.db
  rm -f "$db" "$db"-*
  $ebcm import examples/contoso.yaml --db "sqlite:$db" -m bench > /dev/null 2>> "$out/bench.log"
  $ebcm user add bench --role viewer --db "sqlite:$db" > /dev/null 2>> "$out/bench.log"
  token=$($ebcm user token bench --db "sqlite:$db" 2>> "$out/bench.log" | tail -n 1)
  EBCM_LOG_LEVEL=warn $ebcm serve --db "sqlite:$db" --listen "127.0.0.1:$ebcm_port" \
    >> "$out/bench.log" 2>&1 &
  pids+=($!)
  base=http://127.0.0.1:$ebcm_port
fi
wait_for "$base/status.json"

# --- nginx, serving the very bytes ebcm serves -------------------------------------------------
ngx=$(pwd)/$out/nginx
rm -rf "$ngx"
mkdir -p "$ngx/root" "$ngx/tmp"
curl -fs "$base/status.json" -o "$ngx/root/status.json"
cat > "$ngx/nginx.conf" << CONF
# Throwaway config of bench/status_wrk.sh.
worker_processes auto;
daemon off;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  types { application/json json; }
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $ngx/root;
  }
}
CONF
"$nginx_bin" -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf" 2>> "$out/bench.log" &
pids+=($!)
wait_for "http://127.0.0.1:$nginx_port/status.json"
cmp -s "$ngx/root/status.json" <(curl -fs "http://127.0.0.1:$nginx_port/status.json") ||
  { echo "nginx does not serve the same bytes" >&2; exit 1; }

# run LABEL URL [wrk args...]: one wrk run; prints "LABEL  req/s  p50  p99" and keeps wrk's output.
run() {
  local label=$1 url=$2; shift 2
  local log=$out/wrk-${label// /_}.txt
  wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency "$@" "$url" > "$log" 2>&1 ||
    { cat "$log" >&2; exit 1; }
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$log")
  p50=$(awk '$1 == "50%" {print $2}' "$log")
  p99=$(awk '$1 == "99%" {print $2}' "$log")
  errors=$(awk '/Non-2xx or 3xx responses:|Socket errors:/ {printf "%s ", $0}' "$log")
  printf '%-34s %12s %10s %10s  %s\n' "$label" "$rps" "$p50" "$p99" "$errors"
}

echo
echo "GET /status.json, $(stat -c %s "$ngx/root/status.json") bytes; wrk -t$wrk_threads -c$connections -d$duration"
printf '%-34s %12s %10s %10s\n' "" "requests/s" "p50" "p99"
for round in 1 2; do
  run "ebcm serve (round $round)" "$base/status.json"
  run "baseline: nginx (round $round)" "http://127.0.0.1:$nginx_port/status.json"
done

echo
if [[ -z $token ]]; then
  echo "GET /api/v1/functions/{id}: skipped (no API token; set EBCM_TOKEN)"
else
  # The first business function of the example model.
  id=${FUNCTION_ID:-$(awk '/^functions:/ {f = 1} f && /^  - id:/ {print $3; exit}' examples/contoso.yaml)}
  url=$base/api/v1/functions/$id
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url")
  [[ $status == 200 ]] || { echo "GET $url answered $status, not 200" >&2; exit 1; }
  echo "GET /api/v1/functions/$id with an API token; same load"
  printf '%-34s %12s %10s %10s\n' "" "requests/s" "p50" "p99"
  EBCM_TOKEN=$token run "ebcm serve API" "$url" -s bench/wrk_auth.lua
fi
echo
echo "target: ebcm at least as many requests/s as nginx on /status.json"

#!/usr/bin/env bash
# Ippo's benchmarks on realistic data, on SQLite and on PostgreSQL.
#
#   bench/run.sh [--build] [--rush] [--only-rush] [--pretix] [--backends sqlite,postgres] [--existing URL]
#
# For each backend: a fresh database, `ippo migrate` + `ippo seed demo`, bench/generate.py
# (50,000 sessions, 500,000 registrations, 1,000,000 survey answers), then the release
# server with IPPO_PUBLIC_RATE_LIMIT=0, measured with wrk and curl:
#   (a) the public session list page `/` and the API `/api/v1/sessions?limit=50` at 16 and
#       64 connections, and `/` at 64 as a browser asks (Accept-Encoding: gzip, deflate, br,
#       zstd) — then, as the machine's reference, nginx serving those very page bytes (the
#       compressed file Ippo sent) to the same load;
#   (b) the KPI report for FY2026, sequential requests with a manager's token, and the
#       outcome report (the usage rate over the year's follow-ups) likewise;
#   (b3) the survey answers of that year as CSV (the streamed export): its size, time and the
#       server's memory before and after;
#   (c) sequential single sign-ups (one POST each) into an upcoming course;
#   (d) the server's peak memory (VmHWM) after the list runs of (a), and during all of that;
#   (e) the weight of the public pages: HTML plus linked CSS/JS/WASM, raw, gzip and br.
# Raw outputs go to bench/results/<UTC time>/, the Markdown summary to stdout (and summary.md).
#
#   --build      run `cargo leptos build --release` first (otherwise target/release/ippo is used as it is)
#   --rush       afterwards, also `cargo bench --features ssr --bench signup_rush` (compiles; see docs/BENCHMARKS.md)
#   --only-rush  only the sign-up rush
#   --pretix     afterwards, also pretix's event page at the same settings (bench/pretix.sh, which
#                installs pretix into bench/.pretix the first time), so the summary gives the ratio
#   --backends   which backends (default: sqlite,postgres)
#   --existing   measure the database at URL as it is (filled beforehand, e.g. at a nation's scale
#                with generate.py): no migrate, seed or generate, and it is kept
#
# Environment (defaults in brackets): DURATION [20s] per wrk run, THREADS [2], CONNECTIONS ["16 64"],
# KPI_REQUESTS [50], SIGNUPS [50], SESSIONS / REGISTRATIONS / ANSWERS (data size, see generate.py),
# FISCAL_YEAR [2026], IPPO_BIN [target/release/ippo], LEPTOS_SITE_ROOT [target/site],
# BENCH_PG [postgres://postgres@127.0.0.1:5432] and BENCH_PG_DB [ippo_bench] (created and dropped),
# BENCH_WORK [/tmp/ippo-bench] (SQLite file and mail folder), KEEP_DB=1 keeps both databases.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
source "$here/server.sh"

build=0 rush=0 pretix=0 load=1 backends="sqlite,postgres" existing=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=1 ;;
    --rush) rush=1 ;;
    --only-rush) rush=1 load=0 ;;
    --pretix) pretix=1 ;;
    --backends) backends="$2"; shift ;;
    --backends=*) backends="${1#*=}" ;;
    --existing) existing="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

DURATION="${DURATION:-20s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-16 64}"
KPI_REQUESTS="${KPI_REQUESTS:-50}"
SIGNUPS="${SIGNUPS:-50}"
FISCAL_YEAR="${FISCAL_YEAR:-2026}"
IPPO_BIN="${IPPO_BIN:-$root/target/release/ippo}"
SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
BENCH_PG_DB="${BENCH_PG_DB:-ippo_bench}"
BENCH_WORK="${BENCH_WORK:-/tmp/ippo-bench}"
MANAGER_EMAIL="manager@ippo.example.jp" # made by `ippo seed demo`
BROWSER='Accept-Encoding: gzip, deflate, br, zstd' # what Chromium sends

results="$here/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------- tools

need() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null && return
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing $pkg (apt-get)"
    apt-get install -y "$pkg" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$pkg" >/dev/null; }
  fi
  command -v "$cmd" >/dev/null || die "$cmd is missing: install the Debian package $pkg"
}

if [[ $build -eq 1 ]]; then
  say "cargo leptos build --release"
  cargo leptos build --release 2>&1 | tee "$results/build.txt" >&2
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo ' (work tree modified)')"
  echo "nproc: $(nproc)"
  echo "--- free -h"; free -h
  echo "--- lscpu | head"; lscpu | head -n 15
  echo "--- uname -a"; uname -a
  [[ $load -eq 1 ]] && { echo "--- binary"; ls -l "$IPPO_BIN"; }
} >"$results/machine.txt" 2>&1 || true

# ---------------------------------------------------------------------------- one backend

server_pid="" sampler_pid="" nginx_pid=""
stop_nginx() {
  [[ -n "$nginx_pid" ]] && { kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; } || true
  nginx_pid=""
}
stop_server() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null && wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
drop_pg() {
  [[ "${KEEP_DB:-0}" == 1 ]] && return
  psql -X -q "$BENCH_PG/postgres" -c "DROP DATABASE IF EXISTS $BENCH_PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
}
cleanup() {
  stop_nginx
  stop_server
  [[ ",$backends," == *",postgres,"* && $load -eq 1 && -z "$existing" ]] && drop_pg
  rmdir "$BENCH_WORK" 2>/dev/null || true # still holds the kept SQLite file with KEEP_DB=1
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The machine's limit for the same bytes: nginx (Debian's nginx-light) serving the list page
# exactly as Ippo sent it to a browser (one file, Ippo's Content-Encoding) on a free port,
# measured like Ippo's run as a browser asks: wrk OUT/wrk_nginx-browser_cC.txt.
nginx_reference() {
  local base="$1" out="$2" c="$3" dir="$BENCH_WORK/nginx" port encoding i
  need nginx nginx-light
  rm -rf "$dir" && mkdir -p "$dir/www"
  curl -fsS -H "$BROWSER" -D "$dir/headers" -o "$dir/www/page" "$base/"
  encoding="$(awk -F': *' 'tolower($1) == "content-encoding" { gsub(/\r/, "", $2); print $2 }' "$dir/headers")"
  echo "$(wc -c <"$dir/www/page") bytes, Content-Encoding: ${encoding:-none}" >"$out/nginx_page.txt"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  cat >"$dir/nginx.conf" <<CONF
worker_processes $(nproc);
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    location = / {
      root $dir/www;
      rewrite ^ /page break;
      default_type "text/html; charset=utf-8";
      ${encoding:+add_header Content-Encoding $encoding;}
      add_header Vary Accept-Encoding;
    }
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' 2>"$out/nginx.stderr" &
  nginx_pid=$!
  for i in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done
  say "nginx: the same bytes at $c connections, $DURATION"
  wrk -t"$THREADS" -c"$c" -d"$DURATION" --latency -H "$BROWSER" "http://127.0.0.1:$port/" >"$out/wrk_nginx-browser_c$c.txt"
  stop_nginx
  rm -rf "$dir"
}

# Percentiles of the second column of "code seconds" lines, checking the codes.
timing_stats() { python3 "$here/summarize.py" --timings "$@"; }

bench_backend() {
  local backend="$1" out="$results/$1" data="$BENCH_WORK/$1" url
  mkdir -p "$out"
  rm -rf "$data" && mkdir -p "$data"
  if [[ -n "$existing" ]]; then
    url="$existing"
    export DATABASE_URL="$url" IPPO_DATA_DIR="$data"
  else
    case "$backend" in
      sqlite) url="sqlite://$data/ippo.db" ;;
      postgres)
        need psql postgresql-client
        drop_pg
        psql -X -q "$BENCH_PG/postgres" -c "CREATE DATABASE $BENCH_PG_DB" >/dev/null \
          || die "cannot create database $BENCH_PG_DB at $BENCH_PG"
        url="$BENCH_PG/$BENCH_PG_DB" ;;
      *) die "unknown backend $backend" ;;
    esac
    export DATABASE_URL="$url" IPPO_DATA_DIR="$data"

    say "$backend: migrate, seed demo, generate"
    "$IPPO_BIN" migrate >"$out/migrate.txt"
    "$IPPO_BIN" seed demo >"$out/seed.txt"
    local t0=$SECONDS
    python3 "$here/generate.py" --database-url "$url" 2>&1 | tee "$out/generate.txt" >&2
    echo "elapsed: $((SECONDS - t0)) s" >>"$out/generate.txt"
  fi
  # Write the bulk load out before measuring, so its flushing does not compete with the server.
  case "$backend" in
    postgres) psql -X -q "$url" -c CHECKPOINT >/dev/null ;;
    sqlite) python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA wal_checkpoint(TRUNCATE)")' "${url#sqlite://}" ;;
  esac
  sync
  local token
  token="$("$IPPO_BIN" token issue --email "$MANAGER_EMAIL")"

  say "$backend: start the server"
  local base="" i
  start_server "$IPPO_BIN" "$SITE_ROOT" "$out" IPPO_PUBLIC_RATE_LIMIT=0 || die "$backend: the server did not start"
  curl -fsS "$base/healthz" >/dev/null || die "$backend: /healthz failed"
  echo "$base" >"$out/base_url.txt"
  sleep 2 # let the start-up jobs (retention, reminders) finish before measuring
  echo "load before $backend: $(uptime)" >>"$results/machine.txt"
  grep -E '^(VmRSS|VmHWM)' "/proc/$server_pid/status" >"$out/memory_idle.txt"

  # Memory: VmHWM is the peak resident size since start; sampled every 0.5 s as well.
  ( while kill -0 "$server_pid" 2>/dev/null; do
      awk -v t="$(date +%s.%N)" '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{print t, r, h}' "/proc/$server_pid/status" 2>/dev/null || true
      sleep 0.5
    done ) >"$out/memory_samples.txt" &
  sampler_pid=$!

  # Warm up: the first requests prepare statements and fill caches.
  for i in 1 2 3 4 5; do
    curl -fsS -o /dev/null "$base/" && curl -fsS -o /dev/null "$base/api/v1/sessions?limit=50"
  done || die "$backend: warm-up requests failed"

  # (a) throughput and latency
  local c
  for c in $CONNECTIONS; do
    say "$backend: wrk / at $c connections, $DURATION"
    wrk -t"$THREADS" -c"$c" -d"$DURATION" --latency "$base/" >"$out/wrk_home_c$c.txt"
    say "$backend: wrk /api/v1/sessions?limit=50 at $c connections, $DURATION"
    wrk -t"$THREADS" -c"$c" -d"$DURATION" --latency "$base/api/v1/sessions?limit=50" >"$out/wrk_api_c$c.txt"
  done
  c="${CONNECTIONS##* }"
  say "$backend: wrk / at $c connections as a browser asks ($BROWSER), $DURATION"
  wrk -t"$THREADS" -c"$c" -d"$DURATION" --latency -H "$BROWSER" "$base/" >"$out/wrk_home-browser_c$c.txt"
  nginx_reference "$base" "$out" "$c"

  # The aim's memory figure is "under that load": the peak after the list runs, before the KPI.
  grep -E '^(VmRSS|VmHWM)' "/proc/$server_pid/status" >"$out/memory_list.txt"

  # (b) the KPI report, one request after another
  say "$backend: KPI report FY$FISCAL_YEAR x $KPI_REQUESTS"
  local kpi="$base/api/v1/reports/kpi?fiscal_year=$FISCAL_YEAR"
  curl -fsS -H "Authorization: Bearer $token" "$kpi" >"$out/kpi_response.json" || die "$backend: KPI report failed"
  for i in $(seq 1 "$KPI_REQUESTS"); do
    curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $token" "$kpi"
  done >"$out/kpi_times.txt"
  timing_stats "$out/kpi_times.txt" 200 >&2

  # (b2) the outcome report (the usage rate over the year's follow-ups), likewise
  say "$backend: outcome report FY$FISCAL_YEAR x $KPI_REQUESTS"
  local outcomes="$base/api/v1/reports/outcomes?fiscal_year=$FISCAL_YEAR"
  curl -fsS -H "Authorization: Bearer $token" "$outcomes" >"$out/outcomes_response.json" \
    || die "$backend: outcome report failed"
  for i in $(seq 1 "$KPI_REQUESTS"); do
    curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $token" "$outcomes"
  done >"$out/outcomes_times.txt"
  timing_stats "$out/outcomes_times.txt" 200 >&2

  # (b3) the year's survey answers as CSV, streamed: size, time, memory around it
  say "$backend: survey answers FY$FISCAL_YEAR as CSV"
  {
    grep -E '^(VmRSS|VmHWM)' "/proc/$server_pid/status" | sed 's/^/before /'
    curl -sS -o /dev/null -w 'download %{http_code} %{size_download} %{time_total}\n' -H "Authorization: Bearer $token" \
      "$base/manage/exports/survey-answers.csv?fiscal_year=$FISCAL_YEAR"
    grep -E '^(VmRSS|VmHWM)' "/proc/$server_pid/status" | sed 's/^/after /'
  } >"$out/export.txt"

  # (c) single sign-ups, one after another, into the first upcoming course
  local sid
  # (not a cancelled one: the list shows those too, marked, and a sign-up there is refused)
  sid="$(curl -fsS "$base/api/v1/sessions?kind=course&limit=50" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("sessions", d) if isinstance(d, dict) else d; print(next(s["id"] for s in d if s["status"] != "cancelled"))')"
  say "$backend: $SIGNUPS sign-ups into session $sid"
  echo "$sid" >"$out/signup_session.txt"
  # Each sign-up a family of its own: one phone may hold only two seats of a session.
  local phone mobile
  for i in $(seq 1 "$SIGNUPS"); do
    printf -v phone '093-200-%04d' "$i"
    printf -v mobile '090-2000-%04d' "$i"
    curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "$base/api/v1/sessions/$sid/registrations" \
      -H 'Content-Type: application/json' -H "Idempotency-Key: bench-$backend-$RANDOM-$i" \
      --data "{\"attendee\":{\"name\":\"北九 花子$i\",\"name_kana\":\"キタキュウ ハナコ\",\"phone\":\"$phone\",\"age_band\":\"75_79\",\"has_smartphone\":false,\"needs_loaner\":false,\"notes\":\"\"},\"registrant\":{\"name\":\"北九 一郎\",\"email\":\"bench$i@example.jp\",\"phone\":\"$mobile\",\"relation\":\"family\"},\"channel\":\"web\",\"consent\":true}"
  done >"$out/signup_times.txt"
  timing_stats "$out/signup_times.txt" 201 >&2

  # (e) page weight of the public pages (the survey page by the first session's code)
  local code
  code="$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/sessions/1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["survey_code"])')"
  local bundle=() f
  for f in "$SITE_ROOT"/pkg/*.js "$SITE_ROOT"/pkg/*.wasm; do [[ -f "$f" ]] && bundle+=("/pkg/${f##*/}"); done
  python3 "$here/pageweight.py" --save "$out/pages" "$base" / /sessions/1 /sessions/1/register "/survey/$code" \
    --files "${bundle[@]}" >"$out/pageweight.json"

  # (d) peak memory, read before the server stops
  grep -E '^(VmRSS|VmHWM)' "/proc/$server_pid/status" >"$out/memory_peak.txt"
  stop_server
  [[ -n "$existing" ]] && return
  [[ "$backend" == postgres ]] && drop_pg
  unset DATABASE_URL IPPO_DATA_DIR
  [[ "${KEEP_DB:-0}" == 1 ]] || rm -rf "$data"
}

if [[ $load -eq 1 ]]; then
  need wrk wrk
  need curl curl
  [[ -x "$IPPO_BIN" ]] || die "no server binary at $IPPO_BIN: run with --build (cargo leptos build --release)"
  [[ -d "$SITE_ROOT/pkg" ]] || die "no $SITE_ROOT/pkg: run with --build (cargo leptos build --release)"
  if [[ -n "$existing" ]]; then
    case "$existing" in postgres*) bench_backend postgres ;; *) bench_backend sqlite ;; esac
  else
    IFS=, read -ra list <<<"$backends"
    for b in "${list[@]}"; do bench_backend "$b"; done
  fi
fi

if [[ $pretix -eq 1 ]]; then
  say "pretix: bench/pretix.sh"
  OUT="$results/pretix" DURATION="$DURATION" "$here/pretix.sh" >&2
fi

if [[ $rush -eq 1 ]]; then
  say "sign-up rush: cargo bench --features ssr --bench signup_rush"
  cargo bench --features ssr --bench signup_rush 2>"$results/signup_rush.stderr" | tee "$results/signup_rush.txt" >&2
fi

python3 "$here/summarize.py" "$results" | tee "$results/summary.md"
echo >&2
echo "raw results: $results" >&2

#!/usr/bin/env bash
# Compares server builds on one database, taking turns so that the machine's drift hits
# every build alike.
#
#   bench/compare.sh DATABASE_URL PATH BINARY... 
#
# A BINARY may carry settings before a colon, to compare one build with itself set two
# ways: `IPPO_PAGE_CACHE=false:target/release/ippo target/release/ippo`.
#
# For each of ROUNDS [2] rounds, each BINARY in turn: start `BINARY serve` on DATABASE_URL
# (on a free port, IPPO_SEED=none, IPPO_PUBLIC_RATE_LIMIT=0), five warm-up requests and a 3 s
# wrk warm-up, then `wrk -t2 -c$CONNECTIONS [64] -d$DURATION [10s] --latency` on PATH, and the
# server's peak memory (VmHWM). Prints one line per run. WRK_ARGS adds wrk options, e.g.
# WRK_ARGS="-H 'Accept-Encoding: gzip'" (split as the shell would).
#
# The database must exist and hold data: `KEEP_DB=1 bench/run.sh` leaves
# sqlite:///tmp/ippo-bench/sqlite/ippo.db and postgres://postgres@127.0.0.1:5432/ippo_bench.
# A build whose migrations differ from the database's cannot run on it: copy the database
# first (`cp` the SQLite file; `CREATE DATABASE copy TEMPLATE ippo_bench` on PostgreSQL).
set -euo pipefail

[[ $# -ge 3 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
database_url="$1" path="$2"
shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/server.sh"
ROUNDS="${ROUNDS:-2}" CONNECTIONS="${CONNECTIONS:-64}" DURATION="${DURATION:-10s}"
eval "wrk_args=(${WRK_ARGS:-})"
work="$(mktemp -d)"
server_pid=""
trap '[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

run_one() {
  local spec="$1" bin="$1" base="" i settings=()
  if [[ "$spec" =~ ^([A-Z_][A-Z0-9_]*=[^:]*(,[A-Z_][A-Z0-9_]*=[^:]*)*):(.+)$ ]]; then
    IFS=, read -ra settings <<<"${BASH_REMATCH[1]}"
    bin="${BASH_REMATCH[3]}"
  fi
  start_server "$bin" "${LEPTOS_SITE_ROOT:-$root/target/site}" "$work" DATABASE_URL="$database_url" \
    IPPO_DATA_DIR="$work" IPPO_PUBLIC_RATE_LIMIT=0 "${settings[@]}" || exit 1
  for i in 1 2 3 4 5; do curl -fsS -o /dev/null "$base$path"; done
  wrk -t2 -c"$CONNECTIONS" -d3s "${wrk_args[@]}" "$base$path" >/dev/null
  local out
  out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "${wrk_args[@]}" "$base$path")"
  printf '%s\t%s\t%s req/s\tp99 %s\tVmHWM %s MiB\t%s\n' "$spec" "$path" \
    "$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")" \
    "$(awk '$1 == "99%" { print $2 }' <<<"$out")" \
    "$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")" \
    "$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd ';' || true)"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

for round in $(seq 1 "$ROUNDS"); do
  for bin in "$@"; do run_one "$bin"; done
done

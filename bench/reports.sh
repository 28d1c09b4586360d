#!/usr/bin/env bash
# Times the KPI and outcome reports of one fiscal year on a database that is already
# filled (e.g. by bench/generate.py), with the release server, one request after another.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ippo_fu FISCAL_YEAR=2025 bench/reports.sh
#
# Environment: DATABASE_URL (required), FISCAL_YEAR [2026], REQUESTS [30], WARMUP [30],
# IPPO_BIN [target/release/ippo], PORT [3222]. Prints median, p95, min and max per report,
# first of the WARMUP requests on the freshly started server (after one untimed request
# that saves the report; its pooled connections each meet the report's statements for the
# first time — the KPI report's come after the outcome report's, on connections already
# open) and then of the REQUESTS timed after them (the steady state of a server that has
# been running), what the outcome report covered, the server's peak memory and the load
# average.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${DATABASE_URL:?set DATABASE_URL to the filled database}"
BIN="${IPPO_BIN:-$root/target/release/ippo}"
FISCAL_YEAR="${FISCAL_YEAR:-2026}" REQUESTS="${REQUESTS:-30}" WARMUP="${WARMUP:-30}" PORT="${PORT:-3222}"
work="$(mktemp -d)"
export DATABASE_URL IPPO_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" IPPO_PUBLIC_RATE_LIMIT=0 \
  RUST_LOG=warn IPPO_HOUSEKEEPING_INTERVAL=3600
"$BIN" migrate >/dev/null
token="$("$BIN" token issue --email manager@ippo.example.jp | tail -1)" # made by `ippo seed demo`
"$BIN" serve >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid; rm -rf "$work"' EXIT
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; do sleep 0.2; done
for report in outcomes kpi; do
  url="http://127.0.0.1:$PORT/api/v1/reports/$report?fiscal_year=$FISCAL_YEAR"
  curl -fsS -H "Authorization: Bearer $token" "$url" >"$work/$report.json"
  for phase in "$report, warm-up:$WARMUP" "$report:$REQUESTS"; do
    for _ in $(seq 1 "${phase##*:}"); do
      curl -sS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
    done | sort -n | awk -v r="${phase%:*}" '{a[NR]=$1} END { if (NR) { p = int(NR*0.95); if (p < 1) p = 1
      printf "%s: n=%d median %.1f ms p95 %.1f ms min %.1f ms max %.1f ms\n", r, NR, a[int(NR/2)+1]*1000, a[p]*1000, a[1]*1000, a[NR]*1000 } }'
  done
done
python3 - "$work/outcomes.json" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))
print(f"outcome report covers {k['followups_sent']:,} follow-ups, {k['answered']:,} answered, "
      f"usage {k['usage_rate']['value']:.3f}")
PY
grep VmHWM "/proc/$pid/status"
uptime

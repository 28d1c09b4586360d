#!/usr/bin/env bash
# Lighthouse (npm `lighthouse`, pinned in bench/package.json) in Debian's chromium, mobile
# settings (Lighthouse's default: Moto G Power sized screen, simulated slow 4G and 4x CPU
# slowdown), over Ippo's public pages. Prints the performance / accessibility /
# best-practices / SEO scores as a Markdown table and keeps every JSON report.
#
#   bench/lighthouse.sh              # starts the release server on a fresh SQLite sample city
#   bench/lighthouse.sh URL          # audits a server that is already running (e.g. http://127.0.0.1:3000);
#                                    # set SURVEY_CODE to include /survey/<code>
#
# Environment: IPPO_BIN [target/release/ippo], LEPTOS_SITE_ROOT [target/site],
# CHROME_PATH [/usr/bin/chromium], PAGES (space-separated paths; default: the public pages),
# RUNS [1] runs per page (the median performance score is reported).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
source "$here/server.sh"

IPPO_BIN="${IPPO_BIN:-$root/target/release/ippo}"
SITE_ROOT="${LEPTOS_SITE_ROOT:-$root/target/site}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
RUNS="${RUNS:-1}"
results="$here/results/lighthouse-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
say() { printf '== %s\n' "$*" >&2; }
die() { echo "lighthouse.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------- tools
if [[ ! -x "$CHROME_PATH" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing chromium (apt-get)"
    apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; }
  fi
  [[ -x "$CHROME_PATH" ]] || die "no browser at $CHROME_PATH: install Debian's chromium or set CHROME_PATH"
fi
lighthouse="$here/node_modules/.bin/lighthouse"
if [[ ! -x "$lighthouse" ]]; then
  command -v npm >/dev/null || die "npm is missing (Debian package npm)"
  say "installing lighthouse into bench/node_modules"
  if [[ -f "$here/package-lock.json" ]]; then
    npm ci --prefix "$here" --no-audit --no-fund >&2
  else
    npm install --prefix "$here" --no-audit --no-fund >&2
  fi
fi

# ---------------------------------------------------------------------------- a server
server_pid="" data=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  [[ -n "$data" ]] && rm -rf "$data"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

base="${1:-}"
code="${SURVEY_CODE:-}"
if [[ -z "$base" ]]; then
  [[ -x "$IPPO_BIN" ]] || die "no server binary at $IPPO_BIN (cargo leptos build --release)"
  data="$(mktemp -d "${TMPDIR:-/tmp}/ippo-lighthouse.XXXXXX")"
  export IPPO_DATA_DIR="$data" DATABASE_URL="sqlite://$data/ippo.db"
  "$IPPO_BIN" migrate >/dev/null
  "$IPPO_BIN" seed demo >/dev/null
  token="$("$IPPO_BIN" token issue --email manager@ippo.example.jp)"
  say "starting the release server on the sample city"
  start_server "$IPPO_BIN" "$SITE_ROOT" "$results" || die "the server did not start"
  code="$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/sessions/1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["survey_code"])')"
fi
base="${base%/}"
curl -fsS -o /dev/null "$base/" || die "$base/ does not answer"

pages="${PAGES:-/ /sessions/1 /sessions/1/register${code:+ /survey/$code}}"
flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
{ echo "chromium: $("$CHROME_PATH" --version 2>/dev/null | tail -n1)"; echo "lighthouse: $("$lighthouse" --version)"; echo "base: $base"; uptime; } \
  >"$results/versions.txt"

# ---------------------------------------------------------------------------- audits
for path in $pages; do
  name="$(echo "${path#/}" | tr '/' '_')"; name="${name:-home}"
  for run in $(seq 1 "$RUNS"); do
    say "lighthouse $path (run $run of $RUNS)"
    "$lighthouse" "$base$path" \
      --output=json --output-path="$results/$name.run$run.json" \
      --only-categories=performance,accessibility,best-practices,seo \
      --chrome-flags="$flags" --quiet \
      || die "lighthouse failed on $path"
  done
done

python3 - "$results" <<'EOF'
import glob, json, os, re, statistics, sys

results = sys.argv[1]
reports = {}
for path in sorted(glob.glob(os.path.join(results, "*.run*.json"))):
    name = re.sub(r"\.run\d+\.json$", "", os.path.basename(path))
    reports.setdefault(name, []).append(json.load(open(path)))

def score(r, cat):
    s = r["categories"].get(cat, {}).get("score")
    return None if s is None else round(s * 100)

def audit(r, key, unit=1.0):
    a = r["audits"].get(key, {})
    v = a.get("numericValue")
    return None if v is None else v / unit

lines = ["| page | performance | accessibility | best practices | SEO | FCP s | LCP s | TBT ms | CLS | transfer KiB |",
         "|---|---|---|---|---|---|---|---|---|---|"]
problems = []
for name, runs in reports.items():
    runs.sort(key=lambda r: score(r, "performance") or 0)
    r = runs[len(runs) // 2]  # the median run by performance
    url = r.get("finalDisplayedUrl") or r.get("finalUrl") or r.get("requestedUrl")
    path = re.sub(r"^https?://[^/]+", "", url) or "/"
    fmt = lambda v, spec: "?" if v is None else format(v, spec)
    lines.append(
        f"| `{path}` | {fmt(score(r, 'performance'), 'd')} | {fmt(score(r, 'accessibility'), 'd')} | "
        f"{fmt(score(r, 'best-practices'), 'd')} | {fmt(score(r, 'seo'), 'd')} | "
        f"{fmt(audit(r, 'first-contentful-paint', 1000), '.1f')} | {fmt(audit(r, 'largest-contentful-paint', 1000), '.1f')} | "
        f"{fmt(audit(r, 'total-blocking-time'), '.0f')} | {fmt(audit(r, 'cumulative-layout-shift'), '.3f')} | "
        f"{fmt(audit(r, 'total-byte-weight', 1024), '.1f')} |")
    for cat in ("accessibility", "best-practices", "seo"):
        for ref in r["categories"].get(cat, {}).get("auditRefs", []):
            a = r["audits"].get(ref["id"], {})
            if ref.get("weight", 0) > 0 and a.get("score") is not None and a["score"] < 1:
                problems.append(f"- `{path}` {cat}: {a.get('title')} ({ref['id']})")
print("\n".join(lines))
if problems:
    print("\nAudits not passed:\n" + "\n".join(problems))
print(f"\nReports: {os.path.relpath(results)}")
EOF

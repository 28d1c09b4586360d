#!/usr/bin/env bash
# Starts a throw-away Ippo server for the Playwright tests: a fresh SQLite data folder,
# the demo city, and known accounts (manager, staff, admin, partner). Playwright's
# `webServer` runs this.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

IPPO_BIN="${IPPO_BIN:-$repo/target/debug/ippo}"
case "$IPPO_BIN" in /*) ;; *) IPPO_BIN="$repo/$IPPO_BIN" ;; esac
if [[ ! -x "$IPPO_BIN" ]]; then
  echo "serve.sh: no server binary at $IPPO_BIN (build it, or set IPPO_BIN)" >&2
  exit 1
fi

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/ippo-e2e.XXXXXX")"
echo "serve.sh: data in $data_dir" >&2

export IPPO_DATA_DIR="$data_dir"
unset DATABASE_URL SMTP_URL IPPO_SEED
export IPPO_PUBLIC_RATE_LIMIT=0
site_root="${LEPTOS_SITE_ROOT:-$repo/target/site}"
case "$site_root" in /*) ;; *) site_root="$repo/$site_root" ;; esac
export LEPTOS_SITE_ROOT="$site_root"
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:-3111}"
# A public address that is not this machine's, as in service: the survey sheet prints
# its QR code only for an address phones can open.
export IPPO_PUBLIC_URL="http://ippo.e2e.example:${E2E_PORT:-3111}"

"$IPPO_BIN" seed demo

password='e2e-password-123'
printf '%s' "$password" | "$IPPO_BIN" user add \
  --email manager.e2e@example.jp --name 'E2E 管理者' --role manager --password-stdin
printf '%s' "$password" | "$IPPO_BIN" user add \
  --email staff.e2e@example.jp --name 'E2E 受付' --role staff --venue 1 --venue 2 --password-stdin
printf '%s' "$password" | "$IPPO_BIN" user add \
  --email admin.e2e@example.jp --name 'E2E 監査' --role admin --password-stdin
# A partner shop's staff member (partner shop 1 of the demo city), for /partner. Not fatal:
# a build without partner accounts still runs every other test.
printf '%s' "$password" | "$IPPO_BIN" user add \
  --email partner.e2e@example.jp --name 'E2E 協力店' --role partner --partner 1 --password-stdin \
  || echo "serve.sh: no partner account (this build cannot create one)" >&2

# Remove the data folder once the server is gone. `exec` keeps this shell's PID for the
# server; the watcher runs in its own session so the signals that stop the server's
# process group do not stop it first.
setsid bash -c 'tail --pid="$1" -f /dev/null; rm -rf -- "$2"' _ "$$" "$data_dir" \
  </dev/null >/dev/null 2>&1 &

exec "$IPPO_BIN" serve

#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Ippo needs, where it can, and says
# plainly what is missing where it cannot. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=false
[[ "${1:-}" == "--test" ]] && want_tests=true

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
fail() { printf '\033[31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=false
apt_install() {
  command -v apt-get >/dev/null || fail "apt-get is not available: install $* yourself"
  if ! $apt_updated; then as_root apt-get update -qq || fail "apt-get update failed"; apt_updated=true; fi
  as_root apt-get install -y -qq "$@" >/dev/null || fail "could not install $* with apt-get"
}

command -v cargo >/dev/null || fail "Rust is missing: install it with rustup (https://rustup.rs)"

if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.11 needs a newer rustc; no_downloads makes it use the tools on PATH
# instead of fetching them from GitHub.
if ! cargo leptos --version 2>/dev/null | grep -q "0.3.10"; then
  say "installing cargo-leptos 0.3.10 (about 20 minutes on 2 cores, once)"
  cargo install --locked cargo-leptos@0.3.10 --features no_downloads
fi

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$wb_version"; then
  say "installing wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli@"$wb_version"
fi

# wasm-opt for release builds. Debian's binaryen (108) miscompiles wasm-bindgen 0.2.130's
# externref table, so a current binaryen comes from npm into .tools/ (put on PATH by the
# run and test scripts).
if [[ ! -x .tools/node_modules/.bin/wasm-opt ]]; then
  command -v npm >/dev/null || fail "npm is missing: it is needed for wasm-opt (binaryen) and the browser tests"
  say "installing binaryen 132 (wasm-opt) into .tools/"
  npm install --prefix .tools --no-audit --no-fund --loglevel=error binaryen@132.0.0
fi

if $want_tests; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
      say "adding the $component component"
      rustup component add "$component"
    fi
  done
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
  command -v npm >/dev/null || fail "Node.js and npm are missing: install them to run the browser tests"
  say "installing the browser test packages"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  pg_url="${IPPO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  if ! psql "$pg_url" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    say "PostgreSQL is not answering; trying to start the local cluster"
    if command -v pg_ctlcluster >/dev/null; then
      as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    fi
    psql "$pg_url" -qAtc 'SELECT 1' >/dev/null 2>&1 \
      || fail "PostgreSQL is required for the tests and is not reachable at $pg_url (set IPPO_TEST_PG_URL)"
  fi
fi
say "ready"

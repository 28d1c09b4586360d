#!/usr/bin/env bash
# The test command: formatting and lints, unit tests, HTTP integration tests on SQLite
# and PostgreSQL (with a real SMTP server on loopback), then the browser tests in
# Debian's chromium. Nothing is skipped: a missing PostgreSQL or browser fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
scripts/setup.sh --test
target_dir="${CARGO_TARGET_DIR:-target}"

echo "== formatting and lints (cargo fmt --check, cargo clippy -D warnings) =="
cargo fmt --check
cargo clippy --features ssr --all-targets -- -D warnings

echo "== unit and integration tests (SQLite + PostgreSQL + SMTP) =="
cargo test --features ssr

echo "== release build for the browser tests =="
cargo leptos build --release --precompress

echo "== browser tests (Playwright + axe-core, Debian chromium) =="
cd end2end
IPPO_BIN="$(cd .. && realpath "$target_dir")/release/ippo" LEPTOS_SITE_ROOT="$(cd .. && pwd)/target/site" \
  npx playwright test

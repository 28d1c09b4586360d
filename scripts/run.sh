#!/usr/bin/env bash
# The run command: builds the release app and serves it at http://127.0.0.1:3000 on an
# SQLite file under ./data, loading the sample city into a new database.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
scripts/setup.sh
cargo leptos build --release --precompress
export IPPO_SEED="${IPPO_SEED:-demo}"
exec "${CARGO_TARGET_DIR:-target}/release/ippo" serve

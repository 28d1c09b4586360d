#!/usr/bin/env bash
# SMS throughput: how many texts per second one instance hands to an SMSC on loopback
# (node-smpp's server, bench/smsc.js) over SMPP, from an outbox filled beforehand.
#
#   bench/sms.sh            # MESSAGES=2000, the release binary
#
# Environment: MESSAGES [2000], IPPO_BIN [target/release/ippo], PORT [2776].
# Each text is a two-part confirmation (about 120 characters, UCS-2), as most are.
# Prints messages and parts per second, from the server's start to the last one sent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${IPPO_BIN:-$root/target/release/ippo}"
MESSAGES="${MESSAGES:-2000}" PORT="${PORT:-2776}"
[ -d "$root/bench/node_modules/smpp" ] || (cd "$root/bench" && npm install --no-audit --no-fund >/dev/null)
work="$(mktemp -d)"
export IPPO_DATA_DIR="$work" DATABASE_URL="sqlite://$work/ippo.db" LEPTOS_SITE_ADDR="127.0.0.1:0" RUST_LOG=warn \
  IPPO_HOUSEKEEPING_INTERVAL=3600 SMS_URL="smpp://bench:bench@127.0.0.1:$PORT?source=0935822102"
"$BIN" migrate >/dev/null
python3 - "$work/ippo.db" "$MESSAGES" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
text = ("【北九州市】スマートフォン初心者講座 12/5(土)10:00 門司市民センター のお席をご用意しました。"
        "確認・取消 https://ippo.city.example.jp/registrations/" + "0" * 48)
db.executemany(
    "INSERT INTO outbox (channel, template, recipient, subject, body_text, created_at, attempts, next_attempt_at)"
    " VALUES ('sms', 'confirmation', ?, '', ?, '2026-01-01 00:00:00+00:00', 0, '2026-01-01 00:00:00+00:00')",
    [(f"090-{i // 10000:04d}-{i % 10000:04d}", text) for i in range(int(sys.argv[2]))])
db.commit()
PY
node "$root/bench/smsc.js" "$PORT" >"$work/smsc.json" 2>"$work/smsc.log" &
smsc=$!
until grep -q listening "$work/smsc.log" 2>/dev/null; do sleep 0.1; done
start=$(date +%s.%N)
"$BIN" serve >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; kill $smsc 2>/dev/null; rm -rf "$work"' EXIT
python3 - "$work/ippo.db" "$MESSAGES" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
while db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()[0] < int(sys.argv[2]):
    time.sleep(0.05)
PY
end=$(date +%s.%N)
grep VmHWM "/proc/$pid/status"
kill "$smsc"; wait "$smsc" || true
python3 - "$start" "$end" "$MESSAGES" "$work/smsc.json" <<'PY'
import json, sys
start, end, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
parts = json.load(open(sys.argv[4]))["parts"]
secs = end - start
print(f"{n} texts ({parts} parts) in {secs:.2f} s: {n / secs:.0f} texts/s, {parts / secs:.0f} parts/s")
PY
uptime

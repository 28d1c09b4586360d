#!/usr/bin/env bash
# The reference a city would otherwise pick: pretix (the open-source ticket shop, from PyPI),
# its public event page measured with wrk at the settings of bench/run.sh, so that Ippo and
# pretix can be measured in one run on one machine.
#
#   bench/pretix.sh
#   DURATION=3s bench/pretix.sh          # a quick check that it all works
#
# Sets up (each step skipped when already done, so a re-run only measures):
#   - a virtualenv at bench/.pretix/venv with pretix $PRETIX_VERSION [2026.8.0] and gunicorn
#     (the newest pretix on PyPI instead, said loudly, if that exact version is not there);
#   - bench/.pretix/pretix.cfg: SQLite in bench/.pretix/data, Redis at 127.0.0.1:6379 db
#     $REDIS_DB [5] for cache, sessions and Celery (a db of its own, so nothing else is touched),
#     debug off, Japanese locale, JPY; then `pretix migrate` and `pretix rebuild` as in production;
#   - organizer "kitakyushu" with a live, public event "smartphone" 「スマートフォン初心者講座」
#     holding one free ticket (quota 20), so /kitakyushu/smartphone/ is a real shop page.
# Then gunicorn (pretix.wsgi, 2 sync workers, as pretix's own guide runs it) on a free port of
# 127.0.0.1, five warm-up requests and a $WARMUP [3s] wrk warm-up (as bench/compare.sh), then
#   wrk -t$THREADS [2] -c$CONNECTIONS [64] -d$DURATION [20s] --latency  on the event page,
# once plain and once as a browser asks (Accept-Encoding: gzip, deflate, br, zstd); right after,
# the peak memory of all gunicorn processes together (sum of VmHWM of master and workers).
# Raw outputs go to $OUT [bench/results/pretix-<UTC time>/]: wrk_pretix-plain_c64.txt,
# wrk_pretix-browser_c64.txt, memory.txt, version.txt (plus the page's headers and the server's
# log); a Markdown table goes to stdout. gunicorn is stopped on exit.
#
# wrk counts a response slower than its 2 s timeout as "timeout" and leaves it out of the latency
# percentiles (requests/s still counts it): with pretix those columns belong together.
# No Celery worker runs: the page measured is a read that queues no task. pretix's guide also
# restarts workers after --max-requests; left out here, because a restarted worker would take
# its peak memory with it. SQLite is what pretix runs on without a database server (its docs
# say: for evaluation); a city would put PostgreSQL under it, which this script does not measure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

PRETIX_VERSION="${PRETIX_VERSION:-2026.8.0}"
DURATION="${DURATION:-20s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
WORKERS="${WORKERS:-2}"
WARMUP="${WARMUP:-3s}"
REDIS_DB="${REDIS_DB:-5}"
BROWSER='Accept-Encoding: gzip, deflate, br, zstd' # what Chromium sends, as in run.sh
home="$here/.pretix"
venv="$home/venv"
py="$venv/bin/python"
out="${OUT:-$here/results/pretix-$(date -u +%Y%m%dT%H%M%SZ)}"
say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "pretix.sh: $*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk is missing: apt-get install wrk"
command -v curl >/dev/null || die "curl is missing: apt-get install curl"
command -v redis-cli >/dev/null && { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 \
  || die "no Redis at 127.0.0.1:6379 (pretix keeps its cache and sessions there)"; }
mkdir -p "$home/data" "$out"
# Everything in bench/.pretix is made here (a venv, a database): never committed.
[[ -f "$home/.gitignore" ]] || printf '*\n' >"$home/.gitignore"

# ---------------------------------------------------------------------------- install

installed() { [[ -x "$py" ]] && "$py" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$1" 2>/dev/null; }

if [[ "$(installed pretix || true)" != "$PRETIX_VERSION" || -z "$(installed gunicorn || true)" ]]; then
  [[ -x "$py" ]] || { say "python3 -m venv $venv"; python3 -m venv "$venv"; }
  available="$("$venv/bin/pip" index versions pretix --disable-pip-version-check 2>/dev/null \
    | sed -n 's/^Available versions: //p' | tr -d ' ' | tr ',' '\n')" || true
  [[ -n "$available" ]] || die "cannot list pretix's versions on PyPI (pip index versions pretix)"
  if ! grep -qxF "$PRETIX_VERSION" <<<"$available"; then
    newest="$(head -n1 <<<"$available")"
    printf '\n!! pretix %s is not on PyPI: using the newest there, %s\n\n' "$PRETIX_VERSION" "$newest" >&2
    PRETIX_VERSION="$newest"
  fi
  if [[ "$(installed pretix || true)" != "$PRETIX_VERSION" || -z "$(installed gunicorn || true)" ]]; then
    say "pip install pretix==$PRETIX_VERSION gunicorn (a few minutes the first time)"
    # gunicorn is not among pretix's dependencies; its guide installs it beside pretix.
    "$venv/bin/pip" install --disable-pip-version-check -q "pretix==$PRETIX_VERSION" gunicorn >&2
  fi
fi
PRETIX_VERSION="$(installed pretix)"

# ---------------------------------------------------------------------------- configure

# A free port now, because pretix routes by the host of its configured URL.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
cat >"$home/pretix.cfg" <<CFG
; Written by bench/pretix.sh on every run (the port changes): do not edit.
[pretix]
instance_name=Ippo benchmark reference
url=$base
currency=JPY
datadir=$home/data
; No exchange rates from the internet: nothing here needs them.
ecb_rates=off

[locale]
default=ja
timezone=Asia/Tokyo

[django]
debug=off

[database]
backend=sqlite3
name=$home/data/db.sqlite3

[mail]
from=tickets@kitakyushu.example.jp
host=127.0.0.1

[redis]
location=redis://127.0.0.1:6379/$REDIS_DB
sessions=true

[celery]
backend=redis://127.0.0.1:6379/$REDIS_DB
broker=redis://127.0.0.1:6379/$REDIS_DB
CFG
export PRETIX_CONFIG_FILE="$home/pretix.cfg"
pretix() { (cd "$home" && "$py" -m pretix "$@"); }

# Both steps of pretix's guide after an install, once per version: the database's migrations
# (stamped in the data folder, so a new database gets them), and rebuild, which compiles
# translations, styles and the compressed static files into the installed package (stamped in
# the venv, so a new venv gets it).
if [[ ! -f "$home/data/.migrated-$PRETIX_VERSION" ]]; then
  say "pretix migrate"
  # A new database: what pretix cached in its Redis db belonged to the old one.
  "$py" -c 'import redis, sys; redis.Redis(host="127.0.0.1", port=6379, db=int(sys.argv[1])).flushdb()' "$REDIS_DB"
  pretix migrate --no-input >"$home/migrate.log" 2>&1 || { tail -n 30 "$home/migrate.log" >&2; die "migrate failed"; }
  rm -f "$home"/data/.migrated-* && touch "$home/data/.migrated-$PRETIX_VERSION"
fi
if [[ ! -f "$venv/.rebuilt-$PRETIX_VERSION" ]]; then
  say "pretix rebuild (a few minutes)"
  pretix rebuild >"$home/rebuild.log" 2>&1 || { tail -n 30 "$home/rebuild.log" >&2; die "rebuild failed"; }
  rm -f "$venv"/.rebuilt-* && touch "$venv/.rebuilt-$PRETIX_VERSION"
fi

# The shop a city would set up by hand in pretix's back office, made through pretix's own models
# the way its event wizard does; idempotent, so a re-run changes nothing.
say "organizer kitakyushu, event smartphone"
(cd "$home" && DJANGO_SETTINGS_MODULE=pretix.settings "$py" - <<'PY') >&2
import datetime
import django

django.setup()

from django.conf import settings
from django.db import transaction
from django_scopes import scopes_disabled
from i18nfield.strings import LazyI18nString
from pretix.base.models import Event, Item, Organizer, Quota
from zoneinfo import ZoneInfo

tz = ZoneInfo("Asia/Tokyo")
with scopes_disabled(), transaction.atomic():
    org, _ = Organizer.objects.get_or_create(slug="kitakyushu", defaults={"name": "北九州市 スマホ教室"})
    # Two months ahead, 10:00 in Kitakyushu: an upcoming course whenever this runs.
    start = (datetime.datetime.now(tz) + datetime.timedelta(days=60)).replace(hour=10, minute=0, second=0, microsecond=0)
    try:
        event = org.events.get(slug="smartphone")
        if event.date_from < datetime.datetime.now(tz) + datetime.timedelta(days=7):
            event.date_from, event.date_to = start, start + datetime.timedelta(hours=2)
            event.save(update_fields=["date_from", "date_to"])
        print("event exists:", event)
    except Event.DoesNotExist:
        event = Event.objects.create(
            organizer=org, slug="smartphone", currency="JPY", live=True, is_public=True,
            name=LazyI18nString({"ja": "スマートフォン初心者講座"}),
            date_from=start, date_to=start + datetime.timedelta(hours=2),
            location=LazyI18nString({"ja": "小倉北区 市民センター 2階 会議室"}),
        )
        event.set_active_plugins(settings.PRETIX_PLUGINS_DEFAULT.split(","),
                                 allow_restricted=settings.PRETIX_PLUGINS_DEFAULT.split(","))
        event.save(update_fields=["plugins"])
        event.checkin_lists.create(name="受付", all_products=True)
        event.set_defaults()
        event.settings.set("timezone", "Asia/Tokyo")
        event.settings.set("locale", "ja")
        event.settings.set("locales", ["ja"])
        event.settings.set("frontpage_text", LazyI18nString({"ja":
            "はじめてスマートフォンを使う方のための講座です。電源の入れ方、電話のかけ方、"
            "写真の撮り方、LINE の使い方を、ゆっくり丁寧にお伝えします。スマートフォンは"
            "貸し出しもあります。"}))
        item = Item.objects.create(
            event=event, name=LazyI18nString({"ja": "参加券（無料）"}), default_price=0,
            admission=True, active=True, position=1,
        )
        quota = Quota.objects.create(event=event, name="定員", size=20)
        quota.items.add(item)
        print("event created:", event)
PY

# ---------------------------------------------------------------------------- serve and measure

master=""
stop() {
  [[ -n "$master" ]] && kill -TERM "$master" 2>/dev/null && wait "$master" 2>/dev/null || true
  master=""
}
trap stop EXIT
trap 'exit 130' INT TERM

say "gunicorn pretix.wsgi, $WORKERS workers, $base"
(cd "$home" && exec "$venv/bin/gunicorn" pretix.wsgi --name pretix --workers "$WORKERS" \
  --bind "127.0.0.1:$port" --log-level warning) >"$out/gunicorn.stdout" 2>"$out/gunicorn.stderr" &
master=$!
page="$base/kitakyushu/smartphone/"
code=""
for _ in $(seq 1 600); do
  code="$(curl -s -o /dev/null -w '%{http_code}' "$page" 2>/dev/null)" || true
  [[ "$code" == 200 ]] && break
  kill -0 "$master" 2>/dev/null || { tail -n 30 "$out/gunicorn.stderr" >&2; die "gunicorn exited"; }
  sleep 0.1
done
[[ "$code" == 200 ]] || { tail -n 30 "$out/gunicorn.stderr" >&2; die "$page answered ${code:-nothing} within 60 s"; }

# The first requests fill pretix's caches in Redis and each worker's templates.
for _ in 1 2 3 4 5; do curl -fsS -o /dev/null "$page"; done
curl -fsS -D "$out/page_headers-plain.txt" -o "$out/page-plain.html" "$page"
curl -fsS -H "$BROWSER" -D "$out/page_headers-browser.txt" -o "$out/page-browser.body" "$page"
grep -q 'スマートフォン初心者講座' "$out/page-plain.html" || die "the event page does not show the event's name"

# gunicorn's sync workers take one request at a time; the rest wait in the listen queue and are
# still served after wrk has hung up. One request queued behind them returns once they are done,
# so the next run starts on an idle server instead of inheriting the last one's backlog.
drain() { curl -fsS -o /dev/null --max-time 300 "$page" || die "the server did not recover after wrk"; }

# A short wrk warm-up as bench/compare.sh does: Python warms up slower than a few requests show.
say "warm-up: wrk $WARMUP"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$page" >"$out/wrk_pretix-warmup.txt"
drain

say "wrk $page at $CONNECTIONS connections, $DURATION"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$page" >"$out/wrk_pretix-plain_c$CONNECTIONS.txt"
drain
say "wrk $page at $CONNECTIONS connections as a browser asks, $DURATION"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$BROWSER" "$page" >"$out/wrk_pretix-browser_c$CONNECTIONS.txt"

# Peak memory of the whole server: master and workers, read before anything stops.
{
  echo "# pid role VmHWM_kB VmRSS_kB (read right after the wrk runs)"
  total=0
  for pid in "$master" $(ps -o pid= --ppid "$master"); do
    role=worker; [[ "$pid" == "$master" ]] && role=master
    read -r hwm rss < <(awk '/^VmHWM/ { h = $2 } /^VmRSS/ { r = $2 } END { print h, r }' "/proc/$pid/status")
    echo "$pid $role $hwm $rss"
    total=$((total + hwm))
  done
  echo "total_VmHWM_kB $total"
} >"$out/memory.txt"
stop

{
  echo "pretix $PRETIX_VERSION"
  echo "gunicorn $(installed gunicorn) ($WORKERS sync workers)"
  echo "Django $(installed django)"
  "$py" --version
  echo "database: SQLite ($home/data/db.sqlite3); cache, sessions, Celery: Redis 127.0.0.1:6379/$REDIS_DB"
  echo "page: $page"
  echo "wrk: -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "load: $(uptime)"
} >"$out/version.txt"

# ---------------------------------------------------------------------------- summary

row() { # name file: requests/s, p50, p99, non-2xx, socket errors from one wrk output
  awk -v name="$1" -v mem="$2" '
    /^Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    /Non-2xx or 3xx responses/ { non2xx = $NF }
    /Socket errors/ { sub(/.*Socket errors: */, ""); errors = $0 }
    END { printf "| %s | %s | %s | %s | %d | %s | %s |\n", name, rps, p50, p99, non2xx, (errors == "" ? "none" : errors), mem }
  ' "$3"
}
mem="$(awk '$1 == "total_VmHWM_kB" { printf "%.1f", $2 / 1024 }' "$out/memory.txt")"
{
  echo "pretix $PRETIX_VERSION, gunicorn $WORKERS workers, \`/kitakyushu/smartphone/\`, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
  echo
  echo "| run | requests/s | p50 | p99 | non-2xx | socket errors | peak memory, all gunicorn (MiB) |"
  echo "|---|---:|---:|---:|---:|---|---:|"
  row plain "$mem" "$out/wrk_pretix-plain_c$CONNECTIONS.txt"
  row browser "$mem" "$out/wrk_pretix-browser_c$CONNECTIONS.txt"
} | tee "$out/summary.md"
echo >&2
echo "raw results: $out" >&2

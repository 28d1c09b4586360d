# Sourced by the bench scripts: starting the release server on a free port.
#
# start_server BIN SITE_ROOT OUT [VAR=value...] starts `BIN serve` with IPPO_SEED=none and the
# given variables, its output in OUT/server.stdout and OUT/server.stderr, and waits up to 60 s
# for the address it prints. Sets server_pid and base (its URL); on failure prints why and
# returns 1.
start_server() {
  local bin="$1" site_root="$2" out="$3" i
  shift 3
  env LEPTOS_SITE_ADDR=127.0.0.1:0 LEPTOS_SITE_ROOT="$site_root" IPPO_SEED=none "$@" \
    "$bin" serve >"$out/server.stdout" 2>"$out/server.stderr" &
  server_pid=$!
  base=""
  for i in $(seq 1 600); do
    base="$(grep -o 'listening on http://[^[:space:]]*' "$out/server.stdout" 2>/dev/null | head -n1 | sed 's/^listening on //')" || true
    [[ -n "$base" ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.stderr" >&2; echo "$bin did not start" >&2; return 1; }
    sleep 0.1
  done
  echo "$bin printed no address within 60 s" >&2
  return 1
}

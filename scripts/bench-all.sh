#!/usr/bin/env bash
# Runs every amphi-loadgen scenario (S1–S6) against a fresh release server,
# on 127.0.0.1 only, and writes one JSON report per scenario.
#
#   scripts/bench-all.sh                 # full sizes (a few minutes)
#   SCALE=small scripts/bench-all.sh     # a tenth of the clients, shorter runs
#   ONLY="s1 s3" scripts/bench-all.sh    # some scenarios only
#   ONLY=s1dense scripts/bench-all.sh     # S1 packed into the default 400-person
#                                         # map (a stress run, not in the default list)
#
# Connections come from many loopback addresses (127.1.x.y, see the loadgen's
# --source-ips), since the server limits connections per address.
#
# Env: PORT (default 18100), OUT (default bench-results/), TARGET_DIR (cargo
# target dir, default target/), SKIP_BUILD=1 (use the binaries already built),
# S2_STAGE (tcp, ws or joined: how far S2's clients go; default joined),
# S6_RATE (S6 commands/s per client).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${PORT:-18100}"
OUT="${OUT:-$ROOT/bench-results}"
SCALE="${SCALE:-full}"
ONLY="${ONLY:-s1 s2 s3 s4 s5 s6}"
TARGET_DIR="${TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release"
WORK="$(mktemp -d /tmp/amphi-bench.XXXXXX)"
mkdir -p "$OUT"

# 10,000 sockets on each side: raise the descriptor limit (hard limit permitting).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "ulimit -n: $(ulimit -n); nproc: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --quiet --bin amphi --bin amphi-loadgen \
    --manifest-path "$ROOT/Cargo.toml"
fi

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# start_server NAME [TOML]: a fresh data dir and config; links in $WORK/NAME.links
start_server() {
  local name="$1" toml="${2:-}"
  local dir="$WORK/$name"
  mkdir -p "$dir"
  printf '%s\n' "$toml" > "$dir/config.toml"
  AMPHI_LOG=warn "$BIN/amphi" --listen "127.0.0.1:$PORT" --data-dir "$dir/data" \
    --config "$dir/config.toml" > "$dir/links" 2> "$dir/server.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q '^participant: ' "$dir/links" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$dir/server.log"; exit 1
}

# run NAME TOML -- loadgen args...
run() {
  local name="$1" toml="$2"; shift 2
  echo "== $name (load $(cut -d' ' -f1 /proc/loadavg))"
  start_server "$name" "$toml"
  "$BIN/amphi-loadgen" "$@" --links-from "$WORK/$name/links" --server-pid "$SERVER_PID" \
    --json "$OUT/$name.json" || echo "$name: loadgen exited with $?"
  stop_server
  sleep 1
}

if [[ "$SCALE" == small ]]; then k=10; short=1; else k=1; short=0; fi
n() { echo $(( $1 / k )); }
d() { if [[ $short == 1 ]]; then echo "$2"; else echo "$1"; fi; }

for s in $ONLY; do
  case "$s" in
    # 10 Hz steps exceed the default 8 steps/s avatar speed: raise it.
    # S1 runs on the campus map, built for ~2,000 people: 400 in the
    # amphitheatre, 7 at each of its 100 tables, the rest over its hall.
    s1) run s1 $'map = "'"$ROOT"$'/assets/maps/campus.tmj"\nmap_root = "'"$ROOT"$'/assets"\n[limits]\nsteps_per_second = 20' \
          s1 --clients "$(n 2000)" --amphi "$(n 400)" --tables "$(n 700)" --rate 10 --duration "$(d 20 5)" ;;
    # The same 2,000 on the default map, made for 30-400 people: 1,460 share
    # its hall, packed around its six spawn points.
    s1dense) run s1dense $'[limits]\nsteps_per_second = 20' s1 --clients "$(n 2000)" --amphi "$(n 400)" \
          --tables "$(n 140)" --rate 10 --duration "$(d 20 5)" ;;
    # S2_STAGE=ws holds upgraded sockets that never say hello: let them stay
    # longer than the 10 s hello timeout.
    s2) stage="${S2_STAGE:-joined}"
        if [[ "$stage" == ws ]]; then toml='hello_timeout_secs = 60'; else toml=''; fi
        run s2 "$toml" s2 --clients "$(n 10000)" --duration "$(d 10 3)" --stage "$stage" ;;
    s3) run s3 '' s3 --clients "$(n 1000)" --messages "$(n 1000)" ;;
    # A short outbound queue so that a 2 Hz reader that stops is cut within
    # the run's second half (with the default 1024 it takes ~10 minutes).
    s4) run s4 'outbound_queue = 16' s4 --clients "$(n 5000)" --rate 2 --duration "$(d 80 40)" ;;
    s5) run s5 '' s5 --clients "$(n 1000)" ;;
    # The default chat budget is 3 messages/s per connection (anti-flood):
    # 200 clients at 100/s need it raised.
    s6) run s6 $'[rate_limits.chat]\nper_second = 1000.0\nburst = 1000' s6 --clients "$(n 200)" --rate "${S6_RATE:-150}" --duration "$(d 10 3)" ;;
    *) echo "unknown scenario $s"; exit 1 ;;
  esac
done
echo "reports in $OUT"

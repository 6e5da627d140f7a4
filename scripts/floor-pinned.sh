#!/usr/bin/env bash
# examples/fanout_floor as bench-pinned.sh runs S1: in a session of its
# own weighted up (nice -15), its sending side on core 0 and its receiving
# side on core 1 (PIN), one sending worker (as the pinned server), with the
# load average before and after.
#
#   scripts/floor-pinned.sh 800 9500 150             # writes only
#   STEPS=10 scripts/floor-pinned.sh 800 9500 150    # and 10 steps/s read per connection
#
# Env: BIN (directory of the release examples, default target/release/examples).
set -euo pipefail
if [[ -z "${BENCH_SESSION:-}" ]]; then
  BENCH_SESSION=1 exec setsid --wait "$0" "$@"
fi
echo -15 > /proc/self/autogroup 2>/dev/null || true
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-$ROOT/target/release/examples}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
out="$(PIN=1 SEND_WORKERS=1 nice -n -15 "$BIN/fanout_floor" "$@")"
echo "$out; load $load_before -> $(cut -d' ' -f1-3 /proc/loadavg)"

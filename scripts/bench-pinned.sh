#!/usr/bin/env bash
# One scenario against a fresh release server pinned to core 0, the load
# generator pinned to core 1, both at nice -15 in a session of their own so
# that builds sharing the machine cannot starve them, on 127.0.0.1 only; prints the server's CPU
# (utime+stime over the measured window, from the loadgen's /proc samples),
# its RSS and the latencies, with the load average before and after.
#
#   scripts/bench-pinned.sh NAME CONFIG_TOML -- LOADGEN_ARGS...
#   BIN=/path/to/release/dir scripts/bench-pinned.sh s1room $'[limits]\nsteps_per_second = 20' -- \
#       s1 --clients 800 --amphi 0 --tables 0 --rate 10 --duration 15
#
# Env: BIN (directory of amphi and amphi-loadgen, default target/release),
# SERVER_BIN (the amphi binary to measure, default $BIN/amphi: a "before"
# build kept aside runs against the current load generator),
# SERVER_CPUS and LOADGEN_CPUS (taskset lists, default 0 and 1; e.g. both
# 0-1 to let the server and the load generator share the two cores),
# PORT (default 18200), OUT (default bench-results/pinned), LOADGEN_NICE
# (default -15, as the server; e.g. 0 to let the server go first when they
# share cores, as it would on a machine of its own).
set -euo pipefail
# The scheduler shares the CPU between sessions (autogroups) before it looks
# at nice values: run in a session of our own and weight that session up.
if [[ -z "${BENCH_SESSION:-}" ]]; then
  BENCH_SESSION=1 exec setsid --wait "$0" "$@"
fi
echo -15 > /proc/self/autogroup 2>/dev/null || true
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-$ROOT/target/release}"
SERVER_BIN="${SERVER_BIN:-$BIN/amphi}"
SERVER_CPUS="${SERVER_CPUS:-0}"
LOADGEN_CPUS="${LOADGEN_CPUS:-1}"
PORT="${PORT:-18200}"
LOADGEN_NICE="${LOADGEN_NICE:--15}"
OUT="${OUT:-$ROOT/bench-results/pinned}"
name="$1"; toml="$2"; shift 3
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
WORK="$(mktemp -d /tmp/amphi-pinned.XXXXXX)"
printf '%s\n' "$toml" | sed "s|@ROOT@|$ROOT|g" > "$WORK/config.toml"
AMPHI_LOG=warn nice -n -15 taskset -c "$SERVER_CPUS" "$SERVER_BIN" --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" \
  --config "$WORK/config.toml" > "$WORK/links" 2> "$WORK/server.log" &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; wait $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  grep -q '^participant: ' "$WORK/links" 2>/dev/null && break
  sleep 0.1
done
if ! grep -q '^participant: ' "$WORK/links" 2>/dev/null; then
  echo "the server printed no join links within 10 s:" >&2; tail -n 20 "$WORK/server.log" >&2; exit 1
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
nice -n "$LOADGEN_NICE" taskset -c "$LOADGEN_CPUS" "$BIN/amphi-loadgen" "$@" --links-from "$WORK/links" --server-pid "$SERVER_PID" \
  --json "$OUT/$name.json" > "$WORK/loadgen.out" 2>&1 || { echo "loadgen exited with $?"; grep -v "^ " "$WORK/loadgen.out" | tail -n 20; }
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/$name.json" "$name" "$load_before" "$load_after" "$SERVER_CPUS" "$LOADGEN_CPUS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["server"]; lat = d["latencies"]
parts = [f"{sys.argv[2]}: clients {d['clients_connected']}/{d['clients_target']}",
         f"server cpu {s['cpu_pct_avg']:.1f}% (max {s['cpu_pct_max']:.1f})",
         f"rss {s['rss_kib_first']/1024:.1f}->{s['rss_kib_last']/1024:.1f} MiB (max {s['rss_kib_max']/1024:.1f})"]
for k, v in lat.items():
    if v["count"]:
        parts.append(f"{k} p50 {v['p50_ms']:.1f} p99 {v['p99_ms']:.1f} ms (n={v['count']})")
parts.append(f"errors {d['errors_total']} closes {d['closes']}")
parts.append(f"load {sys.argv[3]} -> {sys.argv[4]}")
parts.append(f"cpus server {sys.argv[5]} loadgen {sys.argv[6]}")
print("; ".join(parts))
for c in d.get("checks", []):
    print(f"  check {c['name']}: {c['measured']} (target {c['target']}) {'pass' if c['pass'] else 'FAIL'}")
PY

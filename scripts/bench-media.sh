#!/usr/bin/env bash
# Voice and video (M1, M2, M3) and stage reactions (R1), each against a
# fresh release server through scripts/bench-pinned.sh (server on core 0,
# load generator on core 1, a session of their own, loopback only). The
# server runs at nice -15 and the load generator at nice 0 unless
# LOADGEN_NICE says otherwise: where they share cores (SERVER_CPUS=0-1
# LOADGEN_CPUS=0-1, as M1 is measured) the server goes first, as on a
# machine of its own, and the load generator's own lateness is reported
# apart (send_lag); LOADGEN_NICE=-15 shares the cores evenly instead.
#
#   scripts/bench-media.sh m1 [LOADGEN_ARGS...]   # 30 tables × 6, 500 kbit/s
#   scripts/bench-media.sh m2 [LOADGEN_ARGS...]   # 1 sender at 1.5 Mbit/s → 400
#   CLIENTS=600 scripts/bench-media.sh m3         # the stage, 5 % constrained
#   scripts/bench-media.sh r1 [LOADGEN_ARGS...]   # 1,000 watchers × 2 reactions/s
#
# Env as for bench-pinned.sh (BIN, SERVER_BIN, SERVER_CPUS, LOADGEN_CPUS, PORT,
# OUT); NAME names the result file;
# TABLES (m1, default 30) and CLIENTS (m2 and m3: receivers, default 400;
# r1: watchers, default 1000) size the run; DURATION the measured
# window of m1, m2 and m3 (seconds, default 8). MEDIA_WORKERS=N sets
# `[media] workers` for m1 and m2 (unset: the server's default, and a build
# older than the setting still starts; m3 is one conversation, one worker).
# M3 needs an amphitheatre that seats everyone: it runs on a copy of the
# campus map whose amphitheatre capacity is 2,000 (made under /tmp).
set -euo pipefail
export LOADGEN_NICE="${LOADGEN_NICE:-0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:?m1, m2, m3 or r1}"; shift
campus=$'map = "@ROOT@/assets/maps/campus.tmj"\nmap_root = "@ROOT@/assets"'
workers="${MEDIA_WORKERS:+$'\n'workers = $MEDIA_WORKERS}"
case "$mode" in
  m1) exec "$ROOT/scripts/bench-pinned.sh" "${NAME:-m1}" "$campus"$'\n[media]'"$workers" -- \
        m1 --groups "${TABLES:-30}" --group-size 6 --video-kbps 500 --duration "${DURATION:-8}" --warmup 3 "$@" ;;
  m2) exec "$ROOT/scripts/bench-pinned.sh" "${NAME:-m2}" \
        $'[media]\nbubble_radius = 1000\nbubble_max = 2000'"$workers" -- \
        m2 --clients "${CLIENTS:-400}" --video-kbps 1500 --duration "${DURATION:-8}" --warmup 3 "$@" ;;
  m3)
    stage="$(mktemp -d /tmp/amphi-stage-map.XXXXXX)"
    mkdir -p "$stage/maps"
    ln -s "$ROOT/assets/tiles" "$stage/tiles"
    python3 - "$ROOT/assets/maps/campus.tmj" "$stage/maps/campus.tmj" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for layer in m["layers"]:
    for o in layer.get("objects", []):
        if o.get("type") == "amphitheatre":
            for p in o.get("properties", []):
                if p["name"] == "capacity":
                    p["value"] = 2000
json.dump(m, open(sys.argv[2], "w"))
PY
    trap 'rm -rf "$stage"' EXIT
    "$ROOT/scripts/bench-pinned.sh" "${NAME:-m3}" \
      "map = \"$stage/maps/campus.tmj\""$'\n'"map_root = \"$stage\"" -- \
      m3 --clients "${CLIENTS:-400}" --video-kbps 1500 --duration "${DURATION:-8}" --warmup 3 "$@" ;;
  r1) exec "$ROOT/scripts/bench-pinned.sh" "${NAME:-r1}" "" -- \
        r1 --clients "${CLIENTS:-1000}" --rate 2 --duration 10 --warmup 3 "$@" ;;
  *) echo "unknown mode $mode" >&2; exit 64 ;;
esac

#!/usr/bin/env bash
# Counts, per second, what the server listening on 127.0.0.1:PORT does
# while a scenario runs (start it with bench-pinned.sh, PORT=...): system
# calls by kind, context switches and wake-ups (perf stat on its pid), and
# the TCP segments its sockets send with and without data (from ss -ti:
# segs_out − data_segs_out are pure ACKs and handshakes).
#
#   PORT=18201 scripts/bench-pinned.sh room $'[limits]\nsteps_per_second = 20' -- \
#       s1 --clients 800 --amphi 0 --tables 0 --rate 10 --duration 20 &
#   scripts/count-pinned.sh 18201 800      # waits for 800 sockets, then 6 s, counts 5 s
set -euo pipefail
port="$1"; sockets="${2:-800}"; seconds="${SECONDS_COUNTED:-5}"
pid=""
for _ in $(seq 1 300); do
  pid="$(pgrep -f "amphi --listen 127.0.0.1:$port" | head -1 || true)"
  [[ -n "$pid" ]] && break
  sleep 0.2
done
[[ -n "$pid" ]] || { echo "no server on port $port"; exit 1; }
for _ in $(seq 1 300); do
  (( $(ss -tn state established "sport = :$port" | wc -l) > sockets )) && break
  sleep 0.5
done
sleep 6
segments() {
  ss -tin "sport = :$port" | python3 -c '
import re, sys
total = data = 0
for line in sys.stdin:
    m = re.search(r" segs_out:(\d+)", line)
    d = re.search(r"data_segs_out:(\d+)", line)
    total += int(m.group(1)) if m else 0
    data += int(d.group(1)) if d else 0
print(total, data)'
}
read -r t0 d0 < <(segments)
events='syscalls:sys_enter_recvfrom,syscalls:sys_enter_read,syscalls:sys_enter_readv,syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_futex,syscalls:sys_enter_timerfd_settime,syscalls:sys_enter_clock_nanosleep,context-switches,sched:sched_wakeup,task-clock'
perf stat -x, -e "$events" -p "$pid" -- sleep "$seconds" 2>&1 >/dev/null \
  | awk -F, -v s="$seconds" '$1 ~ /^[0-9.]+$/ { printf "%10.0f/s %s\n", $1 / s, $3 }'
read -r t1 d1 < <(segments)
echo "segments sent: $(( (t1 - t0) / seconds ))/s, with data $(( (d1 - d0) / seconds ))/s, without $(( (t1 - t0 - d1 + d0) / seconds ))/s (over ~$seconds s)"

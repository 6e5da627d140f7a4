// Server clock estimate, NTP style. The client sends `ping {t0}` (its time,
// ms since the epoch), the server answers `pong {t0, t1, t2}` (receive and
// send times on its clock) and we note t3 on arrival:
//   offset = ((t1 - t0) + (t2 - t3)) / 2,  delay = (t3 - t0) - (t2 - t1)
// The sample with the smallest delay among the last 8 is the most trustworthy.

const KEEP = 8;
const BURST = 8;
const BURST_GAP_MS = 250;
const STEADY_GAP_MS = 15000;

function nowMs() {
  return performance.timeOrigin + performance.now();
}

export class Clock {
  constructor(send) {
    this.send = send;
    this.samples = [];
    this.offset = 0;
    this.delay = Infinity;
    this.timer = 0;
    this.listeners = new Set();
  }

  /** Starts a burst of pings, then keeps one every few seconds. */
  start() {
    clearTimeout(this.timer);
    let left = BURST;
    const tick = () => {
      this.send({ type: 'ping', t0: nowMs() });
      left -= 1;
      this.timer = setTimeout(tick, left > 0 ? BURST_GAP_MS : STEADY_GAP_MS);
    };
    tick();
  }

  stop() {
    clearTimeout(this.timer);
  }

  onPong({ t0, t1, t2 }) {
    const t3 = nowMs();
    const delay = t3 - t0 - (t2 - t1);
    if (!(delay >= 0) || delay > 60000) return;
    const offset = (t1 - t0 + (t2 - t3)) / 2;
    this.samples.push({ offset, delay });
    if (this.samples.length > KEEP) this.samples.shift();
    const best = this.samples.reduce((a, b) => (b.delay < a.delay ? b : a));
    this.offset = best.offset;
    this.delay = best.delay;
    for (const fn of this.listeners) fn(this);
  }

  onChange(fn) {
    this.listeners.add(fn);
  }

  /** The server's time now (ms since the epoch). */
  serverNow() {
    return nowMs() + this.offset;
  }

  /** A server timestamp as a local `Date.now()`-comparable time. */
  toLocal(serverMs) {
    return serverMs - this.offset;
  }
}

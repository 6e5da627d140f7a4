// The pitch timer, the same on every screen: the server sends an absolute
// `deadline` (server time) while running; each screen counts down from it
// with its own clock offset (clock.js), so all screens agree.

export const TIMER_PHASES = ['normal', 'warning', 'wrap_up', 'overtime'];

/** Milliseconds left now (negative in overtime), or null without a team. */
export function remainingMs(timer, clock) {
  if (!timer || timer.team == null) return null;
  if (timer.state === 'running' && timer.deadline != null) return timer.deadline - clock.serverNow();
  return timer.remaining_ms;
}

/** The phase for a remaining time, with the server's thresholds. */
export function phaseOf(timer, remaining) {
  if (remaining == null) return 'normal';
  if (remaining < 0) return 'overtime';
  if (remaining <= timer.wrapup_ms) return 'wrap_up';
  if (remaining <= timer.warning_ms) return 'warning';
  return 'normal';
}

/** "2:59" counting down, "+0:12" in overtime. */
export function formatClock(ms) {
  if (ms == null) return '–:––';
  const over = ms < 0;
  const total = over ? Math.floor(-ms / 1000) : Math.ceil(ms / 1000);
  const m = Math.floor(total / 60);
  const s = String(total % 60).padStart(2, '0');
  return `${over ? '+' : ''}${m}:${s}`;
}

/** Milliseconds until the text of `formatClock(ms)` changes. */
export function untilNextChange(ms) {
  // Counting down the text changes when `ms` crosses a whole second; in
  // overtime when `-ms` does.
  const into = ((ms % 1000) + 1000) % 1000;
  return ms > 0 ? into || 1000 : 1000 - into;
}

/**
 * Drives a clock display: calls `draw({remaining, phase, text})` whenever
 * the text or phase changes, and `onPhase(phase)` once per phase change (for
 * live regions and colours). A running timer wakes up when its text is due
 * to change (a few ms after each second); a stopped one does not wake at all.
 */
export class TimerView {
  constructor(clock, { draw, onPhase }) {
    this.clock = clock;
    this.draw = draw;
    this.onPhase = onPhase;
    this.timer = null;
    this.phase = null;
    this.lastText = null;
    this.wake = 0;
    clock.onChange(() => this.refresh());
  }

  set(timer) {
    this.timer = timer;
    this.refresh();
  }

  /** Draws again now (new timer, new clock offset, new language). */
  refresh() {
    this.lastText = null;
    this.tick();
  }

  tick() {
    clearTimeout(this.wake);
    const timer = this.timer;
    const remaining = remainingMs(timer, this.clock);
    if (timer?.state === 'running' && remaining != null) {
      this.wake = setTimeout(() => this.tick(), untilNextChange(remaining) + 5);
    }
    const phase = timer ? phaseOf(timer, remaining) : 'normal';
    const text = formatClock(remaining);
    if (text === this.lastText && phase === this.phase) return;
    this.lastText = text;
    this.draw({ remaining, phase, text, timer });
    if (phase !== this.phase) {
      const first = this.phase === null;
      this.phase = phase;
      if (!first && this.onPhase) this.onPhase(phase, timer);
    }
  }
}

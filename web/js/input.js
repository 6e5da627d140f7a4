// Keyboard and pointer input for the map: arrow keys / WASD (ZQSD on AZERTY:
// physical key codes) send `step`, paced to `limits.steps_per_second` and
// predicted locally; a click sends `walk_to`; drag pans, wheel and +/- zoom.

const DIRS = {
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  KeyW: [0, -1],
  KeyS: [0, 1],
  KeyA: [-1, 0],
  KeyD: [1, 0],
};

export class Input {
  constructor({ canvas, store, renderer, conn, onError }) {
    this.canvas = canvas;
    this.store = store;
    this.renderer = renderer;
    this.conn = conn;
    this.onError = onError;
    this.held = []; // direction keys, newest last
    this.nextStepAt = 0;
    this.timer = 0;
    this.drag = null;

    document.addEventListener('keydown', (e) => this.keydown(e));
    document.addEventListener('keyup', (e) => this.keyup(e));
    window.addEventListener('blur', () => { this.held = []; });
    canvas.addEventListener('pointerdown', (e) => this.pointerdown(e));
    canvas.addEventListener('pointermove', (e) => this.pointermove(e));
    canvas.addEventListener('pointerup', (e) => this.pointerup(e));
    canvas.addEventListener('pointerleave', () => {
      this.renderer.hoverTile = null;
      this.renderer.hoverPerson = null;
    });
    canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      const box = canvas.getBoundingClientRect();
      this.renderer.zoomBy(e.deltaY < 0 ? 1 : -1, { x: e.clientX - box.left, y: e.clientY - box.top });
    }, { passive: false });
  }

  /** Movement keys act when no text field or control has the focus. */
  mapHasKeys(e) {
    const el = document.activeElement;
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    if (!el || el === document.body || el === this.canvas) return !document.querySelector('dialog[open]');
    return false;
  }

  keydown(e) {
    if (!this.mapHasKeys(e)) return;
    const dir = DIRS[e.code];
    if (dir) {
      e.preventDefault();
      if (!this.held.includes(e.code)) this.held.push(e.code);
      if (!e.repeat) this.pump();
      return;
    }
    if (e.key === '+' || e.key === '=') {
      this.renderer.zoomBy(1);
      e.preventDefault();
    } else if (e.key === '-' || e.key === '_') {
      this.renderer.zoomBy(-1);
      e.preventDefault();
    } else if (e.code === 'KeyC') {
      this.renderer.centerOnMe();
      e.preventDefault();
    }
  }

  keyup(e) {
    const i = this.held.indexOf(e.code);
    if (i >= 0) this.held.splice(i, 1);
  }

  stepInterval() {
    const sps = this.store.limits?.steps_per_second || 8;
    // A little slack so network jitter does not bunch two steps together.
    return 1000 / sps * 1.08 + 4;
  }

  /** Sends one step now if allowed, and schedules the next while a key is held. */
  pump() {
    clearTimeout(this.timer);
    if (!this.held.length) return;
    const now = performance.now();
    if (now < this.nextStepAt) {
      this.timer = setTimeout(() => this.pump(), this.nextStepAt - now);
      return;
    }
    const [dx, dy] = DIRS[this.held[this.held.length - 1]];
    if (this.step(dx, dy)) this.nextStepAt = now + this.stepInterval();
    this.timer = setTimeout(() => this.pump(), Math.max(16, this.nextStepAt - now));
  }

  step(dx, dy) {
    const me = this.store.myPerson;
    if (!me || !this.conn.joined || !this.renderer.map) return false;
    const nx = me.x + dx;
    const ny = me.y + dy;
    if (this.renderer.map.isBlocked(nx, ny)) return false;
    if (!this.store.mayEnter(this.store.roomOfTile(nx, ny))) return false;
    this.renderer.follow = true;
    this.renderer.target = null;
    me.x = nx;
    me.y = ny;
    me.pending = (me.pending || 0) + 1;
    me.lastStepAt = performance.now();
    const done = () => {
      me.pending = Math.max(0, (me.pending || 0) - 1);
      me.lastStepAt = performance.now();
    };
    this.conn.request({ type: 'step', dx, dy }).then(done, (err) => {
      done();
      // Refused: back to where the server has us.
      me.x = me.sx;
      me.y = me.sy;
      me.pending = 0;
      if (err.code !== 'too_fast' && err.code !== 'disconnected') this.onError(err);
    });
    return true;
  }

  walkTo(x, y) {
    if (!this.conn.joined) return;
    const me = this.store.myPerson;
    if (me && me.x === x && me.y === y) return;
    this.renderer.follow = true;
    this.renderer.target = { x, y, until: performance.now() + 15000 };
    this.conn.request({ type: 'walk_to', x, y }).catch((err) => {
      this.renderer.target = null;
      if (err.code !== 'disconnected') this.onError(err);
    });
  }

  pointerdown(e) {
    if (e.button !== 0) return;
    this.canvas.focus({ preventScroll: true });
    this.drag = { x: e.clientX, y: e.clientY, moved: false, id: e.pointerId };
    this.canvas.setPointerCapture(e.pointerId);
  }

  pointermove(e) {
    const box = this.canvas.getBoundingClientRect();
    if (this.drag && this.drag.id === e.pointerId) {
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (this.drag.moved || Math.hypot(dx, dy) > 6) {
        this.drag.moved = true;
        this.renderer.pan(-dx, -dy);
        this.drag.x = e.clientX;
        this.drag.y = e.clientY;
        this.canvas.classList.add('dragging');
      }
      return;
    }
    this.renderer.hoverTile = this.renderer.tileAt(e.clientX - box.left, e.clientY - box.top);
    const person = this.renderer.personAt(e.clientX - box.left, e.clientY - box.top);
    this.renderer.hoverPerson = person;
    this.canvas.title = person ? person.name : '';
  }

  pointerup(e) {
    const drag = this.drag;
    this.drag = null;
    this.canvas.classList.remove('dragging');
    if (!drag || drag.moved || e.button !== 0) return;
    const box = this.canvas.getBoundingClientRect();
    const tile = this.renderer.tileAt(e.clientX - box.left, e.clientY - box.top);
    if (tile) this.walkTo(tile.x, tile.y);
  }
}

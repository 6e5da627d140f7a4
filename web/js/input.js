// Keyboard and pointer input for the map: arrow keys / WASD (ZQSD on AZERTY:
// physical key codes) walk: one `walk` message when a key goes down, the
// direction changes or the avatar crosses into another room, one when the
// last key comes up; the server walks the avatar at
// `limits.steps_per_second` and the client predicts it at the same pace.
// A click sends `walk_to`; drag pans, wheel and +/- zoom.

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
    this.walking = null; // the direction sent in the last `walk`, or null
    this.walkRoom = null; // the room that walk goes on through
    this.nextStepAt = 0; // when the next predicted step is due
    this.timer = 0;
    this.drag = null;

    document.addEventListener('keydown', (e) => this.keydown(e));
    document.addEventListener('keyup', (e) => this.keyup(e));
    window.addEventListener('blur', () => {
      this.held = [];
      this.turn();
    });
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
      if (!e.repeat) this.turn();
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
    if (i < 0) return;
    this.held.splice(i, 1);
    this.turn();
  }

  stepInterval() {
    return 1000 / (this.store.limits?.steps_per_second || 8);
  }

  /**
   * Tells the server where the held keys now lead: on from the tile shown in
   * the newest key's direction, or a stop there when none is held.
   */
  turn() {
    const top = this.held[this.held.length - 1];
    const dir = top ? DIRS[top] : null;
    if (String(dir) === String(this.walking)) return;
    clearTimeout(this.timer);
    if (!this.store.myPerson || !this.conn.joined || !this.renderer.map) {
      this.walking = null;
      return;
    }
    this.walking = dir;
    this.send(dir);
    if (!dir) return;
    // As the server: the first step now, unless the last one was too recent.
    this.nextStepAt = Math.max(this.nextStepAt, performance.now());
    this.predict();
  }

  /** Sends `walk` from the tile our avatar is shown on. */
  send(dir) {
    const me = this.store.myPerson;
    const [dx, dy] = dir || [0, 0];
    // The server's walk goes on through this room only.
    this.walkRoom = dir ? this.store.roomOfTile(me.x + dx, me.y + dy) : null;
    me.pending = (me.pending || 0) + 1;
    me.lastStepAt = performance.now();
    const done = () => {
      me.pending = Math.max(0, (me.pending || 0) - 1);
      me.lastStepAt = performance.now();
    };
    this.conn.request({ type: 'walk', x: me.x, y: me.y, dx, dy }).then(done, (err) => {
      done();
      // Refused: back to where the server has us; the keys must go down again.
      clearTimeout(this.timer);
      this.walking = null;
      me.x = me.sx;
      me.y = me.sy;
      me.pending = 0;
      if (!['too_fast', 'rate_limited', 'disconnected'].includes(err.code)) this.onError(err);
    });
  }

  /**
   * Moves our avatar one tile in the walking direction when the server's pace
   * allows, as the server will; stops at a wall or a room we may not enter.
   * The server's walk stays in one room: crossing into the next one, we send
   * `walk` again from the last tile of this one.
   */
  predict() {
    clearTimeout(this.timer);
    const me = this.store.myPerson;
    if (!this.walking || !me) return;
    const now = performance.now();
    if (now < this.nextStepAt) {
      this.timer = setTimeout(() => this.predict(), this.nextStepAt - now);
      return;
    }
    const [dx, dy] = this.walking;
    const nx = me.x + dx;
    const ny = me.y + dy;
    const room = this.store.roomOfTile(nx, ny);
    if (this.renderer.map.isBlocked(nx, ny) || !room || !this.store.mayEnter(room)) return;
    if (room !== this.walkRoom) this.send(this.walking);
    this.renderer.follow = true;
    this.renderer.target = null;
    me.x = nx;
    me.y = ny;
    me.lastStepAt = now;
    // On the server's schedule: a late timer does not make the next step late.
    const interval = this.stepInterval();
    this.nextStepAt = Math.max(this.nextStepAt, now - interval) + interval;
    this.timer = setTimeout(() => this.predict(), this.nextStepAt - now);
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

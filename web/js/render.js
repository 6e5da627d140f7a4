// Canvas renderer: the pre-painted map, room outlines and labels, avatars
// (a coloured disc with initials, name label, status dot), interpolated
// between position batches; a camera that follows you, zoom, and "locate".
//
// The map is drawn in world space (scaled); avatars and labels in screen
// space so text stays readable at every zoom.
//
// Frames are drawn only when something changed: `invalidate()` asks for one
// animation frame, and a frame asks for the next only while something is
// still in motion (an avatar gliding, the camera easing, a pulse). Store
// changes, input on the page, resizes and language changes invalidate. An
// idle venue tab then costs nothing between events.

import { t, onLangChange } from './i18n.js';

const STATUS_COLORS = {
  available: '#2fbf71',
  busy: '#f08c00',
  away: '#adb5bd',
  do_not_disturb: '#e03131',
};
const ROOM_COLORS = {
  amphitheatre: '#7c5cff',
  team_table: '#2b8a9e',
  mentor_desk: '#2f9e44',
  jury_room: '#c2255c',
  hall: '#868e96',
};
const ZOOMS = [0.35, 0.5, 0.65, 0.8, 1, 1.25, 1.5, 2, 2.5];
const FONT = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const ROOM_FONT = '700 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** The index of the zoom step closest to a wanted scale. */
function nearestZoom(scale) {
  let best = 0;
  ZOOMS.forEach((z, i) => {
    if (Math.abs(z - scale) < Math.abs(ZOOMS[best] - scale)) best = i;
  });
  return best;
}

export function colorOf(id) {
  const hue = (id * 137.508) % 360;
  return `hsl(${hue.toFixed(0)} 62% 46%)`;
}

/**
 * Up to two letters for an avatar: the first letters of the first and last
 * words, leaving out what is in brackets and punctuation
 * ("Claire Moreau (orga)" → "CM", "« Zoé »" → "Z").
 */
export function initials(name) {
  const words = String(name)
    .replace(/\([^)]*\)|\[[^\]]*\]/g, ' ')
    .split(/\s+/)
    .map((w) => [...w].filter((ch) => /[\p{L}\p{N}]/u.test(ch)))
    .filter((chars) => chars.length);
  if (!words.length) return '?';
  const first = words[0][0];
  const second = words.length > 1 ? words[words.length - 1][0] : '';
  return (first + second).toUpperCase();
}

export class Renderer {
  constructor(canvas, store) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.store = store;
    this.map = null;
    this.zoomIndex = 3;
    this.cam = { x: 0, y: 0 };
    this.follow = true;
    this.hoverTile = null;
    this.hoverPerson = null;
    this.target = null; // walk_to destination marker {x, y, until}
    this.highlight = null; // {id, until}
    this.labelWidths = new Map();
    this.last = performance.now();
    this.frames = 0;
    this.fps = 0;
    this.fpsAt = this.last;
    this.dpr = 1;
    this.size = { w: 0, h: 0 };
    this.bottomInset = 0; // CSS px of the canvas's bottom covered by a toolbar
    this.scheduled = false; // an animation frame is requested
    this.draws = 0; // frames drawn since the page opened (tests read it)
    new ResizeObserver(() => this.resize()).observe(canvas.parentElement);
    this.resize();
    this.wakeOnChanges();
    this.invalidate();
  }

  /** Asks for a frame; several calls before it comes draw it once. */
  invalidate() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame((now) => this.frame(now));
  }

  /** Everything that can change the picture asks for a frame. */
  wakeOnChanges() {
    const wake = () => this.invalidate();
    for (const what of ['positions', 'people', 'me', 'me-room', 'teams', 'speaking']) this.store.on(what, wake);
    onLangChange(wake);
    // Input handlers (input.js) move the camera, the hover and our predicted
    // steps directly; listening in the capture phase wakes the loop for them.
    const opts = { capture: true, passive: true };
    for (const type of ['keydown', 'keyup', 'pointerdown', 'pointerup', 'pointermove', 'wheel']) {
      window.addEventListener(type, wake, opts);
    }
    this.canvas.addEventListener('pointerleave', wake, opts);
    document.addEventListener('visibilitychange', wake);
  }

  /** Whether the next frame would differ from this one. */
  moving(now) {
    if (!this.map) return false;
    if (this.highlight && now <= this.highlight.until) return true;
    if (this.target && now <= this.target.until) return true;
    const me = this.store.myPerson;
    if (me && (me.pending > 0 || me.x !== me.sx || me.y !== me.sy)) return true;
    for (const p of this.store.people.values()) {
      if (p.rx !== p.x || p.ry !== p.y) return true;
    }
    const goal = this.cameraGoal();
    if (!goal) return false;
    const at = this.clamped(goal);
    return Math.hypot(at.x - this.cam.x, at.y - this.cam.y) > 0.25;
  }

  get zoom() {
    return ZOOMS[this.zoomIndex];
  }

  setMap(map) {
    this.map = map;
    this.invalidate();
    const me = this.store.myPerson;
    if (me) this.snapCameraTo(me.rx, me.ry);
    else {
      // No avatar (spectators): show the middle of the venue.
      this.follow = false;
      this.cam.x = map.pixelWidth / 2;
      this.cam.y = map.pixelHeight / 2;
    }
    // A first zoom that shows a good part of the venue on a laptop screen,
    // for 32 px tiles; maps of smaller tiles (16 px is common) are enlarged
    // by as much, so they open as readable.
    const base = ZOOMS[this.size.w < 700 ? 2 : 3] * (32 / Math.max(1, Math.min(map.tw, 32)));
    this.zoomIndex = nearestZoom(base);
  }

  resize() {
    const box = this.canvas.parentElement.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.size = { w: Math.max(1, box.width), h: Math.max(1, box.height) };
    this.canvas.width = Math.round(this.size.w * this.dpr);
    this.canvas.height = Math.round(this.size.h * this.dpr);
    this.invalidate();
  }

  /**
   * The view to ask the server for ({w, h} in tiles), once the map is known:
   * what the canvas shows. The server centres it on our avatar, so when the
   * camera looks elsewhere (panned, or following someone) the view is widened
   * to reach what the canvas shows there.
   */
  viewTiles() {
    if (!this.map) return null;
    const { tw, th } = this.map;
    const me = this.store.myPerson;
    // The camera trails a walking avatar a little: ignore small offsets, and
    // round up to 4 tiles, so walking does not change the view all the time.
    const away = (cam, tile, at) => {
      const off = Math.abs(cam / tile - (at + 0.5));
      return off < 2 ? 0 : off;
    };
    const offX = me ? away(this.cam.x, tw, me.rx) : 0;
    const offY = me ? away(this.cam.y, th, me.ry) : 0;
    const side = (px, tile, off) =>
      Math.min(1024, Math.max(4, Math.ceil((px / (tile * this.zoom) + 2 * off) / 4) * 4));
    return { w: side(this.size.w, tw, offX), h: side(this.size.h, th, offY) };
  }

  zoomBy(delta, anchor) {
    const before = this.zoom;
    this.zoomIndex = Math.max(0, Math.min(ZOOMS.length - 1, this.zoomIndex + delta));
    this.invalidate();
    if (anchor && !this.follow && this.zoom !== before) {
      // Keep the point under the pointer where it is.
      const wx = this.cam.x + (anchor.x - this.size.w / 2) / before;
      const wy = this.cam.y + (anchor.y - this.size.h / 2) / before;
      this.cam.x = wx - (anchor.x - this.size.w / 2) / this.zoom;
      this.cam.y = wy - (anchor.y - this.size.h / 2) / this.zoom;
    }
  }

  centerOnMe() {
    this.follow = true;
    this.highlight = this.store.me ? { id: this.store.me.id, until: performance.now() + 1500 } : null;
    this.invalidate();
  }

  locate(id) {
    const p = this.store.people.get(id);
    if (!p || !this.map) return;
    this.follow = this.store.me && id === this.store.me.id;
    this.panTo = { x: (p.rx + 0.5) * this.map.tw, y: (p.ry + 0.5) * this.map.th };
    this.highlight = { id, until: performance.now() + 3500 };
    this.invalidate();
  }

  pan(dx, dy) {
    this.follow = false;
    this.panTo = null;
    this.cam.x += dx / this.zoom;
    this.cam.y += dy / this.zoom;
    this.invalidate();
  }

  snapCameraTo(tx, ty) {
    if (!this.map) return;
    this.cam.x = (tx + 0.5) * this.map.tw;
    this.cam.y = (ty + 0.5) * this.map.th;
    this.invalidate();
  }

  /** The tile under a point of the canvas (CSS pixels), or null. */
  tileAt(px, py) {
    if (!this.map) return null;
    const wx = this.cam.x + (px - this.size.w / 2) / this.zoom;
    const wy = this.cam.y + (py - this.size.h / 2) / this.zoom;
    const x = Math.floor(wx / this.map.tw);
    const y = Math.floor(wy / this.map.th);
    if (x < 0 || y < 0 || x >= this.map.width || y >= this.map.height) return null;
    return { x, y };
  }

  /** The person drawn under a point of the canvas, if any. */
  personAt(px, py) {
    if (!this.map) return null;
    const r = this.avatarRadius();
    let best = null;
    for (const p of this.store.people.values()) {
      if (p.hidden) continue;
      const s = this.toScreen(p.rx + 0.5, p.ry + 0.5);
      const d = Math.hypot(s.x - px, s.y - py);
      if (d <= r + 2 && (!best || d < best.d)) best = { p, d };
    }
    return best?.p ?? null;
  }

  toScreen(tx, ty) {
    return {
      x: (tx * this.map.tw - this.cam.x) * this.zoom + this.size.w / 2,
      y: (ty * this.map.th - this.cam.y) * this.zoom + this.size.h / 2,
    };
  }

  avatarRadius() {
    return Math.max(7, Math.min(20, this.map.tw * this.zoom * 0.42));
  }

  frame(now) {
    this.scheduled = false;
    // After a pause, the first frame moves things by one frame's worth.
    const dt = Math.min(0.1, Math.max(0, now - this.last) / 1000) || 1 / 60;
    const resumed = now - this.last > 100;
    this.last = now;
    this.frames++;
    this.draws++;
    // Frames drawn over the last second: 0 at rest, up to 60 in motion.
    if (now - this.fpsAt >= 1000) {
      this.fps = (this.frames * 1000) / (now - this.fpsAt);
      this.frames = 0;
      this.fpsAt = now;
    }
    try {
      this.step(resumed ? 1 / 60 : dt, now);
      this.draw(now);
    } finally {
      if (this.moving(now)) this.invalidate();
    }
  }

  /** Where the camera is heading: our avatar when following, or a pan target. */
  cameraGoal() {
    const me = this.store.myPerson;
    if (this.follow && me) return { x: (me.rx + 0.5) * this.map.tw, y: (me.ry + 0.5) * this.map.th };
    return this.panTo ?? null;
  }

  /** Moves drawn positions towards the server's, at walking speed. */
  step(dt, now) {
    const sps = this.store.limits?.steps_per_second || 8;
    const me = this.store.myPerson;
    if (me && !(me.pending > 0) && now - (me.lastStepAt || 0) > 400 && (me.x !== me.sx || me.y !== me.sy)) {
      me.x = me.sx;
      me.y = me.sy;
    }
    for (const p of this.store.people.values()) {
      const dx = p.x - p.rx;
      const dy = p.y - p.ry;
      const dist = Math.hypot(dx, dy);
      if (dist < 1e-3) {
        p.rx = p.x;
        p.ry = p.y;
        continue;
      }
      if (dist > 8) {
        // Teleport or a long gap: jump rather than glide across the map.
        p.rx = p.x;
        p.ry = p.y;
        continue;
      }
      const speed = sps * 1.1 * (1 + Math.max(0, dist - 1.2));
      const k = Math.min(1, (speed * dt) / dist);
      p.rx += dx * k;
      p.ry += dy * k;
    }
    if (!this.map) return;
    const goal = this.cameraGoal();
    if (goal) {
      const k = 1 - Math.exp(-dt * 8);
      this.cam.x += (goal.x - this.cam.x) * k;
      this.cam.y += (goal.y - this.cam.y) * k;
      if (this.panTo && Math.hypot(goal.x - this.cam.x, goal.y - this.cam.y) < 1) this.panTo = null;
    }
    this.clampCamera();
  }

  clampCamera() {
    const c = this.clamped(this.cam);
    this.cam.x = c.x;
    this.cam.y = c.y;
  }

  /**
   * The canvas's bottom `px` are covered (the voice and video toolbar): the
   * camera may go that much below the map, so its last rows can be seen.
   */
  setBottomInset(px) {
    if (px === this.bottomInset) return;
    this.bottomInset = px;
    this.invalidate();
  }

  /** A camera position kept inside the map (centred when the map is smaller). */
  clamped({ x, y }) {
    const halfW = this.size.w / 2 / this.zoom;
    const halfH = this.size.h / 2 / this.zoom;
    const W = this.map.pixelWidth;
    const H = this.map.pixelHeight;
    const below = this.bottomInset / this.zoom;
    return {
      x: halfW * 2 >= W ? W / 2 : Math.max(halfW, Math.min(W - halfW, x)),
      y: halfH * 2 >= H ? H / 2 : Math.max(halfH, Math.min(H - halfH + below, y)),
    };
  }

  draw(now) {
    const { ctx } = this;
    const { w, h } = this.size;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#141821';
    ctx.fillRect(0, 0, w, h);
    if (!this.map) return;
    const z = this.zoom;
    const ox = w / 2 - this.cam.x * z;
    const oy = h / 2 - this.cam.y * z;
    ctx.setTransform(this.dpr * z, 0, 0, this.dpr * z, this.dpr * ox, this.dpr * oy);
    ctx.imageSmoothingEnabled = z < 1;
    const view = { x0: -ox / z, y0: -oy / z, x1: (w - ox) / z, y1: (h - oy) / z };
    this.drawChunks(ctx, this.map.chunks, view);
    this.drawRooms(ctx, z);
    this.drawHoverAndTarget(ctx, now);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.drawRoomLabels(ctx);
    this.drawAvatars(ctx, now, view);
    if (this.map.overChunks.length) {
      // Roofs, treetops, door frames: the layers drawn over avatars.
      ctx.setTransform(this.dpr * z, 0, 0, this.dpr * z, this.dpr * ox, this.dpr * oy);
      this.drawChunks(ctx, this.map.overChunks, view);
    }
  }

  drawChunks(ctx, chunks, view) {
    for (const c of chunks) {
      if (c.x > view.x1 || c.y > view.y1 || c.x + c.w < view.x0 || c.y + c.h < view.y0) continue;
      ctx.drawImage(c.canvas, c.x, c.y);
    }
  }

  drawRooms(ctx, z) {
    const { tw, th } = this.map;
    const mine = this.store.myRoom;
    for (const room of this.store.roomOrder) {
      if (room.kind === 'hall') continue;
      const { x, y, w, h } = room.rect;
      const color = ROOM_COLORS[room.kind] || '#868e96';
      const isMine = mine && mine.id === room.id;
      ctx.lineWidth = (isMine ? 3 : 1.5) / z;
      ctx.strokeStyle = color;
      ctx.globalAlpha = isMine ? 0.95 : 0.55;
      ctx.strokeRect(x * tw + 1 / z, y * th + 1 / z, w * tw - 2 / z, h * th - 2 / z);
      if (isMine) {
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = color;
        ctx.fillRect(x * tw, y * th, w * tw, h * th);
      } else if (!this.store.mayEnter(room)) {
        ctx.globalAlpha = 0.18;
        ctx.fillStyle = '#000';
        ctx.fillRect(x * tw, y * th, w * tw, h * th);
      }
    }
    ctx.globalAlpha = 1;
    const stage = this.store.venue?.stage;
    if (stage) {
      ctx.setLineDash([6 / z, 4 / z]);
      ctx.strokeStyle = '#ffd43b';
      ctx.lineWidth = 1.5 / z;
      ctx.strokeRect(stage.x * tw, stage.y * th, stage.w * tw, stage.h * th);
      ctx.setLineDash([]);
    }
  }

  drawHoverAndTarget(ctx, now) {
    const { tw, th } = this.map;
    const z = this.zoom;
    if (this.hoverTile) {
      const { x, y } = this.hoverTile;
      const blocked = this.map.isBlocked(x, y) || !this.store.mayEnter(this.store.roomOfTile(x, y));
      ctx.lineWidth = 2 / z;
      ctx.strokeStyle = blocked ? 'rgba(224,49,49,0.9)' : 'rgba(255,255,255,0.9)';
      ctx.strokeRect(x * tw + 1 / z, y * th + 1 / z, tw - 2 / z, th - 2 / z);
    }
    if (this.target) {
      const me = this.store.myPerson;
      if (now > this.target.until || (me && Math.round(me.rx) === this.target.x && Math.round(me.ry) === this.target.y)) {
        this.target = null;
      } else {
        const cx = (this.target.x + 0.5) * tw;
        const cy = (this.target.y + 0.5) * th;
        const pulse = 0.5 + 0.5 * Math.sin(now / 150);
        ctx.strokeStyle = '#4dabf7';
        ctx.lineWidth = 2.5 / z;
        ctx.beginPath();
        ctx.arc(cx, cy, tw * (0.25 + 0.1 * pulse), 0, Math.PI * 2);
        ctx.stroke();
      }
    }
  }

  drawRoomLabels(ctx) {
    const z = this.zoom;
    ctx.font = ROOM_FONT;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    const mine = this.store.myRoom;
    for (const room of this.store.roomOrder) {
      if (room.kind === 'hall') continue;
      if (room.kind === 'team_table' && z < 0.5 && !(mine && mine.id === room.id)) continue;
      const { x, y, w, h } = room.rect;
      const a = this.toScreen(x, y);
      const b = this.toScreen(x + w, y + h);
      // Only rooms on screen; the label stays in the visible part of the room
      // (so a big room you stand in keeps its name in view).
      if (b.x < 0 || a.x > this.size.w || b.y < 0 || a.y > this.size.h) continue;
      const label = room.label;
      const tw = ctx.measureText(label).width + 14;
      if (b.x - a.x < tw * 0.6 && z < 0.5) continue;
      const left = Math.max(a.x, 0);
      const right = Math.min(b.x, this.size.w);
      const cx = Math.max(left + tw / 2 + 4, Math.min(right - tw / 2 - 4, (a.x + b.x) / 2));
      const top = Math.min(Math.max(a.y + 4, 6), b.y - 26);
      const s = { x: right - left < tw ? (left + right) / 2 : cx };
      ctx.globalAlpha = 0.92;
      ctx.fillStyle = ROOM_COLORS[room.kind] || '#495057';
      roundRect(ctx, s.x - tw / 2, top, tw, 20, 10);
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#fff';
      ctx.fillText(label, s.x, top + 10.5);
    }
  }

  drawAvatars(ctx, now, view) {
    const store = this.store;
    const mine = store.myRoom?.id;
    const meId = store.me?.id;
    const r = this.avatarRadius();
    const margin = 2 * this.map.tw;
    const list = [];
    for (const p of store.people.values()) {
      if (p.hidden) continue;
      const wx = (p.rx + 0.5) * this.map.tw;
      const wy = (p.ry + 0.5) * this.map.th;
      if (wx < view.x0 - margin || wx > view.x1 + margin || wy < view.y0 - margin || wy > view.y1 + margin) continue;
      list.push(p);
    }
    // Others' rooms first (dimmed, below), then by depth; you always on top.
    list.sort((a, b) => (a.id === meId) - (b.id === meId) || (a.room === mine) - (b.room === mine) || a.ry - b.ry);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const showDimLabels = this.zoom >= 0.8;
    // In a crowd, name only the people near you (and whoever is hovered or located).
    const crowded = list.length > 60;
    const me = store.myPerson;
    const hovered = this.hoverPerson;
    const labels = [];
    const discs = []; // every avatar drawn, as boxes: labels avoid them
    for (const p of list) {
      const s = this.toScreen(p.rx + 0.5, p.ry + 0.5);
      const dim = p.room !== mine;
      const isMe = p.id === meId;
      // Disconnected (within the grace period): greyed out.
      const away = p.connected === false;
      ctx.globalAlpha = away ? 0.35 : dim ? 0.45 : 1;
      // shadow
      ctx.fillStyle = 'rgba(0,0,0,0.28)';
      ctx.beginPath();
      ctx.ellipse(s.x, s.y + r * 0.85, r * 0.85, r * 0.3, 0, 0, Math.PI * 2);
      ctx.fill();
      // body
      ctx.fillStyle = away ? '#868e96' : colorOf(p.id);
      ctx.beginPath();
      ctx.arc(s.x, s.y, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.lineWidth = isMe ? 3 : 2;
      ctx.strokeStyle = isMe ? '#ffd43b' : '#ffffff';
      ctx.stroke();
      // speaking (measured from the sound we receive): a green ring
      if (store.speaking?.has(p.id)) {
        ctx.lineWidth = 3;
        ctx.strokeStyle = '#40c057';
        ctx.beginPath();
        ctx.arc(s.x, s.y, r + 4, 0, Math.PI * 2);
        ctx.stroke();
      }
      if (r >= 10) {
        ctx.fillStyle = '#fff';
        ctx.font = `700 ${Math.round(r * 0.8)}px system-ui, sans-serif`;
        ctx.fillText(initials(p.name), s.x, s.y + 0.5);
      }
      // status dot
      ctx.fillStyle = STATUS_COLORS[p.status] || STATUS_COLORS.available;
      ctx.beginPath();
      ctx.arc(s.x + r * 0.72, s.y - r * 0.72, Math.max(3, r * 0.3), 0, Math.PI * 2);
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#141821';
      ctx.stroke();
      // name label: a candidate, placed after every avatar is drawn
      const near = !crowded || (me && Math.abs(p.rx - me.rx) <= 4 && Math.abs(p.ry - me.ry) <= 3);
      const isHovered = hovered != null && p.id === hovered.id;
      const named = isMe || isHovered || this.highlight?.id === p.id || (near && (!dim || showDimLabels));
      if (named) {
        // Pointed at or located beats everything (even your own name, for
        // that moment), then yours, then the nearest.
        const rank = isHovered || this.highlight?.id === p.id ? -3 : isMe ? -2 : me ? Math.hypot(p.rx - me.rx, p.ry - me.ry) : 0;
        labels.push({ p, s, isMe, rank });
      }
      discs.push({ x0: s.x - r, y0: s.y - r, x1: s.x + r, y1: s.y + r, id: p.id });
      if (this.highlight && this.highlight.id === p.id) {
        if (now > this.highlight.until) this.highlight = null;
        else {
          const phase = ((now / 900) % 1);
          ctx.globalAlpha = 1 - phase;
          ctx.strokeStyle = '#4dabf7';
          ctx.lineWidth = 3;
          ctx.beginPath();
          ctx.arc(s.x, s.y, r + 6 + phase * 26, 0, Math.PI * 2);
          ctx.stroke();
        }
      }
    }
    ctx.globalAlpha = 1;
    this.drawLabels(ctx, labels, discs, r);
  }

  /**
   * Name labels that never overlap: whoever is hovered or located first,
   * then yours, then the nearest to you; a label that would cover one already
   * placed, or (for the nearest) another avatar, is left out: hover or the
   * People tab names that person.
   */
  drawLabels(ctx, labels, discs, r) {
    labels.sort((a, b) => a.rank - b.rank);
    const placed = [];
    ctx.font = FONT;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const hits = (box, b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1;
    for (const { p, s, isMe, rank } of labels) {
      const text = isMe ? `${p.name} ${t('people.you')}` : p.name;
      let tw = this.labelWidths.get(text);
      if (tw === undefined) {
        tw = ctx.measureText(text).width;
        if (this.labelWidths.size > 5000) this.labelWidths.clear();
        this.labelWidths.set(text, tw);
      }
      const ly = s.y + r + 11;
      const box = { x0: s.x - tw / 2 - 6, y0: ly - 9, x1: s.x + tw / 2 + 6, y1: ly + 9 };
      if (placed.some((b) => hits(box, b))) continue;
      if (rank >= 0 && discs.some((d) => d.id !== p.id && hits(box, d))) continue;
      placed.push({ ...box, id: p.id });
      ctx.globalAlpha = p.connected === false ? 0.35 : p.room !== this.store.myRoom?.id ? 0.45 : 1;
      ctx.fillStyle = isMe ? 'rgba(40,32,0,0.85)' : 'rgba(17,20,28,0.78)';
      roundRect(ctx, box.x0, box.y0, tw + 12, 18, 9);
      ctx.fill();
      ctx.fillStyle = isMe ? '#ffe066' : '#fff';
      ctx.fillText(text, s.x, ly + 0.5);
    }
    ctx.globalAlpha = 1;
    this.labels = placed; // what the last frame named, where (tests read it)
  }
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

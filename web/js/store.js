// The client's picture of the event: venue, rooms, people, teams, and who
// "you" are. Fed by server messages (`apply`), read by the views, which
// subscribe to coarse change notifications.

export class Store {
  constructor() {
    this.venue = null;
    this.rooms = new Map(); // id -> room
    this.roomOrder = [];
    this.roomAt = null; // Int16Array: room index per tile (-1 outside all)
    this.people = new Map(); // id -> person
    this.areas = new Map(); // room id -> [x0, y0, x1, y1] the server follows for us there
    this.teams = new Map(); // id -> team
    this.names = new Map(); // id -> last known name, also of people without an avatar now
    this.me = null; // {id, name, role, team}
    this.event = null;
    this.limits = null;
    this.program = null;
    this.listeners = new Map();
  }

  on(what, fn) {
    if (!this.listeners.has(what)) this.listeners.set(what, new Set());
    this.listeners.get(what).add(fn);
  }

  emit(what, detail) {
    for (const fn of this.listeners.get(what) || []) fn(detail);
  }

  get myPerson() {
    return this.me ? this.people.get(this.me.id) : null;
  }

  get myRoom() {
    const p = this.myPerson;
    return p ? this.rooms.get(p.room) : null;
  }

  challenge(id) {
    return id == null ? null : this.program?.challenges.find((c) => c.id === id) ?? null;
  }

  room(id) {
    return this.rooms.get(id);
  }

  team(id) {
    return id == null ? null : this.teams.get(id);
  }

  /** A display name for any member id we heard of (avatar, chat, ...). */
  nameOf(id) {
    return this.people.get(id)?.name ?? this.names.get(id) ?? `#${id}`;
  }

  roomLabel(id) {
    return this.rooms.get(id)?.label ?? id;
  }

  /** The room a tile belongs to: the smallest containing it, as the server does. */
  roomOfTile(x, y) {
    if (!this.roomAt || x < 0 || y < 0 || x >= this.venue.width || y >= this.venue.height) return null;
    const i = this.roomAt[y * this.venue.width + x];
    return i < 0 ? null : this.roomOrder[i];
  }

  mayEnter(room) {
    return !room || !this.me || room.roles.includes(this.me.role);
  }

  setVenue(venue) {
    this.venue = venue;
    this.rooms.clear();
    this.roomOrder = venue.rooms;
    for (const r of venue.rooms) this.rooms.set(r.id, r);
    const { width, height } = venue;
    const at = new Int16Array(width * height).fill(-1);
    const area = new Float64Array(width * height).fill(Infinity);
    venue.rooms.forEach((r, idx) => {
      const a = r.rect.w * r.rect.h;
      for (let y = r.rect.y; y < Math.min(height, r.rect.y + r.rect.h); y++) {
        for (let x = r.rect.x; x < Math.min(width, r.rect.x + r.rect.w); x++) {
          const i = y * width + x;
          if (a < area[i]) {
            area[i] = a;
            at[i] = idx;
          }
        }
      }
    });
    this.roomAt = at;
  }

  /** A person from the server, keeping the drawn position when we knew them. */
  upsertPerson(view) {
    const old = this.people.get(view.id);
    const p = old || { rx: view.x, ry: view.y };
    Object.assign(p, view, { hidden: false });
    if (!old || Math.abs(p.rx - view.x) + Math.abs(p.ry - view.y) > 6) {
      p.rx = view.x;
      p.ry = view.y;
    }
    p.sx = view.x; // last position the server told us
    p.sy = view.y;
    this.people.set(view.id, p);
    this.names.set(view.id, view.name);
    return p;
  }

  apply(msg) {
    switch (msg.type) {
      case 'welcome': {
        const firstVenue = !this.venue;
        this.me = msg.you;
        this.areas.clear();
        this.names.set(msg.you.id, msg.you.name);
        this.event = msg.event;
        this.limits = msg.limits;
        this.program = msg.program;
        if (firstVenue) this.setVenue(msg.venue);
        const seen = new Set();
        for (const view of msg.people) {
          this.upsertPerson(view);
          seen.add(view.id);
        }
        for (const id of [...this.people.keys()]) if (!seen.has(id)) this.people.delete(id);
        this.teams.clear();
        for (const team of msg.teams) this.teams.set(team.id, team);
        this.emit('me');
        this.emit('people');
        this.emit('teams');
        this.emit('program');
        break;
      }
      case 'program':
        this.program = msg.program;
        this.emit('program');
        break;
      case 'person_presence': {
        for (const [ids, connected] of [[msg.connected, true], [msg.disconnected, false]]) {
          for (const id of ids) {
            const p = this.people.get(id);
            if (p) p.connected = connected;
          }
        }
        this.emit('people');
        break;
      }
      case 'team_removed':
        this.teams.delete(msg.id);
        this.emit('teams');
        break;
      case 'positions':
        this.applyPositions(msg);
        break;
      case 'person_joined':
        this.upsertPerson(msg.person);
        this.emit('people');
        break;
      case 'person_left':
        this.people.delete(msg.id);
        this.emit('people');
        break;
      case 'room_changed': {
        const p = this.people.get(msg.id);
        if (!p) break;
        const isMe = this.me && msg.id === this.me.id;
        p.room = msg.to;
        // Outside the part of our room the server follows for us: not shown.
        p.hidden = !isMe && !inArea(this.areas.get(msg.to), msg.x, msg.y);
        p.sx = msg.x;
        p.sy = msg.y;
        // Our own predicted steps may already be past the doorway.
        if (!isMe || !(p.pending > 0 || performance.now() - (p.lastStepAt || 0) < 400)) {
          p.x = msg.x;
          p.y = msg.y;
        }
        if (isMe) this.emit('me-room', msg);
        this.emit('people');
        break;
      }
      case 'status_changed': {
        const p = this.people.get(msg.id);
        if (p) p.status = msg.status;
        this.emit('people');
        break;
      }
      case 'team_updated':
        this.teams.set(msg.team.id, msg.team);
        this.emit('teams');
        break;
      case 'member_team_changed': {
        const p = this.people.get(msg.id);
        if (p) p.team = msg.team;
        if (this.me && msg.id === this.me.id) {
          this.me.team = msg.team;
          this.emit('me');
        }
        this.emit('teams');
        this.emit('people');
        break;
      }
      default:
    }
  }

  /**
   * A position batch covers `area` ([x0, y0, x1, y1]) of `room`: the part the
   * server follows for us. Avatars that moved out of it are hidden; a full
   * batch lists everyone in it and hides the room's other avatars.
   */
  applyPositions({ room, area, full, p: list }) {
    const me = this.me?.id;
    const now = performance.now();
    if (area) this.areas.set(room, area);
    const present = full ? new Set() : null;
    for (const [id, x, y] of list) {
      const p = this.people.get(id);
      if (!p) continue;
      present?.add(id);
      p.room = room;
      p.hidden = !inArea(area, x, y);
      p.sx = x;
      p.sy = y;
      if (id === me && (p.pending > 0 || now - (p.lastStepAt || 0) < 400)) {
        // Our own steps are predicted; the server's echo of an older step
        // must not pull the avatar back. Errors resync (see input.js).
        continue;
      }
      p.x = x;
      p.y = y;
    }
    if (full) {
      for (const p of this.people.values()) {
        if (p.room === room && !present.has(p.id)) p.hidden = true;
      }
    }
    this.emit('positions', room);
  }
}

/** Whether a tile lies in a batch's area (no area: the whole room). */
function inArea(area, x, y) {
  return !area || (x >= area[0] && y >= area[1] && x < area[2] && y < area[3]);
}

// People grouped by room, with "locate", "go to" (teleport) and "message";
// and every room with its head count and a "go" button. This list is the
// venue without the canvas: everything on the map is reachable from here.

import { t, onLangChange } from './i18n.js';
import { h, $, fill } from './ui.js';
import { colorOf } from './render.js';

const KIND_ORDER = { amphitheatre: 0, team_table: 1, mentor_desk: 2, jury_room: 3, hall: 4 };

export class People {
  constructor({ store, onLocate, onTeleport, onMessage }) {
    this.store = store;
    this.onLocate = onLocate;
    this.onTeleport = onTeleport;
    this.onMessage = onMessage;
    this.box = $('#people-list');
    this.roomsBox = $('#rooms-list');
    this.count = $('#people-count');
    this.search = $('#people-search');
    this.search.addEventListener('input', () => this.schedule());
    this.queued = false;
    for (const what of ['people', 'me-room', 'teams', 'me', 'speaking']) store.on(what, () => this.schedule());
    onLangChange(() => this.render());
  }

  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.render();
    });
  }

  render() {
    const store = this.store;
    if (!store.venue) return;
    const focusKey = document.activeElement?.dataset?.focusKey;
    const query = this.search.value.trim().toLocaleLowerCase();
    const byRoom = new Map();
    let total = 0;
    for (const p of store.people.values()) {
      total++;
      if (query && !p.name.toLocaleLowerCase().includes(query)) continue;
      if (!byRoom.has(p.room)) byRoom.set(p.room, []);
      byRoom.get(p.room).push(p);
    }
    this.count.textContent = t('people.count', { n: total });
    const myRoom = store.myRoom?.id;
    const rooms = [...byRoom.keys()].sort((a, b) => {
      if (a === myRoom) return -1;
      if (b === myRoom) return 1;
      const ra = store.room(a);
      const rb = store.room(b);
      return (KIND_ORDER[ra?.kind] ?? 9) - (KIND_ORDER[rb?.kind] ?? 9) || String(ra?.label).localeCompare(String(rb?.label), undefined, { numeric: true });
    });
    const groups = rooms.map((roomId) => {
      const people = byRoom.get(roomId).sort((a, b) => a.name.localeCompare(b.name));
      const room = store.room(roomId);
      const headingId = `people-room-${roomId}`;
      return h(
        'section',
        { class: `people-group${roomId === myRoom ? ' is-mine' : ''}`, 'aria-labelledby': headingId },
        h('h3', { id: headingId, class: 'group-title' },
          h('span', { class: `kind-chip kind-${room?.kind ?? 'hall'}`, 'aria-hidden': 'true' }),
          h('span', null, store.roomLabel(roomId)),
          h('span', { class: 'group-count' }, String(people.length))),
        h('ul', { class: 'people' }, people.map((p) => this.row(p, room))),
      );
    });
    fill(this.box, groups.length ? groups : h('p', { class: 'empty' }, t('people.none')));
    this.renderRooms();
    if (focusKey) {
      const el = document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (el) el.focus({ preventScroll: true });
    }
  }

  row(p, room) {
    const store = this.store;
    const me = store.me;
    const isMe = me && p.id === me.id;
    const dot = h('span', { class: 'avatar-dot', 'aria-hidden': 'true' });
    dot.style.background = colorOf(p.id);
    const team = store.team(p.team);
    const speaking = Boolean(store.speaking?.has(p.id));
    const canGo = !isMe && p.room !== store.myRoom?.id && store.mayEnter(room) && store.myPerson;
    return h(
      'li',
      { class: `person${p.connected === false ? ' is-away' : ''}${speaking ? ' is-speaking' : ''}`, dataset: { member: p.id } },
      dot,
      h('span', { class: 'person-main' },
        h('span', { class: 'person-name' }, p.name, isMe ? h('span', { class: 'you' }, ` ${t('people.you')}`) : null,
          speaking ? h('span', { class: 'speaking-tag' }, ` ${t('people.speaking')}`) : null),
        h('span', { class: 'person-meta' },
          h('span', { class: `status-dot status-${p.status}`, 'aria-hidden': 'true' }),
          h('span', null, p.connected === false ? t('people.disconnected') : t(`status.${p.status}`)),
          ' · ',
          h('span', null, t(`role.${p.role}`)),
          team ? [' · ', h('span', { class: 'team-name' }, team.name)] : null)),
      h('span', { class: 'person-actions' },
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('people.locateLabel', { name: p.name }), title: t('people.locate'), dataset: { focusKey: `loc-${p.id}` }, onclick: () => this.onLocate(p.id) }, '◎'),
        canGo ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('people.gotoLabel', { name: p.name }), title: t('people.goto'), dataset: { focusKey: `go-${p.id}` }, onclick: () => this.onTeleport(p.room) }, '➜') : null,
        !isMe ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('people.messageLabel', { name: p.name }), title: t('people.message'), dataset: { focusKey: `dm-${p.id}` }, onclick: () => this.onMessage(p.id) }, '✉') : null),
    );
  }

  renderRooms() {
    const store = this.store;
    const myRoom = store.myRoom?.id;
    const rooms = [...store.roomOrder].sort((a, b) => (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) || a.label.localeCompare(b.label, undefined, { numeric: true }));
    const counts = new Map();
    for (const p of store.people.values()) counts.set(p.room, (counts.get(p.room) || 0) + 1);
    const items = rooms.map((room) => {
      const n = counts.get(room.id) || 0;
      const allowed = store.mayEnter(room);
      const here = room.id === myRoom;
      return h(
        'li',
        { class: `room-row${here ? ' is-mine' : ''}` },
        h('span', { class: `kind-chip kind-${room.kind}`, 'aria-hidden': 'true' }),
        h('span', { class: 'room-main' },
          h('span', { class: 'room-name' }, room.label),
          h('span', { class: 'room-meta' },
            t(`room.kind.${room.kind}`),
            ' · ',
            room.capacity ? `${n} / ${room.capacity}` : n ? t('room.count', { n }) : t('room.empty'),
            allowed ? '' : ` · ${t('room.restricted')}`)),
        here
          ? h('span', { class: 'here-tag' }, t('room.here'))
          : h('button', {
            type: 'button',
            class: 'small-btn',
            disabled: !allowed || !store.myPerson,
            'aria-label': t('room.gotoLabel', { room: room.label }),
            dataset: { focusKey: `room-${room.id}` },
            onclick: () => this.onTeleport(room.id),
          }, t('room.goto')),
      );
    });
    fill(this.roomsBox, items);
  }
}

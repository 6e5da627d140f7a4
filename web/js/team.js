// Your team: its name and members, joining and leaving. The team's table,
// challenge and help requests come with later protocol messages; their
// places exist in the page, hidden.

import { t, onLangChange } from './i18n.js';
import { h, $, fill } from './ui.js';
import { colorOf } from './render.js';

export class TeamPanel {
  constructor({ store, conn, onError, onLocate }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.onLocate = onLocate;
    this.box = $('#team-body');
    for (const what of ['teams', 'me', 'people']) store.on(what, () => this.schedule());
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

  act(msg) {
    this.conn.request(msg).catch((err) => this.onError(err));
  }

  render() {
    const { store } = this;
    const me = store.me;
    if (!me) return;
    const focusKey = document.activeElement?.dataset?.focusKey;
    const mine = store.team(me.team);
    const parts = [];
    if (mine) {
      const members = mine.members.map((id) => {
        const p = store.people.get(id);
        const dot = h('span', { class: 'avatar-dot', 'aria-hidden': 'true' });
        dot.style.background = colorOf(id);
        return h('li', { class: 'person' }, dot,
          h('span', { class: 'person-main' },
            h('span', { class: 'person-name' }, store.nameOf(id), id === me.id ? h('span', { class: 'you' }, ` ${t('people.you')}`) : null),
            p
              ? h('span', { class: 'person-meta' }, h('span', { class: `status-dot status-${p.status}`, 'aria-hidden': 'true' }), ' ', store.roomLabel(p.room))
              : h('span', { class: 'person-meta' }, t('people.offline'))),
          p ? h('span', { class: 'person-actions' }, h('button', { type: 'button', class: 'icon-btn', title: t('people.locate'), 'aria-label': t('people.locateLabel', { name: p.name }), dataset: { focusKey: `tloc-${id}` }, onclick: () => this.onLocate(id) }, '◎')) : null);
      });
      parts.push(
        h('div', { class: 'team-card' },
          h('p', { class: 'team-title' }, mine.name),
          h('p', { class: 'muted' }, t('team.membersCount', { n: mine.members.length })),
          h('ul', { class: 'people', 'aria-label': t('team.members') }, members),
          h('button', { type: 'button', class: 'small-btn', dataset: { focusKey: 'team-leave' }, onclick: () => this.act({ type: 'leave_team' }) }, t('team.leave'))),
      );
    } else {
      parts.push(h('p', { class: 'muted' }, t('team.none')));
    }
    if (!mine && (me.role === 'participant')) {
      const teams = [...store.teams.values()].sort((a, b) => a.name.localeCompare(b.name));
      parts.push(
        h('h3', { class: 'group-title' }, t('team.all')),
        h('ul', { class: 'team-list' }, teams.map((team) => h('li', { class: 'room-row' },
          h('span', { class: 'room-main' },
            h('span', { class: 'room-name' }, team.name),
            h('span', { class: 'room-meta' }, t('team.membersCount', { n: team.members.length }))),
          h('button', { type: 'button', class: 'small-btn', 'aria-label': t('team.joinLabel', { name: team.name }), dataset: { focusKey: `join-${team.id}` }, onclick: () => this.act({ type: 'join_team', team: team.id }) }, t('team.join'))))),
      );
    }
    fill(this.box, parts);
    if (focusKey) document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus({ preventScroll: true });
  }
}

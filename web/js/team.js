// Your team: its name, members, table and challenge; creating, joining and
// leaving a team. Help requests (help.js) and the favourite vote (pitch.js)
// render below it in the same panel.

import { t, onLangChange, tn } from './i18n.js';
import { h, $, fill, toast } from './ui.js';
import { colorOf } from './render.js';

export class TeamPanel {
  constructor({ store, conn, onError, onLocate, onTeleport }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.onLocate = onLocate;
    this.onTeleport = onTeleport;
    this.box = $('#team-body');
    this.draft = { name: '', challenge: '' };
    for (const what of ['teams', 'me', 'people', 'program']) store.on(what, () => this.schedule());
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
    return this.conn.request(msg).catch((err) => {
      this.onError(err);
      throw err;
    });
  }

  render() {
    const { store } = this;
    const me = store.me;
    if (!me) return;
    // Keep what is being typed in the form across re-renders.
    const active = document.activeElement;
    const focusKey = active?.dataset?.focusKey;
    const caret = active && 'selectionStart' in active ? active.selectionStart : null;
    const mine = store.team(me.team);
    const parts = [];
    if (mine) parts.push(this.card(mine));
    else parts.push(h('p', { class: 'muted' }, t('team.none')));
    if (!mine && me.role === 'participant') {
      if (store.program?.self_service_teams !== false) parts.push(this.createForm());
      else parts.push(h('p', { class: 'muted' }, t('team.formationClosed')));
      const teams = [...store.teams.values()].sort((a, b) => a.name.localeCompare(b.name));
      parts.push(
        h('h3', { class: 'group-title' }, t('team.all')),
        teams.length
          ? h('ul', { class: 'team-list' }, teams.map((team) => h('li', { class: 'room-row' },
            h('span', { class: 'room-main' },
              h('span', { class: 'room-name' }, team.name),
              h('span', { class: 'room-meta' }, tn('team.membersCount', team.members.length),
                store.challenge(team.challenge) ? ` · ${store.challenge(team.challenge).title}` : '')),
            h('button', { type: 'button', class: 'small-btn', 'aria-label': t('team.joinLabel', { name: team.name }), dataset: { focusKey: `join-${team.id}` }, onclick: () => this.act({ type: 'join_team', team: team.id }).catch(() => {}) }, t('team.join')))))
          : h('p', { class: 'muted' }, t('team.noTeams')),
      );
    }
    fill(this.box, parts);
    if (focusKey) {
      const el = document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (el) {
        el.focus({ preventScroll: true });
        if (caret != null && 'setSelectionRange' in el) try { el.setSelectionRange(caret, caret); } catch { /* not a text field */ }
      }
    }
  }

  card(mine) {
    const { store } = this;
    const me = store.me;
    const members = mine.members.map((id) => {
      const p = store.people.get(id);
      const dot = h('span', { class: 'avatar-dot', 'aria-hidden': 'true' });
      dot.style.background = colorOf(id);
      return h('li', { class: `person${p?.connected === false ? ' is-away' : ''}` }, dot,
        h('span', { class: 'person-main' },
          h('span', { class: 'person-name' }, store.nameOf(id), id === me.id ? h('span', { class: 'you' }, ` ${t('people.you')}`) : null),
          p
            ? h('span', { class: 'person-meta' }, h('span', { class: `status-dot status-${p.status}`, 'aria-hidden': 'true' }), ' ', store.roomLabel(p.room))
            : h('span', { class: 'person-meta' }, t('people.offline'))),
        p ? h('span', { class: 'person-actions' }, h('button', { type: 'button', class: 'icon-btn', title: t('people.locate'), 'aria-label': t('people.locateLabel', { name: p.name }), dataset: { focusKey: `tloc-${id}` }, onclick: () => this.onLocate(id) }, '◎')) : null);
    });
    const challenge = store.challenge(mine.challenge);
    const table = mine.table ? store.room(mine.table) : null;
    const atTable = table && store.myRoom?.id === table.id;
    return h('div', { class: 'team-card', id: 'my-team' },
      h('p', { class: 'team-title' }, mine.name),
      h('dl', { class: 'facts' },
        h('dt', null, t('team.table')),
        h('dd', { id: 'team-table' }, table ? table.label : t('team.noTable'),
          table && !atTable && store.myPerson ? [' ', h('button', { type: 'button', class: 'small-btn', dataset: { focusKey: 'team-goto' }, onclick: () => this.onTeleport(table.id) }, t('team.gotoTable'))] : null),
        h('dt', null, t('team.challenge')),
        h('dd', { id: 'team-challenge' }, challenge ? challenge.title : t('team.noChallenge'))),
      challenge?.description ? h('p', { class: 'muted' }, challenge.description) : null,
      h('p', { class: 'muted' }, tn('team.membersCount', mine.members.length)),
      h('ul', { class: 'people', 'aria-label': t('team.members') }, members),
      me.role === 'participant'
        ? h('button', { type: 'button', class: 'small-btn', dataset: { focusKey: 'team-leave' }, onclick: () => this.act({ type: 'leave_team' }).catch(() => {}) }, t('team.leave'))
        : null);
  }

  createForm() {
    const { store } = this;
    const challenges = store.program?.challenges ?? [];
    const name = h('input', { class: 'input', id: 'team-name', maxlength: 60, autocomplete: 'off', required: true, dataset: { focusKey: 'team-name' } });
    name.value = this.draft.name;
    name.addEventListener('input', () => { this.draft.name = name.value; });
    const select = h('select', { class: 'select', id: 'team-challenge-select', dataset: { focusKey: 'team-challenge-select' } },
      h('option', { value: '' }, t('team.noChallenge')),
      challenges.map((c) => h('option', { value: String(c.id) }, c.title)));
    select.value = this.draft.challenge;
    select.addEventListener('change', () => { this.draft.challenge = select.value; });
    const form = h('form', { class: 'stack-form', id: 'create-team-form', 'aria-labelledby': 'create-team-h' },
      h('h3', { class: 'group-title', id: 'create-team-h' }, t('team.create')),
      h('label', { for: 'team-name' }, t('team.name')),
      name,
      h('label', { for: 'team-challenge-select' }, t('team.challenge')),
      select,
      h('button', { type: 'submit', class: 'btn btn-primary', dataset: { focusKey: 'team-create' } }, t('team.createBtn')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const teamName = this.draft.name.trim();
      if (!teamName) return;
      const msg = { type: 'create_team', name: teamName };
      if (this.draft.challenge) msg.challenge = Number(this.draft.challenge);
      this.act(msg).then(() => {
        this.draft = { name: '', challenge: '' };
        toast(t('team.created', { name: teamName }));
      }, () => {});
    });
    return form;
  }
}

// The idea board (side tab "Idées"): participants post ideas, support them
// within their budget and say they would like to work on them; the
// moderator closes the board and turns ideas into teams. Ranked by the server.

import { t, onLangChange, tn } from './i18n.js';
import { h, $, fill } from './ui.js';

export class IdeasPanel {
  constructor({ store, conn, onError }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.box = $('#ideas-body');
    this.board = null;
    this.draft = { title: '', pitch: '', skills: '' };
    for (const what of ['me', 'people', 'program']) store.on(what, () => this.render());
    onLangChange(() => this.render());
  }

  handle(msg) {
    if (msg.type === 'ideas') {
      this.board = msg;
      this.render();
    }
  }

  act(msg) {
    return this.conn.request(msg).catch((err) => {
      this.onError(err);
      throw err;
    });
  }

  render() {
    const me = this.store.me;
    const board = this.board;
    if (!me || !board) return;
    const participant = me.role === 'participant';
    const moderator = me.role === 'moderator';
    const spent = board.ideas.filter((i) => i.supporters.includes(me.id)).length;
    const left = Math.max(0, board.supports_per_person - spent);
    const parts = [
      h('p', { class: 'muted', id: 'ideas-status' },
        board.open ? t('ideas.open') : t('ideas.closed'),
        participant ? ` ${tn('ideas.supportsLeft', left)}` : ''),
    ];
    if (moderator) {
      parts.push(h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'small-btn', id: 'ideas-toggle', onclick: () => this.act({ type: 'idea', op: board.open ? 'close' : 'reopen' }).catch(() => {}) },
          board.open ? t('ideas.close') : t('ideas.reopen'))));
    }
    if (participant && board.open) parts.push(this.form());
    parts.push(board.ideas.length
      ? h('ol', { class: 'idea-list', id: 'idea-list' }, board.ideas.map((idea) => this.item(idea, { participant, moderator, left, open: board.open })))
      : h('p', { class: 'muted' }, t('ideas.none')));
    const active = document.activeElement?.dataset?.focusKey;
    fill(this.box, parts);
    if (active) document.querySelector(`[data-focus-key="${CSS.escape(active)}"]`)?.focus({ preventScroll: true });
  }

  form() {
    const field = (key, label, el) => {
      el.value = this.draft[key];
      el.addEventListener('input', () => { this.draft[key] = el.value; });
      return h('label', { class: 'field' }, h('span', null, label), el);
    };
    const submit = (e) => {
      e.preventDefault();
      const skills = this.draft.skills.split(',').map((s) => s.trim()).filter(Boolean);
      this.act({ type: 'idea', op: 'post', title: this.draft.title, pitch: this.draft.pitch, skills })
        .then(() => { this.draft = { title: '', pitch: '', skills: '' }; this.render(); })
        .catch(() => {});
    };
    return h('form', { class: 'idea-form', id: 'idea-form', onsubmit: submit },
      h('h3', { class: 'group-title' }, t('ideas.post')),
      field('title', t('ideas.titleField'), h('input', { class: 'input', id: 'idea-title', maxlength: 80, required: true, autocomplete: 'off', dataset: { focusKey: 'idea-title' } })),
      field('pitch', t('ideas.pitchField'), h('textarea', { class: 'input', id: 'idea-pitch', maxlength: 1000, rows: 3, required: true, dataset: { focusKey: 'idea-pitch' } })),
      field('skills', t('ideas.skillsField'), h('input', { class: 'input', id: 'idea-skills', autocomplete: 'off', dataset: { focusKey: 'idea-skills' } })),
      h('button', { type: 'submit', class: 'btn', id: 'idea-submit' }, t('ideas.postBtn')));
  }

  item(idea, { participant, moderator, left, open }) {
    const me = this.store.me;
    const supported = idea.supporters.includes(me.id);
    const interested = idea.interested.includes(me.id);
    const mine = idea.author === me.id;
    const challenge = this.store.challenge(idea.challenge);
    const actions = [];
    if (participant && open && !mine) {
      actions.push(h('button', {
        type: 'button', class: 'small-btn', 'aria-pressed': String(supported),
        disabled: !supported && left === 0,
        'aria-label': t(supported ? 'ideas.withdrawLabel' : 'ideas.supportLabel', { title: idea.title }),
        dataset: { focusKey: `support-${idea.id}` },
        onclick: () => this.act({ type: 'idea', op: supported ? 'withdraw' : 'support', idea: idea.id }).catch(() => {}),
      }, supported ? t('ideas.withdraw') : t('ideas.support')));
    }
    if (participant && open && idea.team == null) {
      actions.push(h('button', {
        type: 'button', class: 'small-btn', 'aria-pressed': String(interested),
        'aria-label': t('ideas.interestLabel', { title: idea.title }),
        dataset: { focusKey: `interest-${idea.id}` },
        onclick: () => this.act({ type: 'idea', op: 'interest', idea: idea.id, interested: !interested }).catch(() => {}),
      }, interested ? t('ideas.notInterested') : t('ideas.interested')));
    }
    if (moderator && idea.team == null) {
      actions.push(h('button', {
        type: 'button', class: 'small-btn',
        'aria-label': t('ideas.makeTeamLabel', { title: idea.title }),
        dataset: { focusKey: `make-${idea.id}` },
        onclick: () => this.act({ type: 'idea', op: 'make_team', idea: idea.id }).catch(() => {}),
      }, t('ideas.makeTeam')));
    }
    const team = idea.team != null ? this.store.team(idea.team) : null;
    return h('li', { class: 'idea', dataset: { idea: String(idea.id) } },
      h('h3', { class: 'idea-title' }, h('span', { class: 'idea-rank' }, `${idea.rank}. `), idea.title),
      h('p', { class: 'room-meta' }, t('ideas.by', { name: idea.author_name }),
        challenge ? ` · ${challenge.title}` : ''),
      h('p', { class: 'idea-pitch' }, idea.pitch),
      idea.skills.length ? h('p', { class: 'room-meta' }, t('ideas.skills', { skills: idea.skills.join(', ') })) : null,
      h('p', { class: 'idea-counts' },
        tn('ideas.supports', idea.supporters.length), ' · ', tn('ideas.interestedCount', idea.interested.length),
        team ? ` · ${t('ideas.becameTeam', { name: team.name })}` : ''),
      moderator && idea.interested.length
        ? h('p', { class: 'room-meta' }, t('ideas.who', { names: idea.interested.map((id) => this.store.people.get(id)?.name ?? `#${id}`).join(', ') }))
        : null,
      actions.length ? h('div', { class: 'row-actions' }, actions) : null);
  }
}

// The results in the venue: the leaderboard as the public sees it (nothing
// before the moderator publishes it), the ceremony place by place, and a
// link to the live page. Participants, mentors and spectators get the same
// public view as /live (`leaderboard` messages); jury and moderators also
// see it here.

import { t, tn, formatNumber, onLangChange } from './i18n.js';
import { h, $, fill } from './ui.js';

export class ResultsPanel {
  constructor({ store, eventId, onPublished }) {
    this.store = store;
    this.eventId = eventId;
    this.onPublished = onPublished; // (board, wasHidden) when something new is shown
    this.board = null;
    this.box = $('#results-box');
    for (const what of ['teams', 'me']) store.on(what, () => this.render());
    onLangChange(() => this.render());
    this.render();
  }

  handle(msg) {
    if (msg.type !== 'leaderboard') return;
    const before = this.board;
    this.board = msg.board;
    this.render();
    const b = this.board;
    if (!b) return;
    const shownBefore = before ? shown(before) : 0;
    if (!before || before.mode !== b.mode || shown(b) > shownBefore) this.onPublished?.(b, !before);
  }

  teamName(id) {
    return this.store.team(id)?.name ?? `#${id}`;
  }

  render() {
    const b = this.board;
    const live = `/live?event=${encodeURIComponent(this.eventId)}`;
    let note = null;
    if (!b) note = t('live.boardHidden');
    else if (b.mode === 'reveal') note = tn('live.reveal', b.revealed ?? 0, { of: b.total });
    else if (!b.rows.length) note = t('live.boardEmpty');
    const mine = this.store.me?.team;
    fill(this.box,
      h('h3', { class: 'group-title', id: 'results-h' }, t('results.title')),
      note ? h('p', { class: 'muted', id: 'results-note' }, note) : null,
      b && b.rows.length ? h('ol', { class: 'results', id: 'results-board', 'aria-labelledby': 'results-h' }, b.rows.map((r) => {
        const extra = [];
        if (r.votes != null) extra.push(tn('live.votes', r.votes));
        if (r.labels.length) extra.push(r.labels.join(', '));
        return h('li', { class: `results-row${r.team === mine ? ' is-mine' : ''}`, dataset: { team: String(r.team) } },
          h('span', { class: 'results-rank' }, String(r.rank)),
          h('span', { class: 'results-name' }, this.teamName(r.team), extra.length ? h('span', { class: 'results-extra' }, extra.join(' · ')) : null),
          h('span', { class: 'results-score' }, r.score == null ? '—' : formatNumber(r.score, 2)));
      })) : null,
      h('p', null, h('a', { href: live, target: '_blank', rel: 'noopener', id: 'results-live' }, t('results.live'))));
  }
}

/** How many places a board shows (all of them outside the ceremony). */
function shown(board) {
  return board.mode === 'reveal' ? board.revealed ?? 0 : board.rows.length;
}

// The jury grid: teams × criteria from `jury_sheet.rubric`, each cell 0..max,
// saved on change (`jury` op `score`, or `clear_score` when emptied), with
// progress; read-only once judging closes. Below it, the staff leaderboard.

import { t, onLangChange, formatNumber } from './i18n.js';
import { h, $, fill, keepFocus } from './ui.js';

export class JuryPanel {
  constructor({ store, conn, onError }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.box = $('#jury-body');
    this.sheet = null;
    this.board = null;
    this.awards = [];
    store.on('teams', () => this.render());
    onLangChange(() => this.render());
  }

  handle(msg) {
    switch (msg.type) {
      case 'jury_sheet':
        this.sheet = msg;
        break;
      case 'staff_leaderboard':
        this.board = msg.board;
        break;
      case 'awards':
        this.awards = msg.awards;
        break;
      default:
        return;
    }
    this.render();
  }

  render() {
    keepFocus(() => this.draw());
  }

  draw() {
    const s = this.sheet;
    if (!s) {
      fill(this.box, h('p', { class: 'empty' }, t('jury.waiting')));
      return;
    }
    const criteria = s.rubric.criteria;
    const teams = [...this.store.teams.values()].sort((a, b) => a.id - b.id);
    const total = s.progress.scored + s.progress.remaining;
    const head = h('tr', null, h('th', { scope: 'col' }, t('jury.team')),
      criteria.map((c) => h('th', { scope: 'col', title: t('jury.weight', { w: c.weight }) }, c.label, h('span', { class: 'muted small' }, ` /${c.max}`))));
    const body = teams.map((team) => {
      const mine = s.scores[team.id] || {};
      const complete = criteria.every((c) => mine[c.id] != null);
      return h('tr', { class: complete ? 'is-complete' : '' },
        h('th', { scope: 'row' }, team.name, complete ? h('span', { class: 'done', 'aria-label': t('jury.complete') }, ' ✓') : null),
        criteria.map((c) => {
          const input = h('input', {
            type: 'number', min: 0, max: c.max, step: 1, inputmode: 'numeric',
            class: 'score-input', id: `score-${team.id}-${c.id}`,
            'aria-label': t('jury.cellLabel', { team: team.name, criterion: c.label, max: c.max }),
            disabled: !s.judging_open || null,
          });
          input.value = mine[c.id] != null ? String(mine[c.id]) : '';
          input.addEventListener('change', () => this.save(team.id, c, input));
          return h('td', null, input);
        }));
    });
    fill(this.box,
      h('div', { class: 'jury-head' },
        h('p', { class: `pill ${s.judging_open ? 'pill-ok' : 'pill-off'}`, id: 'judging-state' }, t(s.judging_open ? 'jury.open' : 'jury.closed')),
        h('p', { class: 'muted', id: 'jury-progress' }, t('jury.progress', { scored: s.progress.scored, remaining: s.progress.remaining })),
        h('progress', { max: String(Math.max(1, total)), value: String(s.progress.scored), 'aria-label': t('jury.progressLabel') })),
      teams.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'jury-grid' }, h('caption', { class: 'sr-only' }, t('jury.caption')), h('thead', null, head), h('tbody', null, body)))
        : h('p', { class: 'empty' }, t('jury.noTeams')),
      this.boardView());
  }

  save(team, criterion, input) {
    const raw = input.value.trim();
    let msg;
    if (raw === '') msg = { type: 'jury', op: 'clear_score', team, criterion: criterion.id };
    else {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 0 || value > criterion.max) {
        input.setCustomValidity(t('jury.range', { max: criterion.max }));
        input.reportValidity();
        return;
      }
      input.setCustomValidity('');
      msg = { type: 'jury', op: 'score', team, criterion: criterion.id, value };
    }
    input.classList.add('is-saving');
    this.conn.request(msg).then(
      () => input.classList.remove('is-saving'),
      (err) => {
        input.classList.remove('is-saving');
        this.onError(err);
      },
    );
  }

  boardView() {
    return staffBoard(this.board, this.store, this.awards);
  }
}

/** The full ranking for jury and moderator (always live, whatever the public sees). */
export function staffBoard(board, store, awards = []) {
  if (!board) return null;
  const label = (id) => awards.find((a) => a.id === id)?.name ?? id;
  return h('section', { class: 'staff-board', 'aria-labelledby': 'staff-board-h' },
    h('h3', { class: 'group-title', id: 'staff-board-h' }, t('board.staff'),
      h('span', { class: 'group-count' }, t(`board.mode.${board.mode}`))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'staff-board' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, t('jury.team')),
        h('th', { scope: 'col' }, t('board.score')), h('th', { scope: 'col' }, t('board.jurors')),
        h('th', { scope: 'col' }, t('board.votes')), h('th', { scope: 'col' }, t('board.labels')))),
      h('tbody', null, board.rows.map((r) => h('tr', null,
        h('td', null, String(r.rank)),
        h('th', { scope: 'row' }, store.team(r.team)?.name ?? `#${r.team}`),
        h('td', null, r.score == null ? '—' : formatNumber(r.score, 2)),
        h('td', null, String(r.jurors)),
        h('td', null, String(r.votes)),
        h('td', null, r.labels.map(label).join(', ')))))))); 
}

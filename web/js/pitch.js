// The pitch session on the participant page: the timer overlay on the map
// while a team is on stage, the favourite vote ("coup de cœur") when voting
// is open (never for one's own team), and the published leaderboard.

import { t, onLangChange, tn } from './i18n.js';
import { h, $, fill, announce, keepFocus } from './ui.js';
import { TimerView } from './timer.js';

export class PitchPanel {
  constructor({ store, conn, clock, onError }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.pitch = null;
    this.votes = null;
    this.myVotes = null;
    this.board = null;
    this.voteBox = $('#vote-box');
    this.timer = new TimerView(clock, {
      draw: ({ text, phase, remaining }) => {
        const el = $('#pitch-clock');
        el.textContent = text;
        el.dataset.remainingMs = remaining == null ? '' : String(Math.round(remaining));
        el.dataset.drawnAt = String(performance.now());
        $('#pitch-overlay').dataset.phase = phase;
      },
      onPhase: (phase) => {
        if (!$('#pitch-overlay').hidden) $('#pitch-phase-live').textContent = t(`phase.${phase}`);
      },
    });
    for (const what of ['teams', 'me', 'program']) store.on(what, () => this.render());
    onLangChange(() => this.render());
  }

  handle(msg) {
    switch (msg.type) {
      case 'pitch':
        this.pitch = msg;
        this.timer.set(msg.timer);
        this.renderOverlay();
        break;
      case 'on_stage': {
        const mine = msg.team != null && msg.team === this.store.me?.team;
        if (msg.team != null && !mine) announce(t('pitch.onStage', { team: msg.team_name ?? `#${msg.team}` }));
        this.onYourTurn?.(mine ? msg : null);
        break;
      }
      case 'votes':
        this.votes = msg;
        this.renderVotes();
        break;
      case 'my_votes':
        this.myVotes = msg;
        this.renderVotes();
        break;
      case 'leaderboard':
        this.board = msg.board;
        break;
      default:
    }
  }

  render() {
    this.renderOverlay();
    this.renderVotes();
  }

  renderOverlay() {
    const tm = this.pitch?.timer;
    const live = tm && (tm.state === 'running' || tm.state === 'paused');
    if (live) this.sessionSeen = true;
    // Between two pitches the box stays, saying who is next, once the
    // session has begun (or the programme is in its pitch phase).
    const between = tm && !live && (this.sessionSeen || this.store.program?.phase === 'pitches');
    const show = Boolean(tm && tm.team != null && (live || between));
    const box = $('#pitch-overlay');
    box.hidden = !show;
    if (!show) return;
    const team = this.store.team(tm.team);
    const teamName = (id) => this.store.team(id)?.name ?? `#${id}`;
    $('#pitch-team').textContent = team ? team.name : `#${tm.team}`;
    $('#pitch-title').textContent = tm.state === 'finished' ? t('pitch.finished')
      : !live ? t('pitch.upNext')
        : tm.segment === 'qa' ? t('pitch.qa') : tm.state === 'paused' ? t('pitch.paused') : t('pitch.title');
    const next = $('#pitch-next');
    next.textContent = tm.state === 'finished' && tm.next_team != null ? t('pitch.next', { team: teamName(tm.next_team) }) : '';
    next.hidden = !next.textContent;
    const msg = $('#pitch-message');
    msg.textContent = tm.speaker_message ?? '';
    msg.hidden = !tm.speaker_message;
  }

  renderVotes() {
    keepFocus(() => this.drawVotes());
  }

  drawVotes() {
    const me = this.store.me;
    const v = this.votes;
    if (!me || me.role !== 'participant' || !v || !v.open) {
      this.voteBox.hidden = true;
      fill(this.voteBox);
      return;
    }
    this.voteBox.hidden = false;
    const ballot = new Set(this.myVotes?.ballot ?? []);
    const left = this.myVotes?.votes_left ?? v.per_voter;
    const teams = [...this.store.teams.values()].filter((tm) => tm.id !== me.team).sort((a, b) => a.name.localeCompare(b.name));
    fill(this.voteBox,
      h('h3', { class: 'group-title', id: 'vote-h' }, t('vote.title')),
      h('p', { class: 'muted', id: 'votes-left' }, t('vote.left', { n: left })),
      h('ul', { class: 'team-list', 'aria-labelledby': 'vote-h' }, teams.map((team) => {
        const voted = ballot.has(team.id);
        return h('li', { class: 'room-row' },
          h('span', { class: 'room-main' }, h('span', { class: 'room-name' }, team.name),
            v.counts ? h('span', { class: 'room-meta' }, tn('live.votes', v.counts[team.id] ?? 0)) : null),
          h('button', {
            type: 'button',
            id: `vote-${team.id}`,
            class: `small-btn${voted ? ' is-on' : ''}`,
            'aria-pressed': String(voted),
            disabled: !voted && left <= 0,
            'aria-label': t(voted ? 'vote.retractLabel' : 'vote.castLabel', { name: team.name }),
            onclick: () => this.conn.request({ type: 'vote', op: voted ? 'retract' : 'cast', team: team.id }).catch((err) => this.onError(err)),
          }, voted ? `♥ ${t('vote.voted')}` : `♡ ${t('vote.cast')}`));
      })));
  }
}

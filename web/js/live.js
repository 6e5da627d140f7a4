// /live: the public live page (no login). Team on stage, the big countdown,
// the leaderboard (animated with FLIP when places change), announcements.

import { t, formatTime, onLangChange, tn, formatNumber } from './i18n.js';
import { setupScreen, timerStateText } from './screen.js';
import { h, $, fill } from './ui.js';
import { reactionButtons, relabelReactions, showReactions } from './reactions.js';
import { questionsPanel } from './questions.js';
import { LiveMedia } from './live_media.js';

const teams = new Map();
let pitch = null;
let board = null;
let onStage = null;
const news = [];
const seen = new Set();

function teamName(id) {
  return teams.get(id)?.name ?? `#${id}`;
}

const { watch, timer, setPictureDelay } = setupScreen({
  onMessage: receive,
  draw: ({ text, phase, remaining }) => {
    const el = $('#clock');
    el.textContent = text;
    el.className = `live-clock phase-${phase}`;
    el.dataset.phase = phase;
    el.dataset.remainingMs = remaining == null ? '' : String(Math.round(remaining));
    el.dataset.drawnAt = String(performance.now());
    el.hidden = remaining == null;
  },
  onPhase: (phase) => { $('#phase-live').textContent = t(`phase.${phase}`); },
});

function receive(msg) {
  switch (msg.type) {
    case 'watching':
      $('#event-title').textContent = msg.event.title;
      document.title = `${msg.event.title} · ${t('live.tag')}`;
      teams.clear();
      for (const team of msg.teams) teams.set(team.id, team);
      for (const m of msg.chat) addNews(m);
      renderAll();
      liveMedia.start();
      break;
    case 'team_updated':
      teams.set(msg.team.id, msg.team);
      renderAll();
      break;
    case 'team_removed':
      teams.delete(msg.id);
      renderAll();
      break;
    case 'pitch':
      pitch = msg;
      timer.set(msg.timer);
      renderStage();
      break;
    case 'reactions':
      showReactions($('#reactions'), msg);
      break;
    case 'questions':
      questions.update(msg, pitch?.timer?.team ?? onStage?.team);
      break;
    case 'on_stage':
      onStage = msg;
      questions.update(null, msg.team);
      if (msg.team != null && msg.team_name) teams.set(msg.team, { ...(teams.get(msg.team) || { id: msg.team }), name: msg.team_name });
      renderStage();
      break;
    case 'leaderboard':
      board = msg.board;
      renderBoard();
      break;
    case 'chat':
      if (msg.message.channel === 'announcements') addNews(msg.message);
      renderNews();
      break;
    case 'chat_deleted': {
      const i = news.findIndex((m) => m.seq === msg.seq);
      if (i >= 0) news.splice(i, 1);
      renderNews();
      break;
    }
    default:
      liveMedia.handle(msg);
  }
}

function addNews(m) {
  if (seen.has(m.seq)) return;
  seen.add(m.seq);
  news.push(m);
  news.sort((a, b) => b.seq - a.seq);
  if (news.length > 20) news.length = 20;
}

function renderAll() {
  renderStage();
  renderBoard();
  renderNews();
}

function renderStage() {
  const tm = pitch?.timer;
  const team = tm?.team ?? onStage?.team ?? null;
  $('#stage-team').textContent = team != null ? (onStage?.team === team && onStage.team_name ? onStage.team_name : teamName(team)) : t('live.nobody');
  $('#clock-state').textContent = timerStateText(tm);
  $('#next-team').textContent = tm?.next_team != null ? t('pitch.next', { team: teamName(tm.next_team) }) : '';
}

function renderNews() {
  fill($('#news'), news.length
    ? news.map((m) => h('li', null, h('time', { datetime: new Date(m.at).toISOString() }, formatTime(m.at)), m.text))
    : h('li', { class: 'live-sub' }, t('live.noNews')));
}

// ----- leaderboard with FLIP -----
const rows = new Map(); // team -> li
function renderBoard() {
  const list = $('#board');
  const note = $('#board-note');
  if (!board) {
    note.textContent = t('live.boardHidden');
    note.hidden = false;
    rows.clear();
    list.replaceChildren();
    return;
  }
  note.hidden = board.mode !== 'reveal' && board.rows.length > 0;
  if (board.mode === 'reveal') note.textContent = tn('live.reveal', board.revealed ?? 0, { of: board.total });
  else if (!board.rows.length) note.textContent = t('live.boardEmpty');
  // First: where every row is now.
  const before = new Map();
  for (const [team, li] of rows) before.set(team, li.getBoundingClientRect().top);
  const keep = new Set();
  const ordered = board.rows.map((r) => {
    keep.add(r.team);
    let li = rows.get(r.team);
    const score = r.score == null ? '—' : formatNumber(r.score, 2);
    const extra = [];
    if (r.votes != null) extra.push(tn('live.votes', r.votes));
    if (r.labels.length) extra.push(r.labels.map((l) => l.replace(/_/g, ' ')).join(', '));
    const changed = li && li.dataset.score !== score;
    if (!li) {
      li = h('li', { class: 'board-row' });
      rows.set(r.team, li);
    }
    li.dataset.team = String(r.team);
    li.dataset.score = score;
    fill(li,
      h('span', { class: 'board-rank' }, String(r.rank)),
      h('span', { class: 'board-name' }, teamName(r.team), extra.length ? h('span', { class: 'board-extra' }, extra.join(' · ')) : null),
      h('span', { class: 'board-score' }, score));
    li.classList.toggle('is-changed', Boolean(changed));
    return li;
  });
  for (const team of [...rows.keys()]) if (!keep.has(team)) rows.delete(team);
  list.replaceChildren(...ordered);
  // Last, invert, play.
  for (const li of ordered) {
    const team = Number(li.dataset.team);
    li.classList.remove('flip-run', 'flip-enter-run');
    if (!before.has(team)) {
      li.classList.add('flip-enter');
      continue;
    }
    const dy = before.get(team) - li.getBoundingClientRect().top;
    if (Math.abs(dy) < 1) continue;
    li.style.setProperty('--flip-dy', `${dy}px`);
    li.classList.add('flip-start');
  }
  requestAnimationFrame(() => requestAnimationFrame(() => {
    for (const li of ordered) {
      if (li.classList.contains('flip-start')) li.classList.replace('flip-start', 'flip-run');
      if (li.classList.contains('flip-enter')) li.classList.replace('flip-enter', 'flip-enter-run');
    }
  }));
}

onLangChange(renderAll);
renderAll();

// Watchers react (the server counts them; no login) and read the questions.
reactionButtons($('#react-buttons'), (msg) => watch.raw(msg));
const questions = questionsPanel($('#questions'), { send: () => {}, canAsk: false });
onLangChange(() => { relabelReactions($('#react-buttons')); questions.render(); });

// The stage's picture and sound (muted until the viewer clicks).
const liveMedia = new LiveMedia({
  watch,
  root: $('#live-media'),
  caption: (source) => {
    const team = pitch?.timer?.team ?? onStage?.team;
    const name = team != null ? teamName(team) : '';
    return source === 'screen' ? t('liveMedia.screenOf', { name }) : name;
  },
  setPictureDelay,
});
if (window.amphi) window.amphi.liveMedia = liveMedia;
onLangChange(() => liveMedia.render());

// The moderator console: run of show and stage timer (with keyboard
// shortcuts), programme, teams, announcements and summon, help statistics,
// jury status, leaderboard visibility, votes, labels, moderation, invites,
// audit log, results export and roster import. Every action is a protocol
// request; the server checks the role, this page only lays the buttons out.

import { t, applyI18n, setLang, getLang, LANGS, onLangChange, has, formatTime, tn, formatNumber } from './i18n.js';
import { Connection } from './connection.js';
import { venueLoader } from './venue.js';
import { Clock } from './clock.js';
import { Store } from './store.js';
import { TimerView } from './timer.js';
import { timerStateText } from './screen.js';
import { staffBoard } from './jury.js';
import { HELP_TAGS, formatWait } from './help.js';
import { h, $, fill, toast, keepFocus } from './ui.js';
import { renderRegistrations } from './registrations.js';
import { questionsPanel } from './questions.js';
import { floorQueue } from './floor.js';

const params = new URLSearchParams(location.search);
const eventId = params.get('event') || 'demo';
const PHASES = ['opening', 'team_formation', 'hacking', 'pitches', 'deliberation', 'awards'];
const ROLES = ['participant', 'mentor', 'jury', 'moderator', 'spectator'];
const STEP_MS = 30000;

const store = new Store();
const S = {
  pitch: null, order: null, helpQueue: [], helpStats: null, jury: null, board: null,
  votes: null, awards: [], invites: [], audit: [], muted: new Set(), chat: new Map(), created: null,
};

// ----- page chrome -----
const langSelect = $('#lang-select');
for (const { code, label } of LANGS) langSelect.appendChild(h('option', { value: code }, label));
langSelect.value = getLang();
langSelect.addEventListener('change', () => setLang(langSelect.value));
applyI18n(document);
for (const [id, path] of [['venue-link', '/'], ['live-link', '/live'], ['stage-link', '/stage']]) $(`#${id}`).href = `${path}?event=${encodeURIComponent(eventId)}`;

function errorText(err) {
  if (!err) return '';
  if (err.code === 'timeout') return t('err.timeout');
  return has(`err.${err.code}`) ? t(`err.${err.code}`) : t('err.generic', { message: err.message || err.code });
}
const showError = (err) => toast(errorText(err), 'error');

let connState = 'connecting';
const conn = new Connection({
  eventId,
  companion: true,
  invite: params.get('invite'),
  onMessage: receive,
  prepare: venueLoader(eventId, store),
  onState: (state) => {
    connState = state;
    if (state === 'online') clock.start();
    else clock.stop();
    if (state === 'need-name') $('#join-dialog').showModal();
    if (state === 'fatal') gate(t('console.noSession'));
    if (state === 'replaced') gate(t('conn.replacedHelp'));
    renderConn();
  },
});
const clock = new Clock((msg) => conn.raw(msg));
$('#join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('#join-name').value.trim();
  if (!name) return;
  $('#join-dialog').close();
  conn.start(name);
});

function renderConn() {
  const cls = { online: 'conn-online', waiting: 'conn-waiting', replaced: 'conn-offline', fatal: 'conn-offline' }[connState] || 'conn-connecting';
  $('#conn').className = `conn ${cls}`;
  $('#conn-text').textContent = t(connState === 'online' ? 'conn.online' : connState === 'waiting' ? 'conn.reconnectingNow' : connState === 'fatal' || connState === 'replaced' ? 'conn.offline' : 'conn.connecting');
}

function gate(text, backToVenue = false) {
  const el = $('#gate');
  fill(el, text, backToVenue ? [' ', h('a', { href: `/?event=${encodeURIComponent(eventId)}`, id: 'gate-venue' }, t('console.backToVenue'))] : null);
  el.hidden = false;
}

/** Sends a request; toasts the error; resolves to the ack (or rejects). */
function act(msg, done) {
  const p = conn.request(msg);
  p.then(() => { if (done) toast(done); }, showError);
  return p;
}
const pitchOp = (op, extra = {}) => act({ type: 'pitch', op, ...extra });
// Questions to the team on stage: pick the next, hide abusive ones.
const questions = questionsPanel($('#console-questions'), { send: (msg) => act(msg).catch(() => {}), moderator: true, canAsk: false });
// Raised hands in the amphitheatre: give and take the floor.
const floorPanel = floorQueue($('#console-floor'), { send: (msg) => act(msg).catch(() => {}) });
onLangChange(() => floorPanel.render());

const teamName = (id) => store.team(id)?.name ?? `#${id}`;
const btn = (label, onclick, attrs = {}) => h('button', { type: 'button', class: 'small-btn', onclick, ...attrs }, label);

/** The event's title and lifecycle phase in the top bar. */
function showEvent(event) {
  $('#event-title').textContent = event.title;
  $('#event-phase').textContent = t('event.phase', { phase: t(`phase.${event.phase}`) });
  document.body.classList.toggle('is-archived', event.phase === 'archived');
}

// ----- messages -----
function receive(msg) {
  switch (msg.type) {
    case 'welcome':
      store.apply(msg);
      showEvent(msg.event);
      $('#me-name').textContent = `${msg.you.name} · ${t(`role.${msg.you.role}`)}`;
      // The cards show only to moderators (console.css); anyone else is
      // told so plainly, with the way back, and the page asks nothing more.
      document.body.classList.toggle('is-moderator', msg.you.role === 'moderator');
      if (msg.you.role !== 'moderator') {
        gate(t('console.notModerator', { role: t(`role.${msg.you.role}`) }), true);
        return;
      }
      $('#gate').hidden = true;
      for (const m of msg.chat) S.chat.set(m.seq, m);
      conn.send({ type: 'list_invites' });
      conn.send({ type: 'get_audit_log' });
      renderAll();
      renderRegistrations($('#registrations'), eventId, token);
      return;
    case 'pong': clock.onPong(msg); return;
    case 'event_updated': showEvent(msg.event); return;
    case 'pitch': S.pitch = msg; timerView.set(msg.timer); renderShow(); questions.update(null, msg.timer?.team); return;
    case 'questions': questions.update(msg, S.pitch?.timer?.team); return;
    case 'floor': floorPanel.update(msg); return;
    case 'help_queue': S.helpQueue = msg.requests; renderHelp(); return;
    case 'help_stats': S.helpStats = msg.stats; renderHelp(); return;
    case 'jury_status': S.jury = msg; renderJury(); return;
    case 'staff_leaderboard': S.board = msg.board; renderLeader(); return;
    case 'votes': S.votes = msg; renderVotes(); return;
    case 'awards': S.awards = msg.awards; renderLabels(); renderLeader(); return;
    case 'invites': S.invites = msg.invites; renderInvites(); return;
    case 'invite_created': S.created = msg; renderInvites(); return;
    case 'audit_log': S.audit = [...msg.entries]; renderAudit(); return;
    case 'audit_entry': S.audit.push(msg.entry); renderAudit(); return;
    case 'mute_changed': if (msg.muted) S.muted.add(msg.id); else S.muted.delete(msg.id); renderModeration(); return;
    case 'chat': S.chat.set(msg.message.seq, msg.message); renderModeration(); return;
    case 'chat_history': for (const m of msg.messages) S.chat.set(m.seq, m); renderModeration(); return;
    case 'chat_deleted': S.chat.delete(msg.seq); renderModeration(); return;
    case 'error': showError(msg); return;
    case 'on_stage': return;
    default:
      store.apply(msg);
      if (['team_updated', 'team_removed', 'member_team_changed', 'program'].includes(msg.type)) renderAll();
      else if (['person_joined', 'person_left', 'person_presence'].includes(msg.type)) renderModeration();
  }
}

function renderAll() {
  if (!store.me || store.me.role !== 'moderator') return;
  renderShow();
  renderProgram();
  renderTeams();
  renderAnnounce();
  renderHelp();
  renderJury();
  renderLeader();
  renderVotes();
  renderLabels();
  renderModeration();
  renderInvites();
  renderExport();
  renderAudit();
}
onLangChange(() => { renderConn(); renderAll(); questions.render(); });

// ----- run of show and timer -----
const timerView = new TimerView(clock, {
  draw: ({ text, phase, remaining }) => {
    const el = $('#show-clock');
    el.textContent = text;
    el.dataset.phase = phase;
    el.dataset.remainingMs = remaining == null ? '' : String(Math.round(remaining));
    el.dataset.drawnAt = String(performance.now());
  },
  onPhase: (phase) => { $('#show-phase-live').textContent = t(`phase.${phase}`); },
});

function toggleRun() {
  const tm = S.pitch?.timer;
  if (!tm || tm.state === 'idle' || tm.state === 'finished' || tm.team == null) return pitchOp('start').catch(() => {});
  return pitchOp(tm.state === 'running' ? 'pause' : 'resume').catch(() => {});
}

const shortcuts = {
  ' ': toggleRun,
  ArrowRight: () => pitchOp('next').catch(() => {}),
  ArrowLeft: () => pitchOp('previous').catch(() => {}),
  r: () => pitchOp('restart').catch(() => {}),
  R: () => pitchOp('restart').catch(() => {}),
  '+': () => pitchOp('add_time', { delta_ms: STEP_MS }).catch(() => {}),
  '=': () => pitchOp('add_time', { delta_ms: STEP_MS }).catch(() => {}),
  '-': () => pitchOp('add_time', { delta_ms: -STEP_MS }).catch(() => {}),
  '−': () => pitchOp('add_time', { delta_ms: -STEP_MS }).catch(() => {}),
};
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  const tgt = e.target;
  // Keys typed into fields, or Space/Enter on a button, are theirs.
  if (tgt.closest?.('input, textarea, select, button, a, summary, [contenteditable], dialog[open]')) return;
  const fn = shortcuts[e.key];
  if (!fn) return;
  e.preventDefault();
  fn();
});

function renderShow() {
  const tm = S.pitch?.timer;
  $('#show-team').textContent = tm?.team != null ? teamName(tm.team) : t('live.nobody');
  $('#show-state').textContent = timerStateText(tm) || t('show.idle');
  const running = tm?.state === 'running';
  const paused = tm?.state === 'paused';
  fill($('#timer-buttons'),
    h('button', { type: 'button', class: 'btn btn-primary', id: 'timer-start', onclick: toggleRun },
      running ? t('show.pause') : paused ? t('show.resume') : t('show.start'), h('kbd', null, t('show.space'))),
    h('button', { type: 'button', class: 'btn', id: 'timer-prev', onclick: () => shortcuts.ArrowLeft() }, `← ${t('show.previous')}`),
    h('button', { type: 'button', class: 'btn', id: 'timer-next', onclick: () => shortcuts.ArrowRight() }, `${t('show.next')} →`),
    h('button', { type: 'button', class: 'btn', id: 'timer-restart', onclick: () => shortcuts.r() }, t('show.restart'), h('kbd', null, 'R')),
    h('button', { type: 'button', class: 'btn', id: 'timer-minus', 'aria-label': t('show.minus'), onclick: () => shortcuts['-']() }, '−30 s'),
    h('button', { type: 'button', class: 'btn', id: 'timer-plus', 'aria-label': t('show.plus'), onclick: () => shortcuts['+']() }, '+30 s'),
    h('button', { type: 'button', class: 'btn', id: 'timer-stop', onclick: () => pitchOp('stop').catch(() => {}) }, t('show.stop')),
    h('button', { type: 'button', class: 'btn', id: 'timer-qa', disabled: !(S.pitch && tm?.team != null) || null, onclick: () => pitchOp('start_qa').catch(() => {}) }, t('show.qa')));
  renderOrder();
}

$('#speaker-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('#speaker-text').value.trim();
  pitchOp('speaker_message', { text: text || null }).then(() => { $('#speaker-text').value = ''; }, () => {});
});
$('#speaker-clear').addEventListener('click', () => pitchOp('speaker_message', { text: null }).catch(() => {}));

let dragFrom = null;
function renderOrder() {
  keepFocus(() => {
    const server = S.pitch?.order ?? [];
    const order = S.order ?? server;
    const dirty = S.order != null && JSON.stringify(S.order) !== JSON.stringify(server);
    const current = S.pitch?.timer?.team;
    const list = $('#order');
    list.classList.toggle('is-dirty', dirty);
    const move = (i, d) => {
      const next = [...order];
      const j = i + d;
      if (j < 0 || j >= next.length) return;
      [next[i], next[j]] = [next[j], next[i]];
      S.order = next;
      renderOrder();
    };
    fill(list, order.map((id, i) => {
      const li = h('li', { draggable: 'true', class: id === current ? 'is-current' : '', dataset: { team: String(id) } },
        h('span', { class: 'grow' }, teamName(id)),
        h('button', { type: 'button', class: 'icon-btn', id: `order-up-${id}`, 'aria-label': t('show.up', { team: teamName(id) }), disabled: i === 0 || null, onclick: () => move(i, -1) }, '↑'),
        h('button', { type: 'button', class: 'icon-btn', id: `order-down-${id}`, 'aria-label': t('show.down', { team: teamName(id) }), disabled: i === order.length - 1 || null, onclick: () => move(i, 1) }, '↓'),
        h('button', { type: 'button', class: 'icon-btn', id: `order-remove-${id}`, 'aria-label': t('show.remove', { team: teamName(id) }), onclick: () => { S.order = order.filter((x) => x !== id); renderOrder(); } }, '✕'));
      li.addEventListener('dragstart', (e) => { dragFrom = i; li.classList.add('is-dragging'); e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', String(id)); });
      li.addEventListener('dragend', () => li.classList.remove('is-dragging'));
      li.addEventListener('dragover', (e) => { e.preventDefault(); li.classList.add('is-over'); });
      li.addEventListener('dragleave', () => li.classList.remove('is-over'));
      li.addEventListener('drop', (e) => {
        e.preventDefault();
        if (dragFrom == null || dragFrom === i) return;
        const next = [...order];
        const [moved] = next.splice(dragFrom, 1);
        next.splice(i, 0, moved);
        dragFrom = null;
        S.order = next;
        renderOrder();
      });
      return li;
    }));
    const missing = [...store.teams.values()].filter((tm) => !order.includes(tm.id));
    const add = h('select', { class: 'select', id: 'order-add', 'aria-label': t('show.addTeam') },
      h('option', { value: '' }, t('show.addTeam')), missing.map((tm) => h('option', { value: String(tm.id) }, tm.name)));
    add.addEventListener('change', () => {
      if (!add.value) return;
      S.order = [...order, Number(add.value)];
      renderOrder();
    });
    fill($('#order-buttons'),
      missing.length ? add : null,
      missing.length ? btn(t('show.addAll'), () => { S.order = [...order, ...missing.map((tm) => tm.id)]; renderOrder(); }, { id: 'order-add-all' }) : null,
      btn(t('show.saveOrder'), () => act({ type: 'pitch', op: 'set_order', order }, t('show.orderSaved')).then(() => { S.order = null; renderOrder(); }, () => {}), { id: 'order-save', disabled: !dirty || null }),
      dirty ? btn(t('common.cancel'), () => { S.order = null; renderOrder(); }) : null,
      btn(t('show.shuffle'), () => act({ type: 'pitch', op: 'shuffle', seed: 0 }).then(() => { S.order = null; }, () => {}), { id: 'order-shuffle' }));
    renderDurations();
  });
}

function renderDurations() {
  const form = $('#durations');
  if (form.contains(document.activeElement)) return;
  const tm = S.pitch?.timer;
  const f = (id, label, ms) => h('label', { for: id }, label, h('input', { class: 'input', type: 'number', min: 0, step: 5, id, value: String(Math.round(ms / 1000)) }));
  // pitch_ms and qa_ms are not in the timer view; the segment length is.
  const pitchMs = tm && tm.segment === 'pitch' ? tm.segment_ms : Number(form.dataset.pitch || 180000);
  fill(form,
    f('dur-pitch', t('show.durPitch'), pitchMs),
    f('dur-qa', t('show.durQa'), Number(form.dataset.qa || 0)),
    f('dur-warning', t('show.durWarning'), tm?.warning_ms ?? 60000),
    f('dur-wrapup', t('show.durWrapup'), tm?.wrapup_ms ?? 30000),
    h('button', { type: 'submit', class: 'small-btn' }, t('show.saveDurations')));
}
$('#durations').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = (id) => Math.round(Number($(`#${id}`).value || 0) * 1000);
  const msg = { type: 'pitch', op: 'set_durations', pitch_ms: v('dur-pitch'), qa_ms: v('dur-qa'), warning_ms: v('dur-warning'), wrapup_ms: v('dur-wrapup') };
  act(msg, t('show.durationsSaved')).then(() => {
    $('#durations').dataset.pitch = String(msg.pitch_ms);
    $('#durations').dataset.qa = String(msg.qa_ms);
  }, () => {});
});

// ----- programme -----
function renderProgram() {
  keepFocus(() => {
    const p = store.program;
    if (!p) return;
    const phase = h('select', { class: 'select', id: 'phase-select' }, PHASES.map((ph) => h('option', { value: ph }, t(`phase.name.${ph}`))));
    phase.value = p.phase;
    phase.addEventListener('change', () => act({ type: 'set_phase', phase: phase.value }, t('program.phaseSet')).catch(() => {}));
    const formation = h('input', { type: 'checkbox', id: 'self-service' });
    formation.checked = p.self_service_teams;
    formation.addEventListener('change', () => act({ type: 'set_team_formation', self_service: formation.checked }).catch(() => {}));
    // Schedule: one datetime-local per phase; blank ones are left out.
    const sched = new Map(p.schedule.map((s) => [s.phase, s.starts_at]));
    const schedRows = PHASES.map((ph) => {
      const input = h('input', { type: 'datetime-local', class: 'input', id: `sched-${ph}` });
      if (sched.has(ph)) input.value = toLocalInput(sched.get(ph));
      return [h('label', { for: `sched-${ph}` }, t(`phase.name.${ph}`)), input];
    });
    const schedForm = h('form', { id: 'schedule-form' }, h('div', { class: 'form-grid' }, schedRows), h('button', { type: 'submit', class: 'small-btn' }, t('program.saveSchedule')));
    schedForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const schedule = PHASES.map((ph) => ({ phase: ph, value: $(`#sched-${ph}`).value }))
        .filter((s) => s.value).map((s) => ({ phase: s.phase, starts_at: new Date(s.value).getTime() }));
      act({ type: 'set_schedule', schedule }, t('program.scheduleSaved')).catch(() => {});
    });
    const title = h('input', { class: 'input', id: 'challenge-title', maxlength: 80, placeholder: t('program.challengeTitle') });
    const desc = h('input', { class: 'input', id: 'challenge-desc', maxlength: 2000, placeholder: t('program.challengeDesc') });
    const addForm = h('form', { class: 'inline-form', id: 'challenge-form' },
      h('label', { class: 'sr-only', for: 'challenge-title' }, t('program.challengeTitle')), title,
      h('label', { class: 'sr-only', for: 'challenge-desc' }, t('program.challengeDesc')), desc,
      h('button', { type: 'submit', class: 'small-btn' }, t('program.addChallenge')));
    addForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!title.value.trim()) return;
      act({ type: 'add_challenge', title: title.value.trim(), description: desc.value.trim() }).then(() => { title.value = ''; desc.value = ''; }, () => {});
    });
    fill($('#program'),
      h('div', { class: 'form-grid' },
        h('label', { for: 'phase-select' }, t('program.phase')), phase,
        h('label', { for: 'self-service' }, t('program.selfService')), formation),
      h('h3', null, t('program.schedule')), schedForm,
      h('h3', null, t('program.challenges')),
      h('ul', { class: 'list', id: 'challenges' }, p.challenges.map((c) => h('li', null,
        h('span', { class: 'grow' }, h('strong', null, c.title), c.description ? h('span', { class: 'muted' }, ` — ${c.description}`) : null),
        btn(t('common.edit'), () => {
          const nt = prompt(t('program.challengeTitle'), c.title);
          if (nt == null) return;
          const nd = prompt(t('program.challengeDesc'), c.description);
          act({ type: 'update_challenge', id: c.id, title: nt.trim(), description: (nd ?? c.description).trim() }).catch(() => {});
        }, { 'aria-label': t('program.editLabel', { title: c.title }) }),
        btn(t('common.delete'), () => { if (confirm(t('program.confirmDelete', { title: c.title }))) act({ type: 'remove_challenge', id: c.id }).catch(() => {}); }, { 'aria-label': t('program.deleteLabel', { title: c.title }) })))),
      addForm);
  });
}

function toLocalInput(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// ----- teams -----
/** A challenge picker: "no challenge" then the programme's challenges. */
function challengeSelect(attrs, selected) {
  const select = h('select', { class: 'select select-small', ...attrs },
    h('option', { value: '' }, t('teams.noChallenge')),
    (store.program?.challenges ?? []).map((c) => h('option', { value: String(c.id) }, c.title)));
  select.value = selected == null ? '' : String(selected);
  return select;
}
const challengeOf = (select) => (select.value === '' ? null : Number(select.value));

function renderTeams() {
  keepFocus(() => {
    const teams = [...store.teams.values()].sort((a, b) => a.name.localeCompare(b.name));
    const row = (tm) => {
      const challenge = challengeSelect({ id: `team-challenge-${tm.id}`, 'aria-label': t('teams.challengeLabel', { name: tm.name }) }, tm.challenge);
      challenge.addEventListener('change', () => act({ type: 'set_team_challenge', team: tm.id, challenge: challengeOf(challenge) }, t('teams.challengeSet')).catch(() => {}));
      return h('tr', null,
        h('th', { scope: 'row' }, tm.name),
        h('td', { title: tm.members.map((m) => store.nameOf(m)).join(', ') }, String(tm.members.length)),
        h('td', null, challenge),
        h('td', null, tm.table ? store.roomLabel(tm.table) : '—'),
        h('td', null, btn(t('teams.summon'), () => act({ type: 'summon', team: tm.id }, t('announce.summoned')).catch(() => {}), { 'aria-label': t('teams.summonLabel', { name: tm.name }) })));
    };
    // A push redraws the card: what is half typed survives it.
    const typed = $('#new-team-name')?.value ?? '';
    const picked = $('#new-team-challenge')?.value || null;
    const name = h('input', { class: 'input', id: 'new-team-name', maxlength: 40, placeholder: t('teams.newName'), value: typed });
    const challenge = challengeSelect({ id: 'new-team-challenge' }, picked);
    const addForm = h('form', { class: 'inline-form', id: 'team-form' },
      h('label', { class: 'sr-only', for: 'new-team-name' }, t('teams.newName')), name,
      h('label', { class: 'sr-only', for: 'new-team-challenge' }, t('teams.newChallenge')), challenge,
      h('button', { type: 'submit', class: 'small-btn', id: 'new-team-add' }, t('teams.add')));
    addForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!name.value.trim()) return;
      // The push of the new team redraws the card before the ack: clear
      // the form that is on screen then.
      act({ type: 'add_team', name: name.value.trim(), challenge: challengeOf(challenge) }, t('teams.added')).then(() => {
        for (const el of [$('#new-team-name'), $('#new-team-challenge')]) if (el) el.value = '';
      }, () => {});
    });
    fill($('#teams'), teams.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', id: 'teams-table' },
        h('thead', null, h('tr', null, ['teams.name', 'teams.members', 'teams.challenge', 'teams.table', 'teams.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', null, teams.map(row))))
      : h('p', { class: 'empty' }, t('team.noTeams')),
    addForm);
  });
}

// ----- announcements and summon -----
/** Forms built once per language (they keep what is being typed); true when up to date. */
function builtInLang(box) {
  if (box.childElementCount && box.dataset.lang === getLang()) return true;
  box.dataset.lang = getLang();
  return false;
}

function renderAnnounce() {
  const box = $('#announce');
  const typed = $('#announce-text')?.value ?? '';
  const chosen = $('#summon-role')?.value ?? '';
  if (builtInLang(box)) return;
  const text = h('textarea', { class: 'input', id: 'announce-text', rows: 3, maxlength: 1000 });
  text.value = typed;
  const form = h('form', { class: 'stack-form', id: 'announce-form' },
    h('label', { for: 'announce-text' }, t('announce.label')), text,
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('announce.send')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    act({ type: 'chat', scope: 'announcement', text: value }, t('announce.sent')).then(() => { text.value = ''; }, () => {});
  });
  const role = h('select', { class: 'select', id: 'summon-role' }, h('option', { value: '' }, t('announce.everyone')), ROLES.filter((r) => r !== 'spectator').map((r) => h('option', { value: r }, t(`role.${r}`))));
  const summon = h('form', { class: 'inline-form', id: 'summon-form' },
    h('label', { for: 'summon-role' }, t('announce.summon')), role,
    h('button', { type: 'submit', class: 'small-btn' }, t('announce.summonBtn')));
  role.value = chosen;
  summon.addEventListener('submit', (e) => {
    e.preventDefault();
    const msg = { type: 'summon' };
    if (role.value) msg.role = role.value;
    act(msg, t('announce.summoned')).catch(() => {});
  });
  keepFocus(() => fill(box, form, summon));
}

// ----- help -----
function renderHelp() {
  const s = S.helpStats;
  const min = (ms) => (ms == null ? '—' : formatWait(ms));
  fill($('#helpstats'),
    s ? h('dl', { class: 'kv', id: 'help-stats' },
      [['helpstats.open', s.open], ['helpstats.claimed', s.claimed], ['helpstats.resolved', s.resolved], ['helpstats.cancelled', s.cancelled],
        ['helpstats.medianWait', min(s.median_wait_ms)], ['helpstats.medianHandling', min(s.median_handling_ms)], ['helpstats.mentors', s.mentors_available]]
        .map(([k, v]) => h('div', null, h('dt', null, t(k)), h('dd', null, String(v))))) : null,
    s && s.per_mentor.length ? h('table', { class: 'grid' },
      h('thead', null, h('tr', null, ['helpstats.mentor', 'helpstats.taken', 'helpstats.resolved', 'helpstats.rating'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, s.per_mentor.map((m) => h('tr', null, h('th', { scope: 'row' }, store.nameOf(m.mentor)), h('td', null, String(m.claimed)), h('td', null, String(m.resolved)), h('td', null, m.average_rating == null ? '—' : `${formatNumber(m.average_rating, 1)} ★`))))) : null,
    h('h3', null, t('helpstats.queue')),
    S.helpQueue.length ? h('ul', { class: 'list' }, S.helpQueue.map((r) => h('li', null,
      h('span', { class: 'grow' }, h('strong', null, r.team_name), ` · ${r.tags.map((x) => t(`tag.${x}`)).join(', ')} · `, t(`help.state.${r.state}`, { mentor: r.mentor_name ?? '' })),
      h('span', { class: 'muted' }, formatTime(r.asked_at))))) : h('p', { class: 'muted' }, t('mentor.empty')));
}

// ----- jury -----
function renderJury() {
  const j = S.jury;
  if (!j) return fill($('#jurystatus'), h('p', { class: 'muted' }, '…'));
  fill($('#jurystatus'),
    h('p', null, h('span', { class: `pill ${j.judging_open ? 'pill-ok' : 'pill-off'}`, id: 'mod-judging' }, t(j.judging_open ? 'jury.open' : 'jury.closed')), ' ',
      h('span', { class: `pill ${j.published ? 'pill-ok' : 'pill-off'}` }, t(j.published ? 'jurystatus.published' : 'jurystatus.unpublished'))),
    h('div', { class: 'row-buttons' },
      btn(t('jurystatus.open'), () => act({ type: 'jury', op: 'open_judging' }).catch(() => {}), { id: 'judging-open', disabled: j.judging_open || null }),
      btn(t('jurystatus.close'), () => act({ type: 'jury', op: 'close_judging' }).catch(() => {}), { id: 'judging-close', disabled: !j.judging_open || null }),
      // Publishing shows every juror's detailed scores: asked twice, on purpose.
      btn(t('jurystatus.publish'), () => {
        if (window.confirm(t('jurystatus.publishConfirm'))) act({ type: 'jury', op: 'publish' }).catch(() => {});
      }, { disabled: j.published || null, id: 'jury-publish' }),
      btn(t('jurystatus.unpublish'), () => act({ type: 'jury', op: 'unpublish' }).catch(() => {}), { disabled: !j.published || null })),
    h('p', { class: 'muted' }, t('jurystatus.criteria', { list: j.rubric.criteria.map((c) => `${c.label} (/${c.max}, ×${c.weight})`).join(' · ') })),
    j.jurors.length ? h('table', { class: 'grid', id: 'jurors' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('jurystatus.juror')), h('th', { scope: 'col' }, t('jurystatus.scored')), h('th', { scope: 'col' }, t('jurystatus.remaining')))),
      h('tbody', null, j.jurors.map((x) => h('tr', null, h('th', { scope: 'row' }, x.name), h('td', null, String(x.scored)), h('td', null, String(x.remaining))))))
      : h('p', { class: 'muted' }, t('jurystatus.none')));
}

// ----- leaderboard -----
function renderLeader() {
  const b = S.board;
  const mode = b?.mode ?? 'hidden';
  const pub = b?.public;
  fill($('#leader'),
    h('p', null, t('leader.public'), ' ', h('strong', { id: 'board-mode' }, t(`board.mode.${mode}`)),
      pub && pub.mode === 'reveal' ? ` · ${tn('live.reveal', pub.revealed ?? 0, { of: pub.total })}` : ''),
    h('div', { class: 'row-buttons' },
      btn(t('leader.hide'), () => act({ type: 'leaderboard', op: 'hide' }).catch(() => {}), { id: 'board-hide', 'aria-pressed': String(mode === 'hidden') }),
      btn(t('leader.live'), () => act({ type: 'leaderboard', op: 'live' }).catch(() => {}), { id: 'board-live', 'aria-pressed': String(mode === 'live') }),
      btn(t('leader.freeze'), () => act({ type: 'leaderboard', op: 'freeze' }).catch(() => {}), { id: 'board-freeze', 'aria-pressed': String(mode === 'frozen') }),
      btn(t('leader.reveal'), () => act({ type: 'leaderboard', op: 'reveal' }).catch(() => {}), { id: 'board-reveal', 'aria-pressed': String(mode === 'reveal') }),
      btn(t('leader.revealNext'), () => act({ type: 'leaderboard', op: 'reveal_next' }).catch(() => {}), { id: 'board-reveal-next', disabled: mode !== 'reveal' || null })),
    (() => {
      const box = h('input', { type: 'checkbox', id: 'board-normalize' });
      box.checked = Boolean(b?.normalize);
      box.addEventListener('change', () => act({ type: 'leaderboard', op: 'set_normalize', on: box.checked }).catch(() => {}));
      return h('label', { class: 'toggle', for: 'board-normalize' }, box, ' ', t('leader.normalize'));
    })(),
    staffBoard(b, store, S.awards));
}

// ----- votes -----
function renderVotes() {
  keepFocus(() => {
    const v = S.votes;
    if (!v) return;
    const per = h('input', { type: 'number', class: 'input', id: 'votes-per', min: 1, max: 10, value: String(v.per_voter) });
    per.addEventListener('change', () => act({ type: 'vote', op: 'set_per_voter', per_voter: Number(per.value) }).catch(() => {}));
    const show = h('input', { type: 'checkbox', id: 'votes-show' });
    show.checked = v.show_counts;
    show.addEventListener('change', () => act({ type: 'vote', op: 'show_counts', show: show.checked }).catch(() => {}));
    const counts = Object.entries(v.counts ?? {}).sort((a, b) => b[1] - a[1]);
    fill($('#votes'),
      h('p', null, h('span', { class: `pill ${v.open ? 'pill-ok' : 'pill-off'}`, id: 'votes-state' }, t(v.open ? 'votes.open' : 'votes.closed'))),
      h('div', { class: 'row-buttons' },
        btn(t('votes.openBtn'), () => act({ type: 'vote', op: 'open' }).catch(() => {}), { id: 'votes-open', disabled: v.open || null }),
        btn(t('votes.closeBtn'), () => act({ type: 'vote', op: 'close' }).catch(() => {}), { id: 'votes-close', disabled: !v.open || null })),
      h('div', { class: 'form-grid' },
        h('label', { for: 'votes-per' }, t('votes.perVoter')), per,
        h('label', { for: 'votes-show' }, t('votes.showCounts')), show),
      counts.length ? h('ul', { class: 'list' }, counts.map(([team, n]) => h('li', null, h('span', { class: 'grow' }, teamName(Number(team))), h('strong', null, String(n))))) : h('p', { class: 'muted' }, t('votes.none')));
  });
}

// ----- labels -----
function renderLabels() {
  keepFocus(() => {
    const teams = [...store.teams.values()];
    const id = h('input', { class: 'input', id: 'label-id', pattern: '[a-z0-9_]{1,32}', placeholder: 'king_of_data' });
    const name = h('input', { class: 'input', id: 'label-name', maxlength: 60 });
    const desc = h('input', { class: 'input', id: 'label-desc', maxlength: 500 });
    const unique = h('input', { type: 'checkbox', id: 'label-unique' });
    const form = h('form', { id: 'label-form' },
      h('div', { class: 'form-grid' },
        h('label', { for: 'label-id' }, t('labels.id')), id,
        h('label', { for: 'label-name' }, t('labels.name')), name,
        h('label', { for: 'label-desc' }, t('labels.desc')), desc,
        h('label', { for: 'label-unique' }, t('labels.unique')), unique),
      h('button', { type: 'submit', class: 'small-btn' }, t('labels.define')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      act({ type: 'award', op: 'define', id: id.value.trim(), name: name.value.trim(), description: desc.value.trim(), unique: unique.checked }).then(() => form.reset(), () => {});
    });
    fill($('#labels'),
      h('ul', { class: 'list', id: 'labels-list' }, S.awards.map((a) => {
        const give = h('select', { class: 'select', 'aria-label': t('labels.giveLabel', { name: a.name }) },
          h('option', { value: '' }, t('labels.give')), teams.filter((tm) => !a.teams.includes(tm.id)).map((tm) => h('option', { value: String(tm.id) }, tm.name)));
        give.addEventListener('change', () => { if (give.value) act({ type: 'award', op: 'give', award: a.id, team: Number(give.value) }).catch(() => {}); });
        return h('li', null,
          h('span', { class: 'grow' }, h('strong', null, a.name), a.unique ? h('span', { class: 'muted' }, ` · ${t('labels.unique')}`) : null,
            h('span', { class: 'tags' }, a.teams.map((tm) => h('button', { type: 'button', class: 'tag', title: t('labels.take'), 'aria-label': t('labels.takeLabel', { name: a.name, team: teamName(tm) }), onclick: () => act({ type: 'award', op: 'take', award: a.id, team: tm }).catch(() => {}) }, `${teamName(tm)} ✕`)))),
          give,
          btn(t('common.delete'), () => act({ type: 'award', op: 'remove', id: a.id }).catch(() => {}), { 'aria-label': t('labels.removeLabel', { name: a.name }) }));
      })),
      h('h3', null, t('labels.new')), form);
  });
}

// ----- moderation -----
function renderModeration() {
  keepFocus(() => {
    const me = store.me?.id;
    const people = [...store.people.values()].filter((p) => p.id !== me).sort((a, b) => a.name.localeCompare(b.name));
    const reason = () => $('#mod-reason')?.value.trim() ?? '';
    const messages = [...S.chat.values()].sort((a, b) => b.seq - a.seq).slice(0, 40);
    const old = $('#mod-reason')?.value ?? '';
    const reasonInput = h('input', { class: 'input', id: 'mod-reason', maxlength: 200 });
    reasonInput.value = old;
    fill($('#moderation'),
      h('div', { class: 'inline-form' }, h('label', { for: 'mod-reason' }, t('mod.reason')), reasonInput),
      h('div', { class: 'mod-grid' },
        h('div', null, h('h3', null, t('mod.people')), h('ul', { class: 'list scroll-box', id: 'mod-people' }, people.map((p) => {
          const muted = S.muted.has(p.id);
          return h('li', null,
            h('span', { class: 'grow' }, p.name, h('span', { class: 'muted' }, ` · ${t(`role.${p.role}`)}${p.connected === false ? ` · ${t('people.disconnected')}` : ''}`)),
            p.role === 'moderator' ? null : [
              muted
                ? btn(t('mod.unmute'), () => act({ type: 'unmute', member: p.id }).catch(() => {}), { 'aria-label': t('mod.unmuteLabel', { name: p.name }) })
                : btn(t('mod.mute'), () => act({ type: 'mute', member: p.id, reason: reason() }).catch(() => {}), { 'aria-label': t('mod.muteLabel', { name: p.name }) }),
              btn(t('mod.kick'), () => { if (confirm(t('mod.confirmKick', { name: p.name }))) act({ type: 'kick', member: p.id, reason: reason() }).catch(() => {}); }, { 'aria-label': t('mod.kickLabel', { name: p.name }) }),
              btn(t('mod.ban'), () => { if (confirm(t('mod.confirmBan', { name: p.name }))) act({ type: 'ban', member: p.id, reason: reason() }).catch(() => {}); }, { 'aria-label': t('mod.banLabel', { name: p.name }) })]);
        }))),
        h('div', null, h('h3', null, t('mod.messages')), h('ul', { class: 'list scroll-box', id: 'mod-messages' }, messages.map((m) => h('li', null,
          h('span', { class: 'grow' }, h('strong', null, m.from_name), h('span', { class: 'muted' }, ` · ${m.channel} · ${formatTime(m.at)}`), h('br'), m.text),
          btn(t('common.delete'), () => act({ type: 'delete_message', seq: m.seq, reason: reason() }).catch(() => {}), { 'aria-label': t('mod.deleteLabel', { name: m.from_name }) })))))));
  });
}

// ----- invites -----
function renderInvites() {
  keepFocus(() => {
    const role = h('select', { class: 'select', id: 'invite-role' }, ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))));
    const label = h('input', { class: 'input', id: 'invite-label', maxlength: 200 });
    const uses = h('input', { class: 'input', id: 'invite-uses', type: 'number', min: 1 });
    const hours = h('input', { class: 'input', id: 'invite-hours', type: 'number', min: 1 });
    const form = h('form', { id: 'invite-form' },
      h('div', { class: 'form-grid' },
        h('label', { for: 'invite-role' }, t('invites.role')), role,
        h('label', { for: 'invite-label' }, t('invites.label')), label,
        h('label', { for: 'invite-uses' }, t('invites.maxUses')), uses,
        h('label', { for: 'invite-hours' }, t('invites.hours')), hours),
      h('button', { type: 'submit', class: 'small-btn' }, t('invites.create')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const msg = { type: 'create_invite', role: role.value, label: label.value.trim() };
      if (uses.value) msg.max_uses = Number(uses.value);
      if (hours.value) msg.expires_at = Math.round(clock.serverNow() + Number(hours.value) * 3600000);
      act(msg).catch(() => {});
    });
    const created = S.created;
    fill($('#invites'),
      created ? h('div', { class: 'token-box', role: 'status' }, t('invites.created'), h('br'),
        `${location.origin}/?event=${encodeURIComponent(eventId)}&invite=${created.token}`) : null,
      form,
      h('ul', { class: 'list', id: 'invites-list' }, S.invites.map((i) => h('li', null,
        h('span', { class: 'grow' }, h('strong', null, t(`role.${i.role}`)), ` · ${i.label || i.name || `#${i.id}`}`,
          h('span', { class: 'muted' }, ` · ${t('invites.uses', { n: i.uses, max: i.max_uses ?? '∞' })}${i.expires_at ? ` · ${t('invites.until', { time: formatTime(i.expires_at) })}` : ''}${i.revoked ? ` · ${t('invites.revoked')}` : ''}`)),
        i.revoked ? null : btn(t('invites.revoke'), () => act({ type: 'revoke_invite', invite: i.id }).catch(() => {}))))));
  });
}

// ----- export and roster -----
function token() {
  try { return localStorage.getItem(`amphi.session.${eventId}`); } catch { return null; }
}
function renderExport() {
  const box = $('#export');
  if (builtInLang(box)) return;
  const link = (format, file) => btn(t(`export.${format.replace('.', '_')}`), async () => {
    try {
      const res = await fetch(`/api/events/${encodeURIComponent(eventId)}/results?format=${format}`, { headers: { Authorization: `Bearer ${token()}` } });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      const blob = await res.blob();
      const a = h('a', { href: URL.createObjectURL(blob), download: file });
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    } catch (err) {
      toast(t('err.generic', { message: err.message }), 'error');
    }
  }, { id: `export-${format.replace('.', '-')}` });
  const file = h('input', { type: 'file', id: 'roster-file', accept: '.csv,text/csv' });
  const out = h('div', { id: 'roster-result', role: 'status' });
  const form = h('form', { class: 'stack-form', id: 'roster-form' },
    h('label', { for: 'roster-file' }, t('export.roster')), file,
    h('button', { type: 'submit', class: 'small-btn' }, t('export.import')), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    try {
      const res = await fetch(`/api/events/${encodeURIComponent(eventId)}/roster`, { method: 'POST', headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'text/csv' }, body: await f.arrayBuffer() });
      const body = await res.json();
      if (!res.ok) throw new Error(body.message || res.status);
      fill(out, h('p', null, tn('export.imported', body.invites.length)),
        h('ul', { class: 'list' }, body.invites.map((i) => h('li', null, h('span', { class: 'grow' }, `${i.name} (${t(`role.${i.role}`)}${i.team ? ` · ${i.team}` : ''})`, h('br'), h('span', { class: 'token-box' }, i.url))))));
    } catch (err) {
      fill(out, h('p', { class: 'form-error' }, t('err.generic', { message: err.message })));
    }
  });
  fill(box, h('div', { class: 'row-buttons' }, link('json', 'results.json'), link('csv', 'results.csv'), link('ranking.csv', 'ranking.csv')), form);
}

// ----- audit log -----
function renderAudit() {
  const entries = [...S.audit].reverse().slice(0, 100);
  fill($('#audit'), entries.length
    ? h('ul', { class: 'list scroll-box', id: 'audit-list' }, entries.map((e) => h('li', null,
      h('span', { class: 'muted' }, formatTime(e.at)), ' ',
      h('span', { class: 'grow' }, h('strong', null, store.nameOf(e.by)), ` · ${e.action} · ${e.target}${e.reason ? ` — ${e.reason}` : ''}`))))
    : h('p', { class: 'muted' }, t('audit.empty')));
}

if (params.get('debug')) window.amphi = { store, conn, clock, S };
renderConn();
if (conn.canStart()) conn.start();
else if (params.get('invite')) $('#join-dialog').showModal();
else gate(t('console.noSession'));

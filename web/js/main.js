// The participant page: wires the connection, the store and the views.
//
//   connection.js  WebSocket, hello/resume, rid requests, reconnect with backoff
//   venue.js       the venue's rooms, loaded once before connecting
//   clock.js       NTP-style server clock offset (ping/pong)
//   store.js       venue, rooms, people, teams, you; applies server messages
//   map.js         Tiled .tmj + tilesets, pre-painted into offscreen chunks
//   render.js      canvas: map, rooms, avatars (interpolated), camera, zoom
//   input.js       held keys → walk (predicted), click → walk_to, drag/wheel
//   chat.js        chat tabs, unread counts, history, dedupe by seq
//   people.js      people by room + all rooms (the canvas-free view)
//   team.js        your team (table, challenge), create/join/leave
//   help.js        ask for help: queue position, wait, cancel, rate
//   pitch.js       pitch timer overlay (timer.js), favourite vote
//   mentor.js      mentor panel: profile, help queue, claim/resolve, stats
//   jury.js        jury grid (teams × criteria), staff leaderboard
//   media.js       voice, video, screen sharing (WebRTC to the media server)
//   status.js      presence status select
//   i18n.js        every string, French and English
//   results.js     the published leaderboard and the ceremony, link to /live
//   notices.js     notices over the map (summon, announcements, vote), under the timer
//   ui.js          DOM helpers (text only, never HTML), toasts, live region

import { t, applyI18n, setLang, getLang, LANGS, onLangChange, has } from './i18n.js';
import { Connection } from './connection.js';
import { venueLoader } from './venue.js';
import { Clock } from './clock.js';
import { Store } from './store.js';
import { loadMap } from './map.js';
import { Renderer, colorOf } from './render.js';
import { Input } from './input.js';
import { Chat } from './chat.js';
import { People } from './people.js';
import { StatusPicker } from './status.js';
import { TeamPanel } from './team.js';
import { HelpPanel } from './help.js';
import { PitchPanel } from './pitch.js';
import { AudiencePanel } from './audience.js';
import { MentorPanel } from './mentor.js';
import { JuryPanel } from './jury.js';
import { Notices } from './notices.js';
import { ResultsPanel } from './results.js';
import { Media } from './media.js';
import { FloorControls } from './floor.js';
import { IdeasPanel } from './ideas.js';
import { ProjectPanel } from './project.js';
import { $, toast } from './ui.js';

const params = new URLSearchParams(location.search);
const eventId = params.get('event') || 'demo';
const invite = params.get('invite');

const store = new Store();
let connState = 'connecting';
let waitingUntil = 0;
let mapLoading = null;

function errorText(err) {
  if (!err) return '';
  if (err.code === 'timeout') return t('err.timeout');
  const key = `err.${err.code}`;
  return has(key) ? t(key) : t('err.generic', { message: err.message || err.code });
}
function showError(err) {
  toast(errorText(err), 'error');
}

// ----- language -----
const langSelect = $('#lang-select');
for (const { code, label } of LANGS) {
  const o = document.createElement('option');
  o.value = code;
  o.textContent = label;
  langSelect.appendChild(o);
}
langSelect.value = getLang();
langSelect.addEventListener('change', () => setLang(langSelect.value));
applyI18n(document);

// ----- connection -----
const conn = new Connection({
  eventId,
  invite,
  onMessage: (msg) => receive(msg),
  onState: (state, detail) => connectionState(state, detail),
  prepare: venueLoader(eventId, store),
});
const clock = new Clock((msg) => conn.raw(msg));

const notices = new Notices();

const canvas = $('#map');
const renderer = new Renderer(canvas, store);

// The server sends the avatars around ours that the screen can show (its
// area of interest): tell it how many tiles the canvas shows, again after
// every (re)join and whenever a resize or zoom changes it.
let sentView = null;
function sendView(force = false) {
  const view = renderer.viewTiles();
  if (!view || (!force && sentView && sentView.w === view.w && sentView.h === view.h)) return;
  if (conn.send({ type: 'view', ...view })) sentView = view;
}
setInterval(() => sendView(), 500);
const input = new Input({ canvas, store, renderer, conn, onError: showError });

// ----- side panel tabs -----
const ALL_SIDE = ['chat', 'people', 'team', 'ideas', 'mentor', 'jury'];
let SIDE = ['chat', 'people', 'team', 'ideas'];
let sideTab = 'chat';
/** The tabs a role sees: mentors get the help queue, jurors the grid. */
function sideTabsFor(role) {
  SIDE = ['chat', 'people', 'team', 'ideas'];
  if (role === 'mentor') SIDE.push('mentor');
  if (role === 'jury') SIDE.push('jury');
  for (const n of ALL_SIDE) $(`#side-tab-${n}`).hidden = !SIDE.includes(n);
  if (!SIDE.includes(sideTab)) selectSide('chat');
}
function selectSide(name, focus = false) {
  sideTab = name;
  // The jury grid needs room: the side panel widens while it is open.
  document.body.classList.toggle('wide-side', name === 'jury');
  for (const n of ALL_SIDE) {
    const tab = $(`#side-tab-${n}`);
    const active = n === name;
    tab.setAttribute('aria-selected', String(active));
    tab.tabIndex = active ? 0 : -1;
    $(`#panel-${n}`).hidden = !active;
  }
  if (focus) $(`#side-tab-${name}`).focus();
  if (name === 'chat') chat.markRead();
}
for (const n of ALL_SIDE) {
  const tab = $(`#side-tab-${n}`);
  tab.addEventListener('click', () => selectSide(n));
  tab.addEventListener('keydown', (e) => {
    const i = SIDE.indexOf(n);
    let next = null;
    if (e.key === 'ArrowRight') next = SIDE[(i + 1) % SIDE.length];
    else if (e.key === 'ArrowLeft') next = SIDE[(i + SIDE.length - 1) % SIDE.length];
    if (next) {
      e.preventDefault();
      selectSide(next, true);
    }
  });
}

const chat = new Chat({ store, conn, onError: showError, isVisible: () => sideTab === 'chat' });
chat.onUnread((n) => {
  const badge = $('#chat-total');
  badge.textContent = n > 99 ? '99+' : String(n);
  badge.hidden = n === 0;
  document.title = n ? `(${n}) ${titleBase()}` : titleBase();
});

function teleport(room) {
  conn.request({ type: 'teleport', room }).then(
    () => {
      renderer.centerOnMe();
      toast(t('teleported', { room: store.roomLabel(room) }));
    },
    showError,
  );
}
function locate(id) {
  renderer.locate(id);
}
new People({
  store,
  onLocate: locate,
  onTeleport: teleport,
  onMessage: (id) => {
    selectSide('chat');
    chat.openDirect(id);
  },
});
new StatusPicker({ store, conn, onError: showError });
new TeamPanel({ store, conn, onError: showError, onLocate: locate, onTeleport: teleport });
const help = new HelpPanel({ store, conn, onError: showError });
const ideas = new IdeasPanel({ store, conn, onError: showError });
const project = new ProjectPanel({ store, conn, onError: showError });
help.onOpen = () => {
  selectSide('team');
  help.focus();
};
const pitch = new PitchPanel({ store, conn, clock, onError: showError });
// Created at `welcome`, once one's role is known (spectators only react).
let audience = null;
// Our team takes the stage: said plainly, until the next team does.
pitch.onYourTurn = (msg) => {
  if (!msg) {
    notices.dismiss('your-turn');
    return;
  }
  notices.show({ id: 'your-turn', kind: 'summon', body: { key: 'pitch.yourTurn', params: { team: msg.team_name ?? '' } }, button: 'common.ok' });
  renderer.centerOnMe();
};
const mentor = new MentorPanel({
  store,
  conn,
  onError: showError,
  onBadge: (n) => {
    const badge = $('#mentor-badge');
    badge.textContent = String(n);
    badge.hidden = n === 0;
  },
});
const jury = new JuryPanel({ store, conn, onError: showError });
const results = new ResultsPanel({
  store,
  eventId,
  onPublished: (board) => {
    notices.show({
      id: 'results',
      kind: 'results',
      body: board.mode === 'reveal'
        ? { key: 'results.ceremony', params: { n: board.revealed ?? 0, of: board.total } }
        : { key: 'results.published' },
      button: 'results.show',
      action: () => {
        selectSide('team');
        $('#results-box').scrollIntoView({ block: 'nearest' });
      },
    });
  },
});
const media = new Media({ store, conn, onError: showError });
// Raise a hand in the amphitheatre, next to the microphone and camera.
const floor = new FloorControls({ store, conn, onError: showError, mount: $('#media-bar') });

// The voice and video toolbar covers the map's bottom: the camera may go
// that much further, so one's avatar on the map's last rows shows above it.
const coverMapBottom = () => {
  const bar = $('#media-bar');
  const covered = bar && !bar.hidden ? canvas.getBoundingClientRect().bottom - bar.getBoundingClientRect().top : 0;
  renderer.setBottomInset(Math.max(0, covered));
};
const toolbarWatch = new ResizeObserver(coverMapBottom);
toolbarWatch.observe($('#media-bar'));
toolbarWatch.observe(canvas);

// ----- map controls -----
$('#zoom-in').addEventListener('click', () => renderer.zoomBy(1));
$('#zoom-out').addEventListener('click', () => renderer.zoomBy(-1));
$('#center-me').addEventListener('click', () => renderer.centerOnMe());

// ----- header -----
function titleBase() {
  return store.event ? `${store.event.title} · Amphi` : 'Amphi';
}
function renderHeader() {
  const me = store.me;
  $('#event-title').textContent = store.event?.title ?? '';
  const room = store.myRoom;
  $('#current-room').textContent = room ? room.label : '—';
  if (me) {
    const link = $('#console-link');
    link.hidden = me.role !== 'moderator';
    link.href = `/console.html?event=${encodeURIComponent(eventId)}`;
    $('#me-box').hidden = false;
    $('#me-name').textContent = me.name;
    $('#me-role').textContent = t(`role.${me.role}`);
    $('#me-dot').style.background = colorOf(me.id);
  }
  const p = store.myPerson;
  $('#status-dot').className = `status-dot status-${p ? p.status : 'away'}`;
  // Without an avatar (spectators) there is no room and no presence status.
  $('#where').hidden = Boolean(me && !p);
  $('#status-field').hidden = Boolean(me && !p);
}
store.on('me', renderHeader);
store.on('me-room', renderHeader);
store.on('people', renderHeader);
onLangChange(() => {
  renderHeader();
  renderConn();
});

// ----- connection state -----
function connectionState(state, detail = {}) {
  const was = connState;
  connState = state;
  const dialog = $('#join-dialog');
  switch (state) {
    case 'online':
      if (dialog.open) dialog.close();
      notices.dismiss('replaced');
      if (was === 'waiting' || was === 'connecting') {
        if (store.me && was !== 'connecting') toast(t('conn.back'));
      }
      clock.start();
      break;
    case 'waiting':
      waitingUntil = detail.at;
      clock.stop();
      break;
    case 'need-name':
      askName(detail.error);
      break;
    case 'replaced':
      clock.stop();
      notices.show({ id: 'replaced', kind: 'warning', body: { key: 'conn.replacedHelp' }, button: 'conn.resumeBtn', action: () => conn.retryNow() });
      break;
    case 'kicked':
      clock.stop();
      notices.show({ id: 'replaced', kind: 'warning', body: { key: detail.key }, button: 'close.comeBack', action: () => conn.retryNow() });
      break;
    case 'banned':
      clock.stop();
      notices.dismiss('replaced');
      showFatal(t(detail.key));
      break;
    case 'fatal':
      clock.stop();
      showFatal(has(`join.${detail.code}`) ? t(`join.${detail.code}`) : detail.message || detail.code);
      break;
    default:
  }
  renderConn();
}

function renderConn() {
  const box = $('#conn');
  const text = $('#conn-text');
  const retry = $('#conn-retry');
  let cls = 'conn-connecting';
  let label = t('conn.connecting');
  retry.hidden = true;
  switch (connState) {
    case 'online':
      cls = 'conn-online';
      label = t('conn.online');
      break;
    case 'waiting': {
      const s = Math.max(0, Math.ceil((waitingUntil - Date.now()) / 1000));
      cls = 'conn-waiting';
      label = s > 0 ? t('conn.reconnecting', { s }) : t('conn.reconnectingNow');
      retry.hidden = false;
      break;
    }
    case 'replaced':
      cls = 'conn-offline';
      label = t('conn.replaced');
      break;
    case 'kicked':
    case 'banned':
    case 'fatal':
    case 'need-name':
      cls = 'conn-offline';
      label = t('conn.offline');
      break;
    default:
  }
  box.className = `conn ${cls}`;
  text.textContent = label;
  // Offline once we had joined (the venue is loaded before the first join).
  const offline = connState !== 'online' && store.me != null;
  $('#map-wrap').classList.toggle('is-offline', offline);
  $('#offline-note').hidden = !offline || ['replaced', 'kicked', 'banned'].includes(connState);
}
setInterval(() => {
  if (connState === 'waiting') renderConn();
}, 500);
$('#conn-retry').addEventListener('click', () => conn.retryNow());

function askName(error) {
  const dialog = $('#join-dialog');
  $('#join-fields').hidden = false;
  $('#join-fatal').hidden = true;
  $('#join-error').textContent = error ? t('err.invalid_name') : '';
  const name = $('#join-name');
  if (!name.value) name.value = conn.name || '';
  if (!dialog.open) dialog.showModal();
  name.focus();
}

function showFatal(text) {
  const dialog = $('#join-dialog');
  $('#join-fields').hidden = true;
  $('#join-intro').hidden = true;
  const fatal = $('#join-fatal');
  fatal.hidden = false;
  fatal.textContent = text;
  if (!dialog.open) dialog.showModal();
}

$('#join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('#join-name').value.trim();
  if (!name) {
    $('#join-error').textContent = t('join.nameRequired');
    return;
  }
  $('#join-dialog').close();
  conn.start(name);
});
$('#join-dialog').addEventListener('cancel', (e) => e.preventDefault());

// ----- server messages -----
function receive(msg) {
  switch (msg.type) {
    case 'welcome':
      store.apply(msg);
      sideTabsFor(msg.you.role);
      if (!audience) audience = new AudiencePanel({ store, conn, onError: showError });
      // Without an avatar there is no room to chat in: start on the announcements.
      if (!store.myPerson && !mapLoading) chat.select('announcements', { focus: false });
      chat.handle(msg);
      renderHeader();
      if (!mapLoading) mapLoading = startMap(msg.map_url);
      else renderer.centerOnMe();
      sendView(true);
      break;
    case 'pong':
      clock.onPong(msg);
      break;
    case 'chat':
    case 'chat_history':
      chat.handle(msg);
      break;
    case 'error':
      showError(msg);
      break;
    case 'room_changed':
      store.apply(msg);
      if (store.me && msg.id === store.me.id) chat.render();
      break;
    case 'chat_deleted':
      notices.dismiss(`announcement-${msg.seq}`);
      chat.handle(msg);
      break;
    case 'help_status':
      help.handle(msg);
      break;
    case 'help_queue':
    case 'mentor_stats':
    case 'mentor_profile':
    case 'help_reminder':
      mentor.handle(msg);
      break;
    case 'reactions':
    case 'questions':
      audience?.handle(msg);
      break;
    case 'pitch':
      audience?.handle(msg);
      // The session the summon called people to has started: the notice
      // has done its job.
      if (msg.timer?.team != null && msg.timer.state === 'running') notices.dismiss('summon');
      pitch.handle(msg);
      break;
    case 'votes':
      voteCall(msg);
      pitch.handle(msg);
      break;
    case 'leaderboard':
      results.handle(msg);
      pitch.handle(msg);
      break;
    case 'on_stage':
    case 'my_votes':
      pitch.handle(msg);
      break;
    case 'staff_leaderboard':
      // Staff get the full ranking and, inside it, what the public sees.
      results.handle({ type: 'leaderboard', board: msg.board?.public ?? null });
      jury.handle(msg);
      break;
    case 'jury_sheet':
    case 'awards':
      jury.handle(msg);
      break;
    case 'summoned':
      notices.show({ id: 'summon', kind: 'summon', body: { key: 'summon.notice', params: { name: msg.by_name } }, button: 'common.ok' });
      renderer.centerOnMe();
      break;
    case 'media_answer':
    case 'media_offer':
    case 'media_conversation':
    case 'media_muted':
    case 'media_closed':
    case 'media_ice_servers':
      media.handle(msg);
      break;
    case 'floor':
      floor.handle(msg);
      break;
    case 'ideas':
      ideas.handle(msg);
      break;
    case 'project':
    case 'submission':
      project.handle(msg);
      break;
    case 'mute_changed':
      if (store.me && msg.id === store.me.id) toast(t(msg.muted ? 'mod.youMuted' : 'mod.youUnmuted'), msg.muted ? 'error' : 'info');
      break;
    default:
      store.apply(msg);
  }
}

// ----- what must not be missed -----
// An announcement stays over the map until read; a direct message shows a
// toast unless that conversation is open; the opening of the favourite vote
// is a call to action for participants.
chat.onIncoming((m) => {
  if (m.channel === 'announcements') {
    notices.show({
      id: `announcement-${m.seq}`,
      kind: 'announcement',
      title: { key: 'notice.announcementFrom', params: { name: m.from_name } },
      body: { text: m.text },
      button: 'notice.read',
      speak: false, // the chat says every new message to screen readers
    });
  } else if (m.channel.startsWith('dm:') && !(sideTab === 'chat' && chat.tab === 'direct' && chat.dmWith === m.from)) {
    toast(t('notice.dm', { name: m.from_name, text: m.text }));
  }
});
let voteWasOpen = false;
function voteCall(msg) {
  const open = Boolean(msg.open);
  if (open && !voteWasOpen && store.me?.role === 'participant') {
    notices.show({
      id: 'vote',
      kind: 'vote',
      body: { key: 'notice.voteOpen' },
      button: 'notice.voteBtn',
      action: () => {
        selectSide('team');
        $('#vote-box').scrollIntoView({ block: 'nearest' });
        $('#vote-box button:not([disabled])')?.focus();
      },
    });
  } else if (!open) notices.dismiss('vote');
  voteWasOpen = open;
}

async function startMap(url) {
  const status = $('#map-status');
  try {
    const map = await loadMap(url);
    renderer.setMap(map);
    sendView(true);
    status.hidden = true;
  } catch (err) {
    console.error(err);
    status.textContent = t('map.failed');
    status.classList.add('error');
    mapLoading = null;
  }
}

// Debug/measurement hook: `?debug=1` exposes the renderer's frame rate.
if (params.get('debug')) {
  window.amphi = { store, renderer, conn, clock, chat, help, pitch, mentor, jury, notices, results, media, ideas, project };
}

// An invite link may carry the name (`&name=`), e.g. from an organiser's mailing.
const nameParam = params.get('name');
if (nameParam && !conn.session) conn.start(nameParam.trim());
else if (conn.canStart()) conn.start();
else if (invite) conn.start(); // checks the link before asking for a name
else connectionState('fatal', { code: 'no_invite' });

// The instance operator's page (/admin): every event, create, phase, clone,
// archive, delete — a client of the admin API (docs/events.md). The operator
// token comes from the link printed at first start (`#token=…`), is kept
// for this tab only (sessionStorage), and taken out of the address bar.

import { $, fill, h, toast, announce } from './ui.js';
import { t, LANGS, getLang, setLang, onLangChange, applyI18n, has } from './i18n.js';

const TOKEN_KEY = 'amphi.operator';
/** Time zones the server accepts (src/domain/settings.rs, TIME_ZONES). */
const TIME_ZONES = ['Europe/Paris', 'Europe/Brussels', 'Europe/Luxembourg', 'Europe/Zurich', 'Europe/Monaco',
  'Europe/London', 'Europe/Berlin', 'Europe/Madrid', 'America/Guadeloupe', 'America/Martinique', 'America/Cayenne',
  'America/Miquelon', 'America/Montreal', 'Indian/Reunion', 'Indian/Mayotte', 'Pacific/Noumea', 'Pacific/Tahiti',
  'Pacific/Wallis', 'Africa/Dakar', 'UTC'];
const PHASES = ['draft', 'registration', 'live', 'judging', 'results'];

let token = takeToken();
let events = [];

function takeToken() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromLink) {
    try { sessionStorage.setItem(TOKEN_KEY, fromLink); } catch { /* storage off */ }
    history.replaceState(null, '', location.pathname + location.search);
    return fromLink;
  }
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

/** One admin API call; resolves with the JSON answer or rejects with `{code, message, field, problems}`. */
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw json ?? { code: 'http', message: String(response.status) };
  return json;
}

/** An API refusal in words: the translated code when known, else the server's message. */
function describe(err) {
  const key = `err.${err.code}`;
  const head = has(key) ? t(key) : err.message;
  return [head, ...(err.problems ?? [])].join('\n');
}

function showStatus(text) {
  const status = $('#status');
  status.hidden = !text;
  status.textContent = text ?? '';
}

async function load() {
  try {
    events = (await api('GET', '/api/admin/events')).events;
  } catch (err) {
    if (err.code === 'unauthorized') {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage off */ }
      token = null;
      showStatus(t('admin.badToken'));
      showLogin();
      return;
    }
    showStatus(describe(err));
    return;
  }
  showStatus(null);
  $('#login').hidden = true;
  $('#events').hidden = false;
  $('#create').hidden = false;
  renderEvents();
}

function showLogin() {
  $('#login').hidden = false;
  $('#events').hidden = true;
  $('#create').hidden = true;
  $('#token').focus();
}

function renderEvents() {
  fill($('#events-body'), events.map((e) => {
    const archived = e.phase === 'archived';
    const phaseSelect = h('select', {
      class: 'select select-small', id: `phase-${e.id}`, disabled: archived,
      'aria-label': t('admin.phaseOf', { title: e.title }),
      onchange: (ev) => act(api('POST', `/api/admin/events/${e.id}/phase`, { phase: ev.target.value }), t('admin.phaseChanged')),
    }, (archived ? ['archived'] : PHASES).map((p) => h('option', { value: p, selected: p === e.phase }, t(`phase.${p}`))));
    return h('tr', { dataset: { event: e.id } },
      h('td', null, e.title),
      h('td', null, h('code', null, e.id)),
      h('td', null, phaseSelect),
      h('td', null, String(e.members)),
      h('td', { class: 'admin-actions' },
        h('a', { class: 'small-btn', href: `/console.html?event=${encodeURIComponent(e.id)}` }, t('admin.console')),
        h('button', { type: 'button', class: 'small-btn', 'aria-label': t('admin.cloneOf', { title: e.title }), onclick: () => cloneEvent(e) }, t('admin.clone')),
        archived ? null : h('button', {
          type: 'button', class: 'small-btn', 'aria-label': t('admin.archiveOf', { title: e.title }),
          onclick: () => { if (confirm(t('admin.confirmArchive', { title: e.title }))) act(api('POST', `/api/admin/events/${e.id}/archive`), t('admin.archived')); },
        }, t('admin.archive')),
        h('button', {
          type: 'button', class: 'small-btn', 'aria-label': t('admin.deleteOf', { title: e.title }),
          onclick: () => { if (confirm(t('admin.confirmDelete', { title: e.title }))) act(api('DELETE', `/api/admin/events/${e.id}`), t('admin.deleted')); },
        }, t('admin.delete'))));
  }));
}

/** Runs a change, says it went through (or why not), and reloads the list. */
function act(promise, done) {
  return promise.then((answer) => { toast(done); announce(done); if (answer?.moderator_link) showCreated(answer); return load(); },
    (err) => { toast(describe(err), 'error'); showStatus(describe(err)); });
}

function cloneEvent(e) {
  const title = prompt(t('admin.cloneTitle'), `${e.title} (copie)`);
  if (!title) return;
  const slug = prompt(t('admin.cloneSlug'), `${e.id}-copie`);
  if (!slug) return;
  act(api('POST', `/api/admin/events/${e.id}/clone`, { title: title.trim(), slug: slug.trim() }), t('admin.cloned'));
}

/** The new event's moderator link, shown once: only its hash is kept. */
function showCreated(created) {
  const link = created.moderator_link;
  fill($('#created'), h('div', { class: 'admin-created' },
    h('p', null, h('strong', null, t('admin.createdTitle', { title: created.event.title }))),
    h('p', { class: 'muted' }, t('admin.linkOnce')),
    h('label', { class: 'sr-only', for: 'moderator-link' }, t('admin.moderatorLink')),
    h('input', { class: 'input', id: 'moderator-link', readonly: true, value: link }),
    h('button', { type: 'button', class: 'small-btn', onclick: () => navigator.clipboard?.writeText(link).then(() => toast(t('admin.copied')), () => {}) }, t('admin.copy'))));
}

// A file's bytes in base64, as the admin API takes a map's files.
async function base64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function submitCreate(ev) {
  ev.preventDefault();
  const form = ev.target;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  fill($('#create-error'));
  const value = (name) => form.elements[name].value.trim();
  const number = (name) => (value(name) === '' ? null : Number(value(name)));
  const settings = {
    title: value('title'),
    slug: value('slug'),
    time_zone: value('time_zone'),
    languages: [...form.querySelectorAll('input[name=lang]:checked')].map((c) => c.value),
    starts_on: value('starts_on') || null,
    ends_on: value('ends_on') || null,
    map: value('map'),
    capacity: number('capacity'),
    team_size: number('team_size') ?? 7,
    invite_only: form.elements.invite_only.checked,
  };
  const body = { settings, template: { pitch_seconds: number('pitch_seconds') ?? 180 } };
  const file = form.elements.map_file.files[0];
  if (settings.map === 'uploaded' && file) {
    body.map_tmj = await file.text();
    body.map_files = {};
    for (const part of form.elements.map_files.files) body.map_files[part.name] = await base64(part);
  }
  try {
    const created = await api('POST', '/api/admin/events', body);
    form.reset();
    showCreated(created);
    toast(t('admin.createdTitle', { title: created.event.title }));
    await load();
    $('#moderator-link').focus();
  } catch (err) {
    const field = err.field && form.querySelector(`#f-${err.field}`);
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', 'create-error');
      field.focus();
    }
    fill($('#create-error'), describe(err).split('\n').map((line) => h('p', null, line)));
  }
}

function init() {
  const langSelect = $('#lang-select');
  fill(langSelect, LANGS.map((l) => h('option', { value: l.code, selected: l.code === getLang() }, l.label)));
  langSelect.addEventListener('change', () => setLang(langSelect.value));
  onLangChange(() => renderEvents());
  applyI18n(document);
  fill($('#f-time_zone'), TIME_ZONES.map((z) => h('option', { value: z }, z)));
  $('#f-map').addEventListener('change', (ev) => {
    for (const input of [$('#f-map_file'), $('#f-map_files')]) input.disabled = ev.target.value !== 'uploaded';
  });
  $('#create-form').addEventListener('submit', submitCreate);
  $('#login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = $('#token').value.trim();
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch { /* storage off */ }
    load();
  });
  window.amphiAdmin = { get events() { return events; } };
  if (token) load(); else showLogin();
}

init();

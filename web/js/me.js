// "My data" (/me?event=<slug>): what the event holds about me, downloaded
// as a file, and the deletion of my account (docs/privacy.md). Uses the
// session the venue page keeps for this event.

import { $, fill, h } from './ui.js';
import { t, tn, LANGS, getLang, setLang, applyI18n, has } from './i18n.js';

const eventId = new URLSearchParams(location.search).get('event') || 'demo';
const api = `/api/events/${encodeURIComponent(eventId)}/me`;
let data = null;

function session() {
  try { return localStorage.getItem(`amphi.session.${eventId}`); } catch { return null; }
}

async function call(method) {
  const res = await fetch(api, { method, headers: { Authorization: `Bearer ${session()}` } });
  const body = await res.json();
  if (!res.ok) throw body;
  return body;
}

function fail(err) {
  fill($('#me-error'), has(`err.${err.code}`) ? t(`err.${err.code}`) : (err.message ?? String(err)));
}

function render() {
  if (!data) return;
  fill($('#summary'),
    h('p', null, h('strong', null, data.name), ` · ${t(`role.${data.role}`)}${data.team ? ` · ${data.team}` : ''}`),
    h('p', null, tn('me.messages', data.messages.length)),
    data.registration ? h('p', null, t('me.registration')) : null);
}

function init() {
  const langSelect = $('#lang-select');
  fill(langSelect, LANGS.map((l) => h('option', { value: l.code, selected: l.code === getLang() }, l.label)));
  langSelect.addEventListener('change', () => { setLang(langSelect.value); render(); });
  applyI18n(document);
  if (!session()) {
    fill($('#summary'), h('p', null, t('me.noSession')));
    $('#download').disabled = true;
    $('#delete').disabled = true;
    return;
  }
  call('GET').then((body) => { data = body; render(); }, fail);
  $('#download').addEventListener('click', () => {
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `amphi-${eventId}-mes-donnees.json` });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });
  $('#delete').addEventListener('click', () => {
    if (!confirm(t('me.confirmDelete'))) return;
    call('DELETE').then(() => {
      try { localStorage.removeItem(`amphi.session.${eventId}`); } catch { /* storage off */ }
      data = null;
      fill($('#summary'), h('p', null, h('strong', null, t('me.deleted'))));
      $('#download').disabled = true;
      $('#delete').disabled = true;
    }, fail);
  });
}

init();

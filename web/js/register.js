// The public sign-up page of one event (/e/<slug>/register): name,
// organisation, skills, optional email, accessibility needs and consent to
// the privacy notice. The moderator then accepts or refuses; an accepted
// person gets a personal join link from the organizers.

import { $, fill, h } from './ui.js';
import { t, LANGS, getLang, setLang, applyI18n, has } from './i18n.js';

const slug = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const api = `/api/events/${encodeURIComponent(slug)}`;

function describe(err) {
  const key = `err.${err.code}`;
  return has(key) ? t(key) : err.message;
}

async function loadInfo() {
  const response = await fetch(`${api}/registration`);
  const info = await response.json();
  if (!response.ok) throw info;
  $('#event-title').textContent = info.title;
  document.title = `${info.title} — ${t('reg.title')}`;
  if (info.starts_on) {
    $('#dates').textContent = t('reg.dates', { from: info.starts_on, to: info.ends_on ?? info.starts_on });
  }
  if (!info.open) {
    const closed = $('#closed');
    closed.hidden = false;
    closed.textContent = info.invite_only ? t('reg.inviteOnly') : t('reg.closed');
    $('#signup-form').hidden = true;
  }
}

async function submit(ev) {
  ev.preventDefault();
  const form = ev.target;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  fill($('#signup-error'));
  const value = (name) => form.elements[name].value.trim();
  const body = {
    name: value('name'),
    organisation: value('organisation'),
    skills: value('skills').split(',').map((s) => s.trim()).filter(Boolean),
    email: value('email') || null,
    accessibility: value('accessibility'),
    consent: form.elements.consent.checked,
  };
  const response = await fetch(`${api}/registrations`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    const field = answer.field && form.querySelector(`#r-${answer.field}`);
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', 'signup-error');
      field.focus();
    }
    fill($('#signup-error'), describe(answer));
    return;
  }
  form.hidden = true;
  fill($('#signup-done'), h('p', null, h('strong', null, t(`reg.status.${answer.status}`))), h('p', { class: 'muted' }, t('reg.next')));
  $('#signup').focus();
}

function init() {
  const langSelect = $('#lang-select');
  fill(langSelect, LANGS.map((l) => h('option', { value: l.code, selected: l.code === getLang() }, l.label)));
  langSelect.addEventListener('change', () => setLang(langSelect.value));
  applyI18n(document);
  $('#signup-form').addEventListener('submit', (ev) => { submit(ev).catch((err) => fill($('#signup-error'), String(err))); });
  loadInfo().catch((err) => fill($('#signup-error'), describe(err)));
}

init();

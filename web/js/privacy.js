// The privacy notice of one event (/e/<slug>/privacy), which the sign-up
// form's consent refers to: what the event keeps about a person, why, who
// sees it, how long (the event's retention setting), and how to download
// or erase it (/me). French first, English from the language menu.

import { $, fill, h } from './ui.js';
import { t, LANGS, getLang, setLang, applyI18n, onLangChange } from './i18n.js';

const slug = decodeURIComponent(location.pathname.split('/')[2] ?? '');
let info = null;

function render() {
  applyI18n(document);
  const title = info?.title ?? slug;
  $('#event-title').textContent = title;
  document.title = `${title} — ${t('pn.title')}`;
  $('#pn-who').textContent = t('pn.who', { title });
  $('#pn-keep').textContent = info?.retention_days
    ? t('pn.keepDays', { days: info.retention_days })
    : t('pn.keepUntilDeleted');
  const me = $('#pn-me');
  me.href = `/me?event=${encodeURIComponent(slug)}`;
  me.textContent = t('me.title');
}

async function init() {
  const langSelect = $('#lang-select');
  fill(langSelect, LANGS.map((l) => h('option', { value: l.code, selected: l.code === getLang() }, l.label)));
  langSelect.addEventListener('change', () => setLang(langSelect.value));
  onLangChange(render);
  render();
  const response = await fetch(`/api/events/${encodeURIComponent(slug)}/registration`);
  if (response.ok) info = await response.json();
  render();
}

init();

// /e/<event>/gallery: the public gallery (no login). Reads the gallery's
// JSON and shows every public project with its labels and links; French and
// English; prints as a plain list with the links written out.

import { t, applyI18n, setLang, getLang, LANGS, onLangChange } from './i18n.js';
import { h, $, fill } from './ui.js';

const eventId = decodeURIComponent(location.pathname.split('/')[2] || '');
const api = `/api/events/${encodeURIComponent(eventId)}`;
let gallery = null;

function link(href, label) {
  return h('a', { href, rel: 'noopener noreferrer' }, label);
}

function project(p) {
  const title = p.name;
  const facts = h('dl', { class: 'facts' });
  const fact = (term, ...value) => facts.append(h('dt', null, term), h('dd', null, ...value));
  fact(t('gallery.team'), p.team_name);
  if (p.challenge) fact(t('gallery.challenge'), p.challenge.title);
  if (p.licence) {
    fact(t('gallery.licence'), p.licence_name ? `${p.licence_name} (${p.licence})` : p.licence,
      p.osi_approved ? h('span', { class: 'badge' }, t('gallery.osi')) : null);
  }
  const links = h('ul', { class: 'links' });
  if (p.repository) links.append(h('li', null, link(p.repository, t('gallery.repository'))));
  if (p.demo) links.append(h('li', null, link(p.demo, t('gallery.demo'))));
  if (p.slides) links.append(h('li', null, link(p.slides, t('gallery.slides'))));
  const datasets = p.datasets.length
    ? h('section', { class: 'datasets' },
      h('h4', null, t('gallery.datasets')),
      h('ul', null, p.datasets.map((d) => h('li', null, link(d, d)))))
    : null;
  const awards = p.awards.length
    ? h('p', { class: 'awards' }, h('span', { class: 'sr-only' }, `${t('gallery.awards')} : `),
      p.awards.map((a) => h('span', { class: 'award' }, a)))
    : null;
  const shots = p.screenshots.length
    ? h('div', { class: 'shots' }, p.screenshots.map((src, i) => h('img', {
      src, loading: 'lazy', alt: t('gallery.screenshot', { n: i + 1, project: title }),
    })))
    : null;
  const id = `project-${p.team}`;
  return h('li', { class: 'project', id },
    h('article', { 'aria-labelledby': `${id}-h` },
      h('h3', { id: `${id}-h` }, h('a', { href: `#${id}`, class: 'anchor' }, title)),
      awards,
      p.summary ? h('p', { class: 'summary' }, p.summary) : null,
      facts, links, datasets, shots));
}

function draw() {
  applyI18n(document);
  document.title = `${t('gallery.title')} — ${gallery?.title ?? 'Amphi'}`;
  $('#event-title').textContent = gallery?.title ?? '';
  if (!gallery) return;
  const note = gallery.projects.length === 0
    ? t('gallery.empty')
    : (gallery.results_published ? '' : t('gallery.notPublished'));
  $('#gallery-note').textContent = note;
  $('#gallery-note').hidden = !note;
  fill($('#projects'), gallery.projects.map(project));
}

function setup() {
  const select = $('#lang-select');
  for (const { code, label } of LANGS) select.append(h('option', { value: code }, label));
  select.value = getLang();
  select.addEventListener('change', () => setLang(select.value));
  onLangChange(draw);
  $('#json-link').href = `${api}/gallery.json`;
  $('#csv-link').href = `${api}/gallery.csv`;
  $('#dcat-link').href = `${api}/gallery.dcat.json`;
  $('#print').addEventListener('click', () => window.print());
  draw();
  fetch(`${api}/gallery.json`)
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((g) => { gallery = g; draw(); document.body.dataset.loaded = 'true'; })
    .catch(() => { $('#gallery-note').textContent = t('gallery.error'); document.body.dataset.loaded = 'error'; });
}

setup();

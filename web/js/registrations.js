// The console's sign-up card: the event's registrations, accepted or
// refused by the moderator over HTTP (docs/events.md, Registration). An
// accepted person's personal link is shown once, to be sent to them.

import { h, fill, toast } from './ui.js';
import { t, has, onLangChange } from './i18n.js';

let shown = null;
// The card is built with the language's words: rebuilt when it changes.
onLangChange(() => { if (shown) renderRegistrations(...shown); });

/** Fills `box` with the registrations of `eventId`, read with the moderator's session `token()`. */
export function renderRegistrations(box, eventId, token) {
  shown = [box, eventId, token];
  const api = `/api/events/${encodeURIComponent(eventId)}/registrations`;
  const out = h('div', { id: 'regs-link', role: 'status' });
  const list = h('div', { id: 'regs-list' });
  const call = async (method, path, sent) => {
    const headers = { Authorization: `Bearer ${token()}` };
    if (sent) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: sent ? JSON.stringify(sent) : undefined });
    const body = await res.json();
    if (!res.ok) throw body;
    return body;
  };
  const fail = (err) => toast(has(`err.${err.code}`) ? t(`err.${err.code}`) : (err.message ?? String(err)), 'error');
  const load = () => call('GET', api).then((body) => {
    const regs = body.registrations;
    fill(list, regs.length ? h('ul', { class: 'list' }, regs.map((r) => h('li', { dataset: { registration: r.id } },
      h('span', { class: 'grow' },
        h('strong', null, r.name), r.organisation ? ` · ${r.organisation}` : '',
        h('span', { class: 'tag' }, t(`regs.st.${r.status}`)),
        r.role === 'mentor' ? h('span', { class: 'tag' }, t('regs.mentor')) : null,
        r.skills.length ? h('br') : null, r.skills.join(', '),
        r.accessibility ? h('br') : null, r.accessibility ? `♿ ${r.accessibility}` : '',
        r.email ? h('br') : null, r.email ?? ''),
      ['pending', 'waitlisted'].includes(r.status) ? h('button', { type: 'button', class: 'small-btn', onclick: () => decide(r, 'accept') }, t('regs.accept')) : null,
      ['pending', 'waitlisted'].includes(r.status) ? h('button', { type: 'button', class: 'small-btn', onclick: () => decide(r, 'accept', { role: 'mentor' }) }, t('regs.acceptMentor')) : null,
      r.status === 'accepted' ? h('button', { type: 'button', class: 'small-btn', onclick: () => decide(r, 'reissue') }, t('regs.reissue')) : null,
      r.status !== 'refused' ? h('button', { type: 'button', class: 'small-btn', onclick: () => decide(r, 'refuse') }, t('regs.refuse')) : null))) : h('p', { class: 'muted' }, t('regs.empty')));
  }, fail);
  const decide = (r, action, sent) => call('POST', `${api}/${r.id}/${action}`, sent).then((body) => {
    fill(out, body.link ? [h('p', null, t('regs.linkFor', { name: r.name })), h('p', { class: 'token-box' }, body.link)] : null);
    return load();
  }, fail);
  const page = `${location.origin}/e/${encodeURIComponent(eventId)}/register`;
  fill(box,
    h('p', { class: 'muted' }, t('regs.publicPage'), ' ', h('a', { href: page, target: '_blank', rel: 'noopener' }, page)),
    h('button', { type: 'button', class: 'small-btn', id: 'regs-refresh', onclick: load }, t('regs.refresh')),
    out, list);
  load();
}

// Raise a hand and the floor on the stage (the amphitheatre). In the venue:
// the "raise hand" button for the audience (shortcut Alt+Y, as in common
// meeting tools) and who holds the floor. In the console: the queue, in the
// order hands went up, with give / take buttons, and the Q&A setting. The
// server decides who is heard; these pages only ask and show.

import { t, onLangChange } from './i18n.js';
import { h, fill } from './ui.js';

const names = (state) => (state?.hands ?? []).filter((x) => x.speaking).map((x) => x.name).join(', ');

/** The venue's button and indicator, appended to `mount` (the media bar). */
export class FloorControls {
  constructor({ store, conn, onError, mount }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.state = null;
    this.button = h('button', { type: 'button', class: 'btn media-btn', id: 'floor-hand', 'aria-pressed': 'false', hidden: true, onclick: () => this.toggle() });
    this.status = h('span', { class: 'floor-status', id: 'floor-status', role: 'status', hidden: true });
    mount.append(this.button, this.status);
    document.addEventListener('keydown', (e) => this.shortcut(e));
    store.on('me-room', () => this.render());
    store.on('me', () => this.render());
    onLangChange(() => this.render());
    this.render();
  }

  get inAmphitheatre() {
    return this.store.myRoom?.kind === 'amphitheatre';
  }

  /** The audience may ask; moderators are always heard, spectators never. */
  get mayRaise() {
    const role = this.store.me?.role;
    return this.inAmphitheatre && role !== 'moderator' && role !== 'spectator';
  }

  get raised() {
    const me = this.store.me?.id;
    return Boolean(this.state?.hands.some((x) => x.member === me));
  }

  toggle() {
    if (!this.mayRaise) return;
    this.conn.request({ type: 'floor', op: this.raised ? 'lower' : 'raise' }).catch(this.onError);
  }

  shortcut(e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== 'KeyY') return;
    if (e.target.closest?.('input, textarea, select')) return;
    e.preventDefault();
    this.toggle();
  }

  handle(msg) {
    this.state = msg;
    this.render();
  }

  render() {
    const s = this.state;
    const me = this.store.me?.id;
    this.button.hidden = !this.mayRaise;
    this.button.textContent = t(this.raised ? 'floor.lower' : 'floor.raise');
    this.button.title = t('floor.shortcut');
    this.button.setAttribute('aria-pressed', String(this.raised));
    let text = '';
    if (s && this.inAmphitheatre) {
      const place = s.hands.findIndex((x) => x.member === me);
      if (s.holders.includes(me)) text = t('floor.youSpeak');
      else if (place >= 0) text = t('floor.waiting', { n: place + 1 });
      else if (s.holders.length) text = t('floor.holders', { names: names(s) });
      if (s.qa && s.jurors_speak_in_qa) text = [text, t('floor.jurorsNow')].filter(Boolean).join(' · ');
    }
    this.status.textContent = text;
    this.status.hidden = !text;
  }
}

/**
 * The console's queue in `root`: each raised hand with its name and a give
 * or take button, and the "jurors speak in Q&A" switch. `send(msg)` sends a
 * request. Returns `update(floorMsg)` and `render()`.
 */
export function floorQueue(root, { send }) {
  let last = null;
  const heading = h('h2', { id: 'floor-h' });
  const help = h('p', { class: 'muted small', id: 'floor-help' });
  const count = h('p', { id: 'floor-count', role: 'status' });
  const list = h('ol', { class: 'floor-queue', id: 'floor-queue', 'aria-live': 'polite' });
  const jurors = h('input', { type: 'checkbox', id: 'floor-jurors' });
  jurors.addEventListener('change', () => send({ type: 'floor', op: 'jurors_in_qa', on: jurors.checked }));
  const jurorsLabel = h('label', { for: 'floor-jurors' });
  root.setAttribute('aria-labelledby', heading.id);
  fill(root, heading, help, h('p', { class: 'field-inline' }, jurors, ' ', jurorsLabel), count, list);

  function render() {
    heading.textContent = t('floor.title');
    help.textContent = t('floor.help');
    jurorsLabel.textContent = t('floor.jurorsSetting');
    jurors.checked = last?.jurors_speak_in_qa ?? true;
    const hands = last?.hands ?? [];
    const holders = last?.holders ?? [];
    count.textContent = hands.length
      ? t('floor.count', { hands: hands.length, holders: holders.length, max: last.max_holders })
      : t('floor.none');
    fill(list, hands.map((x) => h('li', { 'data-member': String(x.member), class: x.speaking ? 'speaking' : null },
      h('span', { class: 'grow' }, x.name, x.speaking ? ` — ${t('floor.speaking')}` : ''),
      x.speaking
        ? h('button', { type: 'button', class: 'small-btn', 'data-op': 'take', onclick: () => send({ type: 'floor', op: 'take', member: x.member }) }, t('floor.take'))
        : h('button', { type: 'button', class: 'small-btn', 'data-op': 'give', disabled: holders.length >= last.max_holders, onclick: () => send({ type: 'floor', op: 'give', member: x.member }) }, t('floor.give')))));
  }
  render();
  return {
    update(msg) { last = msg; render(); },
    render,
  };
}

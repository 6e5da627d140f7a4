// Asking for help (participants): tags + description, then the request's
// live state — place in the queue and estimated wait from `help_status`,
// the mentor on the way, cancel — and a rating once it is resolved.

import { t, onLangChange, tn } from './i18n.js';
import { h, $, fill, toast, announce, keepFocus } from './ui.js';

export const HELP_TAGS = ['technique', 'data', 'legal', 'security', 'design', 'pitch'];

export function formatWait(ms) {
  if (ms == null) return t('help.waitUnknown');
  const min = Math.max(1, Math.round(ms / 60000));
  return t('help.waitMin', { n: min });
}

export class HelpPanel {
  constructor({ store, conn, onError }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.box = $('#help-box');
    this.status = null; // last help_status
    this.draft = { tags: new Set(), description: '', stars: 0, comment: '' };
    this.ratedIds = new Set();
    for (const what of ['me', 'teams']) store.on(what, () => this.render());
    // The claiming mentor walks over: "arrive" becomes "est à votre table".
    store.on('people', () => {
      const req = this.status?.request;
      if (req?.state !== 'claimed') return;
      const arrived = this.stateKey(req) === 'help.state.arrived';
      if (arrived && this.arrivedFor !== req.id) {
        this.arrivedFor = req.id;
        announce(t('help.state.arrived', { mentor: req.mentor_name ?? '' }));
        this.render();
      }
    });
    onLangChange(() => this.render());
    const btn = $('#help-btn');
    btn.addEventListener('click', () => this.onOpen?.());
  }

  handle(msg) {
    const before = this.status?.request;
    this.status = msg;
    const now = msg.request;
    if (before && now && before.id === now.id && before.state !== now.state) {
      const text = t(`help.state.${now.state}`, { mentor: now.mentor_name ?? '' });
      toast(text);
      announce(text);
    }
    this.render();
  }

  /** The key of a request's state line; a claimed one says when the mentor is there. */
  stateKey(req) {
    if (req.state === 'claimed' && req.mentor != null) {
      const table = req.table ?? this.store.team(req.team)?.table;
      const mentor = this.store.people.get(req.mentor);
      if (table && mentor && mentor.room === table) return 'help.state.arrived';
    }
    return `help.state.${req.state}`;
  }

  act(msg) {
    return this.conn.request(msg).catch((err) => {
      this.onError(err);
      throw err;
    });
  }

  focus() {
    (this.box.querySelector('input, textarea, button') || this.box).focus();
  }

  render() {
    keepFocus(() => this.draw());
  }

  draw() {
    const me = this.store.me;
    const btn = $('#help-btn');
    const canAsk = me && me.role === 'participant' && me.team != null;
    btn.hidden = !canAsk;
    if (!canAsk) {
      fill(this.box);
      this.box.hidden = true;
      return;
    }
    this.box.hidden = false;
    const req = this.status?.request;
    const active = req && (req.state === 'open' || req.state === 'claimed');
    btn.classList.toggle('is-waiting', Boolean(active));
    btn.textContent = active ? t('help.buttonActive') : t('help.button');
    const parts = [h('h3', { class: 'group-title', id: 'help-h' }, t('help.title'))];
    if (active) parts.push(this.activeView(req));
    else {
      if (req && req.state === 'resolved' && req.rating == null && !this.ratedIds.has(req.id)) parts.push(this.rateForm(req));
      parts.push(this.askForm());
    }
    fill(this.box, parts);
  }

  activeView(req) {
    const s = this.status;
    const lines = [
      h('p', { class: 'help-state', id: 'help-state', dataset: { state: req.state } }, t(this.stateKey(req), { mentor: req.mentor_name ?? '' })),
    ];
    if (req.state === 'open') {
      lines.push(
        h('p', { class: 'help-queue' },
          h('span', null, t('help.position')), ' ', h('strong', { id: 'help-position' }, s.position != null ? String(s.position) : '—'),
          ' · ',
          h('span', null, t('help.wait')), ' ', h('strong', { id: 'help-wait' }, formatWait(s.estimated_wait_ms))),
      );
    }
    lines.push(
      h('p', { class: 'muted' }, req.tags.map((tag) => t(`tag.${tag}`)).join(', ')),
      h('p', { class: 'help-desc' }, req.description),
      h('button', { type: 'button', class: 'small-btn', id: 'help-cancel', onclick: () => this.act({ type: 'cancel_help', request: req.id }).catch(() => {}) }, t('help.cancel')),
    );
    return h('div', { class: 'help-card', role: 'status' }, lines);
  }

  askForm() {
    const tags = HELP_TAGS.map((tag) => {
      const box = h('input', { type: 'checkbox', value: tag, id: `help-tag-${tag}` });
      box.checked = this.draft.tags.has(tag);
      box.addEventListener('change', () => {
        if (box.checked) this.draft.tags.add(tag);
        else this.draft.tags.delete(tag);
      });
      return h('label', { class: 'chip', for: `help-tag-${tag}` }, box, ' ', t(`tag.${tag}`));
    });
    const desc = h('textarea', { class: 'input', id: 'help-desc', rows: 3, maxlength: 500 });
    desc.value = this.draft.description;
    desc.addEventListener('input', () => { this.draft.description = desc.value; });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'stack-form', id: 'help-form', 'aria-labelledby': 'help-h' },
      h('fieldset', { class: 'chips' }, h('legend', null, t('help.tags')), tags),
      h('label', { for: 'help-desc' }, t('help.describe')),
      desc,
      error,
      h('button', { type: 'submit', class: 'btn btn-help' }, t('help.ask')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const description = this.draft.description.trim();
      if (!this.draft.tags.size) {
        error.textContent = t('help.needTag');
        return;
      }
      this.act({ type: 'ask_help', tags: [...this.draft.tags], description }).then(() => {
        this.draft.tags.clear();
        this.draft.description = '';
        toast(t('help.sent'));
      }, () => {});
    });
    return form;
  }

  rateForm(req) {
    const stars = [1, 2, 3, 4, 5].map((n) => {
      const r = h('input', { type: 'radio', name: 'help-stars', value: String(n), id: `help-star-${n}` });
      r.checked = this.draft.stars === n;
      r.addEventListener('change', () => { this.draft.stars = n; });
      return h('label', { class: 'star', for: `help-star-${n}`, title: tn('help.stars', n) }, r, h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'sr-only' }, tn('help.stars', n)));
    });
    const comment = h('input', { class: 'input', id: 'help-comment', maxlength: 500 });
    comment.value = this.draft.comment;
    comment.addEventListener('input', () => { this.draft.comment = comment.value; });
    const form = h('form', { class: 'stack-form help-rate', id: 'help-rate-form' },
      h('p', { id: 'help-state', dataset: { state: 'resolved' } }, t('help.state.resolved', { mentor: req.mentor_name ?? '' })),
      h('fieldset', { class: 'stars' }, h('legend', null, t('help.rate')), stars),
      h('label', { for: 'help-comment' }, t('help.comment')),
      comment,
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('help.sendRating')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!this.draft.stars) return;
      this.act({ type: 'rate_help', request: req.id, stars: this.draft.stars, comment: this.draft.comment.trim() }).then(() => {
        this.ratedIds.add(req.id);
        this.draft.stars = 0;
        this.draft.comment = '';
        toast(t('help.thanks'));
        this.render();
      }, () => {});
    });
    return form;
  }
}

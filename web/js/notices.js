// Notices at the top of the map: the summon, announcements, the opening of
// the vote, "open in another tab". They stack in one column under the pitch
// timer (see `.map-top` in app.css), so none ever covers the countdown.
// Each stays until its button is pressed (or until the page dismisses it,
// e.g. the summon once the pitch session starts). Texts are kept as keys and
// redrawn on a language change; user text is rendered as text.

import { t, onLangChange } from './i18n.js';
import { h, $, fill, announce } from './ui.js';

const MAX_SHOWN = 3;

export class Notices {
  constructor(box = $('#notices')) {
    this.box = box;
    this.items = new Map(); // id -> notice
    onLangChange(() => this.render());
  }

  /**
   * Shows (or replaces) a notice.
   * - `title`: an i18n key and its params, or null
   * - `body`: `{key, params}` for a translated text, or `{text}` for user text
   * - `button`: i18n key of the button; `action` runs before it closes
   * - `speak`: also said to screen readers
   */
  show({ id, kind = 'info', title = null, body, button = 'notice.read', action = null, keep = false, speak = true }) {
    this.items.delete(id);
    this.items.set(id, { id, kind, title, body, button, action, keep });
    const extra = [...this.items.keys()];
    while (extra.length > MAX_SHOWN) this.items.delete(extra.shift());
    this.render();
    if (speak) announce([this.titleText(this.items.get(id)), this.bodyText(this.items.get(id))].filter(Boolean).join(' : '));
  }

  dismiss(id) {
    if (this.items.delete(id)) this.render();
  }

  has(id) {
    return this.items.has(id);
  }

  titleText(n) {
    return n.title ? t(n.title.key, n.title.params) : '';
  }

  bodyText(n) {
    return n.body.key ? t(n.body.key, n.body.params) : n.body.text;
  }

  render() {
    this.box.hidden = this.items.size === 0;
    fill(this.box, [...this.items.values()].map((n) => h('div', { class: `notice notice-${n.kind}`, id: `notice-${n.id}`, 'data-notice': n.id },
      h('div', { class: 'notice-text' },
        n.title ? h('p', { class: 'notice-title' }, this.titleText(n)) : null,
        h('p', { class: 'notice-body' }, this.bodyText(n))),
      h('button', {
        type: 'button',
        class: 'btn notice-btn',
        onclick: () => {
          if (n.action) n.action();
          if (!n.keep) this.dismiss(n.id);
        },
      }, t(n.button)))));
  }
}

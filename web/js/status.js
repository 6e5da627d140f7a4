// Your presence status: a select in the header that sends `set_status`.

import { t, onLangChange } from './i18n.js';
import { $ } from './ui.js';

export const STATUSES = ['available', 'busy', 'away', 'do_not_disturb'];

export class StatusPicker {
  constructor({ store, conn, onError }) {
    this.store = store;
    this.select = $('#status-select');
    this.select.replaceChildren(
      ...STATUSES.map((s) => {
        const o = document.createElement('option');
        o.value = s;
        return o;
      }),
    );
    this.labels();
    onLangChange(() => this.labels());
    this.select.addEventListener('change', () => {
      const status = this.select.value;
      conn.request({ type: 'set_status', status }).catch((err) => {
        this.sync();
        onError(err);
      });
    });
    store.on('people', () => this.sync());
    store.on('me', () => this.sync());
  }

  labels() {
    for (const o of this.select.options) o.textContent = t(`status.${o.value}`);
  }

  sync() {
    const me = this.store.myPerson;
    this.select.disabled = !me;
    if (me && document.activeElement !== this.select) this.select.value = me.status;
    this.select.dataset.status = me ? me.status : '';
  }
}

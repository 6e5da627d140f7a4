// Your team's project page (in the team panel): the fields, the licence,
// links, slides and screenshots, and the gallery opt-in. Frozen after the
// submission deadline (the server refuses; the form says so and locks).
// Jurors read every team's page below their grid, to score from it.

import { t, onLangChange, formatTime } from './i18n.js';
import { h, $, fill, toast } from './ui.js';

const FIELDS = ['name', 'summary', 'repository', 'licence', 'demo'];

export class ProjectPanel {
  constructor({ store, conn, onError }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.box = $('#project-box');
    this.page = null;
    this.deadline = null;
    this.draft = null;
    this.pages = new Map();
    for (const what of ['me', 'teams', 'program']) store.on(what, () => this.render());
    onLangChange(() => this.render());
  }

  handle(msg) {
    if (msg.type === 'submission') this.deadline = msg.deadline;
    if (msg.type === 'project') this.pages.set(msg.project.team, msg.project);
    if (msg.type === 'project' && msg.project.team === this.store.me?.team) {
      this.page = msg.project;
      this.draft = null;
    }
    this.render();
    this.renderForJurors();
  }

  /** The moderator's submission deadline (local date and time). */
  renderDeadline() {
    this.box.hidden = false;
    const pad = (n) => String(n).padStart(2, '0');
    const local = (ms) => {
      const d = new Date(ms);
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    };
    const input = h('input', { type: 'datetime-local', class: 'input', id: 'deadline-input' });
    if (this.deadline != null) input.value = local(this.deadline);
    const set = (at) => this.act({ type: 'project', op: 'set_deadline', at }).catch(() => {});
    const submit = (e) => {
      e.preventDefault();
      const at = input.value ? new Date(input.value).getTime() : null;
      set(Number.isFinite(at) ? at : null);
    };
    fill(this.box,
      h('h3', { class: 'group-title', id: 'deadline-h' }, t('project.deadlineTitle')),
      h('p', { class: 'muted', id: 'project-deadline' },
        this.deadline == null ? t('project.noDeadline') : t('project.deadline', { time: formatTime(this.deadline) })),
      h('form', { class: 'project-form', id: 'deadline-form', 'aria-labelledby': 'deadline-h', onsubmit: submit },
        h('label', { class: 'field' }, h('span', null, t('project.deadlineField')), input),
        h('div', { class: 'row-actions' },
          h('button', { type: 'submit', class: 'btn', id: 'deadline-set' }, t('project.deadlineSet')),
          h('button', { type: 'button', class: 'small-btn', id: 'deadline-clear', onclick: () => set(null) }, t('project.deadlineClear')))),
      h('p', null, h('a', { href: `/e/${encodeURIComponent(this.store.event?.id ?? 'demo')}/gallery`, target: '_blank', rel: 'noopener' }, t('project.gallery'))));
  }

  /** Every page, read-only, in the jury panel. */
  renderForJurors() {
    const box = $('#jury-projects');
    if (!box || this.store.me?.role !== 'jury') return;
    box.hidden = this.pages.size === 0;
    const link = (href, label) => (href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label) : null);
    const pages = [...this.pages.values()].sort((a, b) => a.team - b.team);
    fill($('#jury-project-list'), pages.map((p) => h('li', { class: 'idea' },
      h('h4', { class: 'idea-title' }, p.name || p.team_name),
      h('p', { class: 'room-meta' }, p.team_name,
        p.licence ? ` · ${p.licence}${p.osi_approved ? ` (${t('gallery.osi')})` : ''}` : ''),
      p.summary ? h('p', { class: 'idea-pitch' }, p.summary) : null,
      h('p', { class: 'row-actions' },
        link(p.repository, t('gallery.repository')),
        link(p.demo, t('gallery.demo')),
        link(p.slides?.url, t('gallery.slides')),
        p.datasets.map((d, i) => link(d, `${t('gallery.datasets')} ${i + 1}`)),
        p.screenshots.map((s, i) => link(s.url, t('project.screenshot', { n: i + 1 })))))));
  }

  frozen() {
    return this.deadline != null && Date.now() >= this.deadline;
  }

  act(msg) {
    return this.conn.request(msg).catch((err) => {
      this.onError(err);
      throw err;
    });
  }

  current() {
    if (!this.draft) {
      const p = this.page ?? {};
      this.draft = {
        name: p.name ?? this.store.team(this.store.me?.team)?.name ?? '',
        summary: p.summary ?? '',
        repository: p.repository ?? '',
        licence: p.licence ?? '',
        demo: p.demo ?? '',
        datasets: (p.datasets ?? []).join('\n'),
        challenge: p.challenge ?? '',
      };
    }
    return this.draft;
  }

  async upload(slot, file) {
    const response = await fetch(`/api/events/${encodeURIComponent(this.store.event?.id ?? 'demo')}/project/files?slot=${slot}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.conn.session}` },
      body: file,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      this.onError({ code: body.code ?? 'internal', message: body.message ?? String(response.status) });
      return;
    }
    toast(t('project.uploaded'), 'info');
  }

  render() {
    const me = this.store.me;
    if (!this.box) return;
    if (me?.role === 'moderator') {
      this.renderDeadline();
      return;
    }
    if (!me || me.role !== 'participant' || me.team == null) {
      this.box.hidden = true;
      return;
    }
    this.box.hidden = false;
    if (this.page && this.page.team !== me.team) { this.page = null; this.draft = null; }
    const frozen = this.frozen();
    const d = this.current();
    const active = document.activeElement?.dataset?.focusKey;
    const input = (key, attrs = {}) => {
      const el = h(key === 'summary' || key === 'datasets' ? 'textarea' : 'input', {
        class: 'input', id: `project-${key}`, disabled: frozen, dataset: { focusKey: `project-${key}` }, ...attrs,
      });
      el.value = d[key];
      el.addEventListener('input', () => { d[key] = el.value; });
      return h('label', { class: 'field' }, h('span', null, t(`project.${key}`)), el);
    };
    const challenges = this.store.program?.challenges ?? [];
    const select = h('select', { class: 'select', id: 'project-challenge', disabled: frozen, dataset: { focusKey: 'project-challenge' } },
      h('option', { value: '' }, t('team.noChallenge')),
      challenges.map((c) => h('option', { value: String(c.id) }, c.title)));
    select.value = String(d.challenge ?? '');
    select.addEventListener('change', () => { d.challenge = select.value; });
    const save = (e) => {
      e.preventDefault();
      const msg = { type: 'project', op: 'update' };
      for (const k of FIELDS) msg[k] = d[k].trim() || null;
      msg.name = d.name;
      msg.summary = d.summary;
      msg.datasets = d.datasets.split('\n').map((s) => s.trim()).filter(Boolean);
      msg.challenge = d.challenge === '' ? null : Number(d.challenge);
      this.act(msg).then(() => toast(t('project.saved'), 'info')).catch(() => {});
    };
    const fileInput = (slot, accept) => {
      const el = h('input', { type: 'file', id: `project-${slot}-file`, accept, disabled: frozen || !this.page, class: 'file' });
      el.addEventListener('change', () => {
        const file = el.files?.[0];
        if (file) this.upload(slot, file).finally(() => { el.value = ''; });
      });
      return h('label', { class: 'field' }, h('span', null, t(`project.${slot}Upload`)), el);
    };
    const files = [];
    if (this.page?.slides) files.push({ ...this.page.slides, label: t('project.slides') });
    (this.page?.screenshots ?? []).forEach((s, i) => files.push({ ...s, label: t('project.screenshot', { n: i + 1 }) }));
    const fileList = files.length
      ? h('ul', { class: 'file-list', id: 'project-files' }, files.map((f) => h('li', null,
        h('a', { href: f.url, target: '_blank', rel: 'noopener' }, f.label),
        frozen ? null : h('button', { type: 'button', class: 'small-btn', 'aria-label': t('project.removeLabel', { file: f.label }), onclick: () => this.act({ type: 'project', op: 'remove_file', sha256: f.sha256 }).catch(() => {}) }, t('project.remove')))))
      : null;
    const publicBox = h('input', { type: 'checkbox', id: 'project-public', disabled: frozen || !this.page });
    publicBox.checked = Boolean(this.page?.public);
    publicBox.addEventListener('change', () => this.act({ type: 'project', op: 'set_public', public: publicBox.checked }).catch(() => { publicBox.checked = !publicBox.checked; }));
    fill(this.box,
      h('h3', { class: 'group-title', id: 'project-h' }, t('project.title')),
      h('p', { class: 'muted', id: 'project-deadline' },
        this.deadline == null ? t('project.noDeadline')
          : t(frozen ? 'project.frozen' : 'project.deadline', { time: formatTime(this.deadline) })),
      this.page?.licence ? h('p', { class: 'room-meta' }, this.page.licence_name ?? this.page.licence,
        this.page.osi_approved ? ` · ${t('gallery.osi')}` : '') : null,
      h('form', { class: 'project-form', id: 'project-form', 'aria-labelledby': 'project-h', onsubmit: save },
        input('name', { maxlength: 80, required: true }),
        input('summary', { maxlength: 2000, rows: 3 }),
        h('label', { class: 'field' }, h('span', null, t('project.challenge')), select),
        input('repository', { type: 'url', placeholder: 'https://' }),
        input('licence', { placeholder: 'EUPL-1.2', autocomplete: 'off' }),
        input('datasets', { rows: 2, placeholder: 'https://www.data.gouv.fr/…' }),
        input('demo', { type: 'url', placeholder: 'https://' }),
        h('button', { type: 'submit', class: 'btn', id: 'project-save', disabled: frozen }, t('project.save'))),
      fileInput('slides', 'application/pdf'),
      fileInput('screenshot', 'image/png,image/jpeg,image/webp'),
      fileList,
      h('label', { class: 'check' }, publicBox, ' ', t('project.public')),
      h('p', null, h('a', { href: `/e/${encodeURIComponent(this.store.event?.id ?? 'demo')}/gallery`, target: '_blank', rel: 'noopener' }, t('project.gallery'))));
    if (active) document.querySelector(`[data-focus-key="${CSS.escape(active)}"]`)?.focus({ preventScroll: true });
  }
}

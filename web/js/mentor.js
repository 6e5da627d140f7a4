// The mentor panel: skills and availability, the live help queue (the
// server orders it: requests matching your skills first), claim / go to the
// team's table / resolve / unclaim, your own figures, and reminders.

import { t, onLangChange, formatTime, formatNumber } from './i18n.js';
import { h, $, fill, toast, announce, keepFocus } from './ui.js';
import { HELP_TAGS } from './help.js';

export class MentorPanel {
  constructor({ store, conn, onError, onBadge }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.onBadge = onBadge;
    this.box = $('#mentor-body');
    this.queue = [];
    this.profile = { skills: [], available: false };
    this.draftSkills = null;
    this.reminder = null;
    this.stats = null;
    onLangChange(() => this.render());
    store.on('teams', () => this.render());
    setInterval(() => { if (this.queue.length) this.render(); }, 30000);
  }

  statsKey() {
    return `amphi.mentorStats.${this.store.event?.id}.${this.store.me?.id}`;
  }

  loadStats() {
    if (this.stats) return this.stats;
    try { this.stats = JSON.parse(localStorage.getItem(this.statsKey())) || null; } catch { this.stats = null; }
    this.stats ||= { resolved: 0, handlingMs: 0 };
    return this.stats;
  }

  handle(msg) {
    switch (msg.type) {
      case 'help_queue':
        this.queue = msg.requests;
        break;
      case 'mentor_stats':
        this.serverStats = msg;
        break;
      case 'mentor_profile':
        this.profile = { skills: msg.skills, available: msg.available };
        this.draftSkills = null;
        break;
      case 'help_reminder': {
        this.reminder = msg.request;
        const text = t('mentor.reminder', { team: msg.request.team_name });
        toast(text);
        announce(text);
        break;
      }
      default:
        return;
    }
    this.render();
  }

  act(msg) {
    return this.conn.request(msg).catch((err) => {
      this.onError(err);
      throw err;
    });
  }

  mine() {
    const me = this.store.me?.id;
    return this.queue.find((r) => r.state === 'claimed' && r.mentor === me) ?? null;
  }

  render() {
    keepFocus(() => this.draw());
  }

  draw() {
    if (!this.store.me) return;
    const open = this.queue.filter((r) => r.state === 'open');
    this.onBadge(open.length);
    const mine = this.mine();
    const parts = [
      this.profileForm(),
      mine ? this.claimCard(mine) : null,
      h('h3', { class: 'group-title', id: 'queue-h' }, t('mentor.queue'), h('span', { class: 'group-count' }, String(open.length))),
      open.length
        ? h('ol', { class: 'queue', id: 'help-queue', 'aria-labelledby': 'queue-h' }, open.map((r) => this.row(r, Boolean(mine))))
        : h('p', { class: 'empty' }, t('mentor.empty')),
      this.statsView(),
    ];
    if (this.reminder && open.some((r) => r.id === this.reminder.id)) {
      parts.unshift(h('p', { class: 'notice', role: 'status' }, t('mentor.reminder', { team: this.reminder.team_name }),
        ' ', h('button', { type: 'button', class: 'link-button', onclick: () => { this.reminder = null; this.render(); } }, t('common.dismiss'))));
    }
    fill(this.box, parts);
  }

  profileForm() {
    const skills = new Set(this.draftSkills ?? this.profile.skills);
    const boxes = HELP_TAGS.map((tag) => {
      const box = h('input', { type: 'checkbox', id: `skill-${tag}`, value: tag });
      box.checked = skills.has(tag);
      box.addEventListener('change', () => {
        const next = new Set(this.draftSkills ?? this.profile.skills);
        if (box.checked) next.add(tag);
        else next.delete(tag);
        this.draftSkills = [...next];
      });
      return h('label', { class: 'chip', for: `skill-${tag}` }, box, ' ', t(`tag.${tag}`));
    });
    const avail = h('input', { type: 'checkbox', id: 'mentor-available' });
    avail.checked = this.profile.available;
    const form = h('form', { class: 'stack-form', id: 'mentor-profile' },
      h('fieldset', { class: 'chips' }, h('legend', null, t('mentor.skills')), boxes),
      h('label', { class: 'toggle', for: 'mentor-available' }, avail, ' ', t('mentor.available')),
      h('button', { type: 'submit', class: 'small-btn' }, t('mentor.saveProfile')));
    const save = () => this.act({ type: 'set_mentor_profile', skills: this.draftSkills ?? this.profile.skills, available: avail.checked }).then(() => toast(t('mentor.saved')), () => {});
    avail.addEventListener('change', save);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      save();
    });
    return h('details', { class: 'profile', open: !this.profile.skills.length || null },
      // Whether teams' requests reach this mentor (not the presence status).
      h('summary', null, t('mentor.profile'), ' · ', this.profile.available ? t('mentor.isAvailable') : t('mentor.isUnavailable')),
      form);
  }

  waited(r) {
    const min = Math.max(0, Math.round((Date.now() - r.asked_at) / 60000));
    return t('mentor.waited', { n: min });
  }

  tags(r) {
    const skills = new Set(this.profile.skills);
    return h('span', { class: 'tags' }, r.tags.map((tag) => h('span', { class: `tag${skills.has(tag) ? ' tag-match' : ''}` }, t(`tag.${tag}`))));
  }

  row(r, busy) {
    return h('li', { class: 'queue-row', dataset: { request: String(r.id) } },
      h('div', { class: 'queue-head' },
        h('strong', null, r.team_name),
        h('span', { class: 'muted' }, ` · ${r.table ? this.store.roomLabel(r.table) : t('team.noTable')} · ${this.waited(r)}`)),
      this.tags(r),
      r.description ? h('p', { class: 'help-desc' }, r.description) : null,
      h('button', { type: 'button', class: 'small-btn', disabled: busy || null, 'aria-label': t('mentor.claimLabel', { team: r.team_name }), onclick: () => this.claim(r) }, t('mentor.claim')));
  }

  claim(r) {
    this.act({ type: 'claim_help', request: r.id }).then(() => toast(t('mentor.claimed', { team: r.team_name })), () => {});
  }

  claimCard(r) {
    return h('div', { class: 'help-card claim-card', id: 'my-claim', role: 'status' },
      h('p', { class: 'group-title' }, t('mentor.current')),
      h('p', null, h('strong', null, r.team_name), ' · ', r.table ? this.store.roomLabel(r.table) : t('team.noTable'), ' · ', t('mentor.since', { time: formatTime(r.claimed_at ?? r.asked_at) })),
      this.tags(r),
      r.description ? h('p', { class: 'help-desc' }, r.description) : null,
      h('div', { class: 'row-buttons' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'mentor-goto', disabled: !r.table || null, onclick: () => this.act({ type: 'go_to_team', team: r.team }).catch(() => {}) }, t('mentor.goto')),
        h('button', { type: 'button', class: 'btn', id: 'mentor-resolve', onclick: () => this.resolve(r) }, t('mentor.resolve')),
        h('button', { type: 'button', class: 'btn', id: 'mentor-unclaim', onclick: () => this.act({ type: 'unclaim_help', request: r.id }).catch(() => {}) }, t('mentor.unclaim'))));
  }

  resolve(r) {
    this.act({ type: 'resolve_help', request: r.id }).then(() => {
      const stats = this.loadStats();
      stats.resolved += 1;
      stats.handlingMs += Math.max(0, Date.now() - (r.claimed_at ?? Date.now()));
      try { localStorage.setItem(this.statsKey(), JSON.stringify(stats)); } catch { /* storage off */ }
      toast(t('mentor.resolved', { team: r.team_name }));
      this.render();
    }, () => {});
  }

  statsView() {
    const s = this.loadStats();
    const avg = s.resolved ? Math.round(s.handlingMs / s.resolved / 60000) : null;
    // The server's figures win: they count every device and survive reloads.
    const server = this.serverStats;
    const resolved = server ? server.resolved : s.resolved;
    const rating = server?.average_rating;
    return h('section', { class: 'stats', 'aria-labelledby': 'mstats-h' },
      h('h3', { class: 'group-title', id: 'mstats-h' }, t('mentor.stats')),
      h('dl', { class: 'facts' },
        h('dt', null, t('mentor.statResolved')), h('dd', { id: 'mentor-resolved' }, String(resolved)),
        h('dt', null, t('mentor.statRating')), h('dd', null, rating == null ? '—' : `${formatNumber(rating, 1)} / 5`),
        h('dt', null, t('mentor.statAvg')), h('dd', null, avg == null ? '—' : t('help.waitMin', { n: avg })),
        h('dt', null, t('mentor.statOpen')), h('dd', null, String(this.queue.filter((r) => r.state === 'open').length))));
  }
}

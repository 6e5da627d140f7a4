// Chat: tabs for the room you stand in, your team, announcements and direct
// messages; unread counts; history from `welcome.chat` and `chat_history`;
// messages deduplicated by `seq`. Text is always rendered as text.

import { t, tn, formatTime, onLangChange } from './i18n.js';
import { h, $, fill, announce } from './ui.js';
import { colorOf } from './render.js';

const TABS = ['room', 'team', 'announcements', 'direct'];
const MAX_PER_CHANNEL = 500;
const GROUP_MS = 3 * 60 * 1000;

export class Chat {
  constructor({ store, conn, onError, isVisible }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.isVisible = isVisible; // whether the chat panel is on screen
    this.channels = new Map(); // channel -> [message] sorted by seq
    this.seen = new Set(); // seqs
    this.read = new Map(); // channel -> highest seq read
    this.tab = 'room';
    this.dmWith = null;
    this.listeners = new Set();
    this.incoming = new Set();

    this.tabButtons = new Map();
    for (const name of TABS) {
      const btn = $(`#chat-tab-${name}`);
      this.tabButtons.set(name, btn);
      btn.addEventListener('click', () => this.select(name));
      btn.addEventListener('keydown', (e) => this.tabKeys(e, name));
    }
    this.log = $('#chat-log');
    this.note = $('#chat-note');
    this.form = $('#chat-form');
    this.input = $('#chat-input');
    this.counter = $('#chat-counter');
    this.dmHeader = $('#chat-dm-header');
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send();
      }
    });
    this.input.addEventListener('input', () => this.updateCounter());
    store.on('me-room', () => this.render());
    store.on('me', () => this.render());
    onLangChange(() => this.render());
    document.addEventListener('visibilitychange', () => this.markRead());
  }

  onUnread(fn) {
    this.listeners.add(fn);
  }

  /** Calls `fn(message)` for each new message from someone else, as it arrives. */
  onIncoming(fn) {
    this.incoming.add(fn);
  }

  // ----- model -----

  add(message, { unread }) {
    if (this.seen.has(message.seq)) return false;
    this.seen.add(message.seq);
    this.conn.noteSeq(message.seq);
    this.store.names.set(message.from, message.from_name);
    let list = this.channels.get(message.channel);
    if (!list) {
      list = [];
      this.channels.set(message.channel, list);
    }
    if (!list.length || list[list.length - 1].seq < message.seq) list.push(message);
    else {
      let i = list.length;
      while (i > 0 && list[i - 1].seq > message.seq) i--;
      list.splice(i, 0, message);
    }
    if (list.length > MAX_PER_CHANNEL) list.splice(0, list.length - MAX_PER_CHANNEL);
    const mine = this.store.me && message.from === this.store.me.id;
    if (!unread || mine) this.markChannelRead(message.channel, message.seq);
    return true;
  }

  markChannelRead(channel, seq) {
    if ((this.read.get(channel) || 0) < seq) this.read.set(channel, seq);
  }

  unreadIn(channel) {
    const list = this.channels.get(channel);
    if (!list) return 0;
    const read = this.read.get(channel) || 0;
    const me = this.store.me?.id;
    let n = 0;
    for (let i = list.length - 1; i >= 0 && list[i].seq > read; i--) if (list[i].from !== me) n++;
    return n;
  }

  channelOf(tab) {
    const me = this.store.me;
    switch (tab) {
      case 'room': {
        const room = this.store.myRoom;
        return room ? `room:${room.id}` : null;
      }
      case 'team':
        return me && me.team != null ? `team:${me.team}` : null;
      case 'announcements':
        return 'announcements';
      case 'direct':
        return me && this.dmWith != null ? dmChannel(me.id, this.dmWith) : null;
      default:
        return null;
    }
  }

  tabOf(channel) {
    if (channel.startsWith('room:')) return 'room';
    if (channel.startsWith('team:')) return 'team';
    if (channel.startsWith('dm:')) return 'direct';
    return 'announcements';
  }

  dmPartner(channel) {
    const [, a, b] = channel.split(':').map(Number);
    return a === this.store.me?.id ? b : a;
  }

  unreadCounts() {
    const counts = { room: 0, team: 0, announcements: 0, direct: 0 };
    for (const tab of ['room', 'team', 'announcements']) {
      const ch = this.channelOf(tab);
      if (ch) counts[tab] = this.unreadIn(ch);
    }
    for (const ch of this.channels.keys()) if (ch.startsWith('dm:')) counts.direct += this.unreadIn(ch);
    return counts;
  }

  // ----- server messages -----

  handle(msg) {
    switch (msg.type) {
      case 'welcome': {
        // On the first welcome the history is old news; after a reconnect,
        // what arrives is what we missed.
        const missed = this.welcomed === true;
        this.welcomed = true;
        for (const m of msg.chat) this.add(m, { unread: missed });
        this.render();
        break;
      }
      case 'chat_history':
        for (const m of msg.messages) this.add(m, { unread: false });
        this.render();
        break;
      case 'chat': {
        const m = msg.message;
        if (!this.add(m, { unread: true })) break;
        const mine = this.store.me && m.from === this.store.me.id;
        if (!mine) {
          const tab = this.tabOf(m.channel);
          announce(t('chat.newFrom', { name: m.from_name, channel: t(`chat.${tab}`), text: m.text }));
          for (const fn of this.incoming) fn(m);
        }
        this.render();
        break;
      }
      case 'chat_deleted':
        for (const list of this.channels.values()) {
          const i = list.findIndex((m) => m.seq === msg.seq);
          if (i >= 0) list.splice(i, 1);
        }
        this.render();
        break;
      default:
    }
  }

  /** The messages of every channel this client reads (for moderators). */
  recent(limit = 30) {
    const all = [];
    for (const list of this.channels.values()) all.push(...list);
    return all.sort((a, b) => b.seq - a.seq).slice(0, limit);
  }

  // ----- view -----

  select(tab, { focus = true } = {}) {
    this.tab = tab;
    this.render();
    if (focus) this.tabButtons.get(tab).focus();
  }

  openDirect(id) {
    this.tab = 'direct';
    this.dmWith = id;
    this.render();
    this.input.focus();
  }

  tabKeys(e, name) {
    const i = TABS.indexOf(name);
    let next = null;
    if (e.key === 'ArrowRight') next = TABS[(i + 1) % TABS.length];
    else if (e.key === 'ArrowLeft') next = TABS[(i + TABS.length - 1) % TABS.length];
    else if (e.key === 'Home') next = TABS[0];
    else if (e.key === 'End') next = TABS[TABS.length - 1];
    if (next) {
      e.preventDefault();
      this.select(next);
    }
  }

  markRead() {
    if (!document.hidden && this.isVisible()) {
      const ch = this.channelOf(this.tab);
      const list = ch && this.channels.get(ch);
      if (list && list.length) this.markChannelRead(ch, list[list.length - 1].seq);
    }
    this.renderBadges();
  }

  render() {
    for (const [name, btn] of this.tabButtons) {
      const active = name === this.tab;
      btn.setAttribute('aria-selected', String(active));
      btn.tabIndex = active ? 0 : -1;
    }
    const me = this.store.me;
    const channel = this.channelOf(this.tab);
    this.renderHeader();
    let canSend = Boolean(channel);
    let note = '';
    if (this.tab === 'room' && !channel) note = t('chat.noRoom');
    if (this.tab === 'team' && (!me || me.team == null)) note = t('chat.noTeam');
    if (this.tab === 'announcements' && me?.role !== 'moderator') {
      canSend = false;
      note = t('chat.readOnly');
    }
    if (this.tab === 'direct' && this.dmWith == null) note = t('chat.dmPick');
    this.note.textContent = note;
    this.note.hidden = !note;
    this.form.hidden = !canSend;
    this.input.placeholder = this.placeholder();
    if (this.tab === 'direct' && this.dmWith == null) this.renderConversations();
    else this.renderMessages(channel);
    this.markRead();
  }

  renderHeader() {
    if (this.tab !== 'direct' || this.dmWith == null) {
      this.dmHeader.hidden = true;
      return;
    }
    this.dmHeader.hidden = false;
    fill(
      this.dmHeader,
      h('button', { type: 'button', class: 'link-button', onclick: () => { this.dmWith = null; this.render(); this.tabButtons.get('direct').focus(); } }, `← ${t('chat.dmBack')}`),
      h('span', { class: 'dm-with' }, this.nameOf(this.dmWith)),
    );
  }

  nameOf(id) {
    return this.store.nameOf(id);
  }

  placeholder() {
    switch (this.tab) {
      case 'room':
        return t('chat.placeholder.room', { room: this.store.myRoom?.label ?? '' });
      case 'team':
        return t('chat.placeholder.team');
      case 'announcements':
        return t('chat.placeholder.announcements');
      default:
        return t('chat.placeholder.direct', { name: this.dmWith != null ? this.nameOf(this.dmWith) : '' });
    }
  }

  renderConversations() {
    const me = this.store.me;
    const convs = [];
    for (const [ch, list] of this.channels) {
      if (!ch.startsWith('dm:') || !list.length) continue;
      convs.push({ ch, id: this.dmPartner(ch), last: list[list.length - 1] });
    }
    convs.sort((a, b) => b.last.seq - a.last.seq);
    const items = convs.map(({ ch, id, last }) => {
      const unread = this.unreadIn(ch);
      return h(
        'li',
        null,
        h(
          'button',
          { type: 'button', class: 'conv', onclick: () => this.openDirect(id) },
          h('span', { class: 'avatar-dot', 'aria-hidden': 'true' }),
          h('span', { class: 'conv-name' }, this.nameOf(id)),
          h('span', { class: 'conv-last' }, `${last.from === me?.id ? `${t('chat.you')} : ` : ''}${last.text}`),
          unread ? h('span', { class: 'badge', 'aria-label': t('chat.unread', { n: unread }) }, String(unread)) : null,
        ),
      );
    });
    // Colour dots need a per-person colour: set from JS (allowed by the CSP).
    const list = h('ul', { class: 'conversations', 'aria-label': t('chat.dmList') }, items);
    list.querySelectorAll('.avatar-dot').forEach((dot, i) => { dot.style.background = colorOf(convs[i].id); });
    fill(this.log, convs.length ? list : null);
    this.log.setAttribute('aria-label', t('chat.dmList'));
  }

  renderMessages(channel) {
    const list = (channel && this.channels.get(channel)) || [];
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const me = this.store.me?.id;
    const items = [];
    let prev = null;
    for (const m of list) {
      const grouped = prev && prev.from === m.from && m.at - prev.at < GROUP_MS;
      const mine = m.from === me;
      const li = h('li', { class: `msg${mine ? ' msg-mine' : ''}${grouped ? ' msg-grouped' : ''}` });
      if (!grouped) {
        const dot = h('span', { class: 'avatar-dot', 'aria-hidden': 'true' });
        dot.style.background = colorOf(m.from);
        li.appendChild(
          h('div', { class: 'msg-head' },
            dot,
            h('span', { class: 'msg-author' }, mine ? t('chat.you') : m.from_name),
            h('time', { class: 'msg-time', datetime: new Date(m.at).toISOString() }, formatTime(m.at))),
        );
      }
      li.appendChild(h('p', { class: 'msg-text' }, m.text));
      items.push(li);
      prev = m;
    }
    if (!items.length) {
      const key = `chat.empty.${this.tab}`;
      const show = !(this.tab === 'team' && this.store.me?.team == null);
      fill(this.log, show ? h('p', { class: 'empty' }, t(key)) : null);
    } else {
      fill(this.log, h('ol', { class: 'messages' }, items));
    }
    this.log.setAttribute('aria-label', t(`chat.${this.tab}`));
    if (atBottom || this.forceScroll) this.log.scrollTop = this.log.scrollHeight;
    this.forceScroll = false;
  }

  renderBadges() {
    const counts = this.unreadCounts();
    for (const [name, btn] of this.tabButtons) {
      const badge = btn.querySelector('.badge');
      const n = counts[name];
      // The count is read with its word ("2 non lus") as part of the tab's
      // own text, so the accessible name contains what is visible.
      fill(badge, n > 99 ? '99+' : String(n), h('span', { class: 'sr-only' }, ` ${tn('chat.unreadWord', n)}`));
      badge.hidden = n === 0;
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    for (const fn of this.listeners) fn(total);
  }

  updateCounter() {
    const max = this.store.limits?.max_chat_chars || 1000;
    const n = [...this.input.value].length;
    this.counter.hidden = n < max * 0.8;
    this.counter.textContent = `${n}/${max}`;
    this.counter.classList.toggle('over', n > max);
  }

  send() {
    const text = this.input.value.trim();
    if (!text) return;
    const max = this.store.limits?.max_chat_chars || 1000;
    if ([...text].length > max) {
      this.onError({ code: 'text_too_long', message: t('chat.tooLong', { n: [...text].length, max }) });
      return;
    }
    const msg = { type: 'chat', scope: this.tab === 'direct' ? 'direct' : this.tab === 'announcements' ? 'announcement' : this.tab, text };
    if (this.tab === 'direct') {
      if (this.dmWith == null) return;
      msg.to = this.dmWith;
    }
    this.input.value = '';
    this.updateCounter();
    this.forceScroll = true;
    this.conn.request(msg).catch((err) => {
      if (!this.input.value) this.input.value = text;
      this.updateCounter();
      this.onError(err);
    });
  }
}

export function dmChannel(a, b) {
  return `dm:${Math.min(a, b)}:${Math.max(a, b)}`;
}

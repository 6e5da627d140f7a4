// The WebSocket to the hub: hello (invite or resume), requests with `rid`,
// automatic reconnection with exponential backoff and jitter. An optional
// `prepare` step (e.g. loading the venue) runs before each attempt; when it
// fails the attempt counts as failed and is retried the same way.
//
// States reported to `onState(state, detail)`:
//   'connecting'   opening the socket / waiting for `welcome`
//   'online'       joined; `detail` is the welcome message
//   'waiting'      closed, retry in `detail.delay` ms
//   'need-name'    an invite join needs a display name (`detail.error` if refused)
//   'replaced'     the same person connected elsewhere; no automatic retry
//   'kicked'       removed by the moderator; may come back by choice (retryNow)
//   'banned'       banned by the moderator; never reconnects
//   'fatal'        cannot join (bad invite, protocol); `detail.code`
// What each close code means lives in close.js.

import { afterClose } from './close.js';

export const PROTOCOL = 2;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
const REQUEST_TIMEOUT_MS = 10000;
const SILENCE_LIMIT_MS = 40000;

export class Connection {
  constructor({ eventId, invite, onMessage, onState, companion = false, prepare = null }) {
    this.eventId = eventId;
    this.prepare = prepare;
    this.generation = 0; // which open() a pending `prepare` belongs to
    // A companion connection (the console) sits beside the venue page
    // instead of replacing it.
    this.companion = companion;
    this.invite = invite;
    this.onMessage = onMessage;
    this.onState = onState;
    this.ws = null;
    this.joined = false;
    this.attempt = 0;
    this.retryTimer = 0;
    this.nextRid = 1;
    this.pending = new Map(); // rid -> {resolve, reject, timer}
    this.lastSeq = 0; // newest chat seq seen, sent on resume
    this.lastHeard = 0;
    this.stopped = false;
    this.name = load(this.key('name')) || '';
    window.addEventListener('online', () => { if (!this.stopped) this.retryNow(); });
    setInterval(() => this.watchdog(), 5000);
  }

  key(what) {
    return `amphi.${what}.${this.eventId}`;
  }

  get session() {
    return load(this.key('session'));
  }

  /** Whether a join can start without asking anything. */
  canStart() {
    return Boolean(this.session || (this.invite && this.name));
  }

  /** Starts (or restarts) connecting; `name` is used for an invite join. */
  start(name) {
    if (name !== undefined) {
      this.name = name;
      save(this.key('name'), name);
    }
    this.stopped = false;
    this.open();
  }

  open() {
    clearTimeout(this.retryTimer);
    if (this.ws) {
      this.ws.onclose = null;
      try { this.ws.close(); } catch { /* already closed */ }
      this.ws = null;
    }
    this.joined = false;
    this.onState('connecting');
    const generation = ++this.generation;
    Promise.resolve()
      .then(() => this.prepare?.())
      .then(
        () => {
          if (generation === this.generation && !this.stopped) this.connect();
        },
        (err) => {
          if (generation !== this.generation) return;
          console.warn('not connecting yet:', err);
          this.closed(1006);
        },
      );
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
      this.sendHello();
    };
    ws.onmessage = (e) => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      this.receive(msg);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.closed(e.code);
    };
  }

  sendHello() {
    this.probing = false;
    const hello = { type: 'hello', protocol: PROTOCOL, event: this.eventId };
    const session = this.session;
    if (session) {
      hello.resume = session;
      if (this.companion) hello.companion = true;
      // Within one page life we hold the chat we saw; after a reload we hold
      // nothing, so we ask for the recent history instead of the gap.
      if (this.lastSeq > 0) hello.last_seq = this.lastSeq;
    } else if (this.invite && this.name) {
      hello.invite = this.invite;
      hello.name = this.name;
    } else if (this.invite) {
      // No name yet: the server checks the invite before the name, so a
      // bad link is said first (and a personal invite, which carries its
      // holder's name, joins at once). A good one answers `invalid_name`.
      hello.invite = this.invite;
      this.probing = true;
    } else {
      this.onState('fatal', { code: 'no_invite' });
      return;
    }
    this.raw(hello);
  }

  receive(msg) {
    if (!this.joined) {
      if (msg.type === 'welcome') {
        if (msg.session) save(this.key('session'), msg.session);
        this.joined = true;
        this.attempt = 0;
        this.onMessage(msg);
        this.onState('online', msg);
        return;
      }
      if (msg.type === 'error' && msg.rid == null) {
        this.helloRefused(msg);
        return;
      }
    }
    if ((msg.type === 'ack' || msg.type === 'error') && msg.rid != null && this.pending.has(msg.rid)) {
      const p = this.pending.get(msg.rid);
      this.pending.delete(msg.rid);
      clearTimeout(p.timer);
      if (msg.type === 'ack') p.resolve(msg);
      else p.reject(msg);
      return;
    }
    this.onMessage(msg);
  }

  helloRefused(msg) {
    switch (msg.code) {
      case 'invalid_session':
        // The server forgot us (grace expired long ago, or new data dir):
        // join again through the invite, on the same socket.
        remove(this.key('session'));
        this.lastSeq = 0;
        this.sendHello();
        break;
      case 'invalid_name':
        this.onState('need-name', this.probing ? {} : { error: msg.message });
        this.probing = false;
        break;
      case 'invalid_invite':
      case 'invite_expired':
      case 'invite_used_up':
      case 'invite_revoked':
      case 'unknown_event':
      case 'protocol_version':
        this.stopped = true;
        this.onState('fatal', { code: msg.code, message: msg.message });
        break;
      default:
        // Storage or overload trouble: try again later.
        try { this.ws.close(); } catch { /* ignore */ }
    }
  }

  closed(code) {
    this.joined = false;
    for (const [rid, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject({ type: 'error', rid, code: 'disconnected', message: 'disconnected' });
    }
    this.pending.clear();
    const next = afterClose(code);
    if (!next.retry) {
      this.stopped = true;
      this.closedFor = next.state;
      this.onState(next.state, { code, key: next.key });
      return;
    }
    if (this.stopped) return;
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    // "Equal jitter": half fixed, half random, so a storm of clients spreads out
    // but nobody waits almost nothing twice in a row.
    const delay = Math.max(next.minDelay, Math.round(cap / 2 + Math.random() * (cap / 2)));
    this.attempt = Math.min(this.attempt + 1, 10);
    this.onState('waiting', { delay, at: Date.now() + delay });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** Reconnects at once (network came back, or the user asked). */
  retryNow() {
    if (this.joined || this.closedFor === 'banned') return;
    this.closedFor = null;
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  watchdog() {
    if (this.joined && Date.now() - this.lastHeard > SILENCE_LIMIT_MS) {
      // Half-open socket: nothing heard (not even pongs) for too long.
      try { this.ws.close(); } catch { /* ignore */ }
      this.closed(1006);
    }
  }

  raw(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  /** Sends a joined-only message without waiting for an answer. */
  send(msg) {
    return this.joined && this.raw(msg);
  }

  /** Sends with a `rid`; resolves on `ack`, rejects with the `error`. */
  request(msg) {
    return new Promise((resolve, reject) => {
      if (!this.joined) {
        reject({ type: 'error', code: 'disconnected', message: 'not connected' });
        return;
      }
      const rid = this.nextRid++;
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject({ type: 'error', rid, code: 'timeout', message: 'timeout' });
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(rid, { resolve, reject, timer });
      this.raw({ ...msg, rid });
    });
  }

  noteSeq(seq) {
    if (seq > this.lastSeq) this.lastSeq = seq;
  }
}

function load(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function save(key, value) {
  try { localStorage.setItem(key, value); } catch { /* storage off */ }
}
function remove(key) {
  try { localStorage.removeItem(key); } catch { /* storage off */ }
}

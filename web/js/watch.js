// The anonymous connection of the public screens (/live, /stage):
// `hello {watch: true}` → `watching`, then only what the public may see.
// Reconnects with backoff, except after the close codes that say not to
// (close.js); keeps the clock offset fresh.

import { PROTOCOL } from './connection.js';
import { afterClose } from './close.js';
import { Clock } from './clock.js';

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 10000;

export class Watch {
  constructor({ eventId, onMessage, onState }) {
    this.eventId = eventId;
    this.onMessage = onMessage;
    this.onState = onState;
    this.attempt = 0;
    this.clock = new Clock((msg) => this.raw(msg));
    this.open();
  }

  open() {
    this.onState('connecting');
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      this.raw({ type: 'hello', protocol: PROTOCOL, event: this.eventId, watch: true });
      this.clock.start();
    };
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      if (msg.type === 'pong') {
        this.clock.onPong(msg);
        return;
      }
      if (msg.type === 'watching') {
        this.attempt = 0;
        this.onState('online');
      }
      this.onMessage(msg);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.clock.stop();
      const next = afterClose(e.code);
      if (!next.retry) {
        this.onState('stopped', { code: e.code, key: next.key });
        return;
      }
      const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
      this.attempt = Math.min(this.attempt + 1, 10);
      this.onState('waiting');
      const delay = Math.max(next.minDelay, Math.round(cap / 2 + Math.random() * (cap / 2)));
      setTimeout(() => this.open(), delay);
    };
  }

  raw(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }
}

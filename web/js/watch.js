// The anonymous connection of the public screens (/live, /stage):
// `hello {watch: true}` → `watching`, then only what the public may see.
// Reconnects with backoff; keeps the clock offset fresh.

import { PROTOCOL } from './connection.js';
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
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.clock.stop();
      const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
      this.attempt = Math.min(this.attempt + 1, 10);
      this.onState('waiting');
      setTimeout(() => this.open(), Math.round(cap / 2 + Math.random() * (cap / 2)));
    };
  }

  raw(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }
}

// The server's WebSocket close codes (docs/protocol.md, "Close codes") and
// what a client does after each: the venue page (connection.js) and the
// public screens (watch.js) both decide here, so a code means one thing.

export const CLOSE = {
  GOING_AWAY: 1001,
  TOO_BIG: 1009,
  REPLACED: 4001,
  KICKED: 4002,
  HELLO_TIMEOUT: 4003,
  BANNED: 4004,
  TOO_SLOW: 4008,
  FLOOD: 4029,
};

/** Shortest wait before reconnecting after a flood close (4029). */
export const FLOOD_PAUSE_MS = 10000;

/**
 * What to do after a close with `code`:
 * - `{retry: true, minDelay}`: reconnect with backoff (and `resume`), not
 *   sooner than `minDelay` ms;
 * - `{retry: false, state, key}`: stop reconnecting; `state` names why
 *   (`replaced`, `kicked`, `banned`) and `key` is the i18n key of the
 *   message that says so plainly.
 */
export function afterClose(code) {
  switch (code) {
    case CLOSE.REPLACED:
      return { retry: false, state: 'replaced', key: 'conn.replacedHelp' };
    case CLOSE.KICKED:
      // The person may come back, but not by itself: they choose to.
      return { retry: false, state: 'kicked', key: 'close.kicked' };
    case CLOSE.BANNED:
      return { retry: false, state: 'banned', key: 'close.banned' };
    case CLOSE.FLOOD:
      return { retry: true, minDelay: FLOOD_PAUSE_MS };
    default:
      // 1001 (restart), 1006 (network), 1009, 4003, 4008: come back and resume.
      return { retry: true, minDelay: 0 };
  }
}

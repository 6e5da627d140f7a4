// What the venue's media connection (media.js) and the public pages'
// receive-only one (live_media.js) do alike: wait for ICE gathering, and keep
// the tracks they receive — who sends each one (listed in the server's
// `media_offer`) and the browser's track once it has arrived.

/** How long an offer waits for ICE gathering before it leaves anyway. */
export const GATHER_MS = 1500;

/** Resolves once ICE gathering is complete, or after GATHER_MS. */
export function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    pc.addEventListener('icegatheringstatechange', check);
    setTimeout(done, GATHER_MS);
  });
}

/**
 * Answers the server's offer on `pc`: records who sends each listed track,
 * sends the answer through `send` unless `pc` was replaced meanwhile
 * (`current()` false), and forgets the tracks the offer no longer lists
 * (their m-lines were stopped). Resolves to whether the answer was sent.
 */
export async function answerOffer(pc, msg, { tracks, remote }, current, send) {
  for (const track of msg.tracks) tracks.set(track.mid, { member: track.member, source: track.source });
  await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  if (!current()) return false;
  send({ type: 'media_answer', sdp: pc.localDescription.sdp });
  const listed = new Set(msg.tracks.map((tr) => tr.mid));
  for (const mid of [...remote.keys()]) if (!listed.has(mid)) remote.delete(mid);
  for (const mid of [...tracks.keys()]) if (!listed.has(mid)) tracks.delete(mid);
  return true;
}

/** Keeps a track that arrived (`ontrack`) under its m-line until it ends. */
export function keepArrivedTrack(e, { tracks, remote }, render) {
  const mid = e.transceiver.mid;
  const info = tracks.get(mid);
  if (!info) return;
  remote.set(mid, { ...info, track: e.track });
  e.track.onended = () => {
    remote.delete(mid);
    render();
  };
  render();
}

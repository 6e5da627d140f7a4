// Simulcast: the camera and the screen are sent as several quality layers
// at once, told apart by their rid; the media server forwards each receiver
// the best layer its link carries (src/media/layers.rs ranks the rids:
// q < h < f).
//
// The layers are negotiated once, with the connection; which of them the
// browser actually encodes is switched without renegotiating (an
// encoding's `active`). Lower layers cost the sender encoding time and
// upload, and only help when someone may need them: they are on in the
// amphitheatre (the stage: hundreds of receivers on every kind of link)
// and in conversations of more than LAYERED_FROM people; a table of four
// gets the full layer only, as without simulcast.

/** Conversations of at least this many people get the lower layers. */
export const LAYERED_FROM = 5;

/**
 * The layers of each video source, lowest first. The camera (640×360)
 * has two: browsers send at most two layers of so small a picture.
 */
const LAYERS = {
  camera: [
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 200_000 },
    { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 800_000 },
  ],
  screen: [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
    { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_500_000 },
  ],
};

/** The `sendEncodings` of a video transceiver for `source`. */
export function sendEncodings(source) {
  return LAYERS[source].map((layer) => ({ ...layer }));
}

/** Whether a conversation should get the lower layers. */
export function layered(conversation) {
  if (!conversation) return false;
  return conversation.kind === 'amphitheatre' || conversation.members.length >= LAYERED_FROM;
}

/**
 * Turns the lower layers of the camera and screen senders on or off (the
 * full layer always stays on).
 */
export async function applyLayers(senders, on) {
  for (const source of ['camera', 'screen']) {
    const sender = senders[source].sender;
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length < 2) continue;
    let changed = false;
    for (const encoding of params.encodings) {
      const active = on || encoding.rid === 'f';
      if (encoding.active !== active) {
        encoding.active = active;
        changed = true;
      }
    }
    if (changed) await sender.setParameters(params).catch((err) => console.error(err));
  }
}

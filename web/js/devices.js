// The camera and microphone a person chose on the check page (/check),
// remembered in this browser (localStorage) and used by the venue's media
// connection. A chosen device that is gone falls back to the default one.

const KEYS = { mic: 'amphi.device.mic', camera: 'amphi.device.camera' };

/** The remembered device id for `kind` ('mic' or 'camera'), or ''. */
export function chosenDevice(kind) {
  try {
    return localStorage.getItem(KEYS[kind]) || '';
  } catch {
    return '';
  }
}

/** Remembers `id` for `kind` ('' forgets it). */
export function chooseDevice(kind, id) {
  try {
    if (id) localStorage.setItem(KEYS[kind], id);
    else localStorage.removeItem(KEYS[kind]);
  } catch {
    // Private browsing without storage: the choice lasts this page only.
  }
}

/**
 * Opens the chosen device of `kind` ('mic' or 'camera'; `base`: the
 * constraints without a device, e.g. `true` or a size), or the default one
 * when none was chosen or the chosen one is gone. Returns its track.
 */
export async function openDevice(kind, base) {
  const key = kind === 'mic' ? 'audio' : 'video';
  const id = chosenDevice(kind);
  const open = async (constraint) => {
    const stream = await navigator.mediaDevices.getUserMedia({ [key]: constraint });
    return stream.getTracks()[0];
  };
  if (id) {
    try {
      return await open({ ...(base === true ? {} : base), deviceId: { exact: id } });
    } catch (err) {
      if (err.name !== 'OverconstrainedError' && err.name !== 'NotFoundError') throw err;
    }
  }
  return open(base);
}

// The stage's picture and sound on /live and /stage, without a login: one
// receive-only RTCPeerConnection to the media server, signalled over the
// page's watch connection (see docs/media.md, "The public pages").
//
// The page offers a single receive-only m-line (a watcher never sends; the
// server refuses an offer that would); afterwards only the server offers,
// adding an m-line per track of whoever is on the stage. Browsers play sound
// only after a click on the page, so everything starts muted behind a large
// "click to listen" button. The countdown is drawn in step with the picture:
// the picture's delay (network, jitter buffer, decoding), measured from
// `getStats()`, is handed to the page's clock (`setPictureDelay`).

import { t } from './i18n.js';
import { h, fill } from './ui.js';
import { GATHER_MS, answerOffer, gathered, keepArrivedTrack } from './remote_tracks.js';

/** Longest wait for the TURN relays and for ICE candidates (ms). */
/** Wait before offering again after the connection ended (ms). */
const RETRY_MS = 3000;
/** Wait before asking again when the picture was full (ms). */
const FULL_RETRY_MS = 30000;
/** How often the picture's delay is measured (ms). */
const MEASURE_MS = 1000;

export class LiveMedia {
  /**
   * @param {object} o
   * @param {{raw: function}} o.watch the page's watch connection
   * @param {HTMLElement} o.root where the picture goes
   * @param {function} o.caption (source) => the text under a video
   * @param {function} o.setPictureDelay hands the picture's delay (ms) to the clock
   */
  constructor({ watch, root, caption, setPictureDelay }) {
    this.watch = watch;
    this.caption = caption;
    this.setPictureDelay = setPictureDelay;
    this.pc = null;
    this.tracks = new Map(); // mid -> {member, source}
    this.remote = new Map(); // mid -> {member, source, track}
    this.listening = false;
    this.state = 'off'; // off | connecting | on | full | unavailable
    this.delayMs = 0;
    this.chain = Promise.resolve();
    this.listen = h('button', { type: 'button', class: 'btn live-listen', id: 'live-listen', 'aria-pressed': 'false', onclick: () => this.toggleListening() });
    this.videos = h('div', { class: 'live-videos', id: 'live-videos', role: 'group', 'aria-label': t('liveMedia.picture') });
    this.sounds = h('div', { hidden: true });
    this.note = h('p', { class: 'live-media-note', id: 'live-media-note', role: 'status' });
    this.root = root;
    fill(root, this.videos, this.listen, this.note, this.sounds);
    setInterval(() => this.measure().catch(() => {}), MEASURE_MS);
    this.render();
  }

  /** Every `watching` (first connection and reconnections): start afresh. */
  start() {
    this.close();
    clearTimeout(this.retry);
    this.state = 'connecting';
    this.render();
    this.open();
  }

  async open() {
    const iceServers = await new Promise((resolve) => {
      this.iceWaiter = resolve;
      setTimeout(() => resolve([]), GATHER_MS);
      this.watch.raw({ type: 'media_ice_servers' });
    });
    this.iceWaiter = null;
    if (this.pc || this.state !== 'connecting') return;
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
    this.pc = pc;
    // Something to connect with; the stage's tracks come in the server's offers.
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (e) => this.trackArrived(e);
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') {
        this.state = 'on';
        this.render();
      } else if (pc.connectionState === 'failed') this.again();
    };
    this.step(async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (pc === this.pc) this.watch.raw({ type: 'media_offer', sdp: pc.localDescription.sdp });
    });
  }

  /** Offers again a little later (the connection ended or failed). */
  again() {
    this.close();
    this.state = 'connecting';
    this.render();
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.open(), RETRY_MS);
  }

  close() {
    if (this.pc) this.pc.close();
    this.pc = null;
    this.tracks.clear();
    this.remote.clear();
    this.setPictureDelay(0);
    this.render();
  }

  step(fn) {
    this.chain = this.chain.then(fn).catch((err) => console.error(err));
    return this.chain;
  }

  /** A message of the watch connection; true when it was about media. */
  handle(msg) {
    switch (msg.type) {
      case 'media_ice_servers':
        if (this.iceWaiter) this.iceWaiter(msg.ice_servers);
        return true;
      case 'media_answer':
        if (this.pc) {
          const pc = this.pc;
          this.step(() => pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }));
        }
        return true;
      case 'media_offer':
        if (this.pc) this.answer(msg);
        return true;
      case 'media_closed':
        this.again();
        return true;
      case 'error':
        return this.refused(msg);
      default:
        return false;
    }
  }

  refused(msg) {
    const code = msg.code;
    if (code === 'live_media_full') {
      this.state = 'full';
      // A place may free up: ask again now and then.
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.start(), FULL_RETRY_MS);
    } else if (code === 'media_unavailable' || code === 'no_stage' || code === 'forbidden') this.state = 'unavailable';
    else if (['bad_sdp', 'offer_refused', 'watcher_cannot_send', 'no_pending_offer', 'no_media_connection', 'rate_limited'].includes(code)) {
      this.again();
      return true;
    } else return false;
    this.close();
    return true;
  }

  answer(msg) {
    const pc = this.pc;
    this.step(async () => {
      const sent = await answerOffer(pc, msg, this, () => pc === this.pc, (m) => this.watch.raw(m));
      if (sent) this.render();
    });
  }

  trackArrived(e) {
    keepArrivedTrack(e, this, () => this.render());
  }

  /** The viewer's click: sound on (browsers allow it after a gesture), or off again. */
  toggleListening() {
    this.listening = !this.listening;
    for (const el of this.sounds.querySelectorAll('audio')) {
      el.muted = !this.listening;
      if (this.listening) el.play().catch(() => {});
    }
    this.render();
  }

  render() {
    const entries = [...this.remote.entries()];
    const audios = entries.filter(([, r]) => r.track.kind === 'audio');
    const have = new Set([...this.sounds.querySelectorAll('audio')].map((el) => el.dataset.mid));
    if (audios.length !== have.size || audios.some(([mid]) => !have.has(mid))) {
      fill(this.sounds, ...audios.map(([mid, r]) => {
        const el = h('audio', { autoplay: true, dataset: { mid } });
        el.muted = !this.listening;
        el.srcObject = new MediaStream([r.track]);
        return el;
      }));
    }
    // Screens first (the slides), then cameras.
    const videos = entries.filter(([, r]) => r.track.kind === 'video')
      .sort(([, a], [, b]) => (b.source === 'screen') - (a.source === 'screen'));
    const shown = new Map([...this.videos.querySelectorAll('video')].map((el) => [el.dataset.mid, el]));
    const same = videos.length === shown.size && videos.every(([mid]) => shown.has(mid));
    if (!same) {
      fill(this.videos, ...videos.map(([mid, r]) => {
        const video = h('video', { autoplay: true, playsinline: true, dataset: { mid } });
        video.muted = true; // the sound plays from the <audio> elements
        video.srcObject = new MediaStream([r.track]);
        return h('figure', { class: `live-video live-video-${r.source}`, dataset: { source: r.source, member: r.member } },
          video, h('figcaption', null, this.caption(r.source)));
      }));
    } else {
      for (const [mid, r] of videos) {
        const cap = shown.get(mid).parentElement.querySelector('figcaption');
        if (cap) cap.textContent = this.caption(r.source);
      }
    }
    const picture = videos.length > 0;
    // Nothing on the page until there is something to see or hear (the
    // countdown keeps its room on the projector), or to say it is full.
    this.root.hidden = !(picture || audios.length > 0 || this.state === 'full');
    this.root.dataset.state = this.state;
    this.root.classList.toggle('has-picture', picture);
    this.videos.hidden = !picture;
    this.listen.hidden = audios.length === 0 && !picture;
    this.listen.setAttribute('aria-pressed', String(this.listening));
    this.listen.textContent = t(this.listening ? 'liveMedia.mute' : 'liveMedia.listen');
    this.videos.setAttribute('aria-label', t('liveMedia.picture'));
    const full = this.state === 'full';
    this.note.textContent = full ? t('liveMedia.full') : '';
    this.note.hidden = !full;
  }

  /**
   * How far behind the server the picture is shown: the network (half the
   * round trip), the jitter buffer and the decoding of the video, averaged
   * over the last second. The countdown is drawn that far behind too.
   */
  async measure() {
    if (!this.pc || this.measuring) return;
    this.measuring = true;
    try {
      const stats = await this.pc.getStats();
      let rtt = 0;
      let video = null;
      for (const s of stats.values()) {
        if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime != null) rtt = s.currentRoundTripTime;
        if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.jitterBufferEmittedCount || 0) > 0
          && (!video || s.jitterBufferEmittedCount > video.jitterBufferEmittedCount)) video = s;
      }
      if (!video) {
        this.last = null;
        return;
      }
      const last = this.last && this.last.id === video.id ? this.last : { jitterBufferDelay: 0, jitterBufferEmittedCount: 0, totalDecodeTime: 0, framesDecoded: 0 };
      const emitted = video.jitterBufferEmittedCount - last.jitterBufferEmittedCount;
      const decoded = (video.framesDecoded || 0) - last.framesDecoded;
      this.last = video;
      if (emitted <= 0) return;
      const jitter = (video.jitterBufferDelay - last.jitterBufferDelay) / emitted;
      const decode = decoded > 0 ? ((video.totalDecodeTime || 0) - last.totalDecodeTime) / decoded : 0;
      this.delayMs = Math.round((rtt / 2 + jitter + decode) * 1000);
      this.root.dataset.delayMs = String(this.delayMs);
      this.setPictureDelay(this.delayMs);
    } finally {
      this.measuring = false;
    }
  }
}

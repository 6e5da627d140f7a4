// Voice, video and screen sharing: one RTCPeerConnection to the server's
// media server (an SFU), signalled over the venue's WebSocket.
//
// The page offers once, with three send-only transceivers in a fixed order
// (microphone, camera, screen); turning a device on or off only swaps the
// track on its transceiver, so it never renegotiates. Afterwards only the
// server offers: when the people we should hear change, it sends
// `media_offer` (with whose each m-line is) and we answer. The server alone
// decides who we hear (the conversation: table, desk, jury room, bubble).
//
// Shortcuts: Ctrl+D microphone, Ctrl+E camera (as in common meeting tools).

import { t, tn } from './i18n.js';
import { h, $, fill, toast } from './ui.js';
import { openDevice } from './devices.js';
import { applyLayers, layered, sendEncodings } from './simulcast.js';
import { GATHER_MS, answerOffer, gathered, keepArrivedTrack } from './remote_tracks.js';

/** Most videos shown at once; screens first, then the latest speakers. */
export const MAX_VIDEOS = 9;
/** Audio level above which someone counts as speaking (0..1). */
const SPEAKING_LEVEL = 0.02;
/** How long after the last loud sample someone still counts as speaking. */
const SPEAKING_HOLD_MS = 600;
/** Longest wait for ICE candidates before offering anyway. */

export class Media {
  constructor({ store, conn, onError }) {
    this.store = store;
    this.conn = conn;
    this.onError = onError;
    this.pc = null;
    this.senders = null; // {mic, camera, screen}: RTCRtpTransceiver
    this.local = { mic: null, camera: null, screen: null }; // MediaStreamTrack
    this.tracks = new Map(); // mid -> {member, source}
    this.remote = new Map(); // mid -> {member, source, track}
    this.audioOnly = false;
    this.mutedByModerator = new Set(); // member ids
    this.conversation = null;
    this.full = false;
    this.lastSpoke = new Map(); // member id -> ms
    this.speaking = new Set(); // member ids speaking now
    this.chain = Promise.resolve(); // signalling steps, one at a time
    this.buildUi();
    document.addEventListener('keydown', (e) => this.shortcut(e));
    this.levelTimer = setInterval(() => this.measureSpeaking().catch(() => {}), 250); // a closed connection's stats: next time
  }

  // ----- user interface -----

  buildUi() {
    const button = (id, key, action) =>
      h('button', { type: 'button', class: 'btn media-btn', id, 'aria-pressed': 'false', onclick: action }, t(key));
    this.bar = h('div', { class: 'media-bar', id: 'media-bar', role: 'toolbar', 'aria-label': t('media.toolbar') },
      button('media-join', 'media.join', () => (this.pc ? this.leave() : this.join())),
      button('media-mic', 'media.mic', () => this.toggle('mic')),
      button('media-camera', 'media.camera', () => this.toggle('camera')),
      button('media-screen', 'media.screen', () => this.toggle('screen')),
      button('media-audio-only', 'media.audioOnly', () => this.setAudioOnly(!this.audioOnly)),
      h('span', { class: 'media-where', id: 'media-where', role: 'status' }),
    );
    this.grid = h('div', { class: 'media-grid', id: 'media-grid', role: 'group', 'aria-label': t('media.videos') });
    this.sounds = h('div', { hidden: true });
    // Over the map, never over the side panel or its chat input.
    ($('#map-wrap') ?? document.body).append(this.bar, this.grid);
    document.body.append(this.sounds);
    this.renderBar();
  }

  renderBar() {
    const on = Boolean(this.pc);
    const set = (id, pressed, disabled = !on) => {
      const b = $(`#${id}`);
      b.setAttribute('aria-pressed', String(pressed));
      b.disabled = disabled;
    };
    $('#media-join').textContent = t(on ? 'media.leave' : 'media.join');
    set('media-mic', Boolean(this.local.mic));
    set('media-camera', Boolean(this.local.camera), !on || this.audioOnly);
    set('media-screen', Boolean(this.local.screen));
    set('media-audio-only', this.audioOnly);
    const where = $('#media-where');
    if (!on) where.textContent = '';
    else if (this.full) where.textContent = t('media.full');
    else if (!this.conversation) where.textContent = t('media.alone');
    else {
      const others = this.conversation.members.length - 1;
      where.textContent = tn('media.with', others, { room: this.store.roomLabel(this.conversation.room) });
    }
  }

  shortcut(e) {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey || !this.pc) return;
    const key = e.key.toLowerCase();
    if (key === 'd') this.toggle('mic');
    else if (key === 'e') this.toggle('camera');
    else return;
    e.preventDefault();
  }

  // ----- connection -----

  /** Opens the media connection and sends the offer. */
  async join() {
    if (this.pc || this.joining) return;
    this.joining = true;
    const iceServers = await this.iceServers();
    this.joining = false;
    if (this.pc) return;
    // `?relay=1` forces the TURN relay, to check it works from a network.
    const relay = new URLSearchParams(location.search).get('relay') === '1';
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle', iceTransportPolicy: relay ? 'relay' : 'all' });
    this.pc = pc;
    this.senders = {
      mic: pc.addTransceiver('audio', { direction: 'sendonly' }),
      camera: pc.addTransceiver('video', { direction: 'sendonly', sendEncodings: sendEncodings('camera') }),
      screen: pc.addTransceiver('video', { direction: 'sendonly', sendEncodings: sendEncodings('screen') }),
    };
    pc.ontrack = (e) => this.trackArrived(e);
    pc.onconnectionstatechange = () => {
      if (pc === this.pc && pc.connectionState === 'failed') {
        toast(t('media.failed'), 'error');
        this.leave();
      }
    };
    this.renderBar();
    await this.step(async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (pc !== this.pc) return;
      this.conn.request({ type: 'media_offer', sdp: pc.localDescription.sdp }).catch((err) => {
        this.onError(err);
        if (pc === this.pc) this.leave();
      });
    });
  }

  /** The TURN relays the server hands out (none when not configured). */
  iceServers() {
    return new Promise((resolve) => {
      this.iceWaiter = resolve;
      setTimeout(() => resolve([]), GATHER_MS);
      if (!this.conn.send({ type: 'media_ice_servers' })) resolve([]);
    });
  }

  /** Hangs up: devices off, connection closed. */
  leave() {
    if (!this.pc) return;
    for (const source of Object.keys(this.local)) this.stopLocal(source);
    this.close();
    this.conn.send({ type: 'media_leave' });
  }

  /**
   * The server ended our connection because our conversation lives on
   * another media server: a new connection (it goes there), devices kept.
   */
  async rejoin() {
    if (!this.pc) return;
    const kept = { ...this.local };
    this.local = { mic: null, camera: null, screen: null };
    this.close();
    await this.join();
    for (const [source, track] of Object.entries(kept)) {
      if (track && track.readyState === 'live') await this.useTrack(source, track);
    }
  }

  /** Closes the connection (the server side is already gone or told). */
  close() {
    this.pc.close();
    this.pc = null;
    this.senders = null;
    this.tracks.clear();
    this.remote.clear();
    this.conversation = null;
    this.full = false;
    this.renderMedia();
    this.renderBar();
  }

  /** Runs signalling steps one after the other. */
  step(fn) {
    this.chain = this.chain.then(fn).catch((err) => {
      console.error(err);
      this.onError({ code: 'media', message: String(err && err.message ? err.message : err) });
    });
    return this.chain;
  }

  handle(msg) {
    switch (msg.type) {
      case 'media_answer':
        if (this.pc) {
          const pc = this.pc;
          this.step(() => pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }));
        }
        break;
      case 'media_offer':
        if (this.pc) this.answer(msg);
        break;
      case 'media_ice_servers':
        if (this.iceWaiter) this.iceWaiter(msg.ice_servers);
        this.iceWaiter = null;
        break;
      case 'media_conversation':
        this.conversation = msg.conversation;
        this.full = msg.full;
        if (this.senders) applyLayers(this.senders, layered(this.conversation));
        this.renderBar();
        break;
      case 'media_muted':
        if (msg.muted) this.mutedByModerator.add(msg.member);
        else this.mutedByModerator.delete(msg.member);
        if (this.store.me && msg.member === this.store.me.id) {
          toast(t(msg.muted ? 'media.youMuted' : 'media.youUnmuted'), msg.muted ? 'error' : 'info');
          if (msg.muted) this.stopLocal('mic');
        }
        this.renderMedia();
        this.renderBar();
        break;
      case 'media_closed':
        if (msg.rejoin) {
          this.rejoin();
          break;
        }
        toast(t('media.failed'), 'error');
        this.leave();
        break;
    }
  }

  answer(msg) {
    const pc = this.pc;
    this.step(async () => {
      const sent = await answerOffer(pc, msg, this, () => pc === this.pc, (m) => this.conn.send(m));
      if (sent) this.renderMedia();
    });
  }

  trackArrived(e) {
    keepArrivedTrack(e, this, () => this.renderMedia());
  }

  // ----- devices -----

  async toggle(source) {
    if (!this.pc) return;
    if (this.local[source]) {
      this.stopLocal(source);
      this.renderBar();
      return;
    }
    try {
      let track;
      if (source === 'mic') {
        if (this.store.me && this.mutedByModerator.has(this.store.me.id)) {
          toast(t('media.youMuted'), 'error');
          return;
        }
        track = await openDevice('mic', true);
      } else if (source === 'camera') {
        if (this.audioOnly) return;
        track = await openDevice('camera', { width: 640, height: 360 });
      } else {
        track = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks()[0];
      }
      await this.useTrack(source, track);
    } catch (err) {
      toast(t('media.deviceFailed'), 'error');
      console.error(err);
    }
  }

  /** Sends `track` as `source` (also used for tracks made by the page). */
  async useTrack(source, track) {
    if (!this.pc || !track) return;
    this.stopLocal(source);
    this.local[source] = track;
    track.onended = () => {
      if (this.local[source] === track) this.stopLocal(source);
      this.renderBar();
    };
    await this.senders[source].sender.replaceTrack(track);
    await applyLayers(this.senders, layered(this.conversation));
    this.renderBar();
  }

  stopLocal(source) {
    const track = this.local[source];
    if (!track) return;
    track.stop();
    this.local[source] = null;
    if (this.senders) this.senders[source].sender.replaceTrack(null).catch(() => {});
  }

  setAudioOnly(on) {
    this.audioOnly = on;
    if (on) this.stopLocal('camera');
    if (this.pc) this.conn.send({ type: 'media_settings', audio_only: on });
    this.renderMedia();
    this.renderBar();
  }

  // ----- what is shown -----

  /** The remote videos to show: screens, then the latest speakers, at most MAX_VIDEOS. */
  shownVideos() {
    const videos = [...this.remote.entries()].filter(([, r]) => r.track.kind === 'video');
    const score = ([, r]) => (r.source === 'screen' ? 1e15 : 0) + (this.lastSpoke.get(r.member) || 0);
    videos.sort((a, b) => score(b) - score(a));
    return this.audioOnly ? [] : videos.slice(0, MAX_VIDEOS);
  }

  renderMedia() {
    // Sound: one <audio> per remote microphone.
    const audios = [...this.remote.entries()].filter(([, r]) => r.track.kind === 'audio');
    fill(this.sounds, ...audios.map(([mid, r]) => {
      const el = h('audio', { autoplay: true, dataset: { mid } });
      el.srcObject = new MediaStream([r.track]);
      return el;
    }));
    const tiles = this.shownVideos().map(([mid, r]) => this.tile(mid, r));
    fill(this.grid, ...tiles);
    this.grid.hidden = tiles.length === 0;
  }

  tile(mid, r) {
    const video = h('video', { autoplay: true, playsinline: true, dataset: { mid } });
    video.muted = true;
    video.srcObject = new MediaStream([r.track]);
    const name = this.store.nameOf(r.member);
    const moderator = this.store.me && this.store.me.role === 'moderator';
    const muted = this.mutedByModerator.has(r.member);
    return h('figure', { class: `media-tile${this.speaking.has(r.member) ? ' speaking' : ''}`, dataset: { member: r.member, source: r.source } },
      video,
      h('figcaption', null, r.source === 'screen' ? t('media.screenOf', { name }) : name,
        moderator && r.source !== 'screen'
          ? h('button', { type: 'button', class: 'link-button', onclick: () => this.moderate(r.member, !muted) }, t(muted ? 'media.unmute' : 'media.mute'))
          : null),
    );
  }

  moderate(member, muted) {
    this.conn.request({ type: 'media_mute', member, muted }).catch(this.onError);
  }

  /**
   * Who speaks now: the level of each received microphone. The level the
   * sender put in each packet, or else the level of the sound decoded here
   * (`getStats`), so the indicator does not depend on the header extension
   * alone.
   */
  async measureSpeaking() {
    if (!this.pc || this.measuring) return;
    this.measuring = true;
    try {
      const now = Date.now();
      for (const transceiver of this.pc.getTransceivers()) {
        const receiver = transceiver.receiver;
        if (receiver.track.kind !== 'audio') continue;
        const info = transceiver.mid && this.tracks.get(transceiver.mid);
        if (!info) continue;
        let level = receiver.getSynchronizationSources()[0]?.audioLevel || 0;
        if (level <= SPEAKING_LEVEL) {
          const stats = await receiver.getStats();
          for (const report of stats.values()) {
            if (report.type === 'inbound-rtp') level = Math.max(level, report.audioLevel || 0);
          }
        }
        if (level > SPEAKING_LEVEL) this.lastSpoke.set(info.member, now);
      }
      this.showSpeaking(now);
    } finally {
      this.measuring = false;
    }
  }

  showSpeaking(now) {
    const speaking = new Set([...this.lastSpoke].filter(([, at]) => now - at < SPEAKING_HOLD_MS).map(([m]) => m));
    const changed = speaking.size !== this.speaking.size || [...speaking].some((m) => !this.speaking.has(m));
    this.speaking = speaking;
    this.store.speaking = speaking;
    if (changed) {
      for (const tile of this.grid.querySelectorAll('.media-tile')) {
        tile.classList.toggle('speaking', speaking.has(Number(tile.dataset.member)));
      }
      this.store.emit('speaking', speaking);
    }
  }
}

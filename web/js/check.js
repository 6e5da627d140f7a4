// /check: camera, microphone, speakers and network, tested before the day,
// with the camera and microphone chosen here remembered for the venue
// (devices.js). No picture or sound is sent anywhere: the page opens the
// devices, asks the server whether it answers, and tests the way to the
// media server with a probe connection that receives nothing, only
// completes ICE and DTLS, and is closed a few seconds later (first
// directly, then through the TURN relay when the venue has one).

import { t, applyI18n, setLang, getLang, LANGS, onLangChange } from './i18n.js';
import { $, h, fill } from './ui.js';
import { chosenDevice, chooseDevice, openDevice } from './devices.js';

/** What the page found, for people and for tests. */
const state = { camera: null, mic: null, level: 0, loudest: 0, server: null, udp: null, tcp: null, relay: null, media: null };
window.amphiCheck = state;

let stream = null;
let meterTimer = null;
let audio = null;

function setupLang() {
  const select = $('#lang-select');
  for (const { code, label } of LANGS) select.append(h('option', { value: code }, label));
  select.value = getLang();
  select.addEventListener('change', () => setLang(select.value));
  const back = $('#check-back');
  const params = new URLSearchParams(location.search);
  if (params.get('back')?.startsWith('/')) back.href = params.get('back');
  applyI18n(document);
  onLangChange(render);
}

function render() {
  const status = (id, key) => { $(id).textContent = key ? t(key) : ''; };
  status('#check-camera-status', state.camera === null ? 'check.waiting' : state.camera ? 'check.cameraOk' : 'check.cameraFailed');
  status('#check-mic-status', state.mic === null ? 'check.waiting' : !state.mic ? 'check.micFailed' : state.loudest > 0.02 ? 'check.micOk' : 'check.micSilent');
  status('#check-net-status', state.server === null ? 'check.waiting' : state.server ? 'check.serverOk' : 'check.serverFailed');
  status('#check-media-status', mediaVerdict());
}

/** What the media probes found, as one sentence's key. */
function mediaVerdict() {
  if (state.media === null) return 'check.waiting';
  if (state.media === 'off') return 'check.mediaOff';
  if (state.media === 'busy') return 'check.mediaBusy';
  if (state.udp) return state.relay === false ? 'check.udpOkRelayFailed' : 'check.udpOk';
  if (state.relay) return 'check.relayNeeded';
  if (state.tcp) return state.relay === false ? 'check.tcpOnlyRelayFailed' : 'check.tcpOnly';
  return state.relay === false ? 'check.noMediaRelayFailed' : 'check.noMedia';
}

/** Opens the chosen devices (each on its own: one may work without the other). */
async function open() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = new MediaStream();
  try {
    stream.addTrack(await openDevice('camera', { width: 640, height: 360 }));
    state.camera = true;
  } catch {
    state.camera = false;
  }
  try {
    stream.addTrack(await openDevice('mic', true));
    state.mic = true;
  } catch {
    state.mic = false;
  }
  $('#check-video').srcObject = new MediaStream(stream.getVideoTracks());
  measure();
  await listDevices();
  render();
}

/** Fills the two selects (labels are known once a device was opened). */
async function listDevices() {
  const all = await navigator.mediaDevices.enumerateDevices();
  const fillSelect = (select, kind, key) => {
    const current = stream.getTracks().find((tr) => tr.kind === (kind === 'videoinput' ? 'video' : 'audio'));
    const inUse = current?.getSettings().deviceId || chosenDevice(key);
    const options = all.filter((d) => d.kind === kind).map((d, i) =>
      h('option', { value: d.deviceId }, d.label || `${t(key === 'camera' ? 'check.camera' : 'check.mic')} ${i + 1}`));
    fill(select, ...options);
    if (inUse) select.value = inUse;
  };
  fillSelect($('#check-camera'), 'videoinput', 'camera');
  fillSelect($('#check-mic'), 'audioinput', 'mic');
}

/** The microphone's level, measured a few times a second. */
function measure() {
  clearInterval(meterTimer);
  const track = stream.getAudioTracks()[0];
  if (!track) return;
  audio ??= new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 1024;
  audio.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  meterTimer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    state.level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    state.loudest = Math.max(state.loudest, state.level);
    $('#check-mic-level').value = state.level;
    render();
  }, 100);
}

/** A short tone on the default output. */
function playTone() {
  audio ??= new AudioContext();
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.frequency.value = 440;
  gain.gain.value = 0.2;
  tone.connect(gain).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 1);
  $('#check-speakers-status').textContent = t('check.playing');
}

async function checkServer() {
  try {
    const response = await fetch('/healthz', { cache: 'no-store' });
    state.server = response.ok;
  } catch {
    state.server = false;
  }
  render();
}

/** Milliseconds a probe may take to connect before it counts as failed. */
const PROBE_MS = 8000;

/**
 * One probe: a receive-only connection to the media server that completes
 * ICE and DTLS and is closed. Resolves to how it connected ('udp', 'tcp' or
 * 'relay'), null when it did not, or 'busy' when the server refused to
 * start one now (it allows only a few at a time).
 */
async function probe(iceServers, relayOnly) {
  const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle', iceTransportPolicy: relayOnly ? 'relay' : 'all' });
  try {
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const response = await fetch('/api/check/probe', { method: 'POST', body: pc.localDescription.sdp, headers: { 'content-type': 'application/sdp' } });
    if (response.status === 429) return 'busy';
    if (!response.ok) return null;
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    const up = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), PROBE_MS);
      const check = () => {
        if (pc.connectionState === 'connected') { clearTimeout(timer); resolve(true); }
        if (pc.connectionState === 'failed') { clearTimeout(timer); resolve(false); }
      };
      pc.addEventListener('connectionstatechange', check);
      check();
    });
    if (!up) return null;
    for (const pair of (await pc.getStats()).values()) {
      if (pair.type !== 'candidate-pair' || pair.state !== 'succeeded' || !pair.nominated) continue;
      const local = (await pc.getStats()).get(pair.localCandidateId);
      if (local?.candidateType === 'relay') return 'relay';
      return local?.protocol === 'tcp' ? 'tcp' : 'udp';
    }
    return 'udp';
  } catch {
    return null;
  } finally {
    pc.close();
  }
}

/** Tests the way to the media server: directly, then through the relay. */
async function checkMedia() {
  let iceServers = [];
  try {
    const response = await fetch('/api/check/ice', { cache: 'no-store' });
    if (response.status === 404) { state.media = 'off'; render(); return; }
    if (response.status === 429) { state.media = 'busy'; render(); return; }
    iceServers = (await response.json()).ice_servers || [];
  } catch {
    state.media = 'busy';
    render();
    return;
  }
  const direct = await probe([], false);
  if (direct === 'busy') { state.media = 'busy'; render(); return; }
  state.udp = direct === 'udp';
  state.tcp = direct === 'udp' || direct === 'tcp';
  if (iceServers.length) {
    const relayed = await probe(iceServers, true);
    state.relay = relayed === 'busy' ? null : relayed === 'relay';
  }
  state.media = 'done';
  render();
}

setupLang();
render();
for (const [id, key] of [['#check-camera', 'camera'], ['#check-mic', 'mic']]) {
  $(id).addEventListener('change', (e) => {
    chooseDevice(key, e.target.value);
    state.loudest = 0;
    open();
  });
}
$('#check-speakers').addEventListener('click', playTone);
open();
checkServer();
checkMedia();

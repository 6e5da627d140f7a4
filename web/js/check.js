// /check: camera, microphone, speakers and network, tested before the day,
// with the camera and microphone chosen here remembered for the venue
// (devices.js). Nothing is sent anywhere: the page only opens the devices
// and asks the server whether it answers.

import { t, applyI18n, setLang, getLang, LANGS, onLangChange } from './i18n.js';
import { $, h, fill } from './ui.js';
import { chosenDevice, chooseDevice, openDevice } from './devices.js';

/** What the page found, for people and for tests. */
const state = { camera: null, mic: null, level: 0, loudest: 0, server: null };
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

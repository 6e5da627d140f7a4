// What /live and /stage share: language select, full-screen button,
// connection pill, the watch connection and the pitch timer.

import { t, applyI18n, setLang, getLang, LANGS, onLangChange } from './i18n.js';
import { Watch } from './watch.js';
import { TimerView } from './timer.js';
import { $ } from './ui.js';

export function setupScreen({ onMessage, draw, onPhase }) {
  const params = new URLSearchParams(location.search);
  const eventId = params.get('event') || 'demo';
  const lang = $('#lang-select');
  for (const { code, label } of LANGS) {
    const o = document.createElement('option');
    o.value = code;
    o.textContent = label;
    lang.appendChild(o);
  }
  lang.value = getLang();
  lang.addEventListener('change', () => setLang(lang.value));
  applyI18n(document);

  const fs = $('#fullscreen');
  fs.addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'f' && !e.ctrlKey && !e.metaKey && !(e.target instanceof HTMLSelectElement)) fs.click();
  });
  const fsLabel = () => { fs.textContent = t(document.fullscreenElement ? 'screen.exitFullscreen' : 'screen.fullscreen'); };
  document.addEventListener('fullscreenchange', fsLabel);

  let state = 'connecting';
  let stoppedKey = null; // why the server asked us not to come back
  const renderConn = () => {
    $('#conn').className = `conn conn-${state === 'stopped' ? 'offline' : state}`;
    $('#conn-text').textContent = state === 'stopped' ? t(stoppedKey || 'close.stopped')
      : t(state === 'online' ? 'conn.online' : state === 'waiting' ? 'conn.reconnectingNow' : 'conn.connecting');
  };
  onLangChange(() => { renderConn(); fsLabel(); });
  renderConn();

  const watch = new Watch({
    eventId,
    onMessage,
    onState: (s, detail) => {
      state = s;
      stoppedKey = detail?.key ?? null;
      renderConn();
    },
  });
  // The countdown is drawn `pictureDelay` ms behind the server's clock, in
  // step with the stage's picture when one is shown (live_media.js).
  let pictureDelay = 0;
  const shown = {
    serverNow: () => watch.clock.serverNow() - pictureDelay,
    toLocal: (ms) => watch.clock.toLocal(ms) + pictureDelay,
    onChange: (fn) => watch.clock.onChange(fn),
  };
  const timer = new TimerView(shown, { draw, onPhase });
  const setPictureDelay = (ms) => {
    if (Math.abs(ms - pictureDelay) < 20) return;
    pictureDelay = ms;
    timer.refresh();
  };
  if (params.get('debug')) window.amphi = { watch, timer, pictureDelay: () => pictureDelay };
  return { watch, timer, setPictureDelay };
}

/** The state line under a clock: paused, Q&A, finished… */
export function timerStateText(timer) {
  if (!timer || timer.team == null) return '';
  const parts = [];
  if (timer.segment === 'qa') parts.push(t('pitch.qa'));
  if (timer.state === 'paused') parts.push(t('pitch.paused'));
  else if (timer.state === 'idle') parts.push(t('pitch.ready'));
  else if (timer.state === 'finished') parts.push(t('pitch.finished'));
  if (timer.count) parts.push(t('pitch.position', { n: (timer.index ?? 0) + 1, of: timer.count }));
  return parts.join(' · ');
}

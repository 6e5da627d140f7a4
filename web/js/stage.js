// /stage: the speaker's full-screen countdown. The whole page takes the
// phase colour (normal / warning / wrap-up / overtime); the moderator's
// message shows large under the clock.

import { t, onLangChange } from './i18n.js';
import { setupScreen, timerStateText } from './screen.js';
import { $ } from './ui.js';
import { showReactions } from './reactions.js';
import { questionsPanel } from './questions.js';
import { LiveMedia } from './live_media.js';

const teams = new Map();
// Read-only here: the picked question and the list, no form.
const questions = questionsPanel($('#questions'), { send: () => {}, canAsk: false, limit: 3 });
let pitch = null;
let onStage = null;

const { watch, timer, setPictureDelay } = setupScreen({
  onMessage: receive,
  draw: ({ text, phase, remaining }) => {
    const el = $('#clock');
    el.textContent = text;
    el.dataset.phase = phase;
    el.dataset.remainingMs = remaining == null ? '' : String(Math.round(remaining));
    el.dataset.drawnAt = String(performance.now());
    el.hidden = remaining == null;
    document.body.className = `screen stage-screen phase-${phase}${phase === 'overtime' ? ' overtime-blink' : ''}`;
  },
  onPhase: (phase) => { $('#phase-live').textContent = t(`phase.${phase}`); },
});

function receive(msg) {
  switch (msg.type) {
    case 'watching':
      teams.clear();
      for (const team of msg.teams) teams.set(team.id, team);
      document.title = `${msg.event.title} · ${t('stage.title')}`;
      render();
      liveMedia.start();
      break;
    case 'team_updated':
      teams.set(msg.team.id, msg.team);
      render();
      break;
    case 'pitch':
      pitch = msg;
      timer.set(msg.timer);
      render();
      break;
    case 'on_stage':
      onStage = msg;
      render();
      questions.update(null, msg.team);
      break;
    case 'reactions':
      showReactions($('#reactions'), msg);
      break;
    case 'questions':
      questions.update(msg, pitch?.timer?.team ?? onStage?.team);
      break;
    default:
      liveMedia.handle(msg);
  }
}

function name(id) {
  if (onStage?.team === id && onStage.team_name) return onStage.team_name;
  return teams.get(id)?.name ?? `#${id}`;
}

function render() {
  const tm = pitch?.timer;
  const team = tm?.team ?? null;
  $('#stage-team').textContent = team != null ? name(team) : t('live.nobody');
  $('#clock-state').textContent = timerStateText(tm);
  const msg = $('#speaker-message');
  msg.textContent = tm?.speaker_message ?? '';
  msg.hidden = !tm?.speaker_message;
  $('#next-team').textContent = tm?.next_team != null ? t('pitch.next', { team: name(tm.next_team) }) : '';
}

onLangChange(() => { render(); questions.render(); });
render();

// The stage's picture, behind the countdown (sound after a click).
const liveMedia = new LiveMedia({
  watch,
  root: $('#stage-media'),
  caption: (source) => {
    const team = pitch?.timer?.team ?? onStage?.team;
    const label = team != null ? name(team) : '';
    return source === 'screen' ? t('liveMedia.screenOf', { name: label }) : label;
  },
  setPictureDelay,
});
if (window.amphi) window.amphi.liveMedia = liveMedia;
onLangChange(() => liveMedia.render());

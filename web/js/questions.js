// The questions panel: the audience asks and upvotes, the moderator picks
// and hides (the server checks every right). Shows the questions of the
// team on stage, most upvoted first, as the server sends them.

import { t } from './i18n.js';
import { h, fill } from './ui.js';

/**
 * A panel in `root`. `send(msg)` sends a request; `me()` is one's member id
 * (null for a watcher); `moderator` adds pick and hide; `canAsk` the form;
 * `limit` shows only the first questions, and hides the read-only panel
 * while there are none (a projector has no room to spare).
 * Returns `update(questionsMsg, teamOnStage)` and `render()`.
 */
export function questionsPanel(root, { send, me = () => null, moderator = false, canAsk = true, limit = Infinity }) {
  let last = null;
  let team = null;
  const list = h('ol', { class: 'questions-list', 'aria-live': 'polite' });
  const picked = h('p', { class: 'questions-picked', role: 'status' });
  const input = h('input', { type: 'text', maxlength: '280', class: 'input', id: `${root.id}-text` });
  const label = h('label', { for: `${root.id}-text` });
  const submit = h('button', { type: 'submit', class: 'btn' });
  const form = h('form', { class: 'questions-form' }, label, input, submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send({ type: 'question', op: 'ask', text });
    input.value = '';
  });
  const heading = h('h2', { class: 'questions-h', id: `${root.id}-h` });
  root.setAttribute('aria-labelledby', heading.id);
  fill(root, heading, picked, list, canAsk ? form : null);

  function render() {
    heading.textContent = t('questions.title');
    label.textContent = t('questions.ask');
    input.placeholder = t('questions.placeholder');
    submit.textContent = t('questions.send');
    const all = (last?.questions ?? []).filter((q) => team == null || q.team === team).slice(0, limit);
    root.hidden = limit !== Infinity && !all.length;
    const chosen = all.find((q) => q.id === last?.picked);
    picked.textContent = chosen ? t('questions.picked', { text: chosen.text }) : '';
    picked.hidden = !chosen;
    if (!all.length) {
      fill(list, h('li', { class: 'questions-empty' }, t('questions.none')));
      return;
    }
    fill(list, ...all.map((q) => {
      const mine = q.upvoters.includes(me());
      const actions = [];
      if (canAsk) {
        const up = h('button', { type: 'button', class: 'btn', 'data-upvote': String(q.id), 'aria-label': t('questions.upvoteLabel', { text: q.text }), 'aria-pressed': mine ? 'true' : 'false' }, t('questions.upvote', { n: q.votes }));
        up.disabled = mine;
        up.addEventListener('click', () => send({ type: 'question', op: 'upvote', question: q.id }));
        actions.push(up);
      } else {
        actions.push(h('span', { class: 'questions-votes' }, t('questions.votes', { n: q.votes })));
      }
      if (moderator) {
        const pick = h('button', { type: 'button', class: 'btn', 'data-pick': String(q.id), 'aria-label': t('questions.pickLabel', { text: q.text }) }, t('questions.pick'));
        pick.addEventListener('click', () => send({ type: 'question', op: 'pick', question: q.id }));
        const hide = h('button', { type: 'button', class: 'btn btn-danger', 'data-hide': String(q.id), 'aria-label': t('questions.hideLabel', { text: q.text }) }, t('questions.hide'));
        hide.addEventListener('click', () => send({ type: 'question', op: 'hide', question: q.id }));
        actions.push(pick, hide);
      }
      return h('li', { class: q.id === last?.picked ? 'question picked' : 'question', 'data-question': String(q.id), 'data-votes': String(q.votes) }, h('span', { class: 'question-text' }, q.text), ' ', ...actions);
    }));
  }

  return {
    update(msg, onStage) {
      if (msg) last = msg;
      team = onStage ?? null;
      render();
    },
    render,
  };
}

// Reactions to the pitch on stage: the buttons that send them (venue, /live)
// and the floating counts the server sends once a second (venue, /live,
// /stage). The set is fixed; the wire carries names, never emoji.

import { t } from './i18n.js';
import { h } from './ui.js';

export const REACTIONS = [
  { name: 'clap', emoji: '👏' },
  { name: 'heart', emoji: '❤️' },
  { name: 'fire', emoji: '🔥' },
  { name: 'laugh', emoji: '😂' },
  { name: 'think', emoji: '🤔' },
];

/** Fills `container` with one labelled button per reaction; `send(msg)` sends it. */
export function reactionButtons(container, send) {
  container.replaceChildren(...REACTIONS.map(({ name, emoji }) => {
    const b = h('button', { type: 'button', class: 'btn reaction-btn', 'data-reaction': name, 'aria-label': t(`reaction.${name}`), title: t(`reaction.${name}`) }, emoji);
    b.addEventListener('click', () => send({ type: 'react', reaction: name }));
    return b;
  }));
}

/** Relabels the buttons after a language change. */
export function relabelReactions(container) {
  for (const b of container.querySelectorAll('[data-reaction]')) {
    const label = t(`reaction.${b.dataset.reaction}`);
    b.setAttribute('aria-label', label);
    b.title = label;
  }
}

/**
 * Shows one `reactions` frame in `container`: each kind floats up with its
 * count, then goes. The latest counts stay in `data-` attributes (tests).
 */
export function showReactions(container, msg) {
  for (const { name, emoji } of REACTIONS) {
    const n = msg.counts?.[name];
    if (!n) continue;
    container.dataset[name] = String(n);
    const bubble = h('span', { class: 'reaction-float', 'data-kind': name, 'aria-hidden': 'true' }, `${emoji} ${n}`);
    bubble.style.left = `${10 + Math.random() * 80}%`;
    container.appendChild(bubble);
    setTimeout(() => bubble.remove(), 2500);
  }
}
